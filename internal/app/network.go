package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
)

// Network is a family's action network: the services involved with each
// member, the partners' tasks, the collaboration meetings and the matters
// lifted to the leader.
type Network struct{ *core }

func (n *Network) families() *Families { return &Families{n.core} }

// NetworkView is a family's network with what its page needs.
type NetworkView struct {
	Family       holf.Family
	Partners     []holf.Partner // the office's actor list
	Names        map[int64]string
	Involvements []holf.Involvement
	Consents     []holf.Consent
	Plan         holf.Plan
	Tasks        []holf.Activity // the partners' tasks in the plan
	Meetings     []holf.Meeting  // meetings with partners, or collaboration meetings
	Escalations  []holf.Escalation
	CanEdit      bool // the coordinator's: involvements, escalations, extracts
	CanHandle    bool // the leader's: answer escalations
	Today        time.Time
}

// Activity finds activity id of the family's plan.
func (v *NetworkView) Activity(id int64) (holf.Activity, bool) {
	i := slices.IndexFunc(v.Plan.Activities, func(a holf.Activity) bool { return a.ID == id })
	if i < 0 {
		return holf.Activity{}, false
	}
	return v.Plan.Activities[i], true
}

// Escalation finds escalation id.
func (v *NetworkView) Escalation(id int64) (holf.Escalation, error) {
	for _, e := range v.Escalations {
		if e.ID == id {
			return e, nil
		}
	}
	return holf.Escalation{}, holf.NotFound("escalation", id)
}

// Covered lists the office's partners an active consent lets the
// coordinator tell something today (for the extract's choice).
func (v *NetworkView) Covered() []holf.Partner {
	var out []holf.Partner
	for _, p := range v.Partners {
		if slices.ContainsFunc(v.Consents, func(c holf.Consent) bool {
			return c.StatusOn(v.Today) == holf.ConsentActive && slices.Contains(c.Recipients, p.ID) && slices.Contains(c.Actions, holf.ActionDisclose)
		}) {
			out = append(out, p)
		}
	}
	return out
}

