package fidelity

import (
	"strings"
	"testing"
	"time"
)

func TestAnhojByHand(t *testing.T) {
	cases := []struct {
		name                                       string
		values                                     []float64
		median                                     float64
		useful, longest, limit, crossings, minimum int
		shift, few                                 bool
		last                                       int
	}{
		// Alternating around 2.5: every point crosses.
		{"noise", []float64{1, 3, 2, 4, 1, 3, 2, 4, 1, 3, 2, 4}, 2.5, 12, 1, 7, 11, 3, false, false, 1},
		// A step halfway: one crossing where qbinom(0.05, 9, 0.5) = 2 are expected.
		{"step", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 10, 5, 6, 1, 2, false, true, 1},
		// The 6s lie on the median and are skipped: the eight 1s are a run
		// longer than round(log2(14) + 3) = 7, with qbinom(0.05, 13, 0.5) = 4.
		{"shift", []float64{9, 6, 9, 6, 9, 6, 9, 6, 9, 6, 9, 6, 1, 1, 1, 1, 1, 1, 1, 1}, 6, 14, 8, 7, 1, 4, true, true, -1},
	}
	for _, c := range cases {
		rc := Anhoj(c.values)
		if rc.Median != c.median || rc.Useful != c.useful || rc.LongestRun != c.longest || rc.RunLimit != c.limit ||
			rc.Crossings != c.crossings || rc.MinCrossings != c.minimum || rc.Shift != c.shift || rc.FewCrossings != c.few || rc.LastSide != c.last {
			t.Errorf("%s: got %+v", c.name, rc)
		}
		if rc.Signal != (c.shift || c.few) {
			t.Errorf("%s: signal %v", c.name, rc.Signal)
		}
	}
	if rc := Anhoj(nil); rc.Signal || rc.Useful != 0 {
		t.Errorf("empty series: %+v", rc)
	}
	for n, want := range map[int]int{0: 0, 1: 0, 9: 2, 11: 3, 13: 4, 23: 8, 99: 41} {
		if got := binomQuantile(0.05, n); got != want {
			t.Errorf("qbinom(0.05, %d, 0.5) = %d, want %d", n, got, want)
		}
	}
	up, _ := MustLoad().Get("reflection_on_time")
	down, _ := MustLoad().Get("no_contact")
	fell := Anhoj([]float64{.9, .9, .9, .9, .9, .9, .1, .1, .1, .1, .1, .1})
	if !up.Drift(fell) || down.Drift(fell) {
		t.Errorf("a fall is drift for a higher-is-better indicator only")
	}
	// Reflections on time falling from 99 % to 90 % all meet the 85 % target: no drift.
	if still := Anhoj([]float64{.99, .99, .99, .99, .99, .99, .9, .9, .9, .9, .9, .9}); !still.Signal || up.Drift(still) {
		t.Errorf("a shift within the target is drift: %+v", still)
	}
}

func TestDefinitions(t *testing.T) {
	c := MustLoad()
	if len(c.Current()) < 20 {
		t.Fatalf("%d indicators", len(c.Current()))
	}
	d, ok := c.Get("mapping_after_consent")
	if !ok || d.Text("nb") != "Andel familier der første kartlegging er lagret innen 30 dager etter samtykket. Telles i måneden fristen faller." {
		t.Errorf("definition text: %q", d.Text("nb"))
	}
	bad := []struct{ json, want string }{
		{`{"indicators":[{"id":"x","version":1,"source":"telepathy","unit":"share","better":"higher","level":"office","title":{"nb":"a","en":"a"},"definition":{"nb":"a","en":"a"}}]}`, `unknown source "telepathy"`},
		{`{"indicators":[{"id":"x","version":1,"source":"fge_prep","unit":"share","better":"up","level":"office","title":{"nb":"a","en":"a"},"definition":{"nb":"a","en":"a"}}]}`, `better must be`},
		{`{"indicators":[{"id":"x","version":1,"source":"fge_prep","unit":"share","better":"higher","level":"office","title":{"nb":"a"},"definition":{"nb":"a","en":"a"}}]}`, `bokmål and English`},
	}
	for _, b := range bad {
		if _, err := Parse([]byte(b.json)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v", b.want, err)
		}
	}
	two := `{"indicators":[
		{"id":"x","version":1,"source":"fge_prep","unit":"share","better":"higher","level":"office","title":{"nb":"a","en":"a"},"definition":{"nb":"a","en":"a"}},
		{"id":"x","version":2,"source":"principles_tools","unit":"share","better":"higher","level":"office","title":{"nb":"b","en":"b"},"definition":{"nb":"a","en":"a"}}]}`
	c2, err := Parse([]byte(two))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c2.Get("x"); d.Version != 2 || d.Key() != "x@2" || len(c2.Versions("x")) != 2 {
		t.Errorf("newest version: %+v", d)
	}
	if _, err := NewPeriod(MonthOf(day("2026-05-01")), MonthOf(day("2026-04-01"))); err == nil || !strings.Contains(err.Error(), "ends (2026-04) before it starts (2026-05)") {
		t.Errorf("period: %v", err)
	}
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func oslo(t *testing.T, s string) time.Time {
	t.Helper()
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Skip("no time zone data")
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, l)
	if err != nil {
		t.Fatal(err)
	}
	return at.UTC()
}

