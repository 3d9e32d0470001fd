package fidelity

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Month is a calendar month, counted from year 0 so that months subtract.
type Month int

// MonthOf is the month of a civil date.
func MonthOf(t time.Time) Month { return Month(t.Year()*12 + int(t.Month()) - 1) }

// ParseMonth reads "2026-03". It is read by hand: the national overview
// parses one per stored figure.
func ParseMonth(s string) (Month, error) {
	bad := fmt.Errorf("month %q: want YYYY-MM", s)
	if len(s) != 7 || s[4] != '-' {
		return 0, bad
	}
	n := 0
	for i, c := range []byte(s) {
		if i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, bad
		}
		n = n*10 + int(c-'0')
	}
	y, m := n/100, n%100
	if m < 1 || m > 12 {
		return 0, bad
	}
	return Month(y*12 + m - 1), nil
}

// Start is the month's first day.
func (m Month) Start() time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the month's last day.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, -1) }

func (m Month) String() string { return m.Start().Format("2006-01") }

// Facts is what the computation reads, gathered by the store for a set of
// offices. Dates are civil dates (midnight UTC standing for a day in
// Norway); instants are converted with Location, so that a meeting at
// 00:30 on a summer night counts on the day it was held.
type Facts struct {
	Location *time.Location
	// AsOf is the last day whose work counts (today).
	AsOf         time.Time
	Offices      []Office
	Coordinators []Staff
	Families     []Family
	Mappings     []MappingSave
	Goals        []Goal
	Activities   []Activity
	Meetings     []Meeting
	Contacts     []Contact
	Reviews      []Review
	Attendance   []Attendance
	FollowUps    []FollowUp
	SupportLogs  []SupportLog
}

// Office is an office with its arm ("intervention", "comparison", "none").
type Office struct {
	ID   int64
	Name string
	Arm  string
}

// Staff is a coordinator at an office.
type Staff struct{ PersonID, OfficeID int64 }

// Family is a family's place in the flow: consent and discharge are civil
// dates (zero: none); Children are the members under 18 living at home.
type Family struct {
	ID, OfficeID, Coordinator int64
	Consent, Discharged       time.Time
	Replaces                  int64
	Children                  []int64
}

// MappingSave is one saved version of a family's mapping, summarised:
// the areas whose challenges are filled in and the children with a section.
type MappingSave struct {
	FamilyID       int64
	Saved          time.Time
	ChallengeAreas []string
	Children       []int64
}

// Goal is a plan goal (or sub-goal): its area, the member it is about.
type Goal struct {
	FamilyID int64
	Area     string
	MemberID int64
	Created  time.Time
	Dropped  bool
}

// Activity is a plan activity: who owns it, and whether by name.
type Activity struct {
	ID, FamilyID int64
	Owner        string // member, coordinator, partner, nav
	Named        bool
	Created      time.Time
}

// Meeting is a meeting, summarised: only held meetings count.
type Meeting struct {
	ID, FamilyID, Lead int64
	Held               bool
	Starts             time.Time
	Prep               bool // a purpose or main topic is prepared
	PrinciplesTools    bool // both principles and tools are chosen
	Reflected          time.Time
	Empty, Copied      bool // the reflection is (nearly) empty, or like an earlier one
}

// Contact is a contact that reached the family (missed calls are not).
type Contact struct {
	FamilyID int64
	At       time.Time
}

// Review is a decided review of a coordinator's form.
type Review struct {
	ID, OfficeID, FamilyID, Coordinator int64
	Decided                             time.Time
	Meets                               bool
}

// Attendance is a coordinator's place in a held supervision session.
type Attendance struct {
	PersonID, OfficeID int64
	Starts             time.Time
	Attended           bool
}

// FollowUp is a leader's monthly follow-up of a coordinator.
type FollowUp struct {
	OfficeID, CoordinatorID int64
	Month                   Month
}

// SupportLog is an entry in training support's action log about a person.
type SupportLog struct {
	OfficeID, SubjectID int64
	On                  time.Time
}

// Ref is what a contribution is about, for drilling down: a family, a
// meeting, an activity, a review or a person.
type Ref struct {
	Kind   string
	ID     int64
	Family int64
}

// Contribution is one item's part in one figure.
type Contribution struct {
	Indicator   string
	Office      int64
	Coordinator int64
	Month       Month
	Ref         Ref
	Num, Den    float64
}

// Cell is a figure at the finest level: an indicator, office, coordinator
// (0 for office-level indicators) and month.
type Cell struct {
	Indicator   string
	Version     int
	Office      int64
	Coordinator int64
	Month       Month
	Num, Den    float64
}

