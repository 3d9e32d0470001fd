package holf

import (
	"strings"
	"testing"
	"time"
)

func fields(err error) string {
	he, ok := AsError(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range he.Fields {
		out = append(out, f.Field+":"+f.Key)
	}
	return strings.Join(out, " ")
}

func date(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }

func TestStatusChangeRules(t *testing.T) {
	registered, today := date("2026-10-01"), date("2026-11-23")
	active := &Family{Status: StatusActive}
	cases := []struct {
		name string
		cur  *Family
		c    StatusChange
		want string // the field errors, "" for none
	}{
		{"discharge", active, StatusChange{To: StatusDischarged, On: date("2026-11-20"), Reason: ReasonMoved}, ""},
		{"no date: no door may assume today", active, StatusChange{To: StatusDischarged, Reason: ReasonMoved}, "on:err.required"},
		{"in the future", active, StatusChange{To: StatusDischarged, On: date("2026-11-24"), Reason: ReasonMoved}, "on:err.date_future"},
		{"before the family was registered", active, StatusChange{To: StatusDischarged, On: date("2026-09-30"), Reason: ReasonMoved}, "on:err.date_before_registered"},
		{"today is fine", active, StatusChange{To: StatusDischarged, On: today, Reason: ReasonMoved}, ""},
		{"discharge without reason", active, StatusChange{To: StatusDischarged, On: today}, "reason:err.required"},
		{"a reason without a discharge", &Family{Status: StatusCandidate}, StatusChange{To: StatusRecruited, On: today, Reason: ReasonMoved}, "reason:err.reason_not_discharge"},
		{"backwards", active, StatusChange{To: StatusRecruited, On: today}, "status:err.status_move"},
		{"unknown status", active, StatusChange{To: "archived", On: today}, "status:err.status_move"},
		{"a note with a NUL", active, StatusChange{To: StatusDischarged, On: today, Reason: ReasonMoved, Note: "a\x00b"}, "note:err.control_chars"},
		{"a note of two lines", active, StatusChange{To: StatusDischarged, On: today, Reason: ReasonMoved, Note: "flyttet\nvidere"}, ""},
		{"a note in broken UTF-8", active, StatusChange{To: StatusDischarged, On: today, Reason: ReasonMoved, Note: "\xff"}, "note:err.control_chars"},
	}
	for _, c := range cases {
		if got := fields(c.c.Validate(c.cur, registered, today)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	next := StatusChange{To: StatusDischarged, On: today, Reason: ReasonWithdrew, Note: "x"}.Apply(*active)
	if next.Status != StatusDischarged || !next.DischargedOn.Equal(today) || next.DischargeReason != ReasonWithdrew || active.Status != StatusActive {
		t.Errorf("apply: %+v (and the current family must not change)", next)
	}
	if e := (StatusChange{To: StatusRecruited, On: today, Note: "samtykke"}).Event(); e.Kind != EventRecruited || e.Details.Note != "samtykke" || e.Details.Reason != "" {
		t.Errorf("event: %+v", e)
	}
}

func TestGoalNestingIsTwoLevels(t *testing.T) {
	f := &Family{Members: []Member{{ID: 1, Role: MemberParent}}}
	areas := []TargetArea{AreaWork, AreaHousing}
	plan := Plan{Goals: []Goal{
		{ID: 1, Area: AreaWork, Title: "Jobb", Status: GoalOpen},
		{ID: 2, ParentID: 1, Area: AreaWork, Title: "Kurs", Status: GoalOpen},
		{ID: 3, Area: AreaHousing, Title: "Bolig", Status: GoalOpen},
	}}
	cases := []struct {
		name string
		g    Goal
		want string
	}{
		{"a sub-goal of a goal", Goal{ParentID: 3, Area: AreaWork, Title: "Søke", Status: GoalOpen}, ""},
		{"under a sub-goal: three levels", Goal{ParentID: 2, Area: AreaWork, Title: "x", Status: GoalOpen}, "parent:err.parent_goal"},
		{"a goal with sub-goals under another", Goal{ID: 1, ParentID: 3, Area: AreaWork, Title: "Jobb", Status: GoalOpen}, "parent:err.goal_has_subgoals"},
		{"under itself", Goal{ID: 3, ParentID: 3, Area: AreaHousing, Title: "Bolig", Status: GoalOpen}, "parent:err.parent_goal"},
		{"under a goal of another plan", Goal{ParentID: 99, Area: AreaWork, Title: "x", Status: GoalOpen}, "parent:err.parent_goal"},
		{"an area the office does not use", Goal{Area: AreaHealth, Title: "x", Status: GoalOpen}, "area:err.area"},
	}
	for _, c := range cases {
		g := c.g
		if got := fields(g.ValidateIn(f, areas, plan)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	sub := Goal{ParentID: 3, Area: AreaWork, Title: "Søke", Status: GoalOpen}
	_ = sub.ValidateIn(f, areas, plan)
	if sub.Area != AreaHousing {
		t.Errorf("a sub-goal takes its goal's area, got %s", sub.Area)
	}
	a := Activity{GoalID: 42, Title: "x", Responsible: ResponsibleCoordinator, Status: ActivityOpen, DueOn: date("0001-01-02")}
	if got := fields(a.ValidateIn(f, plan)); got != "goal:err.goal_unknown due:err.date_range" {
		t.Errorf("activity outside the plan with a due date in year 1: %q", got)
	}
}

func TestStampsUseTheDayGiven(t *testing.T) {
	// 23:30 in Oslo on 30 November is 22:30 UTC: the use case passes the
	// Norwegian date, and the stamp keeps it.
	today := date("2026-11-30")
	a := Activity{Status: ActivityDone}
	a.Stamp(today)
	if !a.DoneOn.Equal(today) {
		t.Errorf("done on %v", a.DoneOn)
	}
	a.Status = ActivityOpen
	a.Stamp(today)
	if !a.DoneOn.IsZero() {
		t.Error("a reopened activity keeps its date")
	}
	g := Goal{Status: GoalAchieved, AchievedOn: date("2026-11-01")}
	g.Stamp(today)
	if !g.AchievedOn.Equal(date("2026-11-01")) {
		t.Error("an achieved goal's date moved")
	}
}

func TestEnumsAndPeople(t *testing.T) {
	for _, k := range EventKinds {
		if !k.Valid() {
			t.Errorf("%s", k)
		}
	}
	if EventKind("nonsense").Valid() || GoalStatus("x").Valid() || ActivityStatus("x").Valid() || ResponsibleKind("x").Valid() {
		t.Error("an unknown value is valid")
	}
	p := Person{Username: "  Kari.N ", Name: "Kari", Assignments: []Assignment{{Role: RoleAdministrator, OfficeID: 3}}}
	if got := fields(p.Validate()); got != "roles:err.role_is_global" || p.Username != "kari.n" {
		t.Errorf("person: %q %q", got, p.Username)
	}
	o := Office{Name: "NAV X", Municipality: "Oslo", Arm: ArmNone}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	o.TargetAreas[0] = "changed"
	if TargetAreas[0] != AreaWork {
		t.Fatal("an office's areas alias the shared list")
	}
	changes := FamilyChanges(Family{Name: "A", Members: []Member{{ID: 1, Name: "Ali"}, {ID: 2, Name: "Sara"}}},
		Family{Name: "B", Members: []Member{{ID: 1, Name: "Ali", BirthYear: 1980}, {Name: "Nora"}}})
	var got []string
	for _, c := range changes {
		got = append(got, c.What+":"+c.Name)
	}
	if strings.Join(got, ",") != "name:,member_changed:Ali,member_added:Nora,member_removed:Sara" {
		t.Errorf("changes: %v", got)
	}
}
