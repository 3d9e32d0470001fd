package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/fidelity"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Fidelity is implementation quality measured from the work itself (seed
// 003, §5.4): indicators counted from meetings, mappings, plans, contacts,
// reviews and the learning structure, per coordinator, office, arm and
// month, with drift shown by Anhøj's run rules.
type Fidelity struct {
	*core
	cat *fidelity.Catalog
}

// MaintainedFor is how old the maintained figures may be before the
// overview counts an office afresh.
const MaintainedFor = 6 * time.Hour

// RefreshMonths is how many months a refresh maintains.
const RefreshMonths = 24

// FidelityReport is figures for some offices over a period.
type FidelityReport struct {
	Period  fidelity.Period
	AsOf    time.Time
	Defs    []fidelity.Definition
	Offices []fidelity.Office
	Cells   []fidelity.Cell
	// Names are the coordinators' names, by id.
	Names map[int64]string
	// ComputedAt is when maintained figures were computed (zero: just now).
	ComputedAt time.Time
	// Own: the report holds only the caller's own figures.
	Own bool
	// Milestones are the office's steps of implementation (office pages).
	Milestones []fidelity.Milestone
}

// Definitions lists the current indicator definitions.
func (f *Fidelity) Definitions() []fidelity.Definition { return f.cat.Current() }

// Definition returns the current definition of indicator id.
func (f *Fidelity) Definition(id string) (fidelity.Definition, error) {
	d, ok := f.cat.Get(id)
	if !ok {
		return d, holf.NotFound("indicator", id)
	}
	return d, nil
}

// DefaultPeriod is the 24 months up to this one: enough points for the run
// rules to tell a shift from noise.
func (f *Fidelity) DefaultPeriod() fidelity.Period {
	to := fidelity.MonthOf(f.today())
	return fidelity.Period{From: to - RefreshMonths + 1, To: to}
}

// ParsePeriod reads a period from "YYYY-MM" texts; empty texts take the
// default. Errors name the field.
func (f *Fidelity) ParsePeriod(from, to string) (fidelity.Period, error) {
	p := f.DefaultPeriod()
	var v holf.Validation
	if from != "" {
		m, err := fidelity.ParseMonth(from)
		if err != nil {
			v.Add("from", "err.month")
		}
		p.From = m
	}
	if to != "" {
		m, err := fidelity.ParseMonth(to)
		if err != nil {
			v.Add("to", "err.month")
		}
		p.To = m
	}
	if v.Err() == nil && p.To < p.From {
		v.Add("to", "err.period_order")
	}
	return p, v.Err()
}

// compute counts the offices live.
func (f *Fidelity) compute(ctx context.Context, offices holf.OfficeSet, p fidelity.Period) (FidelityReport, error) {
	r, _, err := f.computeFacts(ctx, offices, p)
	return r, err
}

// computeFacts is compute with the facts it counted.
func (f *Fidelity) computeFacts(ctx context.Context, offices holf.OfficeSet, p fidelity.Period) (FidelityReport, *fidelity.Facts, error) {
	r := FidelityReport{Period: p, AsOf: f.today(), Defs: f.cat.Current()}
	facts, err := f.db.FidelityFacts(ctx, offices, p.From.Start().AddDate(0, -1, 0), r.AsOf, Norway)
	if err != nil {
		return r, nil, err
	}
	r.Offices = facts.Offices
	r.Cells = fidelity.Compute(r.Defs, facts, p).Cells
	return r, facts, nil
}

func (f *Fidelity) names(ctx context.Context, r *FidelityReport, offices holf.OfficeSet) error {
	var err error
	r.Names, err = f.db.StaffNames(ctx, offices)
	return err
}

// Overview is every office the caller follows, by office (coordinators
// summed): the maintained figures where they are fresh and cover the
// period, counted afresh otherwise.
func (f *Fidelity) Overview(ctx context.Context, a *holf.Actor, p fidelity.Period) (FidelityReport, error) {
	if !policy.Allows(a, policy.FidelityView) {
		return FidelityReport{}, Forbidden()
	}
	set := policy.Visible(a, policy.FidelityView)
	runs, err := f.db.FidelityRuns(ctx, set)
	if err != nil {
		return FidelityReport{}, err
	}
	offices, err := f.db.ListOffices(ctx, store.OfficeFilter{Offices: set})
	if err != nil {
		return FidelityReport{}, err
	}
	today, now := f.today(), f.now()
	fresh := len(runs) == len(offices) && len(runs) > 0
	oldest := now
	for _, run := range runs {
		if now.Sub(run.ComputedAt) > MaintainedFor || run.From > p.From || run.To < p.To || !run.AsOf.Equal(today) {
			fresh = false
		}
		if run.ComputedAt.Before(oldest) {
			oldest = run.ComputedAt
		}
	}
	if !fresh {
		r, err := f.compute(ctx, set, p)
		r.Cells = fidelity.ByOffice(r.Cells)
		return r, err
	}
	r := FidelityReport{Period: p, AsOf: today, Defs: f.cat.Current(), ComputedAt: oldest}
	for _, o := range offices {
		r.Offices = append(r.Offices, fidelity.Office{ID: o.ID, Name: o.Name, Arm: string(o.Arm)})
	}
	r.Cells, err = f.db.FidelityCells(ctx, set, p)
	return r, err
}