// cell finds one figure.
func cell(t *testing.T, r Result, ind string, office, coord int64, m string) (float64, float64) {
	t.Helper()
	mm, _ := ParseMonth(m)
	num, den := Sum(r.Cells, func(c Cell) bool {
		return c.Indicator == ind && c.Office == office && (coord < 0 || c.Coordinator == coord) && c.Month == mm
	})
	return num, den
}

func TestComputeKnownDates(t *testing.T) {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Skip("no time zone data")
	}
	const fk1, fk2 = 11, 12
	f := &Facts{Location: l, AsOf: day("2026-04-15"),
		Offices:      []Office{{ID: 1, Name: "A", Arm: "intervention"}, {ID: 2, Name: "B", Arm: "comparison"}},
		Coordinators: []Staff{{fk1, 1}, {fk2, 1}},
		Families: []Family{
			{ID: 100, OfficeID: 1, Coordinator: fk1, Consent: day("2026-01-01"), Children: []int64{1001}},
			{ID: 101, OfficeID: 1, Coordinator: fk1, Consent: day("2026-01-02")},
			{ID: 102, OfficeID: 1, Coordinator: fk2, Consent: day("2026-04-01")},
			{ID: 103, OfficeID: 1, Coordinator: fk2, Consent: day("2025-11-01"), Discharged: day("2026-02-28")},
			{ID: 104, OfficeID: 1, Coordinator: fk2, Consent: day("2026-03-05"), Replaces: 103},
		},
		Mappings: []MappingSave{
			// Exactly 30 days after consent, late in the evening: on time.
			{FamilyID: 100, Saved: oslo(t, "2026-01-31 23:30"), ChallengeAreas: []string{"work", "economy"}, Children: []int64{1001}},
			// 31 days: late.
			{FamilyID: 101, Saved: oslo(t, "2026-02-02 09:00")},
		},
		Goals: []Goal{
			{FamilyID: 100, Area: "work", Created: oslo(t, "2026-02-10 10:00")},
			{FamilyID: 100, Area: "economy", Created: oslo(t, "2026-03-31 23:59"), MemberID: 1001},
		},
		Activities: []Activity{
			{ID: 1, FamilyID: 100, Owner: "coordinator", Named: true, Created: oslo(t, "2026-03-10 10:00")},
			{ID: 2, FamilyID: 100, Owner: "member", Named: false, Created: oslo(t, "2026-03-11 10:00")},
			{ID: 3, FamilyID: 100, Owner: "partner", Named: true, Created: oslo(t, "2026-03-12 10:00")},
		},
		Meetings: []Meeting{
			// The first of March at 00:30 in Oslo is the last of February in UTC: it counts in March.
			{ID: 1, FamilyID: 100, Lead: fk1, Held: true, Starts: oslo(t, "2026-03-01 00:30"), Prep: true, PrinciplesTools: true, Reflected: oslo(t, "2026-03-04 12:00"), Copied: true},
			// Friday before the change to summer time: due Wednesday 1 April;
			// written at 00:30 on 2 April in Oslo (22:30 on 1 April in UTC): late.
			{ID: 2, FamilyID: 100, Lead: fk1, Held: true, Starts: oslo(t, "2026-03-27 15:00"), Reflected: oslo(t, "2026-04-02 00:30")},
			// Monday 13 April: due Thursday 16 April, after today, not written: not counted yet.
			{ID: 3, FamilyID: 101, Lead: fk1, Held: true, Starts: oslo(t, "2026-04-13 10:00"), Prep: true},
			// Not held: never counted.
			{ID: 4, FamilyID: 101, Lead: fk1, Held: false, Starts: oslo(t, "2026-03-10 10:00")},
		},
		Contacts: []Contact{{FamilyID: 101, At: oslo(t, "2026-03-02 10:00")}},
		FollowUps: []FollowUp{
			{OfficeID: 1, CoordinatorID: fk1, Month: MonthOf(day("2026-02-01"))},
		},
		Reviews: []Review{{ID: 7, OfficeID: 1, FamilyID: 100, Coordinator: fk1, Decided: oslo(t, "2026-03-31 23:30"), Meets: true},
			{ID: 8, OfficeID: 1, FamilyID: 101, Coordinator: fk1, Decided: oslo(t, "2026-04-01 00:30")}},
		Attendance: []Attendance{{PersonID: fk1, OfficeID: 1, Starts: oslo(t, "2026-02-10 09:00"), Attended: true},
			{PersonID: fk2, OfficeID: 1, Starts: oslo(t, "2026-02-10 09:00")}},
		SupportLogs: []SupportLog{{OfficeID: 1, SubjectID: fk2, On: day("2026-03-31")}},
	}
	p, _ := NewPeriod(MonthOf(day("2026-01-01")), MonthOf(day("2026-04-01")))
	r := Compute(MustLoad().Current(), f, p)

	check := func(ind string, coord int64, m string, num, den float64) {
		t.Helper()
		n, d := cell(t, r, ind, 1, coord, m)
		if n != num || d != den {
			t.Errorf("%s %s (coordinator %d): %v/%v, want %v/%v", ind, m, coord, n, d, num, den)
		}
	}
	check("mapping_after_consent", fk1, "2026-01", 1, 1) // family 100: due 31 January, met
	check("mapping_after_consent", fk1, "2026-02", 0, 1) // family 101: due 1 February, missed
	check("mapping_after_consent", fk2, "2026-05", 0, 0) // family 102: due in May, outside
	check("mapping_after_consent", fk2, "2026-04", 0, 1) // 104: due 4 April, no mapping
	check("reflection_on_time", fk1, "2026-03", 1, 2)
	check("reflection_on_time", fk1, "2026-02", 0, 0)
	check("reflection_on_time", fk1, "2026-04", 0, 0)
	check("fge_prep", fk1, "2026-03", 1, 2)
	check("fge_prep", fk1, "2026-04", 1, 1)
	// Family 100: mapped 31 January, goal 10 February, due 2 March; 101
	// mapped 2 February, no goal by its deadline 4 March.
	check("plan_after_mapping", fk1, "2026-03", 1, 2)
	check("plan_after_mapping", fk1, "2026-04", 0, 0)
	// Family 100 had a meeting held in March (the first, in Oslo time), 101 none but a contact.
	check("meetings_per_family", fk1, "2026-03", 2, 2)
	check("contacts_per_family", fk1, "2026-03", 1, 2)
	// At 31 March: 100 met on 27 March, 101's contact was 2 March (29 days before: inside 30).
	check("no_contact", fk1, "2026-03", 0, 2)
	// At 15 April: 100's last touch was 27 March (19 days), 101 met on 13 April.
	check("no_contact", fk1, "2026-04", 0, 2)
	// January: families 100 and 101 are under 30 days in; 103 (since November) had no contact.
	check("no_contact", fk2, "2026-01", 1, 1)
	// Goals for challenges: family 100's economy goal came at 23:59 on 31
	// March, so February lacks it; 101 mapped no challenge, so has none missing.
	check("goals_for_challenges", fk1, "2026-02", 1, 2)
	check("goals_for_challenges", fk1, "2026-03", 2, 2)
	check("children_considered", fk1, "2026-03", 1, 1)
	check("children_considered", fk1, "2026-02", 0, 1)
	check("activities_owned", fk1, "2026-03", 2, 3)
	check("coordinator_owned", fk1, "2026-03", 1, 3)
	check("reviews_meet", fk1, "2026-03", 1, 1) // 23:30 on 31 March; the other came at 00:30 on 1 April
	check("reviews_meet", fk1, "2026-04", 0, 1)
	check("principles_tools", fk1, "2026-03", 1, 2)
	// Reflections written in the month: meeting 1's (copied) on 4 March;
	// meeting 2's on 2 April in Oslo.
	check("reflection_empty_copied", fk1, "2026-03", 1, 1)
	check("reflection_empty_copied", fk1, "2026-04", 0, 1)
	check("supervision_attendance", fk1, "2026-02", 1, 1)
	check("supervision_attendance", fk2, "2026-02", 0, 1)
	check("support_contact", fk2, "2026-03", 1, 1)
	check("support_contact", fk2, "2026-02", 0, 1)
	// Mapping current at the month's end: 100 and 101 mapped in January and
	// February, well within 6 months; 102-104 have none.
	check("mapping_current", fk1, "2026-04", 2, 2)
	check("mapping_current", fk2, "2026-04", 0, 0)
	// Recruitment: by 31 January 100, 101, 103 of 21; April adds 102 (and 104 since March).
	check("recruitment", 0, "2026-01", 3, 21)
	check("recruitment", 0, "2026-03", 4, 21)
	check("recruitment", 0, "2026-04", 5, 21)
	check("discharges", fk2, "2026-02", 1, 1)
	check("replacements", 0, "2026-02", 1, 1)
	// Leader follow-up: completed months only, from each coordinator's first family.
	check("leader_followup", fk1, "2026-01", 0, 1)
	check("leader_followup", fk1, "2026-02", 1, 1)
	check("leader_followup", fk2, "2026-01", 0, 1)
	check("leader_followup", fk1, "2026-04", 0, 0)

	// The office with nothing has no data, never zero.
	for _, c := range r.Cells {
		if c.Office == 2 && c.Indicator != "recruitment" {
			t.Errorf("office without data has a figure: %+v", c)
		}
	}
	d0, _ := MustLoad().Get("reflection_on_time")
	items := Explain(d0, f, p, 1, 0, MonthOf(day("2026-03-01")))
	if len(items) != 2 || items[0].Ref != (Ref{Kind: "meeting", ID: 1, Family: 100}) || items[0].Num != 1 || items[1].Num != 0 {
		t.Errorf("drill-down: %+v", items)
	}
}

