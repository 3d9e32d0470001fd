package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Reviews is training support's review of coordinators' forms (seed 003,
// §5.3): a coordinator submits a mapping, a plan or an FGE form; training
// support comments on each section and says whether it meets the model.
type Reviews struct{ *core }

func (r *Reviews) families() *Families { return &Families{r.core} }

// errReviewPending is the error of submitting a form twice.
func errReviewPending() error {
	var v holf.Validation
	v.Add("review", "err.review_pending")
	return v.Err()
}

// Request submits form kind (record: the meeting for an FGE form) of
// family fam for review.
func (r *Reviews) Request(ctx context.Context, a *holf.Actor, fam int64, kind holf.ReviewKind, record int64, note string) (holf.Review, error) {
	f, role, err := r.families().load(ctx, a, policy.ReviewRequest, fam)
	if err != nil {
		return holf.Review{}, err
	}
	if err := r.modelTools(ctx, f.OfficeID); err != nil {
		return holf.Review{}, err
	}
	rv := holf.Review{OfficeID: f.OfficeID, FamilyID: fam, Kind: kind, RecordID: fam, Note: note, RequestedBy: a.PersonID, Status: holf.ReviewRequested}
	if kind == holf.ReviewFGE {
		if _, err := r.db.Meeting(ctx, fam, record); err != nil {
			return rv, err
		}
		rv.RecordID = record
	}
	if err := rv.Validate(); err != nil {
		return rv, err
	}
	open, err := r.db.Reviews(ctx, store.ReviewFilter{Offices: holf.Offices(f.OfficeID), Kind: kind, Record: rv.RecordID, Status: holf.ReviewRequested})
	if err != nil {
		return rv, err
	}
	if len(open) > 0 {
		return rv, errReviewPending()
	}
	err = r.db.RequestReview(ctx, event(a, role, "review.request", "family", fam, PurposeLearning), &rv)
	if holf.ErrorCode(err) == holf.EConflict {
		return rv, errReviewPending() // a second request raced this one
	}
	return rv, err
}

// Queue lists the reviews of the offices the caller reviews for: the
// requested ones, oldest first, then the last decided (audited as a list
// of the families).
func (r *Reviews) Queue(ctx context.Context, a *holf.Actor) ([]holf.Review, error) {
	if !policy.Allows(a, policy.ReviewView) {
		return nil, Forbidden()
	}
	rs, err := r.db.Reviews(ctx, store.ReviewFilter{Offices: policy.Visible(a, policy.ReviewView), Limit: 200})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(rs))
	for _, x := range rs {
		ids = append(ids, x.FamilyID)
	}
	slices.Sort(ids)
	return rs, r.recordList(ctx, a, policy.ReviewView, "review.list", "family", slices.Compact(ids), PurposeLearning)
}

// ReviewPage is one review with the form it is about.
type ReviewPage struct {
	Review  holf.Review
	Family  holf.Family
	Mapping holf.Mapping
	Plan    holf.Plan
	Meeting holf.Meeting
	CanGive bool
}

// Get shows review id of family fam with its form (audited).
func (r *Reviews) Get(ctx context.Context, a *holf.Actor, fam, id int64) (ReviewPage, error) {
	f, role, err := r.families().load(ctx, a, policy.ReviewView, fam)
	if err != nil {
		return ReviewPage{}, err
	}
	rs, err := r.db.Reviews(ctx, store.ReviewFilter{Offices: holf.Offices(f.OfficeID), Family: fam})
	if err != nil {
		return ReviewPage{}, err
	}
	i := slices.IndexFunc(rs, func(x holf.Review) bool { return x.ID == id })
	if i < 0 {
		return ReviewPage{}, holf.NotFound("review", id)
	}
	p := ReviewPage{Review: rs[i], Family: f, CanGive: policy.Decide(a, policy.ReviewGive, policy.FamilyResource("family", f.OfficeID, fam)).Allowed}
	switch p.Review.Kind {
	case holf.ReviewMapping:
		p.Mapping, err = r.db.Mapping(ctx, fam, 0)
		if holf.ErrorCode(err) == holf.ENotFound {
			err = nil
		}
	case holf.ReviewPlan:
		p.Plan, err = r.db.Plan(ctx, fam)
	case holf.ReviewFGE:
		p.Meeting, err = r.db.Meeting(ctx, fam, p.Review.RecordID)
	}
	if err != nil {
		return p, err
	}
	return p, r.recordView(ctx, a, role, "review.view", "family", fam, PurposeLearning)
}

