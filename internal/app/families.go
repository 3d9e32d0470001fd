package app

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Families is recruiting and following families: the caseload, one
// family's record, recruitment, edits and status changes.
type Families struct{ *core }

// MaxSearch bounds a caseload search, in characters.
const MaxSearch = 200

// FamilyQuery selects families from the caller's caseload.
type FamilyQuery struct {
	Mine     bool // only families the caller coordinates
	Statuses []holf.FamilyStatus
	Search   string // in the family's or a member's name
	Office   int64  // one of the caller's offices; 0 for all of them
}

func (q FamilyQuery) validate() error {
	var v holf.Validation
	if !utf8.ValidString(q.Search) {
		v.Add("q", "err.control_chars")
	} else if n := utf8.RuneCountInString(q.Search); n > MaxSearch {
		v.Add("q", "err.too_long", MaxSearch, n)
	}
	for _, s := range q.Statuses {
		if !s.Valid() {
			v.Add("status", "err.status")
		}
	}
	return v.Err()
}

func (f *Families) filter(a *holf.Actor, q FamilyQuery) store.FamilyFilter {
	fl := store.FamilyFilter{Offices: policy.Visible(a, policy.FamilyList), Statuses: q.Statuses, Search: q.Search}
	if q.Mine {
		fl.CoordinatorID = a.PersonID
	}
	if q.Office != 0 {
		fl.Offices = fl.Offices.Intersect(holf.Offices(q.Office))
	}
	return fl
}

// Caseload is a caseload with what its page shows beside the families.
type Caseload struct {
	Rows  []store.CaseloadRow
	Staff map[int64]string // names of the staff of the offices listed
	Today time.Time
}

// Caseload lists the families of the caller's offices that q selects, with
// their caseload figures.
func (f *Families) Caseload(ctx context.Context, a *holf.Actor, q FamilyQuery) (Caseload, error) {
	if err := q.validate(); err != nil {
		return Caseload{}, err
	}
	fl := f.filter(a, q)
	out := Caseload{Today: f.today()}
	var err error
	if out.Rows, err = f.db.Caseload(ctx, fl, out.Today); err != nil {
		return out, err
	}
	ids := make([]int64, len(out.Rows))
	for i, r := range out.Rows {
		ids[i] = r.Family.ID
	}
	// The list names families: one entry says which it showed.
	if err := f.recordList(ctx, a, policy.FamilyList, "family.list", "family", ids, PurposeCasework); err != nil {
		return out, err
	}
	out.Staff, err = f.db.StaffNames(ctx, fl.Offices)
	return out, err
}

func familyIDs(fams []holf.Family) []int64 {
	ids := make([]int64, len(fams))
	for i, f := range fams {
		ids[i] = f.ID
	}
	return ids
}

// List returns the families of the caller's offices that q selects, with
// their members.
func (f *Families) List(ctx context.Context, a *holf.Actor, q FamilyQuery) ([]holf.Family, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	fams, err := f.db.ListFamilies(ctx, f.filter(a, q))
	if err != nil {
		return nil, err
	}
	return fams, f.recordList(ctx, a, policy.FamilyList, "family.list", "family", familyIDs(fams), PurposeCasework)
}

// authorize decides act on family id by its office, before anything else
// of the family is read.
func (f *Families) authorize(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.Role, error) {
	office, err := f.db.FamilyOffice(ctx, id)
	if err != nil {
		return "", err
	}
	return decide(a, act, policy.FamilyResource("family", office, id), "family", id)
}

// load decides act on family id and loads it with its members.
func (f *Families) load(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.Family, holf.Role, error) {
	role, err := f.authorize(ctx, a, act, id)
	if err != nil {
		return holf.Family{}, "", err
	}
	fam, err := f.db.GetFamily(ctx, id)
	return fam, role, err
}

