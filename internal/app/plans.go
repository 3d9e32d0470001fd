package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
)

// Plans is the family plan: goals and sub-goals of each member or the whole
// family, the activities toward them, who is responsible and by when.
type Plans struct{ *core }

// SoonDays is how far ahead an open activity counts as coming up: the
// plan page lists it beside the overdue ones.
const SoonDays = 14

// Board is one family's plan with what every view of it needs.
type Board struct {
	Family      holf.Family
	Office      holf.Office
	Plan        holf.Plan
	Coordinator string // the primary coordinator's name
	CanEdit     bool
	Today       time.Time
	Changes     []holf.PlanChange // the newest first, when loaded
	Partners    []holf.Partner    // the office's actor list, for partner-owned activities
}

// Overdue reports whether a is open past its due date.
func (b *Board) Overdue(a holf.Activity) bool { return a.Overdue(b.Today) }

// Soon reports whether a is open and due within SoonDays, not yet overdue.
func (b *Board) Soon(a holf.Activity) bool {
	return a.Status == holf.ActivityOpen && !a.DueOn.IsZero() && !b.Overdue(a) && !a.DueOn.After(b.Today.AddDate(0, 0, SoonDays))
}

// Responsible is who does an activity, resolved to a name.
type Responsible struct {
	Kind     holf.ResponsibleKind
	MemberID int64
	Name     string // the member's, the coordinator's, or the partner's or colleague's
}

// Who resolves who is responsible for a.
func (b *Board) Who(a holf.Activity) Responsible {
	r := Responsible{Kind: a.Responsible}
	switch a.Responsible {
	case holf.ResponsibleMember:
		r.MemberID = a.ResponsibleMemberID
		for _, m := range b.Family.Members {
			if m.ID == a.ResponsibleMemberID {
				r.Name = m.Name
			}
		}
	case holf.ResponsibleCoordinator:
		r.Name = b.Coordinator
	default:
		r.Name = a.ResponsibleName
	}
	return r
}

// TaskGroup is everything one person has to do.
type TaskGroup struct {
	Who   Responsible
	Tasks []holf.Activity // by due date
}

// ByResponsible groups the activities not dropped by who does them: the
// family's members in their order first, then the coordinator, partners and
// colleagues as they first appear. Following tasks across several members
// was a pain point of the paper plan (seed 003, §6.4).
func (b *Board) ByResponsible() []TaskGroup {
	var out []TaskGroup
	index := map[Responsible]int{}
	add := func(r Responsible) int {
		if i, ok := index[r]; ok {
			return i
		}
		index[r] = len(out)
		out = append(out, TaskGroup{Who: r})
		return len(out) - 1
	}
	for _, m := range b.Family.Members {
		add(Responsible{Kind: holf.ResponsibleMember, MemberID: m.ID, Name: m.Name})
	}
	for _, a := range b.Plan.Activities {
		if a.Status == holf.ActivityDropped {
			continue
		}
		i := add(b.Who(a))
		out[i].Tasks = append(out[i].Tasks, a)
	}
	out = slices.DeleteFunc(out, func(g TaskGroup) bool { return len(g.Tasks) == 0 })
	for i := range out {
		SortByDue(out[i].Tasks)
	}
	return out
}

// SortByDue orders activities by due date, those without one last, keeping
// the plan's order among equals.
func SortByDue(as []holf.Activity) {
	slices.SortStableFunc(as, func(a, b holf.Activity) int {
		switch {
		case a.DueOn.IsZero() && b.DueOn.IsZero():
			return 0
		case a.DueOn.IsZero():
			return 1
		case b.DueOn.IsZero():
			return -1
		}
		return a.DueOn.Compare(b.DueOn)
	})
}