// Decide stores training support's comments and verdict on review id.
func (r *Reviews) Decide(ctx context.Context, a *holf.Actor, fam, id, version int64, status holf.ReviewStatus, reason string, comments []holf.ReviewComment) (holf.Review, error) {
	f, role, err := r.families().load(ctx, a, policy.ReviewGive, fam)
	if err != nil {
		return holf.Review{}, err
	}
	rs, err := r.db.Reviews(ctx, store.ReviewFilter{Offices: holf.Offices(f.OfficeID), Family: fam})
	if err != nil {
		return holf.Review{}, err
	}
	i := slices.IndexFunc(rs, func(x holf.Review) bool { return x.ID == id })
	if i < 0 {
		return holf.Review{}, holf.NotFound("review", id)
	}
	if err := fromVersion(version); err != nil {
		return rs[i], err
	}
	rv := rs[i]
	rv.Version, rv.Status, rv.Reason, rv.Comments, rv.ReviewerID = version, status, reason, comments, a.PersonID
	if status == holf.ReviewRequested {
		var bad holf.Validation
		bad.Add("status", "err.review_verdict")
		return rv, bad.Err()
	}
	if err := rv.Validate(); err != nil {
		return rv, err
	}
	err = r.db.DecideReview(ctx, event(a, role, "review.decide", "family", fam, PurposeLearning), &rv)
	return rv, err
}

// ForForm lists the reviews of one form of family fam, for the form's own
// page: the coordinator sees the comments where the form is. The caller
// has already been allowed to see the family.
func (r *Reviews) ForForm(ctx context.Context, a *holf.Actor, f *holf.Family, kind holf.ReviewKind, record int64) ([]holf.Review, bool, error) {
	res := policy.FamilyResource("family", f.OfficeID, f.ID)
	if !policy.Decide(a, policy.ReviewView, res).Allowed {
		return nil, false, nil
	}
	rs, err := r.db.Reviews(ctx, store.ReviewFilter{Offices: holf.Offices(f.OfficeID), Kind: kind, Record: record})
	return rs, policy.Decide(a, policy.ReviewRequest, res).Allowed, err
}

// Logs are the action logs: training support's contact with coordinators
// and project management's with office leaders (§5.4).
type Logs struct{ *core }

// LogForm is what the entry form offers: the offices the caller may log
// for and the people there it may be about.
type LogForm struct {
	Kind     holf.LogKind
	Offices  []holf.Office
	Subjects []holf.Person
}

// logKind is the log the caller keeps: training support's or project
// management's; "" for neither.
func logKind(a *holf.Actor) holf.LogKind {
	switch {
	case policy.Allows(a, policy.LogManagement):
		return holf.LogManagement
	case policy.Allows(a, policy.LogSupport):
		return holf.LogSupport
	}
	return ""
}

func logAction(k holf.LogKind) policy.Action {
	if k == holf.LogManagement {
		return policy.LogManagement
	}
	return policy.LogSupport
}

func logSubjectRole(k holf.LogKind) holf.Role {
	if k == holf.LogManagement {
		return holf.RoleOfficeLeader
	}
	return holf.RoleCoordinator
}

// Form lists what the caller's log entry may name.
func (l *Logs) Form(ctx context.Context, a *holf.Actor) (LogForm, error) {
	k := logKind(a)
	if k == "" {
		return LogForm{}, Forbidden()
	}
	set := policy.Visible(a, logAction(k))
	offices, err := l.db.ListOffices(ctx, store.OfficeFilter{Offices: set})
	if err != nil {
		return LogForm{}, err
	}
	people, err := l.db.ListPeople(ctx, store.PeopleFilter{Role: logSubjectRole(k), Offices: set})
	return LogForm{Kind: k, Offices: offices, Subjects: people}, err
}