// view loads family id for act and records that its record is shown.
func (f *Families) view(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.Family, holf.Role, error) {
	fam, role, err := f.load(ctx, a, act, id)
	if err != nil {
		return fam, role, err
	}
	return fam, role, f.recordView(ctx, a, role, "family.view", "family", id, PurposeCasework)
}

// Get shows family id with its members (audited).
func (f *Families) Get(ctx context.Context, a *holf.Actor, id int64) (holf.Family, error) {
	fam, _, err := f.view(ctx, a, policy.FamilyView, id)
	return fam, err
}

// Edit shows family id to someone who may change it, for the edit form
// (audited as a view).
func (f *Families) Edit(ctx context.Context, a *holf.Actor, id int64) (holf.Family, error) {
	fam, _, err := f.view(ctx, a, policy.FamilyManage, id)
	return fam, err
}

// FamilyRecord is a family's page: the family, its office, its coordinators'
// names, its timeline and, for leaders, who has seen the record.
type FamilyRecord struct {
	Family     holf.Family
	Office     holf.Office
	Primary    string
	Second     string
	Events     []holf.FamilyEvent
	ReplacedBy int64 // the family that replaced this one, 0 when none
	// Next lists the statuses the family may move to, when the caller may
	// move it.
	Next      []holf.FamilyStatus
	CanManage bool
	// Access is who has seen or changed the record, newest first, shown to
	// those who answer access requests (ShowAccess).
	Access     []holf.AuditEvent
	ShowAccess bool
	Today      time.Time
	Now        time.Time
	// Timeline is the events, meetings and contacts the filter keeps, the
	// newest first; Upcoming the meetings planned ahead, the soonest first.
	Timeline []TimelineItem
	Filter   TimelineFilter
	Upcoming []holf.Meeting
	// Hidden marks meetings whose reflection the caller may not read.
	Hidden map[int64]bool
	// Overview is where the family's work stands, for the top of its page.
	Overview FamilyOverview
}

// FamilyOverview is where a family's work stands: the mapping's latest
// version, the plan's goals and activities, and the contacts logged.
type FamilyOverview struct {
	MappingVersion             int
	MappingSaved               time.Time
	Goals, Open, Overdue, Done int
	LastContact                time.Time
	Contacts                   int
}

// Record shows family id's page with its timeline as filter selects it (audited).
func (f *Families) Record(ctx context.Context, a *holf.Actor, id int64, filter TimelineFilter) (FamilyRecord, error) {
	fam, _, err := f.view(ctx, a, policy.FamilyView, id)
	if err != nil {
		return FamilyRecord{}, err
	}
	if err := filter.validate(&fam); err != nil {
		return FamilyRecord{Family: fam}, err
	}
	rec, err := f.record(ctx, a, fam)
	if err != nil {
		return rec, err
	}
	ms, err := (&Meetings{f.core}).list(ctx, a, fam)
	if err != nil {
		return rec, err
	}
	rec.Filter, rec.Hidden = filter, ms.Hidden
	rec.Timeline = Timeline(rec.Events, ms.Meetings, ms.Contacts, filter)
	rec.Overview.Contacts = len(ms.Contacts)
	for _, c := range ms.Contacts {
		if c.At.After(rec.Overview.LastContact) {
			rec.Overview.LastContact = c.At
		}
	}
	for _, m := range ms.Meetings {
		if m.Status == holf.MeetingPlanned && m.End().After(rec.Now) {
			rec.Upcoming = append(rec.Upcoming, m)
		}
	}
	return rec, nil
}

