package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// PurposeLearning is the purpose of the learning structure's reads and
// writes: supervision, training support's review and follow-up of staff.
const PurposeLearning = "the HOLF model's learning structure: supervision, review and follow-up of coordinators"

// Learning is the learning structure of the model: supervision groups and
// their sessions, the supervision forms under case aliases, and the rounds
// a session takes them through.
type Learning struct{ *core }

func (l *Learning) families() *Families { return &Families{l.core} }

func groupResource(g *holf.SupervisionGroup) policy.Resource {
	return policy.GroupResource("supervision group", g.ID, g.Offices()...)
}

// GroupPage is one group with its sessions and the cases each reader may
// see: members of other offices get the alias, areas and topic only.
type GroupPage struct {
	Group     holf.SupervisionGroup
	Sessions  []holf.SupervisionSession
	Cases     []holf.SupervisionCase // the group's cases, shaped for the reader
	CanManage bool                   // plan sessions, record attendance
	CanRun    bool                   // take cases through the rounds
	CanRead   bool                   // the cases' text
	CanSubmit bool                   // send a case to this group
	Now       time.Time
}

// SessionCases are the cases on session id, in their slots.
func (p *GroupPage) SessionCases(id int64) []holf.SupervisionCase {
	var out []holf.SupervisionCase
	for _, c := range p.Cases {
		if c.SessionID == id {
			out = append(out, c)
		}
	}
	return out
}

// Waiting are the cases sent to the group and not yet on a session.
func (p *GroupPage) Waiting() []holf.SupervisionCase {
	var out []holf.SupervisionCase
	for _, c := range p.Cases {
		if c.SessionID == 0 && c.Status != holf.CaseDraft {
			out = append(out, c)
		}
	}
	return out
}

// Session finds session id of the group.
func (p *GroupPage) Session(id int64) (holf.SupervisionSession, error) {
	for _, s := range p.Sessions {
		if s.ID == id {
			return s, nil
		}
	}
	return holf.SupervisionSession{}, holf.NotFound("supervision session", id)
}

// Case finds case id of the group.
func (p *GroupPage) Case(id int64) (holf.SupervisionCase, error) {
	for _, c := range p.Cases {
		if c.ID == id {
			return c, nil
		}
	}
	return holf.SupervisionCase{}, holf.NotFound("supervision case", id)
}

// shape strips from c what a reader of the group may not see: the text
// without CaseRead, and the family behind the alias outside its office.
func (l *Learning) shape(a *holf.Actor, g *holf.SupervisionGroup, c holf.SupervisionCase, names map[int64]string) holf.SupervisionCase {
	if !policy.Decide(a, policy.FamilyView, policy.FamilyResource("family", c.OfficeID, c.FamilyID)).Allowed {
		c.FamilyID, c.MemberID, c.MeetingID, c.FamilyName = 0, 0, 0, ""
	} else {
		c.FamilyName = names[c.FamilyID]
	}
	if !policy.Decide(a, policy.CaseRead, groupResource(g)).Allowed {
		c.Description, c.Problem, c.Process, c.Notes, c.NextSteps, c.Tools, c.Principles = "", "", "", nil, "", nil, nil
		c.Topic = ""
	}
	return c
}

func (l *Learning) group(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.SupervisionGroup, holf.Role, error) {
	g, err := l.db.Group(ctx, id)
	if holf.ErrorCode(err) == holf.ENotFound {
		return g, "", holf.NotFound("supervision group", id)
	}
	if err != nil {
		return g, "", err
	}
	role, err := decide(a, act, groupResource(&g), "supervision group", id)
	return g, role, err
}