// Add stores an entry in the caller's log.
func (l *Logs) Add(ctx context.Context, a *holf.Actor, e holf.LogEntry, parsed holf.Validation) (holf.LogEntry, error) {
	e.Kind = logKind(a)
	if e.Kind == "" {
		return e, Forbidden()
	}
	var role holf.Role
	var err error
	if e.OfficeID != 0 {
		if role, err = decide(a, logAction(e.Kind), policy.OfficeResource("office", e.OfficeID), "office", e.OfficeID); err != nil {
			return e, err
		}
	}
	var subjects []int64
	if e.OfficeID != 0 {
		people, err := l.db.ListPeople(ctx, store.PeopleFilter{Role: logSubjectRole(e.Kind), Offices: holf.Offices(e.OfficeID)})
		if err != nil {
			return e, err
		}
		for _, p := range people {
			subjects = append(subjects, p.ID)
		}
	}
	e.AuthorID = a.PersonID
	if err := mergeValidation(parsed, e.Validate(subjects, l.today())); err != nil {
		return e, err
	}
	err = l.db.AddLog(ctx, event(a, role, "log.add", "action log", 0, PurposeLearning), &e)
	return e, err
}

// LogFilter is what the log list is filtered by.
type LogFilter struct {
	Kind     holf.LogKind
	Office   int64
	Subject  int64
	From, To time.Time
}

// List lists the log entries the caller may read, the newest first
// (audited: the entries are about staff).
func (l *Logs) List(ctx context.Context, a *holf.Actor, f LogFilter) ([]holf.LogEntry, error) {
	if !policy.Allows(a, policy.LogView) {
		return nil, Forbidden()
	}
	set := policy.Visible(a, policy.LogView)
	if f.Office != 0 {
		set = set.Intersect(holf.Offices(f.Office))
	}
	kind := f.Kind
	if !policy.Allows(a, policy.LogManagement) {
		kind = holf.LogSupport // project management's log is its own
	}
	es, err := l.db.Logs(ctx, store.LogFilter{Kind: kind, Offices: set, Subject: f.Subject, From: f.From, To: f.To, Limit: 2000})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return es, l.recordList(ctx, a, policy.LogView, "log.list", "action log", ids, PurposeLearning)
}

// FollowUps is the office leaders' monthly follow-up of their
// coordinators (§8.5).
type FollowUps struct{ *core }

// CoordinatorRow is one coordinator in the leader's overview.
type CoordinatorRow struct {
	Person      holf.Person
	Families    int // recruited or active, as first coordinator
	Recruited   int // every family ever recruited, against the office's target
	Overdue     int
	Outstanding int
	Last        holf.FollowUp // zero when none
	Due         bool          // no follow-up for a month
}

// Overview is the leader's per-coordinator overview of one office.
type Overview struct {
	Office   holf.Office
	Rows     []CoordinatorRow
	Recent   []holf.FollowUp
	Target   int
	Today    time.Time
	Month    time.Time // this month, for the form
	CanWrite bool
}

