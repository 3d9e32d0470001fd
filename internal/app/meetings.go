package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Meetings is the meetings with a family: planning, the FGE form in its
// three parts, the Menu agenda, follow-up tasks, and the drafts kept while
// a coordinator types.
type Meetings struct{ *core }

// Meeting defaults, as NAV's own meeting forms have them.
const (
	DefaultMeetingHour    = 10
	DefaultMeetingMinutes = 45
	// ReflectDays is how long after a meeting its after-reflection counts
	// as on time (the model: within 3 working days).
	ReflectDays = 3
	// pastReflections is how many earlier reflections a new one is
	// compared with.
	pastReflections = 60
)

// Parts of a meeting that are saved on their own (each has its own form).
const (
	PartDetails    = "details"    // kind, time, channel, participants, status
	PartPrep       = "prep"       // FGE preparation and execution
	PartAgenda     = "agenda"     // the Menu agenda
	PartReflection = "reflection" // FGE after-reflection
)

// Parts lists the parts.
var Parts = []string{PartDetails, PartPrep, PartAgenda, PartReflection}

// modelPart reports whether part is one of the model's own forms, which
// comparison offices do not use.
func modelPart(part string) bool { return part != PartDetails }

// MeetingCase is one family's meeting with what its pages need.
type MeetingCase struct {
	Family       holf.Family
	Office       holf.Office
	Plan         holf.Plan
	Meeting      holf.Meeting
	Coordinators []holf.Person  // of the family's office, who may take part and lead
	Partners     []holf.Partner // the office's actor list, for partner participants
	Staff        map[int64]string
	// FollowUps are the plan activities agreed in this meeting.
	FollowUps []holf.Activity
	// Similar is the earlier meeting whose reflection this one nearly
	// repeats (zero when none).
	Similar holf.Meeting
	// ReflectionHidden is true when the caller may see that a reflection
	// exists but not read it.
	ReflectionHidden bool
	HasReflection    bool
	CanEdit          bool
	// ModelTools is whether the office uses the FGE form and the Menu
	// agenda (not a comparison office).
	ModelTools bool
	Now        time.Time
	Today      time.Time
	// Draft is the caller's autosaved draft of the part being edited, when
	// there is one newer than the meeting.
	Draft *store.Draft
}

// Catalog is the FGE check lists the meeting was prepared with.
func (c *MeetingCase) Catalog() *holf.FGECatalog { return holf.FGE(c.Meeting.FGEVersion) }

// PartnerName names partner id of the office's list.
func (c *MeetingCase) PartnerName(id int64) string {
	for _, p := range c.Partners {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}

// Member returns the family's member id.
func (c *MeetingCase) Member(id int64) holf.Member {
	for _, m := range c.Family.Members {
		if m.ID == id {
			return m
		}
	}
	return holf.Member{}
}

func (m *Meetings) families() *Families { return &Families{m.core} }

func (m *Meetings) coordinators(ctx context.Context, office int64) ([]holf.Person, []int64, error) {
	ps, err := m.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.Offices(office)})
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ps, ids, err
}

// canRead reports whether a may read the reflection text of a meeting of
// family fam: a coordinator of its office, or a leader or training support
// when the coordinator has shared it.
func canRead(a *holf.Actor, fam holf.Family, r holf.Reflection) bool {
	res := policy.FamilyResource("family", fam.OfficeID, fam.ID)
	return policy.Decide(a, policy.ReflectionRead, res).Allowed || r.Shared && policy.Decide(a, policy.ReflectionShared, res).Allowed
}

// redact hides the text of m's reflection from a reader who may not read
// it, keeping that one exists.
func redact(a *holf.Actor, fam holf.Family, m *holf.Meeting) (hidden bool) {
	if m.Reflection.Empty() || canRead(a, fam, m.Reflection) {
		return false
	}
	m.Reflection = holf.Reflection{Shared: false}
	m.SimilarTo, m.Similarity = 0, 0
	return true
}

// FamilyMeetings is a family's meetings and contacts, for its pages.
type FamilyMeetings struct {
	Family   holf.Family
	Meetings []holf.Meeting // the earliest first, reflections redacted for the caller
	// Hidden marks meetings whose reflection exists but is not the
	// caller's to read.
	Hidden   map[int64]bool
	Contacts []holf.Contact
	CanEdit  bool
	Now      time.Time
}