func (f *Families) record(ctx context.Context, a *holf.Actor, fam holf.Family) (FamilyRecord, error) {
	rec := FamilyRecord{Family: fam, Today: f.today(), Now: f.now()}
	res := policy.FamilyResource("family", fam.OfficeID, fam.ID)
	rec.CanManage = policy.Decide(a, policy.FamilyManage, res).Allowed
	if rec.CanManage {
		for _, st := range holf.FamilyStatuses {
			if fam.Status.CanMove(st) {
				rec.Next = append(rec.Next, st)
			}
		}
	}
	var err error
	if rec.Office, err = f.db.GetOffice(ctx, fam.OfficeID); err != nil {
		return rec, err
	}
	names, err := f.db.StaffNames(ctx, holf.Offices(fam.OfficeID))
	if err != nil {
		return rec, err
	}
	rec.Primary, rec.Second = names[fam.PrimaryCoordinatorID], names[fam.SecondCoordinatorID]
	if rec.Events, err = f.db.FamilyEvents(ctx, fam.ID); err != nil {
		return rec, err
	}
	for _, e := range rec.Events {
		if e.Kind == holf.EventReplacedBy {
			rec.ReplacedBy = e.Details.Family
		}
	}
	m, err := f.db.Mapping(ctx, fam.ID, 0)
	if err != nil && holf.ErrorCode(err) != holf.ENotFound {
		return rec, err
	}
	rec.Overview.MappingVersion, rec.Overview.MappingSaved = m.Version, m.SavedAt
	plan, err := f.db.Plan(ctx, fam.ID)
	if err != nil && holf.ErrorCode(err) != holf.ENotFound {
		return rec, err
	}
	rec.Overview.Goals = len(plan.Goals)
	for _, act := range plan.Activities {
		switch {
		case act.Status == holf.ActivityDone:
			rec.Overview.Done++
		case act.Status == holf.ActivityOpen:
			rec.Overview.Open++
			if act.Overdue(rec.Today) {
				rec.Overview.Overdue++
			}
		}
	}
	if policy.Decide(a, policy.FamilyAccess, res).Allowed {
		rec.ShowAccess = true
		if rec.Access, err = f.db.ListAudit(ctx, store.AuditFilter{RecordType: "family", RecordID: fam.ID, Limit: 50}); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// FamilyForm is what the recruit and edit forms offer to choose from.
type FamilyForm struct {
	Offices      []holf.Office // where the caller may recruit
	Coordinators []holf.Person // the coordinators of those offices
	Discharged   []holf.Family // families a new one may replace (new families only)
}

// Form returns the choices of the family form for the caller.
func (f *Families) Form(ctx context.Context, a *holf.Actor, isNew bool) (FamilyForm, error) {
	var out FamilyForm
	manage := policy.Visible(a, policy.FamilyManage)
	var err error
	if out.Offices, err = f.db.ListOffices(ctx, store.OfficeFilter{Offices: manage}); err != nil {
		return out, err
	}
	if out.Coordinators, err = f.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: manage}); err != nil {
		return out, err
	}
	if isNew {
		// The families a new one may replace are named on the form.
		if out.Discharged, err = f.db.ListFamilies(ctx, store.FamilyFilter{Offices: manage, Statuses: []holf.FamilyStatus{holf.StatusDischarged}}); err != nil {
			return out, err
		}
		err = f.recordList(ctx, a, policy.FamilyManage, "family.list", "family", familyIDs(out.Discharged), PurposeCasework)
	}
	return out, err
}

// Create recruits fam as a candidate at its office. parsed holds what the
// door could not read (a birth year that is no number), reported together
// with the domain's own findings.
func (f *Families) Create(ctx context.Context, a *holf.Actor, fam holf.Family, parsed holf.Validation) (holf.Family, error) {
	role, err := f.checkNew(a, &fam, parsed)
	if err != nil {
		return fam, err
	}
	err = f.db.CreateFamily(ctx, event(a, role, "family.create", "family", 0, PurposeCasework), &fam)
	return fam, err
}