// Overview shows office id's coordinators with their load and their last
// follow-up (audited: it is about staff).
func (u *FollowUps) Overview(ctx context.Context, a *holf.Actor, office int64) (Overview, error) {
	role, err := decide(a, policy.FollowUpView, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return Overview{}, err
	}
	o, err := u.db.GetOffice(ctx, office)
	if err != nil {
		return Overview{}, err
	}
	today := u.today()
	v := Overview{Office: o, Target: holf.FollowUpTarget, Today: today, Month: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC),
		CanWrite: policy.Decide(a, policy.FollowUpWrite, policy.OfficeResource("office", office)).Allowed}
	people, err := u.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.Offices(office)})
	if err != nil {
		return v, err
	}
	counts, err := u.db.CoordinatorCounts(ctx, office)
	if err != nil {
		return v, err
	}
	loads, err := u.db.CoordinatorLoads(ctx, office, today, u.now())
	if err != nil {
		return v, err
	}
	if v.Recent, err = u.db.FollowUps(ctx, holf.Offices(office), 0, 500); err != nil {
		return v, err
	}
	for _, p := range people {
		row := CoordinatorRow{Person: p}
		for st, n := range counts[p.ID] {
			if st != holf.StatusCandidate {
				row.Recruited += n
			}
			if st == holf.StatusRecruited || st == holf.StatusActive {
				row.Families += n
			}
		}
		if l := loads[p.ID]; l != nil {
			row.Overdue, row.Outstanding = l.Overdue, l.Outstanding
		}
		if i := slices.IndexFunc(v.Recent, func(f holf.FollowUp) bool { return f.CoordinatorID == p.ID }); i >= 0 {
			row.Last = v.Recent[i]
		}
		row.Due = FollowUpDue(row.Last, today)
		v.Rows = append(v.Rows, row)
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	ev := event(a, role, "followup.overview", "office", office, PurposeFollow)
	ev.RecordIDs = ids
	return v, u.db.RecordView(ctx, ev)
}

// FollowUpDue reports whether a month has passed since the last
// follow-up: none yet, or last recorded for a month before last month and
// written more than FollowUpDays ago.
func FollowUpDue(last holf.FollowUp, today time.Time) bool {
	if last.ID == 0 {
		return true
	}
	thisMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	return last.Month.Before(thisMonth.AddDate(0, -1, 0)) || last.Month.Before(thisMonth) && today.Sub(dateIn(last.CreatedAt)) > holf.FollowUpDays*24*time.Hour
}

func errFollowUpMonth() error {
	var v holf.Validation
	v.Add("month", "err.followup_month")
	return v.Err()
}

// Save stores a follow-up (a new one when f.ID is 0). The coordinator
// must coordinate at the leader's office.
func (u *FollowUps) Save(ctx context.Context, a *holf.Actor, f holf.FollowUp, parsed holf.Validation) (holf.FollowUp, error) {
	role, err := decide(a, policy.FollowUpWrite, policy.OfficeResource("office", f.OfficeID), "office", f.OfficeID)
	if err != nil {
		return f, err
	}
	people, err := u.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.Offices(f.OfficeID)})
	if err != nil {
		return f, err
	}
	if f.CoordinatorID != 0 && !slices.ContainsFunc(people, func(p holf.Person) bool { return p.ID == f.CoordinatorID }) {
		parsed.Add("coordinator", "err.followup_office")
	}
	if f.ID != 0 {
		old, err := u.db.FollowUps(ctx, holf.Offices(f.OfficeID), f.CoordinatorID, 500)
		if err != nil {
			return f, err
		}
		i := slices.IndexFunc(old, func(x holf.FollowUp) bool { return x.ID == f.ID })
		if i < 0 {
			return f, holf.NotFound("follow-up", f.ID)
		}
		if err := fromVersion(f.Version); err != nil {
			return f, err
		}
		f.Month = old[i].Month
	}
	f.LeaderID = a.PersonID
	if err := mergeValidation(parsed, f.Validate(u.today())); err != nil {
		return f, err
	}
	err = u.db.SaveFollowUp(ctx, event(a, role, "followup.save", "person", f.CoordinatorID, PurposeFollow), &f)
	if holf.ErrorCode(err) == holf.EConflict && f.ID == 0 {
		return f, errFollowUpMonth()
	}
	return f, err
}

// Mine lists what the caller's leaders recorded about them.
func (u *FollowUps) Mine(ctx context.Context, a *holf.Actor) ([]holf.FollowUp, error) {
	if !policy.Allows(a, policy.FollowUpOwn) {
		return nil, Forbidden()
	}
	fs, err := u.db.FollowUps(ctx, policy.Visible(a, policy.FollowUpOwn), a.PersonID, 120)
	if err != nil || len(fs) == 0 {
		return fs, err
	}
	ev := event(a, holf.RoleCoordinator, "followup.mine", "person", a.PersonID, PurposeAccount)
	return fs, u.db.RecordView(ctx, ev)
}