// Office is one office's figures per coordinator, counted afresh.
func (f *Fidelity) Office(ctx context.Context, a *holf.Actor, office int64, p fidelity.Period) (FidelityReport, error) {
	if _, err := decide(a, policy.FidelityView, policy.OfficeResource("office", office), "office", office); err != nil {
		return FidelityReport{}, err
	}
	r, err := f.compute(ctx, holf.Offices(office), p)
	if err != nil {
		return r, err
	}
	if len(r.Offices) == 0 {
		return r, holf.NotFound("office", office)
	}
	steps, err := f.db.OfficeMilestones(ctx, office)
	if err != nil {
		return r, err
	}
	days := map[string]time.Time{}
	for k, st := range steps {
		days[k] = st.At
		if st.Instant {
			days[k] = dateIn(st.At) // the day in Norway
		}
	}
	r.Milestones = fidelity.Milestones(days)
	return r, f.names(ctx, &r, holf.Offices(office))
}

// Mine is a coordinator's own figures at their offices.
func (f *Fidelity) Mine(ctx context.Context, a *holf.Actor, p fidelity.Period) (FidelityReport, error) {
	if !policy.Allows(a, policy.FidelityOwn) {
		return FidelityReport{}, Forbidden()
	}
	r, err := f.compute(ctx, policy.Visible(a, policy.FidelityOwn), p)
	if err != nil {
		return r, err
	}
	r.Own = true
	r.Cells = slices.DeleteFunc(r.Cells, func(c fidelity.Cell) bool { return c.Coordinator != a.PersonID })
	return r, nil
}

// DrillItem is one record behind a figure.
type DrillItem struct {
	fidelity.Contribution
	FamilyName string
	Meeting    time.Time // the meeting's start, for meeting items
}

// Drill lists the families or meetings behind one office's figure for
// indicator id in month m (coordinator 0: all), for those who may see the
// office's families (audited as a list of them).
func (f *Fidelity) Drill(ctx context.Context, a *holf.Actor, office int64, id string, m fidelity.Month, coord int64) ([]DrillItem, error) {
	if _, err := decide(a, policy.FamilyList, policy.OfficeResource("office", office), "office", office); err != nil {
		return nil, err
	}
	d, err := f.Definition(id)
	if err != nil {
		return nil, err
	}
	p := fidelity.Period{From: m, To: m}
	facts, err := f.db.FidelityFacts(ctx, holf.Offices(office), m.Start().AddDate(0, -1, 0), f.today(), Norway)
	if err != nil {
		return nil, err
	}
	contribs := fidelity.Explain(d, facts, p, office, coord, m)
	fams, err := f.db.ListFamilies(ctx, store.FamilyFilter{Offices: holf.Offices(office)})
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, x := range fams {
		names[x.ID] = x.Name
	}
	starts := map[int64]time.Time{}
	for _, mt := range facts.Meetings {
		starts[mt.ID] = mt.Starts
	}
	out := make([]DrillItem, 0, len(contribs))
	var ids []int64
	for _, c := range contribs {
		it := DrillItem{Contribution: c, FamilyName: names[c.Ref.Family]}
		if c.Ref.Kind == "meeting" {
			it.Meeting = starts[c.Ref.ID]
		}
		if c.Ref.Family != 0 {
			ids = append(ids, c.Ref.Family)
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(x, y DrillItem) int { return int(x.Num - y.Num) })
	slices.Sort(ids)
	return out, f.recordList(ctx, a, policy.FamilyList, "fidelity.drill", "family", slices.Compact(ids), PurposeLearning)
}

// Refresh recomputes the maintained figures of every office, a batch of
// offices at a time, and stores them in one transaction (audited once).
func (f *Fidelity) Refresh(ctx context.Context, a *holf.Actor) (int, error) {
	role, err := decideGlobal(a, policy.FidelityRefresh)
	if err != nil {
		return 0, err
	}
	offices, err := f.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		return 0, err
	}
	p := f.DefaultPeriod()
	now := f.now()
	var runs []store.FidelityRun
	var cells []fidelity.Cell
	const batch = 25
	for i := 0; i < len(offices); i += batch {
		var ids []int64
		for _, o := range offices[i:min(i+batch, len(offices))] {
			ids = append(ids, o.ID)
			runs = append(runs, store.FidelityRun{OfficeID: o.ID, ComputedAt: now, AsOf: f.today(), From: p.From, To: p.To})
		}
		r, err := f.compute(ctx, holf.Offices(ids...), p)
		if err != nil {
			return 0, err
		}
		cells = append(cells, fidelity.ByOffice(r.Cells)...)
	}
	return len(runs), f.db.SaveFidelity(ctx, event(a, role, "fidelity.refresh", "office", 0, PurposeLearning), runs, cells)
}