// Value is Num/Den; ok is false when there is nothing to count ("no
// data", never 0 %).
func (c Cell) Value() (v float64, ok bool) {
	if c.Den == 0 {
		return 0, false
	}
	return c.Num / c.Den, true
}

// Period is an inclusive range of months.
type Period struct{ From, To Month }

// NewPeriod checks that to is not before from.
func NewPeriod(from, to Month) (Period, error) {
	if to < from {
		return Period{}, fmt.Errorf("the period ends (%s) before it starts (%s)", to, from)
	}
	return Period{from, to}, nil
}

// Months lists the period's months.
func (p Period) Months() []Month {
	var out []Month
	for m := p.From; m <= p.To; m++ {
		out = append(out, m)
	}
	return out
}

// source counts one indicator: it calls emit once per item and month.
type source func(d Definition, x *index, emit func(off, coord int64, m Month, r Ref, num, den float64))

// index is Facts prepared once for every source: civil dates, and the
// records of each family in time order.
type index struct {
	*Facts
	period   Period
	family   map[int64]*Family
	mappings map[int64][]MappingSave // by family, oldest first
	goals    map[int64][]Goal
	touches  map[int64][]time.Time // held meetings' and contacts' days, by family
	held     map[int64][]time.Time // held meetings' days
	contacts map[int64][]time.Time
	replaced map[int64]bool
	first    map[Staff]time.Time // a coordinator's first family's consent at an office
}

func (x *index) day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	l := t.In(x.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// months lists the period's months that have begun by AsOf, each with
// its reference day: the month's end, or AsOf within the current month.
func (x *index) months(yield func(m Month, ref time.Time)) {
	for _, m := range x.period.Months() {
		if m.Start().After(x.AsOf) {
			return
		}
		ref := m.End()
		if ref.After(x.AsOf) {
			ref = x.AsOf
		}
		yield(m, ref)
	}
}

// activeAt: consent given by day, not discharged before it.
func activeAt(f *Family, day time.Time) bool {
	return !f.Consent.IsZero() && !f.Consent.After(day) && (f.Discharged.IsZero() || !f.Discharged.Before(day))
}

// activeDuring: active at some day of [from, to].
func activeDuring(f *Family, from, to time.Time) bool {
	return !f.Consent.IsZero() && !f.Consent.After(to) && (f.Discharged.IsZero() || !f.Discharged.Before(from))
}

func countIn(days []time.Time, from, to time.Time) int {
	n := 0
	for _, d := range days {
		if !d.Before(from) && !d.After(to) {
			n++
		}
	}
	return n
}

// latestBy is the last mapping saved by day, if any.
func (x *index) latestBy(fam int64, day time.Time) (MappingSave, bool) {
	ms := x.mappings[fam]
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Saved.After(day) {
			return ms[i], true
		}
	}
	return MappingSave{}, false
}