// List shows family id's meetings and contacts (audited).
func (m *Meetings) List(ctx context.Context, a *holf.Actor, id int64) (FamilyMeetings, error) {
	fam, role, err := m.families().load(ctx, a, policy.FamilyView, id)
	if err != nil {
		return FamilyMeetings{}, err
	}
	if err := m.recordView(ctx, a, role, "meeting.list", "family", id, PurposeCasework); err != nil {
		return FamilyMeetings{}, err
	}
	return m.list(ctx, a, fam)
}

func (m *Meetings) list(ctx context.Context, a *holf.Actor, fam holf.Family) (FamilyMeetings, error) {
	out := FamilyMeetings{Family: fam, Hidden: map[int64]bool{}, Now: m.now(),
		CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	var err error
	if out.Meetings, err = m.db.Meetings(ctx, fam.ID); err != nil {
		return out, err
	}
	for i := range out.Meetings {
		if redact(a, fam, &out.Meetings[i]) {
			out.Hidden[out.Meetings[i].ID] = true
		}
	}
	out.Contacts, err = m.db.Contacts(ctx, fam.ID)
	return out, err
}

// load opens meeting mid of family id for act, with everything its pages show.
func (m *Meetings) load(ctx context.Context, a *holf.Actor, act policy.Action, id, mid int64) (MeetingCase, holf.Role, error) {
	fam, role, err := m.families().load(ctx, a, act, id)
	if err != nil {
		return MeetingCase{}, "", err
	}
	c := MeetingCase{Family: fam, Now: m.now(), Today: m.today(),
		CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	if mid != 0 {
		if c.Meeting, err = m.db.Meeting(ctx, id, mid); err != nil {
			return c, role, err
		}
	}
	if c.Office, err = m.db.GetOffice(ctx, fam.OfficeID); err != nil {
		return c, role, err
	}
	c.ModelTools = c.Office.Arm.ModelTools()
	if c.Plan, err = m.db.Plan(ctx, id); err != nil {
		return c, role, err
	}
	if c.Coordinators, _, err = m.coordinators(ctx, fam.OfficeID); err != nil {
		return c, role, err
	}
	if c.Partners, err = m.db.PartnerEntries(ctx, fam.OfficeID); err != nil {
		return c, role, err
	}
	if c.Staff, err = m.db.StaffNames(ctx, holf.Offices(fam.OfficeID)); err != nil {
		return c, role, err
	}
	for _, x := range c.Plan.Activities {
		if mid != 0 && x.MeetingID == mid {
			c.FollowUps = append(c.FollowUps, x)
		}
	}
	c.HasReflection = !c.Meeting.Reflection.Empty()
	if c.Meeting.SimilarTo != 0 && canRead(a, fam, c.Meeting.Reflection) {
		if sim, err := m.db.Meeting(ctx, id, c.Meeting.SimilarTo); err == nil {
			c.Similar = sim
		}
	}
	c.ReflectionHidden = redact(a, fam, &c.Meeting)
	return c, role, nil
}

// View shows meeting mid of family id (audited).
func (m *Meetings) View(ctx context.Context, a *holf.Actor, id, mid int64) (MeetingCase, error) {
	c, role, err := m.load(ctx, a, policy.FamilyView, id, mid)
	if err != nil {
		return c, err
	}
	return c, m.recordView(ctx, a, role, "meeting.view", "family", id, PurposeCasework)
}

// Edit opens part of meeting mid of family id for a change, with the
// caller's draft of it when one is newer than the meeting (audited as a view).
func (m *Meetings) Edit(ctx context.Context, a *holf.Actor, id, mid int64, part string) (MeetingCase, error) {
	c, role, err := m.load(ctx, a, policy.FamilyManage, id, mid)
	if err != nil {
		return c, err
	}
	if modelPart(part) && !c.ModelTools {
		return c, holf.ModelOnly()
	}
	if err := m.recordView(ctx, a, role, "meeting.view", "family", id, PurposeCasework); err != nil {
		return c, err
	}
	d, ok, err := m.db.LoadDraft(ctx, draftKey(a, id, mid, part))
	if err == nil && ok && d.FamilyID == id {
		c.Draft = &d
	}
	return c, err
}

// NewMeeting is the form for planning a meeting: the family's case, and a
// meeting filled with the defaults (tomorrow at ten, 45 minutes, at the
// office, every parent, the caller leading) and the topics carried over.
func (m *Meetings) NewMeeting(ctx context.Context, a *holf.Actor, id int64) (MeetingCase, error) {
	c, role, err := m.load(ctx, a, policy.FamilyManage, id, 0)
	if err != nil {
		return c, err
	}
	if err := m.recordView(ctx, a, role, "meeting.view", "family", id, PurposeCasework); err != nil {
		return c, err
	}
	day := m.today().AddDate(0, 0, 1)
	c.Meeting = holf.Meeting{FamilyID: id, Kind: holf.MeetingFollowUp, Status: holf.MeetingPlanned, Channel: holf.ChannelOffice,
		Minutes: DefaultMeetingMinutes, FGEVersion: holf.CurrentFGE().Version, LeadID: m.lead(a, c),
		StartsAt: time.Date(day.Year(), day.Month(), day.Day(), DefaultMeetingHour, 0, 0, 0, Norway)}
	if c.Meeting.LeadID != 0 {
		c.Meeting.Participants = append(c.Meeting.Participants, holf.Participant{Kind: holf.ParticipantCoordinator, PersonID: c.Meeting.LeadID, Attendance: holf.AttendanceExpected})
	}
	for _, p := range c.Family.Parents() {
		c.Meeting.Participants = append(c.Meeting.Participants, holf.Participant{Kind: holf.ParticipantMember, MemberID: p.ID, Attendance: holf.AttendanceExpected})
		if p.InterpreterNeeded && c.Meeting.InterpreterLanguage == "" {
			c.Meeting.InterpreterLanguage = p.InterpreterLanguage
		}
	}
	return c, nil
}

// lead is who leads a new meeting: the caller when a coordinator of the
// office, else the family's primary coordinator.
func (m *Meetings) lead(a *holf.Actor, c MeetingCase) int64 {
	for _, p := range c.Coordinators {
		if p.ID == a.PersonID {
			return p.ID
		}
	}
	return c.Family.PrimaryCoordinatorID
}

// Create plans meeting mt with its family. Topics not reached in the
// family's last meeting are carried onto its agenda. parsed holds what the
// door could not read.
func (m *Meetings) Create(ctx context.Context, a *holf.Actor, mt holf.Meeting, parsed holf.Validation) (holf.Meeting, error) {
	return m.CreateOverriding(ctx, a, mt, parsed, "")
}

// partners names the meeting's partner participants after the office's
// actor list, and requires the consent to discuss what the meeting is about
// with each of them, on the meeting's day (or an override's reason).
func (m *Meetings) partners(ctx context.Context, a *holf.Actor, role holf.Role, c MeetingCase, mt *holf.Meeting, cur holf.Meeting, field, override string) (context.Context, error) {
	ids := mt.Partners()
	if len(ids) == 0 {
		return ctx, nil
	}
	var needs []holf.Need
	for _, id := range ids {
		if c.PartnerName(id) == "" {
			var v holf.Validation
			v.Add("participants", "err.partner_unknown")
			return ctx, v.Err()
		}
		for _, cat := range mt.Categories() {
			needs = append(needs, holf.Need{Partner: id, Category: cat, Action: holf.ActionDiscuss, On: dateIn(mt.StartsAt)})
		}
	}
	// Unchanged since the last save: checked then (a consent withdrawn
	// since does not undo a meeting held).
	if slices.Equal(ids, cur.Partners()) && slices.Equal(mt.Categories(), cur.Categories()) && mt.StartsAt.Equal(cur.StartsAt) {
		return ctx, nil
	}
	return m.requireConsent(ctx, a, role, c.Family, needs, field, override)
}

// CreateOverriding is Create with an emergency override of the consent its
// partner participants need.
func (m *Meetings) CreateOverriding(ctx context.Context, a *holf.Actor, mt holf.Meeting, parsed holf.Validation, override string) (holf.Meeting, error) {
	c, role, err := m.load(ctx, a, policy.FamilyManage, mt.FamilyID, 0)
	if err != nil {
		return mt, err
	}
	mt.ID, mt.FGEVersion, mt.ReflectedAt, mt.ReflectedBy, mt.SimilarTo, mt.Similarity = 0, holf.CurrentFGE().Version, time.Time{}, 0, 0, 0
	if mt.Status == "" {
		mt.Status = holf.MeetingPlanned
	}
	if mt.LeadID == 0 {
		mt.LeadID = m.lead(a, c)
	}
	// A meeting with partners carries nothing over: what the family
	// raised with NAV alone is not put before partners unasked.
	var carried []holf.AgendaTopic
	if len(mt.Partners()) == 0 {
		if carried, err = m.db.CarryOver(ctx, mt.FamilyID); err != nil {
			return mt, err
		}
	}
	for _, t := range carried {
		mt.Agenda = append(mt.Agenda, holf.AgendaTopic{Proposer: t.Proposer, Title: t.Title, Area: t.Area, GoalID: t.GoalID,
			Outcome: holf.TopicOpen, CarriedFrom: t.ID})
	}
	if err := mergeValidation(parsed, mt.Validate(&c.Family, c.Office.TargetAreas, c.Plan, ids(c.Coordinators), m.now())); err != nil {
		return mt, err
	}
	ctx, err = m.partners(ctx, a, role, c, &mt, holf.Meeting{}, "participants", override)
	if err != nil {
		return mt, err
	}
	m.stampReflection(ctx, a, &mt, holf.Meeting{})
	err = m.db.CreateMeeting(ctx, event(a, role, "meeting.create", "family", mt.FamilyID, PurposeCasework), &mt, a.PersonID)
	return mt, err
}

func ids(ps []holf.Person) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// Save changes one part of meeting mid of family id, made from version:
// apply sets the part's fields on the meeting as saved now. A save from an
// older version is a conflict; the meeting as saved is returned with it.
func (m *Meetings) Save(ctx context.Context, a *holf.Actor, id, mid, version int64, part string, apply func(*holf.Meeting), parsed holf.Validation) (holf.Meeting, error) {
	return m.SaveOverriding(ctx, a, id, mid, version, part, apply, parsed, "")
}

// SaveOverriding is Save with an emergency override of the consent the
// meeting's partners need.
func (m *Meetings) SaveOverriding(ctx context.Context, a *holf.Actor, id, mid, version int64, part string, apply func(*holf.Meeting), parsed holf.Validation, override string) (holf.Meeting, error) {
	c, role, err := m.load(ctx, a, policy.FamilyManage, id, mid)
	if err != nil {
		return holf.Meeting{}, err
	}
	if modelPart(part) && !c.ModelTools {
		return c.Meeting, holf.ModelOnly()
	}
	if err := fromVersion(version); err != nil {
		return c.Meeting, err
	}
	cur, err := m.db.Meeting(ctx, id, mid) // unredacted: the writer may read it
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, holf.Stale("meeting", mid)
	}
	next := cur
	next.Participants = append([]holf.Participant(nil), cur.Participants...)
	next.Agenda = append([]holf.AgendaTopic(nil), cur.Agenda...)
	apply(&next)
	next.ID, next.FamilyID, next.Version, next.FGEVersion = cur.ID, cur.FamilyID, version, cur.FGEVersion
	if err := mergeValidation(parsed, next.Validate(&c.Family, c.Office.TargetAreas, c.Plan, ids(c.Coordinators), m.now())); err != nil {
		return next, err
	}
	field := "participants"
	if part == PartAgenda {
		field = "agenda"
	}
	ctx, err = m.partners(ctx, a, role, c, &next, cur, field, override)
	if err != nil {
		return next, err
	}
	m.stampReflection(ctx, a, &next, cur)
	err = m.db.UpdateMeeting(ctx, event(a, role, "meeting."+part, "family", id, PurposeCasework), &next, []store.DraftKey{draftKey(a, id, mid, part)})
	return next, err
}

// stampReflection dates a reflection when it is first written and names
// its writer, and compares it with earlier ones: a near copy is flagged
// with the meeting it repeats.
func (m *Meetings) stampReflection(ctx context.Context, a *holf.Actor, next *holf.Meeting, cur holf.Meeting) {
	if next.Reflection.Empty() {
		next.ReflectedAt, next.ReflectedBy, next.SimilarTo, next.Similarity = time.Time{}, 0, 0, 0
		return
	}
	if next.Reflection.Text() == cur.Reflection.Text() && !cur.ReflectedAt.IsZero() {
		return
	}
	if next.ReflectedAt.IsZero() {
		next.ReflectedAt = m.now()
	}
	next.ReflectedBy = a.PersonID
	next.SimilarTo, next.Similarity = 0, 0
	past, err := m.db.PastReflections(ctx, next.FamilyID, a.PersonID, next.ID, pastReflections)
	if err != nil {
		return // the flag is a help, never a reason to lose the save
	}
	text := next.Reflection.Text()
	for _, p := range past {
		if s := holf.Similarity(text, p.Text.Text()); s >= holf.CopyThreshold && s > next.Similarity {
			next.SimilarTo, next.Similarity = p.MeetingID, s
		}
	}
}

// Delete removes meeting mid of family id, made from version.
func (m *Meetings) Delete(ctx context.Context, a *holf.Actor, id, mid, version int64) error {
	role, err := m.families().authorize(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return err
	}
	if err := fromVersion(version); err != nil {
		return err
	}
	return m.db.DeleteMeeting(ctx, event(a, role, "meeting.delete", "family", id, PurposeCasework), id, mid, version)
}

func draftKey(a *holf.Actor, id, mid int64, part string) store.DraftKey {
	return store.DraftKey{PersonID: a.PersonID, Form: "meeting:" + itoa64(id) + ":" + itoa64(mid) + ":" + part}
}

// MaxDraft bounds an autosaved draft, in bytes.
const MaxDraft = 64 << 10

// SaveDraft keeps what the caller has typed in part of meeting mid so far
// (content is the form as the browser would post it), so that a long form
// is never lost.
func (m *Meetings) SaveDraft(ctx context.Context, a *holf.Actor, id, mid, base int64, part, content string) error {
	if _, err := m.families().authorize(ctx, a, policy.FamilyManage, id); err != nil {
		return err
	}
	if _, err := m.db.Meeting(ctx, id, mid); err != nil {
		return err
	}
	if len(content) > MaxDraft {
		var v holf.Validation
		v.Add("draft", "err.too_long", MaxDraft, len(content))
		return v.Err()
	}
	return m.db.SaveDraft(ctx, store.Draft{DraftKey: draftKey(a, id, mid, part), FamilyID: id, BaseVersion: base, Content: content})
}

// DiscardDraft throws the caller's draft of part of meeting mid away.
func (m *Meetings) DiscardDraft(ctx context.Context, a *holf.Actor, id, mid int64, part string) error {
	if _, err := m.families().authorize(ctx, a, policy.FamilyManage, id); err != nil {
		return err
	}
	return m.db.DeleteDraft(ctx, draftKey(a, id, mid, part))
}

// Writable checks that a may write to family id's meetings and contacts,
// before a door reads a body it would otherwise judge first.
func (m *Meetings) Writable(ctx context.Context, a *holf.Actor, id int64) error {
	_, err := m.families().authorize(ctx, a, policy.FamilyManage, id)
	return err
}

// AddFollowUp adds activity x to the plan as a follow-up task of meeting mid.
func (m *Meetings) AddFollowUp(ctx context.Context, a *holf.Actor, mid int64, x holf.Activity, parsed holf.Validation, override string) (holf.Activity, error) {
	if _, err := m.families().authorize(ctx, a, policy.FamilyManage, x.FamilyID); err != nil {
		return x, err
	}
	if _, err := m.db.Meeting(ctx, x.FamilyID, mid); err != nil {
		return x, err
	}
	x.MeetingID = mid
	return (&Plans{m.core}).AddActivityOverriding(ctx, a, x, parsed, override)
}