// Group shows group id with its sessions and cases (audited: the cases are
// personal data, even under an alias).
func (l *Learning) Group(ctx context.Context, a *holf.Actor, id int64) (GroupPage, error) {
	g, role, err := l.group(ctx, a, policy.GroupView, id)
	if err != nil {
		return GroupPage{}, err
	}
	res := groupResource(&g)
	p := GroupPage{Group: g, Now: l.now(),
		CanManage: policy.Decide(a, policy.SessionManage, res).Allowed, CanRun: policy.Decide(a, policy.SessionRun, res).Allowed,
		CanRead: policy.Decide(a, policy.CaseRead, res).Allowed, CanSubmit: policy.Decide(a, policy.CaseSubmit, res).Allowed}
	if p.Sessions, err = l.db.Sessions(ctx, id); err != nil {
		return p, err
	}
	cs, err := l.db.Cases(ctx, store.CaseFilter{Groups: []int64{id}})
	if err != nil {
		return p, err
	}
	names, err := l.familyNames(ctx, a, cs)
	if err != nil {
		return p, err
	}
	for _, c := range cs {
		// A draft is its author's until it is sent.
		if c.Status == holf.CaseDraft && c.AuthorID != a.PersonID {
			continue
		}
		p.Cases = append(p.Cases, l.shape(a, &g, c, names))
	}
	return p, l.recordView(ctx, a, role, "group.view", "supervision group", id, PurposeLearning)
}

// familyNames names the families of cs the actor may see, in one query.
func (l *Learning) familyNames(ctx context.Context, a *holf.Actor, cs []holf.SupervisionCase) (map[int64]string, error) {
	var ids []int64
	for _, c := range cs {
		if policy.Decide(a, policy.FamilyView, policy.FamilyResource("family", c.OfficeID, c.FamilyID)).Allowed && !slices.Contains(ids, c.FamilyID) {
			ids = append(ids, c.FamilyID)
		}
	}
	if len(ids) == 0 {
		return map[int64]string{}, nil
	}
	return l.db.FamilyNames(ctx, ids)
}

// GroupSummary is a group in the caller's list: its sessions and, per
// session, its cases shaped for the caller.
type GroupSummary struct {
	Group    holf.SupervisionGroup
	Sessions []holf.SupervisionSession
	Cases    []holf.SupervisionCase
	Role     holf.Role // group_leader, group_member, or the role that sees every group
}

// Groups lists the groups the caller leads or belongs to (every group for
// project management), with their sessions and cases.
func (l *Learning) Groups(ctx context.Context, a *holf.Actor) ([]GroupSummary, error) {
	if !policy.Allows(a, policy.GroupView) {
		return nil, Forbidden()
	}
	f := store.GroupFilter{Person: a.PersonID}
	if policy.Decide(a, policy.GroupView, policy.Global).Allowed {
		f = store.GroupFilter{}
	}
	gs, err := l.db.Groups(ctx, f)
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	ss, err := l.db.Sessions(ctx, ids...)
	if err != nil {
		return nil, err
	}
	cs, err := l.db.Cases(ctx, store.CaseFilter{Groups: ids})
	if err != nil {
		return nil, err
	}
	names, err := l.familyNames(ctx, a, cs)
	if err != nil {
		return nil, err
	}
	out := make([]GroupSummary, len(gs))
	for i := range gs {
		g := &gs[i]
		out[i] = GroupSummary{Group: *g, Role: policy.Decide(a, policy.GroupView, groupResource(g)).Role}
		for _, s := range ss {
			if s.GroupID == g.ID {
				out[i].Sessions = append(out[i].Sessions, s)
			}
		}
		for _, c := range cs {
			if c.GroupID == g.ID && (c.Status != holf.CaseDraft || c.AuthorID == a.PersonID) {
				out[i].Cases = append(out[i].Cases, l.shape(a, g, c, names))
			}
		}
	}
	return out, l.recordList(ctx, a, policy.GroupView, "group.list", "supervision group", ids, PurposeLearning)
}

// Coordinators maps every coordinator to the offices where they
// coordinate, for the group form.
func (l *Learning) Coordinators(ctx context.Context, a *holf.Actor) ([]holf.Person, error) {
	if _, err := decideGlobal(a, policy.GroupManage); err != nil {
		return nil, err
	}
	return l.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.AllOffices()})
}