func TestMilestones(t *testing.T) {
	ms := Milestones(map[string]time.Time{"first_recruited": day("2026-01-10"), "first_mapping": day("2026-02-09"), "first_plan": day("2026-03-01")})
	if len(ms) != len(MilestoneKinds) || ms[0].HasPrev || ms[1].SinceFirst != 30 || ms[2].SinceFirst != 50 || ms[2].SinceP != 20 || !ms[2].HasPrev || !ms[3].On.IsZero() {
		t.Errorf("milestones: %+v", ms)
	}
}

// TestMappingCurrentBoundary: a mapping exactly six months old at the end
// of the month is current; a day more is not.
func TestMappingCurrentBoundary(t *testing.T) {
	f := &Facts{Location: time.UTC, AsOf: day("2026-06-15"), Offices: []Office{{ID: 1}},
		Families: []Family{{ID: 1, OfficeID: 1, Coordinator: 5, Consent: day("2025-09-01")}},
		Mappings: []MappingSave{{FamilyID: 1, Saved: day("2025-10-30")}}}
	p, _ := NewPeriod(MonthOf(day("2026-04-01")), MonthOf(day("2026-05-01")))
	d, _ := MustLoad().Get("mapping_current")
	r := Compute([]Definition{d}, f, p)
	got := map[string]float64{}
	for _, c := range r.Cells {
		got[c.Month.String()] = c.Num
	}
	// 30 April minus six months is 30 October: current. 31 May minus six is 30 November: stale.
	if len(r.Cells) != 2 || got["2026-04"] != 1 || got["2026-05"] != 0 {
		t.Errorf("mapping current: %+v", r.Cells)
	}
}