func (n *Network) load(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (NetworkView, holf.Role, error) {
	fam, role, err := n.families().load(ctx, a, act, id)
	if err != nil {
		return NetworkView{}, "", err
	}
	res := policy.FamilyResource("family", fam.OfficeID, fam.ID)
	v := NetworkView{Family: fam, Today: n.today(), Names: map[int64]string{},
		CanEdit: policy.Decide(a, policy.EscalationRaise, res).Allowed, CanHandle: policy.Decide(a, policy.EscalationHandle, res).Allowed}
	if v.Partners, err = n.db.PartnerEntries(ctx, fam.OfficeID); err != nil {
		return v, role, err
	}
	for _, p := range v.Partners {
		v.Names[p.ID] = p.Name
	}
	if v.Involvements, err = n.db.Involvements(ctx, id); err != nil {
		return v, role, err
	}
	if v.Consents, err = n.db.Consents(ctx, id); err != nil {
		return v, role, err
	}
	if v.Plan, err = n.db.Plan(ctx, id); err != nil {
		return v, role, err
	}
	for _, x := range v.Plan.Activities {
		if x.PartnerID != 0 {
			v.Tasks = append(v.Tasks, x)
		}
	}
	ms, err := n.db.Meetings(ctx, id)
	if err != nil {
		return v, role, err
	}
	for _, m := range ms {
		if m.Kind == holf.MeetingCollaboration || len(m.Partners()) > 0 {
			v.Meetings = append(v.Meetings, m)
		}
	}
	v.Escalations, err = n.db.Escalations(ctx, id)
	return v, role, err
}

// View shows family id's network (audited: it names the services involved).
func (n *Network) View(ctx context.Context, a *holf.Actor, id int64) (NetworkView, error) {
	v, role, err := n.load(ctx, a, policy.FamilyView, id)
	if err != nil {
		return v, err
	}
	return v, n.recordView(ctx, a, role, "network.view", "family", id, PurposeCasework)
}

// AddInvolvement records that a service is involved with the family.
func (n *Network) AddInvolvement(ctx context.Context, a *holf.Actor, i holf.Involvement, parsed holf.Validation) (holf.Involvement, error) {
	fam, role, err := n.families().load(ctx, a, policy.FamilyManage, i.FamilyID)
	if err != nil {
		return i, err
	}
	partners, err := n.officePartnerIDs(ctx, fam.OfficeID)
	if err != nil {
		return i, err
	}
	i.ID, i.EndedOn = 0, time.Time{}
	if err := mergeValidation(parsed, i.Validate(&fam, partners, n.today())); err != nil {
		return i, err
	}
	err = n.db.AddInvolvement(ctx, event(a, role, "involvement.add", "family", i.FamilyID, PurposeCasework), &i)
	return i, err
}

// EndInvolvement records that involvement id of family fam ended today.
func (n *Network) EndInvolvement(ctx context.Context, a *holf.Actor, fam, id, version int64) error {
	v, role, err := n.load(ctx, a, policy.FamilyManage, fam)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(v.Involvements, func(x holf.Involvement) bool { return x.ID == id })
	if i < 0 {
		return holf.NotFound("involvement", id)
	}
	if err := fromVersion(version); err != nil {
		return err
	}
	inv := v.Involvements[i]
	inv.Version, inv.EndedOn = version, v.Today
	return n.db.EndInvolvement(ctx, event(a, role, "involvement.end", "family", fam, PurposeCasework), inv)
}

// Raise lifts a disagreement or a stalled task of family e.FamilyID to the
// office leader. A stalled task concerns the partner that owns it.
func (n *Network) Raise(ctx context.Context, a *holf.Actor, e holf.Escalation) (holf.Escalation, error) {
	v, role, err := n.load(ctx, a, policy.EscalationRaise, e.FamilyID)
	if err != nil {
		return e, err
	}
	e.ID, e.OfficeID, e.Status, e.RaisedBy, e.Answer, e.Outcome = 0, v.Family.OfficeID, holf.EscalationOpen, a.PersonID, "", ""
	if x, ok := v.Activity(e.ActivityID); ok && e.PartnerID == 0 {
		e.PartnerID = x.PartnerID
	}
	if err := e.Validate(v.Plan, partnerIDs(v.Partners, false)); err != nil {
		return e, err
	}
	err = n.db.AddEscalation(ctx, event(a, role, "escalation.raise", "family", e.FamilyID, PurposeCasework), &e)
	return e, err
}

// Handle saves the leader's answer and outcome on escalation id of family
// fam from version; resolve closes it.
func (n *Network) Handle(ctx context.Context, a *holf.Actor, fam, id, version int64, answer, outcome string, resolve bool) (holf.Escalation, error) {
	v, role, err := n.load(ctx, a, policy.EscalationHandle, fam)
	if err != nil {
		return holf.Escalation{}, err
	}
	e, err := v.Escalation(id)
	if err != nil {
		return e, err
	}
	if e.Status == holf.EscalationResolved {
		var bad holf.Validation
		bad.Add("outcome", "err.escalation_closed")
		return e, bad.Err()
	}
	if err := fromVersion(version); err != nil {
		return e, err
	}
	e.Version, e.Answer, e.Outcome = version, answer, outcome
	if resolve {
		e.Status, e.ResolvedBy = holf.EscalationResolved, a.PersonID
	}
	if err := e.Validate(v.Plan, partnerIDs(v.Partners, false)); err != nil {
		return e, err
	}
	err = n.db.UpdateEscalation(ctx, event(a, role, "escalation.handle", "family", fam, PurposeCasework), &e)
	return e, err
}

// MaxOpenEscalations bounds the leader's start-page list.
const MaxOpenEscalations = 20

// Open lists the open escalations of the leader's offices, the oldest
// first, with how many there are (audited as a list of the families).
func (n *Network) Open(ctx context.Context, a *holf.Actor) ([]holf.Escalation, int, error) {
	if !policy.Allows(a, policy.EscalationHandle) {
		return nil, 0, nil
	}
	es, total, err := n.db.OpenEscalations(ctx, policy.Visible(a, policy.EscalationHandle), MaxOpenEscalations)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.FamilyID)
	}
	slices.Sort(ids)
	return es, total, n.recordList(ctx, a, policy.EscalationHandle, "escalation.list", "family", slices.Compact(ids), PurposeFollow)
}