// Leaders lists who may lead a group: training support and coordinators.
func (l *Learning) Leaders(ctx context.Context, a *holf.Actor) ([]holf.Person, error) {
	if _, err := decideGlobal(a, policy.GroupManage); err != nil {
		return nil, err
	}
	ts, err := l.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleTrainingSupport, Offices: holf.AllOffices()})
	if err != nil {
		return nil, err
	}
	cs, err := l.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.AllOffices()})
	return append(ts, cs...), err
}

// SaveGroup creates or changes a group (project management).
func (l *Learning) SaveGroup(ctx context.Context, a *holf.Actor, g holf.SupervisionGroup) (holf.SupervisionGroup, error) {
	role, err := decideGlobal(a, policy.GroupManage)
	if err != nil {
		return g, err
	}
	if g.ID != 0 {
		if _, err := l.db.Group(ctx, g.ID); err != nil {
			return g, err
		}
		if err := fromVersion(g.Version); err != nil {
			return g, err
		}
	}
	people, err := l.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.AllOffices()})
	if err != nil {
		return g, err
	}
	coords := map[int64][]int64{}
	for _, p := range people {
		for _, as := range p.Assignments {
			if as.Role == holf.RoleCoordinator {
				coords[p.ID] = append(coords[p.ID], as.OfficeID)
			}
		}
	}
	if err := g.Validate(coords); err != nil {
		return g, err
	}
	for _, m := range g.Members {
		if err := l.modelTools(ctx, m.OfficeID); err != nil {
			var bad holf.Validation
			bad.Add("members", "err.model_only_member")
			return g, bad.Err()
		}
	}
	if _, err := l.db.GetPerson(ctx, g.LeaderID); err != nil {
		var bad holf.Validation
		bad.Add("leader", "err.required")
		return g, bad.Err()
	}
	err = l.db.SaveGroup(ctx, event(a, role, "group.save", "supervision group", g.ID, PurposeLearning), &g)
	return g, err
}

// SaveSession plans or changes a session of group s.GroupID, with its
// attendance (only the group's members and leader).
func (l *Learning) SaveSession(ctx context.Context, a *holf.Actor, s holf.SupervisionSession, parsed holf.Validation) (holf.SupervisionSession, error) {
	g, role, err := l.group(ctx, a, policy.SessionManage, s.GroupID)
	if err != nil {
		return s, err
	}
	if s.ID != 0 {
		ss, err := l.db.Sessions(ctx, g.ID)
		if err != nil {
			return s, err
		}
		if !slices.ContainsFunc(ss, func(x holf.SupervisionSession) bool { return x.ID == s.ID }) {
			return s, holf.NotFound("supervision session", s.ID)
		}
		if err := fromVersion(s.Version); err != nil {
			return s, err
		}
	}
	s.Attendance = slices.DeleteFunc(s.Attendance, func(x holf.SessionAttendance) bool {
		_, member := g.Member(x.PersonID)
		return !member && x.PersonID != g.LeaderID
	})
	if err := mergeValidation(parsed, s.Validate()); err != nil {
		return s, err
	}
	err = l.db.SaveSession(ctx, event(a, role, "session.save", "supervision group", g.ID, PurposeLearning), &s)
	return s, err
}

// CaseForm is what the supervision form needs: the family (at the
// supervisee's office), the groups the supervisee may send it to and their
// planned sessions, and the identifiers found in the text.
type CaseForm struct {
	Case        holf.SupervisionCase
	Family      holf.Family
	Groups      []holf.SupervisionGroup
	Sessions    []holf.SupervisionSession
	Identifiers []holf.Identifier
	FGE         *holf.FGECatalog
}