// AddWorkingDays is day plus n working days (Monday to Friday).
func AddWorkingDays(day time.Time, n int) time.Time {
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func newIndex(f *Facts, p Period) *index {
	if f.Location == nil {
		f.Location = time.UTC
	}
	x := &index{Facts: f, period: p, family: map[int64]*Family{}, mappings: map[int64][]MappingSave{}, goals: map[int64][]Goal{},
		touches: map[int64][]time.Time{}, held: map[int64][]time.Time{}, contacts: map[int64][]time.Time{}, replaced: map[int64]bool{}, first: map[Staff]time.Time{}}
	for i := range f.Families {
		fam := &f.Families[i]
		x.family[fam.ID] = fam
		if fam.Replaces != 0 {
			x.replaced[fam.Replaces] = true
		}
		if !fam.Consent.IsZero() {
			k := Staff{PersonID: fam.Coordinator, OfficeID: fam.OfficeID}
			if t, ok := x.first[k]; !ok || fam.Consent.Before(t) {
				x.first[k] = fam.Consent
			}
		}
	}
	for _, m := range f.Mappings {
		m.Saved = x.day(m.Saved)
		x.mappings[m.FamilyID] = append(x.mappings[m.FamilyID], m)
	}
	for _, ms := range x.mappings {
		slices.SortStableFunc(ms, func(a, b MappingSave) int { return a.Saved.Compare(b.Saved) })
	}
	for _, g := range f.Goals {
		g.Created = x.day(g.Created)
		x.goals[g.FamilyID] = append(x.goals[g.FamilyID], g)
	}
	for _, m := range f.Meetings {
		if m.Held {
			d := x.day(m.Starts)
			x.held[m.FamilyID] = append(x.held[m.FamilyID], d)
			x.touches[m.FamilyID] = append(x.touches[m.FamilyID], d)
		}
	}
	for _, c := range f.Contacts {
		d := x.day(c.At)
		x.contacts[c.FamilyID] = append(x.contacts[c.FamilyID], d)
		x.touches[c.FamilyID] = append(x.touches[c.FamilyID], d)
	}
	return x
}

// Result is every indicator's figures for a period.
type Result struct {
	Period Period
	AsOf   time.Time
	Cells  []Cell
}

// Compute counts every definition in defs over facts for period p.
func Compute(defs []Definition, f *Facts, p Period) Result {
	r := Result{Period: p, AsOf: f.AsOf}
	x := newIndex(f, p)
	type key struct {
		office, coord int64
		m             Month
	}
	for _, d := range defs {
		sums := map[key]*Cell{}
		var order []key
		sources[d.Source](d, x, func(off, coord int64, m Month, _ Ref, num, den float64) {
			if m < p.From || m > p.To {
				return
			}
			if d.Level == "office" {
				coord = 0
			}
			k := key{off, coord, m}
			c := sums[k]
			if c == nil {
				c = &Cell{Indicator: d.ID, Version: d.Version, Office: off, Coordinator: coord, Month: m}
				sums[k] = c
				order = append(order, k)
			}
			c.Num += num
			c.Den += den
		})
		slices.SortFunc(order, func(a, b key) int {
			if a.office != b.office {
				return cmpInt(a.office, b.office)
			}
			if a.coord != b.coord {
				return cmpInt(a.coord, b.coord)
			}
			return int(a.m - b.m)
		})
		for _, k := range order {
			r.Cells = append(r.Cells, *sums[k])
		}
	}
	return r
}

// Explain lists the items behind one indicator's figure for office in
// month m (coordinator 0: all of the office's), for drilling down.
func Explain(d Definition, f *Facts, p Period, office, coord int64, m Month) []Contribution {
	return Contributions(d, f, p, func(c Contribution) bool {
		return c.Office == office && c.Month == m && (coord == 0 || c.Coordinator == coord)
	})
}

// Contributions lists every item's part in indicator d's figures in the
// period that keep keeps.
func Contributions(d Definition, f *Facts, p Period, keep func(Contribution) bool) []Contribution {
	x := newIndex(f, p)
	var out []Contribution
	sources[d.Source](d, x, func(off, c int64, mm Month, r Ref, num, den float64) {
		k := Contribution{Indicator: d.ID, Office: off, Coordinator: c, Month: mm, Ref: r, Num: num, Den: den}
		if mm >= p.From && mm <= p.To && keep(k) {
			out = append(out, k)
		}
	})
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Sum adds up cells that keep says to keep.
func Sum(cells []Cell, keep func(Cell) bool) (num, den float64) {
	for _, c := range cells {
		if keep(c) {
			num += c.Num
			den += c.Den
		}
	}
	return num, den
}

// Figure is a numerator and a denominator summed over cells.
type Figure struct{ Num, Den float64 }

// Value is Num/Den; ok is false when there is nothing to count.
func (f Figure) Value() (float64, bool) {
	if f.Den == 0 {
		return 0, false
	}
	return f.Num / f.Den, true
}

// Totals sums cells by the key each maps to (cells mapped to ok = false
// are left out), in one pass.
func Totals[K comparable](cells []Cell, key func(Cell) (K, bool)) map[K]Figure {
	out := map[K]Figure{}
	for _, c := range cells {
		if k, ok := key(c); ok {
			f := out[k]
			f.Num += c.Num
			f.Den += c.Den
			out[k] = f
		}
	}
	return out
}

// ByOffice sums each office's coordinators: one cell per office,
// indicator and month (coordinator 0), ordered so.
func ByOffice(cells []Cell) []Cell {
	type key struct {
		office int64
		ind    string
		m      Month
	}
	at := map[key]int{}
	var out []Cell
	for _, c := range cells {
		k := key{c.Office, c.Indicator, c.Month}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Cell{Indicator: c.Indicator, Version: c.Version, Office: c.Office, Month: c.Month})
		}
		out[i].Num += c.Num
		out[i].Den += c.Den
	}
	slices.SortFunc(out, func(a, b Cell) int {
		if a.Office != b.Office {
			return cmpInt(a.Office, b.Office)
		}
		if a.Indicator != b.Indicator {
			return strings.Compare(a.Indicator, b.Indicator)
		}
		return int(a.Month - b.Month)
	})
	return out
}