// Extract is what a sharing extract may tell one partner: the goals and
// activities, and the agreements of the meetings it took part in, that an
// active consent lets be disclosed to it today. Nothing else is loaded
// into it.
type Extract struct {
	Family  holf.Family
	Partner holf.Partner
	// Consents are the records the extract relies on.
	Consents []holf.Consent
	Goals    []holf.Goal
	Tasks    map[int64][]holf.Activity // by goal
	Meetings []ExtractMeeting
	Omitted  int // goals and topics left out because no consent covers them
	Today    time.Time
}

// ExtractMeeting is a meeting the partner took part in, with the agreed
// topics the consent covers.
type ExtractMeeting struct {
	Meeting holf.Meeting
	Topics  []holf.AgendaTopic
}

// Extract builds the sharing extract of family fam for partner, and
// records that the partner was given it. Without a consent that lets
// anything be disclosed to the partner, it is refused naming what is
// missing.
func (n *Network) Extract(ctx context.Context, a *holf.Actor, fam, partner int64) (Extract, error) {
	v, role, err := n.load(ctx, a, policy.ShareExtract, fam)
	if err != nil {
		return Extract{}, err
	}
	i := slices.IndexFunc(v.Partners, func(p holf.Partner) bool { return p.ID == partner })
	if i < 0 {
		return Extract{}, holf.NotFound("partner", partner)
	}
	x := Extract{Family: v.Family, Partner: v.Partners[i], Tasks: map[int64][]holf.Activity{}, Today: v.Today}
	used := map[int64]bool{}
	covers := func(member int64, area holf.TargetArea) bool {
		c, gap := holf.Check(v.Consents, holf.Need{Member: member, Partner: partner, Category: holf.AreaCategory(area), Action: holf.ActionDisclose, On: v.Today})
		if gap != nil {
			return false
		}
		used[c.ID] = true
		return true
	}
	// The plan itself is a category: without it, no goal is told.
	if _, err := n.requireConsent(ctx, a, role, v.Family, []holf.Need{{Partner: partner, Category: holf.CategoryPlan, Action: holf.ActionDisclose, On: v.Today}}, "partner", ""); err != nil {
		return x, err
	}
	for _, g := range v.Plan.Goals {
		if !covers(g.MemberID, g.Area) {
			x.Omitted++
			continue
		}
		x.Goals = append(x.Goals, g)
		for _, t := range v.Plan.Activities {
			if t.GoalID == g.ID {
				x.Tasks[g.ID] = append(x.Tasks[g.ID], t)
			}
		}
	}
	for _, m := range v.Meetings {
		if !slices.Contains(m.Partners(), partner) || m.Status != holf.MeetingHeld {
			continue
		}
		em := ExtractMeeting{Meeting: m}
		for _, t := range m.Agenda {
			if t.Area != "" && covers(0, t.Area) || t.Area == "" && covers(0, "") {
				em.Topics = append(em.Topics, t)
			} else {
				x.Omitted++
			}
		}
		x.Meetings = append(x.Meetings, em)
	}
	for _, c := range v.Consents {
		if used[c.ID] {
			x.Consents = append(x.Consents, c)
		}
	}
	if len(x.Consents) == 0 {
		var bad holf.Validation
		bad.Add("partner", "err.extract_empty", x.Partner.Name)
		return x, bad.Err()
	}
	return x, n.db.RecordExtract(ctx, event(a, role, "share.extract", "family", fam, PurposeCasework), fam, partner, x.Consents[0].ID, a.PersonID)
}

// Writable checks that a may do act (raise an escalation, record a
// consent) on family id, before a door reads a body it would otherwise
// judge first.
func (n *Network) Writable(ctx context.Context, a *holf.Actor, act policy.Action, id int64) error {
	_, err := n.families().authorize(ctx, a, act, id)
	return err
}