// NewCase starts a supervision form about family fam, from the
// after-reflection topic of meeting (0: none).
func (l *Learning) NewCase(ctx context.Context, a *holf.Actor, fam, meeting int64) (CaseForm, error) {
	f, role, err := l.families().load(ctx, a, policy.CasePrepare, fam)
	if err != nil {
		return CaseForm{}, err
	}
	cf := CaseForm{Family: f, FGE: holf.CurrentFGE(), Case: holf.SupervisionCase{FamilyID: fam, Status: holf.CaseDraft}}
	if meeting != 0 {
		m, err := l.db.Meeting(ctx, fam, meeting)
		if err != nil {
			return cf, err
		}
		cf.Case.MeetingID, cf.Case.Topic = m.ID, m.Reflection.SupervisionTopic
		cf.Case.Tools, cf.Case.Principles = m.Prep.Tools, m.Prep.Principles
		for _, t := range m.Agenda {
			if t.Area != "" && !slices.Contains(cf.Case.Areas, t.Area) {
				cf.Case.Areas = append(cf.Case.Areas, t.Area)
			}
		}
	}
	if err := l.caseChoices(ctx, a, &cf); err != nil {
		return cf, err
	}
	return cf, l.recordView(ctx, a, role, "case.new", "family", fam, PurposeLearning)
}

// caseChoices fills the groups the actor may send a case of cf.Family to
// and their planned sessions.
func (l *Learning) caseChoices(ctx context.Context, a *holf.Actor, cf *CaseForm) error {
	gs, err := l.db.Groups(ctx, store.GroupFilter{Person: a.PersonID})
	if err != nil {
		return err
	}
	var ids []int64
	for _, g := range gs {
		if m, ok := g.Member(a.PersonID); ok && m.OfficeID == cf.Family.OfficeID {
			cf.Groups = append(cf.Groups, g)
			ids = append(ids, g.ID)
		}
	}
	ss, err := l.db.Sessions(ctx, ids...)
	now := l.now()
	for _, s := range ss {
		if s.Status == holf.SessionPlanned && s.StartsAt.After(now) || s.ID == cf.Case.SessionID {
			cf.Sessions = append(cf.Sessions, s)
		}
	}
	return err
}

// EditCase shows the supervisee's own form for editing.
func (l *Learning) EditCase(ctx context.Context, a *holf.Actor, id int64) (CaseForm, error) {
	c, err := l.db.Case(ctx, id)
	if err != nil {
		return CaseForm{}, err
	}
	f, role, err := l.families().load(ctx, a, policy.CasePrepare, c.FamilyID)
	if err != nil || c.AuthorID != a.PersonID {
		return CaseForm{}, holf.NotFound("supervision case", id)
	}
	cf := CaseForm{Family: f, Case: c, FGE: holf.FGE(c.FGEVersion)}
	cf.Identifiers = c.Identifiers(&f)
	if err := l.caseChoices(ctx, a, &cf); err != nil {
		return cf, err
	}
	return cf, l.recordView(ctx, a, role, "case.edit", "family", c.FamilyID, PurposeLearning)
}

// ErrIdentifiers is the warning of a form that names the family: each
// finding names its field, so the supervisee can remove it or send the
// form anyway.
func ErrIdentifiers(ids []holf.Identifier) error {
	var v holf.Validation
	for _, id := range ids {
		v.Add(id.Field, "err.case_identifier", id.Text)
	}
	return v.Err()
}

