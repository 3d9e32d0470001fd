package app

import (
	"context"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// Offices is the NAV offices taking part: their arm and target areas.
type Offices struct{ *core }

// List returns the offices the caller may see for act (office.list for
// lists, other actions for the choices of their forms), ordered by name.
func (o *Offices) List(ctx context.Context, a *holf.Actor, act policy.Action) ([]holf.Office, error) {
	return o.db.ListOffices(ctx, store.OfficeFilter{Offices: policy.Visible(a, act)})
}

// Own returns the offices where the caller holds any office role.
func (o *Offices) Own(ctx context.Context, a *holf.Actor) ([]holf.Office, error) {
	var ids []int64
	for _, as := range a.Assignments {
		ids = append(ids, as.OfficeID)
	}
	return o.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.Offices(ids...).Intersect(policy.Visible(a, policy.OfficeView))})
}

// ArmCount is how many offices are in one arm of the trial.
type ArmCount struct {
	Arm     holf.Arm
	Offices int
}

// Arms counts the offices per trial arm, for those who follow the trial.
func (o *Offices) Arms(ctx context.Context, a *holf.Actor) ([]ArmCount, error) {
	if _, err := decideGlobal(a, policy.TrialView); err != nil {
		return nil, err
	}
	offices, err := o.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		return nil, err
	}
	out := make([]ArmCount, 0, len(holf.Arms))
	for _, arm := range holf.Arms {
		n := 0
		for _, of := range offices {
			if of.Arm == arm {
				n++
			}
		}
		out = append(out, ArmCount{Arm: arm, Offices: n})
	}
	return out, nil
}

// Get loads office id for act; an office the caller may not see is not
// looked up at all.
func (o *Offices) Get(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.Office, error) {
	if _, err := decide(a, act, policy.OfficeResource("office", id), "office", id); err != nil {
		return holf.Office{}, err
	}
	return o.db.GetOffice(ctx, id)
}

// CanManage reports whether the caller may change office id.
func (o *Offices) CanManage(a *holf.Actor, id int64) bool {
	return policy.Decide(a, policy.OfficeManage, policy.OfficeResource("office", id)).Allowed
}

// Create adds office of.
func (o *Offices) Create(ctx context.Context, a *holf.Actor, of holf.Office) (holf.Office, error) {
	role, err := decideGlobal(a, policy.OfficeManage)
	if err != nil {
		return of, err
	}
	// An office's arm is the trial's allocation, never a form's choice: a new
	// office is in neither arm until a draw or a correction puts it in one.
	of.ID, of.Arm = 0, holf.ArmNone
	if err := of.Validate(); err != nil {
		return of, err
	}
	err = o.db.CreateOffice(ctx, event(a, role, "office.create", "office", 0, PurposeAdmin), &of)
	return of, err
}

// Update saves office of from of.Version.
func (o *Offices) Update(ctx context.Context, a *holf.Actor, of holf.Office) (holf.Office, error) {
	role, err := decide(a, policy.OfficeManage, policy.OfficeResource("office", of.ID), "office", of.ID)
	if err != nil {
		return of, err
	}
	if err := fromVersion(of.Version); err != nil {
		return of, err
	}
	cur, err := o.db.GetOffice(ctx, of.ID)
	if err != nil {
		return of, err
	}
	of.Arm = cur.Arm // the allocation's, kept as it is (see Create)
	if err := of.Validate(); err != nil {
		return of, err
	}
	err = o.db.UpdateOffice(ctx, event(a, role, "office.update", "office", of.ID, PurposeAdmin), &of)
	return of, err
}

// Find resolves an office named by its id or name (with or without "NAV "),
// among those the caller may see: how the command line names offices.
func (o *Offices) Find(ctx context.Context, a *holf.Actor, ref string) (holf.Office, error) {
	offices, err := o.List(ctx, a, policy.OfficeList)
	if err != nil {
		return holf.Office{}, err
	}
	for _, of := range offices {
		if ref == itoa64(of.ID) || equalFold(of.Name, ref) || equalFold(of.Name, "NAV "+ref) {
			return of, nil
		}
	}
	return holf.Office{}, holf.NotFound("office", ref)
}

// CoordinatorLoad is one coordinator's families at an office, by status.
type CoordinatorLoad struct {
	ID     int64
	Name   string
	Counts map[holf.FamilyStatus]int
	Total  int
}

// Loads counts the families of office id per coordinator (their first
// coordinator), every coordinator of the office listed, those with none
// too; for those who may list the office's families. Counts only: no
// family is named.
func (o *Offices) Loads(ctx context.Context, a *holf.Actor, id int64) ([]CoordinatorLoad, error) {
	if !policy.Decide(a, policy.FamilyList, policy.OfficeResource("office", id)).Allowed {
		return nil, nil
	}
	counts, err := o.db.CoordinatorCounts(ctx, id)
	if err != nil {
		return nil, err
	}
	people, _, err := (&Meetings{o.core}).coordinators(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]CoordinatorLoad, 0, len(people))
	for _, p := range people {
		l := CoordinatorLoad{ID: p.ID, Name: p.Name, Counts: counts[p.ID]}
		for _, n := range l.Counts {
			l.Total += n
		}
		out = append(out, l)
	}
	return out, nil
}

// OfficeFigures are an office's figures for an overview: counts only, no
// family named. Families counts the office's families by status;
// Recruited and Target are its recruitment from the target list against
// the study's target (0 when it has no list); Answered counts the parents
// who submitted the questionnaire at each wave, in the study's order.
type OfficeFigures struct {
	Families          map[holf.FamilyStatus]int
	Recruited, Target int
	Answered          []int
}

// Figures counts, for each of offices, its families, its recruitment and
// the parents' answers, in a handful of statements whatever the number of
// offices. The offices are the caller's own list (decided by its caller).
func (o *Offices) Figures(ctx context.Context, offices []holf.Office) (map[int64]OfficeFigures, []string, error) {
	out := map[int64]OfficeFigures{}
	ids := make([]int64, len(offices))
	for i, of := range offices {
		ids[i] = of.ID
		out[of.ID] = OfficeFigures{Families: map[holf.FamilyStatus]int{}}
	}
	rows, err := o.db.FamilyFlow(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		if f, ok := out[r.Office]; ok {
			f.Families[r.Status] += r.N
		}
	}
	target := 21
	if st, err := o.db.TrialStudy(ctx); err == nil {
		target = st.TargetPerOffice
	}
	lists, err := o.db.TargetFlow(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range lists {
		if f, ok := out[r.Office]; ok {
			f.Target = target
			if string(r.Reason) == "recruited" {
				f.Recruited += r.N
			}
			out[r.Office] = f
		}
	}
	st, err := (&Surveys{core: o.core}).Study(ctx, DefaultStudy)
	if holf.ErrorCode(err) == holf.ENotFound {
		return out, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var waves []string
	for _, w := range st.Study.Waves {
		q, err := st.Questionnaire(w.Code, survey.GroupParents)
		if err != nil {
			continue
		}
		waves = append(waves, w.Code)
		counts, err := o.db.Tracking(ctx, st.ID, q, ids)
		if err != nil {
			return nil, nil, err
		}
		by := map[int64]int{}
		for _, c := range counts {
			by[c.OfficeID] = c.Submitted
		}
		for id, f := range out {
			f.Answered = append(f.Answered, by[id])
			out[id] = f
		}
	}
	return out, waves, nil
}