func (p *Plans) board(ctx context.Context, a *holf.Actor, fam holf.Family) (Board, error) {
	b := Board{Family: fam, Today: p.today(),
		CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	var err error
	if b.Plan, err = p.db.Plan(ctx, fam.ID); err != nil {
		return b, err
	}
	if b.Office, err = p.db.GetOffice(ctx, fam.OfficeID); err != nil {
		return b, err
	}
	if b.Partners, err = p.db.PartnerEntries(ctx, fam.OfficeID); err != nil {
		return b, err
	}
	names, err := p.db.StaffNames(ctx, holf.Offices(fam.OfficeID))
	b.Coordinator = names[fam.PrimaryCoordinatorID]
	return b, err
}

func (p *Plans) families() *Families { return &Families{p.core} }

// View shows family id's plan with its recent history (audited as
// auditAction: "plan.view", or "plan.print" for the family's printout).
func (p *Plans) View(ctx context.Context, a *holf.Actor, id int64, auditAction string) (Board, error) {
	fam, role, err := p.families().load(ctx, a, policy.FamilyView, id)
	if err != nil {
		return Board{}, err
	}
	if err := p.recordView(ctx, a, role, auditAction, "family", id, PurposeCasework); err != nil {
		return Board{}, err
	}
	b, err := p.board(ctx, a, fam)
	if err != nil {
		return b, err
	}
	b.Changes, err = p.db.PlanChanges(ctx, id, 20)
	return b, err
}

// Contact is how the family reaches its coordinator, for the printed plan:
// the coordinator's name and work e-mail, and the office.
type Contact struct {
	Name, Email, Office string
}

// CoordinatorContact is family id's primary coordinator's work contact, for
// those who may see the family.
func (p *Plans) CoordinatorContact(ctx context.Context, a *holf.Actor, id int64) (Contact, error) {
	fam, _, err := p.families().load(ctx, a, policy.FamilyView, id)
	if err != nil {
		return Contact{}, err
	}
	o, err := p.db.GetOffice(ctx, fam.OfficeID)
	if err != nil {
		return Contact{}, err
	}
	c := Contact{Office: o.Name}
	if fam.PrimaryCoordinatorID != 0 {
		person, err := p.db.GetPerson(ctx, fam.PrimaryCoordinatorID)
		if err != nil {
			return c, err
		}
		c.Name, c.Email = person.Name, person.Email
	}
	return c, nil
}

// Edit shows family id's plan to someone who may change it, for the goal
// and activity forms (audited as a view: the forms show the family).
func (p *Plans) Edit(ctx context.Context, a *holf.Actor, id int64) (Board, error) {
	fam, role, err := p.families().load(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return Board{}, err
	}
	if err := p.recordView(ctx, a, role, "plan.view", "family", id, PurposeCasework); err != nil {
		return Board{}, err
	}
	return p.board(ctx, a, fam)
}

// Goal finds goal id in the board's plan.
func (b *Board) Goal(id int64) (holf.Goal, error) {
	for _, g := range b.Plan.Goals {
		if g.ID == id {
			return g, nil
		}
	}
	return holf.Goal{}, holf.NotFound("goal", id)
}

// Activity finds activity id in the board's plan.
func (b *Board) Activity(id int64) (holf.Activity, error) {
	for _, x := range b.Plan.Activities {
		if x.ID == id {
			return x, nil
		}
	}
	return holf.Activity{}, holf.NotFound("activity", id)
}

// change loads what a write to family id's plan is checked against.
func (p *Plans) change(ctx context.Context, a *holf.Actor, id int64) (Board, holf.Role, error) {
	fam, role, err := p.families().load(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return Board{}, "", err
	}
	b, err := p.board(ctx, a, fam)
	return b, role, err
}

// AddGoal adds goal g (a sub-goal when g.ParentID is set) to its family's plan.
func (p *Plans) AddGoal(ctx context.Context, a *holf.Actor, g holf.Goal) (holf.Goal, error) {
	b, role, err := p.change(ctx, a, g.FamilyID)
	if err != nil {
		return g, err
	}
	g.ID, g.Status = 0, holf.GoalOpen
	if err := g.ValidateIn(&b.Family, b.Office.TargetAreas, b.Plan); err != nil {
		return g, err
	}
	g.Stamp(b.Today)
	err = p.db.AddGoal(ctx, event(a, role, "plan.goal_add", "family", g.FamilyID, PurposeCasework), &g)
	return g, err
}

// UpdateGoal saves goal g from g.Version.
func (p *Plans) UpdateGoal(ctx context.Context, a *holf.Actor, g holf.Goal) (holf.Goal, error) {
	b, role, err := p.change(ctx, a, g.FamilyID)
	if err != nil {
		return g, err
	}
	cur, err := b.Goal(g.ID)
	if err != nil {
		return g, err
	}
	if err := fromVersion(g.Version); err != nil {
		return g, err
	}
	g.AchievedOn = cur.AchievedOn
	if err := g.ValidateIn(&b.Family, b.Office.TargetAreas, b.Plan); err != nil {
		return g, err
	}
	g.Stamp(b.Today)
	err = p.db.UpdateGoal(ctx, event(a, role, "plan.goal_update", "family", g.FamilyID, PurposeCasework), &g)
	return g, err
}

// AddActivity adds activity x to a goal of its family's plan. parsed holds
// what the door could not read (a date that is no date).
func (p *Plans) AddActivity(ctx context.Context, a *holf.Actor, x holf.Activity, parsed holf.Validation) (holf.Activity, error) {
	return p.AddActivityOverriding(ctx, a, x, parsed, "")
}

// partnerName gives a partner-owned activity its partner's name before it
// is validated (the form sends the partner's id, not a name).
func (p *Plans) partnerName(b Board, x *holf.Activity) {
	if x.Responsible != holf.ResponsiblePartner || x.PartnerID == 0 {
		return
	}
	for _, pa := range b.Partners {
		if pa.ID == x.PartnerID {
			x.ResponsibleName = pa.Name
		}
	}
}

// partnerOwned names a partner-owned activity after the office's actor
// list and requires the family's consent to tell that partner about the
// goal's area (or an emergency override with its reason).
func (p *Plans) partnerOwned(ctx context.Context, a *holf.Actor, role holf.Role, b Board, x *holf.Activity, override string) (context.Context, error) {
	if x.Responsible != holf.ResponsiblePartner || x.PartnerID == 0 {
		return ctx, nil
	}
	pa, err := p.db.Partner(ctx, b.Family.OfficeID, x.PartnerID)
	if err != nil || !pa.Active {
		var v holf.Validation
		v.Add("responsible_partner", "err.partner_unknown")
		return ctx, v.Err()
	}
	x.ResponsibleName = pa.Name
	g, _ := b.Goal(x.GoalID)
	return p.requireConsent(ctx, a, role, b.Family, []holf.Need{{Member: g.MemberID, Partner: x.PartnerID, Category: holf.AreaCategory(g.Area),
		Action: holf.ActionDisclose, On: b.Today}}, "responsible_partner", override)
}

// AddActivityOverriding is AddActivity with an emergency override of the
// consent a partner-owned activity needs.
func (p *Plans) AddActivityOverriding(ctx context.Context, a *holf.Actor, x holf.Activity, parsed holf.Validation, override string) (holf.Activity, error) {
	b, role, err := p.change(ctx, a, x.FamilyID)
	if err != nil {
		return x, err
	}
	x.ID, x.DoneOn = 0, time.Time{}
	if x.Status == "" {
		x.Status = holf.ActivityOpen
	}
	p.partnerName(b, &x)
	if err := mergeValidation(parsed, x.ValidateIn(&b.Family, b.Plan)); err != nil {
		return x, err
	}
	ctx, err = p.partnerOwned(ctx, a, role, b, &x, override)
	if err != nil {
		return x, err
	}
	x.Stamp(b.Today)
	err = p.db.AddActivity(ctx, event(a, role, "plan.activity_add", "family", x.FamilyID, PurposeCasework), &x)
	return x, err
}

// UpdateActivity saves activity x from x.Version.
func (p *Plans) UpdateActivity(ctx context.Context, a *holf.Actor, x holf.Activity, parsed holf.Validation) (holf.Activity, error) {
	return p.UpdateActivityOverriding(ctx, a, x, parsed, "")
}

// UpdateActivityOverriding is UpdateActivity with an emergency override of
// the consent a partner-owned activity needs.
func (p *Plans) UpdateActivityOverriding(ctx context.Context, a *holf.Actor, x holf.Activity, parsed holf.Validation, override string) (holf.Activity, error) {
	b, role, err := p.change(ctx, a, x.FamilyID)
	if err != nil {
		return x, err
	}
	cur, err := b.Activity(x.ID)
	if err != nil {
		return x, err
	}
	if err := fromVersion(x.Version); err != nil {
		return x, err
	}
	x.DoneOn = cur.DoneOn
	p.partnerName(b, &x)
	if err := mergeValidation(parsed, x.ValidateIn(&b.Family, b.Plan)); err != nil {
		return x, err
	}
	// Telling a partner again what it was told before needs no new check;
	// a new owner does.
	if x.PartnerID != cur.PartnerID || x.GoalID != cur.GoalID {
		if ctx, err = p.partnerOwned(ctx, a, role, b, &x, override); err != nil {
			return x, err
		}
	} else if x.PartnerID != 0 {
		x.ResponsibleName = cur.ResponsibleName
	}
	x.Stamp(b.Today)
	err = p.db.UpdateActivity(ctx, event(a, role, "plan.activity_update", "family", x.FamilyID, PurposeCasework), &x)
	return x, err
}

// SetActivityStatus checks activity id of family familyID off, reopens or
// drops it, in one action.
func (p *Plans) SetActivityStatus(ctx context.Context, a *holf.Actor, familyID, id int64, to holf.ActivityStatus) (holf.Activity, error) {
	role, err := p.families().authorize(ctx, a, policy.FamilyManage, familyID)
	if err != nil {
		return holf.Activity{}, err
	}
	if !to.Valid() {
		var v holf.Validation
		v.Add("to", "err.status")
		return holf.Activity{}, v.Err()
	}
	return p.db.SetActivityStatus(ctx, event(a, role, "plan.activity_status", "family", familyID, PurposeCasework), familyID, id, to, p.today())
}

// Activity loads activity id of family familyID for a change to it (no view
// is recorded: the write that follows is).
func (p *Plans) Activity(ctx context.Context, a *holf.Actor, familyID, id int64) (holf.Activity, error) {
	if _, err := p.families().authorize(ctx, a, policy.FamilyManage, familyID); err != nil {
		return holf.Activity{}, err
	}
	return p.db.Activity(ctx, familyID, id)
}