// FamilyDose is one evaluated family's dose in a month, under its study
// code: the process measure for dose–response analyses.
type FamilyDose struct {
	Code     string
	Office   int64
	Arm      string
	Month    fidelity.Month
	Meetings float64 // meetings held
	Contacts float64 // contacts that reached the family
}

// FidelityExport is what researchers get: every office's figures (the door
// writes them by office and month, coordinators summed, so that no staff
// member is identified) and the doses of the families in study.
type FidelityExport struct {
	FidelityReport
	Doses []FamilyDose
}

// Export is the figures and doses for researchers (audited).
func (f *Fidelity) Export(ctx context.Context, a *holf.Actor, p fidelity.Period, study string) (FidelityExport, error) {
	role, err := decideGlobal(a, policy.FidelityExport)
	if err != nil {
		return FidelityExport{}, err
	}
	r, facts, err := f.computeFacts(ctx, holf.AllOffices(), p)
	if err != nil {
		return FidelityExport{}, err
	}
	out := FidelityExport{FidelityReport: r}
	codes, err := f.db.StudyFamilyCodes(ctx, study)
	if err != nil {
		return out, err
	}
	arm := map[int64]string{}
	for _, o := range facts.Offices {
		arm[o.ID] = o.Arm
	}
	type key struct {
		fam int64
		m   fidelity.Month
	}
	at := map[key]int{}
	for _, id := range []string{"meetings_per_family", "contacts_per_family"} {
		d, err := f.Definition(id)
		if err != nil {
			return out, err
		}
		for _, c := range fidelity.Contributions(d, facts, p, func(c fidelity.Contribution) bool { return codes[c.Ref.Family] != "" }) {
			k := key{c.Ref.Family, c.Month}
			i, ok := at[k]
			if !ok {
				i = len(out.Doses)
				at[k] = i
				out.Doses = append(out.Doses, FamilyDose{Code: codes[c.Ref.Family], Office: c.Office, Arm: arm[c.Office], Month: c.Month})
			}
			if id == "meetings_per_family" {
				out.Doses[i].Meetings += c.Num
			} else {
				out.Doses[i].Contacts += c.Num
			}
		}
	}
	slices.SortFunc(out.Doses, func(x, y FamilyDose) int {
		if x.Code != y.Code {
			return strings.Compare(x.Code, y.Code)
		}
		return int(x.Month - y.Month)
	})
	return out, f.db.RecordView(ctx, event(a, role, "fidelity.export", "office", 0, PurposeResearch))
}

// FidelityRow is one indicator's figure for one office and month, as the
// doors hand it on (JSON, CSV).
type FidelityRow struct {
	Office    int64    `json:"office"`
	Name      string   `json:"office_name"`
	Arm       string   `json:"arm"`
	Month     string   `json:"month"`
	Indicator string   `json:"indicator"`
	Version   int      `json:"version"`
	ModelOnly bool     `json:"model_only"`
	Num       float64  `json:"numerator"`
	Den       float64  `json:"denominator"`
	Value     *float64 `json:"value"` // null: no data
}

// Rows sums the report by office, month and indicator, listing every
// combination up to today, so that "no data" shows as null and never goes
// missing; offices by name.
func (r FidelityReport) Rows() []FidelityRow {
	type key struct {
		office int64
		month  fidelity.Month
		ind    string
	}
	sums := fidelity.Totals(r.Cells, func(c fidelity.Cell) (key, bool) { return key{c.Office, c.Month, c.Indicator}, true })
	offices := slices.Clone(r.Offices)
	slices.SortStableFunc(offices, func(a, b fidelity.Office) int { return strings.Compare(a.Name, b.Name) })
	var out []FidelityRow
	for _, o := range offices {
		for _, m := range r.Period.Months() {
			if m.Start().After(r.AsOf) {
				break
			}
			for _, d := range r.Defs {
				f := sums[key{o.ID, m, d.ID}]
				row := FidelityRow{Office: o.ID, Name: o.Name, Arm: o.Arm, Month: m.String(), Indicator: d.ID, Version: d.Version, ModelOnly: d.ModelOnly, Num: f.Num, Den: f.Den}
				if v, ok := f.Value(); ok {
					row.Value = &v
				}
				out = append(out, row)
			}
		}
	}
	return out
}