// checkNew decides and checks new family fam: a candidate at one of the
// caller's offices, with nothing a later step records.
func (f *Families) checkNew(a *holf.Actor, fam *holf.Family, parsed holf.Validation) (holf.Role, error) {
	d := policy.Decide(a, policy.FamilyManage, policy.OfficeResource("family", fam.OfficeID))
	if !d.Allowed {
		// The form offers only the caller's offices: another is unknown.
		parsed.Add("office", "err.office_unknown")
	}
	fam.ID, fam.Status = 0, holf.StatusCandidate
	fam.ConsentDate, fam.DischargedOn, fam.DischargeReason = time.Time{}, time.Time{}, ""
	return d.Role, mergeValidation(parsed, fam.Validate(f.now()))
}

// Update saves the name, coordinators, notes and members of fam (by fam.ID,
// from fam.Version). A family never changes office, status or predecessor
// through an edit: those come from the saved record.
func (f *Families) Update(ctx context.Context, a *holf.Actor, fam holf.Family, parsed holf.Validation) (holf.Family, error) {
	cur, role, err := f.load(ctx, a, policy.FamilyManage, fam.ID)
	if err != nil {
		return fam, err
	}
	if err := fromVersion(fam.Version); err != nil {
		return fam, err
	}
	fam.OfficeID, fam.Status, fam.ReplacesFamilyID = cur.OfficeID, cur.Status, cur.ReplacesFamilyID
	fam.ConsentDate, fam.DischargedOn, fam.DischargeReason = cur.ConsentDate, cur.DischargedOn, cur.DischargeReason
	kept, err := f.keepsConsentMembers(ctx, cur, fam)
	if err != nil {
		return fam, err
	}
	if err := mergeValidation(append(parsed, kept...), fam.Validate(f.now())); err != nil {
		// The form comes back with the record around what was typed.
		if verr := f.recordView(ctx, a, role, "family.view", "family", fam.ID, PurposeCasework); verr != nil {
			return fam, verr
		}
		return fam, err
	}
	if err := f.db.UpdateFamily(ctx, event(a, role, "family.update", "family", fam.ID, PurposeCasework), &fam); err != nil {
		return fam, err
	}
	return fam, nil
}

// keepsConsentMembers refuses to remove a member a consent names: the
// consent is the record that information was lawfully shared, and it must
// keep naming who gave it and about whom.
func (f *Families) keepsConsentMembers(ctx context.Context, cur, next holf.Family) (holf.Validation, error) {
	cs, err := f.db.Consents(ctx, cur.ID)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	var v holf.Validation
	for _, m := range cur.Members {
		if slices.ContainsFunc(next.Members, func(n holf.Member) bool { return n.ID == m.ID }) {
			continue
		}
		if slices.ContainsFunc(cs, func(c holf.Consent) bool { return c.MemberID == m.ID || c.GrantorID == m.ID }) {
			v.Add("members", "err.member_has_consent", m.Name)
		}
	}
	return v, nil
}

// ChangeStatus moves family c.FamilyID along candidate → recruited → active
// → discharged, from version c.Version. Of two changes from the same version
// exactly one is stored; the other is a conflict.
func (f *Families) ChangeStatus(ctx context.Context, a *holf.Actor, c holf.StatusChange, parsed holf.Validation) (holf.Family, error) {
	cur, role, err := f.load(ctx, a, policy.FamilyManage, c.FamilyID)
	if err != nil {
		return cur, err
	}
	if err := fromVersion(c.Version); err != nil {
		return cur, err
	}
	// A change made from an old version is a conflict before anything else:
	// its author saw another state than the one it would change.
	if cur.Version != c.Version {
		return cur, holf.Stale("family", cur.ID)
	}
	if err := mergeValidation(parsed, c.Validate(&cur, dateIn(cur.CreatedAt), f.today())); err != nil {
		return cur, err
	}
	next := c.Apply(cur)
	if err := f.db.ChangeStatus(ctx, event(a, role, "family.status", "family", cur.ID, PurposeCasework), &next, c.Version, c.Event()); err != nil {
		return cur, err
	}
	return next, nil
}