// SaveCase stores the supervisee's form: a draft, or sent to the group's
// leader when send is set. A form whose text names the family, or holds a
// number like a national identity number, is sent only when acknowledged:
// group members from other offices must see no identifier.
func (l *Learning) SaveCase(ctx context.Context, a *holf.Actor, c holf.SupervisionCase, send, acknowledged bool) (holf.SupervisionCase, error) {
	f, _, err := l.families().load(ctx, a, policy.CasePrepare, c.FamilyID)
	if err != nil {
		return c, err
	}
	if err := l.modelTools(ctx, f.OfficeID); err != nil {
		return c, err
	}
	if c.ID != 0 {
		old, err := l.db.Case(ctx, c.ID)
		if err != nil || old.AuthorID != a.PersonID || old.FamilyID != c.FamilyID {
			return c, holf.NotFound("supervision case", c.ID)
		}
		if old.Status == holf.CaseDone {
			var bad holf.Validation
			bad.Add("topic", "err.case_done")
			return c, bad.Err()
		}
		if err := fromVersion(c.Version); err != nil {
			return c, err
		}
		c.Alias, c.MeetingID, c.Notes, c.Emphasis, c.NextSteps, c.ToFGE, c.SentAt = old.Alias, old.MeetingID, old.Notes, old.Emphasis, old.NextSteps, old.ToFGE, old.SentAt
		c.Status = old.Status
		if c.GroupID != old.GroupID && old.Status != holf.CaseDraft {
			var bad holf.Validation
			bad.Add("group", "err.case_group_fixed")
			return c, bad.Err()
		}
	} else {
		c.Status = holf.CaseDraft
	}
	g, err := l.db.Group(ctx, c.GroupID)
	if holf.ErrorCode(err) == holf.ENotFound {
		var bad holf.Validation
		bad.Add("group", "err.required")
		return c, bad.Err()
	}
	if err != nil {
		return c, err
	}
	role, err := decide(a, policy.CaseSubmit, groupResource(&g), "supervision group", g.ID)
	if m, ok := g.Member(a.PersonID); err != nil || !ok || m.OfficeID != f.OfficeID {
		var bad holf.Validation
		bad.Add("group", "err.case_not_member")
		return c, bad.Err()
	}
	if c.SessionID != 0 {
		ss, err := l.db.Sessions(ctx, g.ID)
		if err != nil {
			return c, err
		}
		i := slices.IndexFunc(ss, func(s holf.SupervisionSession) bool { return s.ID == c.SessionID })
		if i < 0 || ss[i].Status == holf.SessionCancelled {
			var bad holf.Validation
			bad.Add("session", "err.choice")
			return c, bad.Err()
		}
	}
	c.OfficeID, c.AuthorID = f.OfficeID, a.PersonID
	if err := c.Validate(&f); err != nil {
		return c, err
	}
	if send && c.Status == holf.CaseDraft {
		if ids := c.Identifiers(&f); len(ids) > 0 && !acknowledged {
			return c, ErrIdentifiers(ids)
		}
		c.Status, c.SentAt = holf.CaseSent, l.now()
	}
	err = l.db.SaveCase(ctx, event(a, role, "case.save", "family", c.FamilyID, PurposeLearning), &c)
	return c, err
}

// RunPage is one round of one case on the group's shared screen: the
// alias and the form, never the family.
type RunPage struct {
	Group   holf.SupervisionGroup
	Session holf.SupervisionSession
	Cases   []holf.SupervisionCase // the session's cases, in their slots
	Case    holf.SupervisionCase
	Round   holf.Round
	FGE     *holf.FGECatalog
}

// Run shows round r of case id on its session, to the group's leader. The
// screen is projected to members of other offices, so the case is shown
// under its alias whoever runs it.
func (l *Learning) Run(ctx context.Context, a *holf.Actor, groupID, sessionID, caseID int64, r holf.Round) (RunPage, error) {
	g, role, err := l.group(ctx, a, policy.SessionRun, groupID)
	if err != nil {
		return RunPage{}, err
	}
	ss, err := l.db.Sessions(ctx, g.ID)
	if err != nil {
		return RunPage{}, err
	}
	i := slices.IndexFunc(ss, func(s holf.SupervisionSession) bool { return s.ID == sessionID })
	if i < 0 {
		return RunPage{}, holf.NotFound("supervision session", sessionID)
	}
	cs, err := l.db.Cases(ctx, store.CaseFilter{Session: sessionID})
	if err != nil {
		return RunPage{}, err
	}
	p := RunPage{Group: g, Session: ss[i], Round: r}
	for _, c := range cs {
		c.FamilyID, c.MemberID, c.MeetingID, c.FamilyName = 0, 0, 0, ""
		p.Cases = append(p.Cases, c)
	}
	slices.SortFunc(p.Cases, func(x, y holf.SupervisionCase) int { return int(x.ID - y.ID) })
	if len(p.Cases) == 0 {
		return p, holf.NotFound("supervision case", caseID)
	}
	p.Case = p.Cases[0]
	if caseID != 0 {
		j := slices.IndexFunc(p.Cases, func(c holf.SupervisionCase) bool { return c.ID == caseID })
		if j < 0 {
			return p, holf.NotFound("supervision case", caseID)
		}
		p.Case = p.Cases[j]
	}
	if !p.Round.Valid() {
		p.Round = holf.RoundSuccess
	}
	p.FGE = holf.FGE(p.Case.FGEVersion)
	return p, l.recordView(ctx, a, role, "session.run", "supervision group", g.ID, PurposeLearning)
}

