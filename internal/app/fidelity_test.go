package app_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/fidelity"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// TestFidelityFromStoredWork records a family's first weeks through the use
// cases on a test clock, on both databases, and checks the figures the
// store's facts give: the mapping exactly 30 days after consent is on time,
// the plan's goals cover the mapped challenges, the activities' owners
// count, and an office with nothing shows no data.
func TestFidelityFromStoredWork(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			// 09:00 UTC on 1 October 2026 is 11:00 in Oslo.
			clock := testdb.NewClockAt(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
			db := testdb.Open(t, d, store.Options{Now: clock.Now})
			a, err := app.New(app.Config{DB: db, Hasher: cheap})
			must(t, err)
			sys, im := app.System("test"), a.Imports()
			office := holf.Office{Name: "NAV Trofast", Municipality: "Oslo", Arm: holf.ArmIntervention}
			must(t, im.Office(ctx, sys, &office, "test"))
			empty := holf.Office{Name: "NAV Tom", Municipality: "Oslo", Arm: holf.ArmComparison}
			must(t, im.Office(ctx, sys, &empty, "test"))
			fkp := holf.Person{Username: "fk.trofast", Name: "Frida", Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: office.ID}}}
			must(t, im.Person(ctx, sys, &fkp, "", "test"))
			pm := holf.Person{Username: "pm", Name: "Per", Assignments: []holf.Assignment{{Role: holf.RoleProjectManagement}}}
			must(t, im.Person(ctx, sys, &pm, "", "test"))
			leader := holf.Person{Username: "leder.tom", Name: "Lise", Assignments: []holf.Assignment{{Role: holf.RoleOfficeLeader, OfficeID: empty.ID}}}
			must(t, im.Person(ctx, sys, &leader, "", "test"))
			fk, err := a.ActAs(ctx, fkp.Username)
			must(t, err)
			fam, err := a.Families.Create(ctx, fk, holf.Family{OfficeID: office.ID, Name: "Familien Trofast", PrimaryCoordinatorID: fkp.ID,
				Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1985, LivesAtHome: true},
					{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}}, nil)
			must(t, err)
			fam, err = a.Families.ChangeStatus(ctx, fk, holf.StatusChange{FamilyID: fam.ID, Version: fam.Version, To: holf.StatusRecruited, On: a.Today()}, nil)
			must(t, err)
			child := fam.Members[1].ID
			// Exactly 30 days later, at 22:30 in Oslo (21:30 UTC, after the
			// change back to winter time on 25 October): on time.
			clock.Advance(30*24*time.Hour + 12*time.Hour + 30*time.Minute)
			_, _, err = a.Mappings.Save(ctx, fk, holf.Mapping{FamilyID: fam.ID, Fields: map[string]string{
				holf.AreaKey(holf.AreaWork, "challenges"):    "Ingen jobb",
				holf.AreaKey(holf.AreaEconomy, "challenges"): "Gjeld",
				holf.ChildKey(child, "school"):               "Trives",
			}})
			must(t, err)
			clock.Advance(10 * 24 * time.Hour) // 10 November
			g, err := a.Plans.AddGoal(ctx, fk, holf.Goal{FamilyID: fam.ID, Area: holf.AreaWork, Title: "Arbeid"})
			must(t, err)
			_, err = a.Plans.AddActivity(ctx, fk, holf.Activity{FamilyID: fam.ID, GoalID: g.ID, Title: "Søke", Responsible: holf.ResponsibleCoordinator}, nil)
			must(t, err)
			_, err = a.Plans.AddActivity(ctx, fk, holf.Activity{FamilyID: fam.ID, GoalID: g.ID, Title: "Ringe", Responsible: holf.ResponsibleMember, ResponsibleMemberID: fam.Members[0].ID}, nil)
			must(t, err)
			_, err = a.Contacts.Add(ctx, fk, holf.Contact{FamilyID: fam.ID, Kind: holf.ContactSMS, At: a.Now()}, nil)
			must(t, err)
			_, err = a.Contacts.Add(ctx, fk, holf.Contact{FamilyID: fam.ID, Kind: holf.ContactCallMissed, At: a.Now()}, nil)
			must(t, err)
			clock.Advance(20 * 24 * time.Hour) // 30 November
			_, err = a.Plans.AddGoal(ctx, fk, holf.Goal{FamilyID: fam.ID, Area: holf.AreaEconomy, Title: "Økonomi", MemberID: child})
			must(t, err)

			p := fidelity.Period{From: fidelity.MonthOf(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), To: fidelity.MonthOf(a.Today())}
			pma, err := a.ActAs(ctx, "pm")
			must(t, err)
			rep, err := a.Fidelity.Office(ctx, pma, office.ID, p)
			must(t, err)
			get := func(ind, month string) (float64, float64) {
				t.Helper()
				m, _ := fidelity.ParseMonth(month)
				f := fidelity.Totals(rep.Cells, func(c fidelity.Cell) (bool, bool) { return true, c.Indicator == ind && c.Month == m })[true]
				return f.Num, f.Den
			}
			for _, c := range []struct {
				ind, month string
				num, den   float64
			}{
				{"mapping_after_consent", "2026-10", 1, 1}, // due 31 October, saved at 22:30 that day
				{"plan_after_mapping", "2026-11", 1, 1},    // the first goal on 10 November
				{"activities_owned", "2026-11", 2, 2},
				{"coordinator_owned", "2026-11", 1, 2},
				{"contacts_per_family", "2026-11", 1, 1}, // the missed call does not count
				{"goals_for_challenges", "2026-10", 0, 1},
				{"goals_for_challenges", "2026-11", 1, 1}, // economy came on 30 November
				{"children_considered", "2026-11", 1, 1},
				{"recruitment", "2026-11", 1, 21},
				{"reflection_on_time", "2026-11", 0, 0}, // no meeting: no data, not 0 %
			} {
				if n, dd := get(c.ind, c.month); n != c.num || dd != c.den {
					t.Errorf("%s %s: %v/%v, want %v/%v", c.ind, c.month, n, dd, c.num, c.den)
				}
			}
			got := map[string]string{}
			for _, m := range rep.Milestones {
				if !m.On.IsZero() {
					got[m.Kind] = m.On.Format("2006-01-02")
				}
			}
			if len(got) != 3 || got["first_recruited"] != "2026-10-01" || got["first_mapping"] != "2026-10-31" || got["first_plan"] != "2026-11-10" {
				t.Errorf("milestones: %v", got)
			}
			if rep.Names[fkp.ID] != "Frida" {
				t.Errorf("coordinator names: %v", rep.Names)
			}

			// The overview counts afresh until the figures are maintained, then reads them.
			live, err := a.Fidelity.Overview(ctx, pma, p)
			must(t, err)
			if !live.ComputedAt.IsZero() {
				t.Error("overview before any refresh claims maintained figures")
			}
			if _, err := a.Fidelity.Refresh(ctx, pma); holf.ErrorCode(err) != holf.EForbidden {
				t.Errorf("project management refreshed: %v", err)
			}
			n, err := a.Fidelity.Refresh(ctx, sys)
			must(t, err)
			if n != 2 {
				t.Errorf("refreshed %d offices", n)
			}
			kept, err := a.Fidelity.Overview(ctx, pma, p)
			must(t, err)
			if kept.ComputedAt.IsZero() || len(kept.Cells) != len(live.Cells) {
				t.Errorf("maintained overview: computed %v, %d cells, live %d", kept.ComputedAt, len(kept.Cells), len(live.Cells))
			}
			order := func(a, b fidelity.Cell) int {
				return cmp.Or(cmp.Compare(a.Office, b.Office), strings.Compare(a.Indicator, b.Indicator), cmp.Compare(a.Coordinator, b.Coordinator), cmp.Compare(a.Month, b.Month))
			}
			slices.SortFunc(live.Cells, order)
			slices.SortFunc(kept.Cells, order)
			for i := range live.Cells {
				if i < len(kept.Cells) && !sameCell(live.Cells[i], kept.Cells[i]) {
					t.Errorf("maintained cell %d: %+v, live %+v", i, kept.Cells[i], live.Cells[i])
					break
				}
			}
			for _, c := range kept.Cells {
				if c.Office == empty.ID && c.Indicator != "recruitment" {
					t.Errorf("the empty office has a figure: %+v", c)
				}
			}

			// A leader sees the own office only; a coordinator only their own figures.
			la, err := a.ActAs(ctx, "leder.tom")
			must(t, err)
			if _, err := a.Fidelity.Office(ctx, la, office.ID, p); holf.ErrorCode(err) != holf.ENotFound {
				t.Errorf("leader of another office: %v", err)
			}
			if _, err := a.Fidelity.Drill(ctx, pma, office.ID, "activities_owned", p.To, 0); holf.ErrorCode(err) != holf.ENotFound {
				t.Errorf("project management drilled into families: %v", err)
			}
			mine, err := a.Fidelity.Mine(ctx, fk, p)
			must(t, err)
			for _, c := range mine.Cells {
				if c.Coordinator != fkp.ID {
					t.Errorf("someone else's figure among one's own: %+v", c)
				}
			}
			items, err := a.Fidelity.Drill(ctx, fk, office.ID, "coordinator_owned", p.To, 0)
			must(t, err)
			if len(items) != 2 || items[0].FamilyName != "Familien Trofast" {
				t.Errorf("drill-down: %+v", items)
			}
			if _, err := a.Fidelity.ParsePeriod("2026-11", "2026-10"); err == nil || holf.ErrorCode(err) != holf.EInvalid {
				t.Errorf("period ending before it starts: %v", err)
			}
		})
	}
}

// sameCell compares cells read back from the database (floats exact).
func sameCell(a, b fidelity.Cell) bool { return a == b }
