package app_test

import (
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// The mapping saved a section at a time: two coordinators working on
// different sections never conflict, one who saves a section someone else
// changed since is refused with what they saved, a section saved unchanged
// adds no version, and a draft is kept until its section changes.
func TestMappingSections(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d, store.Options{})
			a, err := app.New(app.Config{DB: db, Hasher: cheap})
			must(t, err)
			sys, im := app.System("test"), a.Imports()
			office := holf.Office{Name: "NAV Deler", Municipality: "Oslo", Arm: holf.ArmIntervention, TargetAreas: []holf.TargetArea{holf.AreaWork, holf.AreaEconomy}}
			must(t, im.Office(ctx, sys, &office, "test"))
			var fks []*holf.Actor
			for _, u := range []string{"fk.en", "fk.to"} {
				p := holf.Person{Username: u, Name: u, Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: office.ID}}}
				must(t, im.Person(ctx, sys, &p, "", "test"))
				act, err := a.ActAs(ctx, u)
				must(t, err)
				fks = append(fks, act)
			}
			fam, err := a.Families.Create(ctx, fks[0], holf.Family{OfficeID: office.ID, Name: "Familien Deler", PrimaryCoordinatorID: fks[0].PersonID,
				Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1985, LivesAtHome: true},
					{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}}, nil)
			must(t, err)
			work, economy := "area.work", "area.economy"
			// Both opened the empty mapping (version 0).
			m, _, err := a.Mappings.SaveSection(ctx, fks[0], fam.ID, work, 0, map[string]string{"area.work.situation": "Deltid i butikk", "area.economy.situation": "not this section"})
			must(t, err)
			if m.Version != 1 || m.Fields["area.economy.situation"] != "" {
				t.Fatalf("first section: %+v", m)
			}
			_, _, err = a.Mappings.SaveSection(ctx, fks[1], fam.ID, economy, 0, map[string]string{"area.economy.situation": "Gjeld på 40 000\n"})
			must(t, err)
			rec, err := a.Mappings.View(ctx, fks[0], fam.ID)
			must(t, err)
			if rec.Current.Version != 2 || rec.Current.Fields["area.work.situation"] != "Deltid i butikk" || rec.Current.Fields["area.economy.situation"] != "Gjeld på 40 000" {
				t.Fatalf("two sections by two people: %+v", rec.Current)
			}
			// The second coordinator, still at version 0, now writes the
			// work section the first one saved: refused, with theirs.
			_, rec, err = a.Mappings.SaveSection(ctx, fks[1], fam.ID, work, 0, map[string]string{"area.work.situation": "Ingen jobb"})
			if holf.ErrorCode(err) != holf.EConflict || rec.Current.Fields["area.work.situation"] != "Deltid i butikk" {
				t.Fatalf("a stale section: %v %+v", err, rec.Current)
			}
			// Saved as it stands: no new version.
			if _, _, err := a.Mappings.SaveSection(ctx, fks[0], fam.ID, economy, 2, map[string]string{"area.economy.situation": "Gjeld på 40 000"}); err != nil {
				t.Fatal(err)
			}
			if v, _ := a.Mappings.Version(ctx, fks[0], fam.ID); v != 2 {
				t.Fatalf("an unchanged section made version %d", v)
			}
			// Bad input names the field; an unknown section is not found.
			if _, _, err := a.Mappings.SaveSection(ctx, fks[0], fam.ID, work, 2, map[string]string{"area.work.situation": "a\x00b"}); !hasField(err, "area.work.situation") {
				t.Fatalf("a control character: %v", err)
			}
			if _, _, err := a.Mappings.SaveSection(ctx, fks[0], fam.ID, "area.housing", 2, nil); holf.ErrorCode(err) != holf.ENotFound {
				t.Fatalf("a section the office does not map: %v", err)
			}
			// A draft of the work section is kept for its author alone, and
			// dropped once someone else changes the section.
			must(t, a.Mappings.SaveDraft(ctx, fks[0], fam.ID, work, 2, "area.work.situation=Utkast"))
			rec, _ = a.Mappings.View(ctx, fks[0], fam.ID)
			if ds, _ := a.Mappings.Drafts(ctx, fks[0], rec); ds[work].Content != "area.work.situation=Utkast" {
				t.Fatalf("drafts: %+v", ds)
			}
			if ds, _ := a.Mappings.Drafts(ctx, fks[1], rec); len(ds) != 0 {
				t.Fatalf("another's drafts: %+v", ds)
			}
			_, _, err = a.Mappings.SaveSection(ctx, fks[1], fam.ID, work, 2, map[string]string{"area.work.situation": "Sluttet i butikken"})
			must(t, err)
			rec, _ = a.Mappings.View(ctx, fks[0], fam.ID)
			if ds, _ := a.Mappings.Drafts(ctx, fks[0], rec); len(ds) != 0 {
				t.Fatalf("a draft of a section changed since: %+v", ds)
			}
			// Saving clears the author's draft.
			must(t, a.Mappings.SaveDraft(ctx, fks[0], fam.ID, economy, 3, "area.economy.situation=Ny+tekst"))
			_, _, err = a.Mappings.SaveSection(ctx, fks[0], fam.ID, economy, 3, map[string]string{"area.economy.situation": "Ny tekst"})
			must(t, err)
			rec, _ = a.Mappings.View(ctx, fks[0], fam.ID)
			if ds, _ := a.Mappings.Drafts(ctx, fks[0], rec); len(ds) != 0 {
				t.Fatalf("a draft kept after its save: %+v", ds)
			}
		})
	}
}