// RoundInput is what the leader notes in one round; the summary round
// also takes the emphasis, the agreed next steps and whether they go to
// the next FGE preparation.
type RoundInput struct {
	Note      string
	Emphasis  holf.MainProcess
	NextSteps string
	ToFGE     bool
	Version   int64
}

// SaveRound stores the note of round r of case id. After the summary the
// case is done, and its summary and next steps are on the family's record
// at the supervisee's office.
func (l *Learning) SaveRound(ctx context.Context, a *holf.Actor, groupID, sessionID, caseID int64, r holf.Round, in RoundInput) (holf.SupervisionCase, error) {
	g, role, err := l.group(ctx, a, policy.SessionRun, groupID)
	if err != nil {
		return holf.SupervisionCase{}, err
	}
	c, err := l.db.Case(ctx, caseID)
	if err != nil || c.GroupID != g.ID || c.SessionID != sessionID {
		return c, holf.NotFound("supervision case", caseID)
	}
	if !r.Valid() {
		var bad holf.Validation
		bad.Add("round", "err.choice")
		return c, bad.Err()
	}
	if err := fromVersion(in.Version); err != nil {
		return c, err
	}
	f, err := l.db.GetFamily(ctx, c.FamilyID)
	if err != nil {
		return c, err
	}
	c.Version = in.Version
	c.Notes[r] = in.Note
	if r == holf.RoundPresentation {
		c.Emphasis = in.Emphasis
	}
	if r == holf.RoundSummary {
		c.NextSteps, c.ToFGE = in.NextSteps, in.ToFGE
		if in.Note == "" {
			var bad holf.Validation
			bad.Add("note", "err.summary_required")
			return c, bad.Err()
		}
		c.Status = holf.CaseDone
	}
	if err := c.Validate(&f); err != nil {
		return c, err
	}
	err = l.db.SaveCase(ctx, event(a, role, "session.round", "supervision group", g.ID, PurposeLearning), &c)
	return c, err
}

// FamilyCases lists the supervision cases about family fam, for its record
// at its own office: the summary and next steps come back here.
func (l *Learning) FamilyCases(ctx context.Context, a *holf.Actor, fam int64) ([]holf.SupervisionCase, error) {
	if _, err := l.families().authorize(ctx, a, policy.FamilyView, fam); err != nil {
		return nil, err
	}
	return l.db.Cases(ctx, store.CaseFilter{Family: fam})
}

// ForFGE is the latest supervision whose next steps the supervisee chose to
// carry into the family's next FGE preparation, if any.
func ForFGE(cs []holf.SupervisionCase) (holf.SupervisionCase, bool) {
	for _, c := range cs {
		if c.Status == holf.CaseDone && c.ToFGE && c.NextSteps != "" {
			return c, true
		}
	}
	return holf.SupervisionCase{}, false
}

// TopicCount is how many supervision topics concern one area (or one kind
// of member) in one half-year.
type TopicCount struct {
	Period string // "2026-1" for January–June
	Key    string // an area or a concern
	N      int
}

// TopicStats counts the topics taken to supervision at the caller's
// offices by target area and by the member they concern, per half-year, as
// seed 003 §7.3 did by hand. Only counts leave the store's rows: no alias,
// no family.
type TopicStats struct {
	Periods  []string
	Areas    map[string]map[string]int // period → area → n
	Concerns map[string]map[string]int // period → concern → n
	Forms    map[string]int            // period → number of forms
	Total    int
}

// Topics computes the topic counts.
func (l *Learning) Topics(ctx context.Context, a *holf.Actor) (TopicStats, error) {
	if !policy.Allows(a, policy.TopicStats) {
		return TopicStats{}, Forbidden()
	}
	cs, err := l.db.Cases(ctx, store.CaseFilter{Offices: policy.Visible(a, policy.TopicStats)})
	if err != nil {
		return TopicStats{}, err
	}
	st := TopicStats{Areas: map[string]map[string]int{}, Concerns: map[string]map[string]int{}, Forms: map[string]int{}}
	for _, c := range cs {
		if c.Status == holf.CaseDraft {
			continue
		}
		when := c.SentAt
		if when.IsZero() {
			when = c.CreatedAt
		}
		half := 1
		if when.In(Norway).Month() > time.June {
			half = 2
		}
		p := itoa64(int64(when.In(Norway).Year())) + "-" + itoa64(int64(half))
		if st.Areas[p] == nil {
			st.Areas[p], st.Concerns[p] = map[string]int{}, map[string]int{}
			st.Periods = append(st.Periods, p)
		}
		for _, ar := range c.Areas {
			st.Areas[p][string(ar)]++
		}
		st.Concerns[p][string(c.Concern)]++
		st.Forms[p]++
		st.Total++
	}
	slices.Sort(st.Periods)
	return st, nil
}

// OfficeNames names every office: groups and logs span offices, and an
// office's name is no one's personal data.
func (l *Learning) OfficeNames(ctx context.Context) map[int64]string {
	out := map[int64]string{}
	os, err := l.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		return out
	}
	for _, o := range os {
		out[o.ID] = o.Name
	}
	return out
}

// SeminarPage is the national seminars with who may be recorded as
// attending (the project's coordinators).
type SeminarPage struct {
	Seminars     []holf.Seminar
	Coordinators []holf.Person // for project management's attendance form
	CanManage    bool
}

// Seminars lists the seminars. Project management also gets the
// coordinators, to record who came (audited: attendance is about staff).
func (l *Learning) Seminars(ctx context.Context, a *holf.Actor) (SeminarPage, error) {
	role, err := decideGlobal(a, policy.SeminarView)
	if err != nil {
		return SeminarPage{}, err
	}
	p := SeminarPage{CanManage: policy.Decide(a, policy.SeminarManage, policy.Global).Allowed}
	if p.Seminars, err = l.db.Seminars(ctx); err != nil {
		return p, err
	}
	if !p.CanManage {
		return p, nil
	}
	if p.Coordinators, err = l.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.AllOffices()}); err != nil {
		return p, err
	}
	return p, l.recordView(ctx, a, role, "seminar.list", "seminar", 0, PurposeLearning)
}

// SaveSeminar plans a seminar or records its agenda and attendance.
func (l *Learning) SaveSeminar(ctx context.Context, a *holf.Actor, s holf.Seminar, parsed holf.Validation) (holf.Seminar, error) {
	role, err := decideGlobal(a, policy.SeminarManage)
	if err != nil {
		return s, err
	}
	if s.ID != 0 {
		if err := fromVersion(s.Version); err != nil {
			return s, err
		}
	}
	if err := mergeValidation(parsed, s.Validate()); err != nil {
		return s, err
	}
	err = l.db.SaveSeminar(ctx, event(a, role, "seminar.save", "seminar", s.ID, PurposeLearning), &s)
	return s, err
}
