package app_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/testdb"
	"github.com/holf-project/holf/internal/trial"
)

const goodTargets = "\ufeffreference,name,children,criterion,register_declined\n" +
	"S-1001,Amina Ali,2,assistance,nei\n" +
	"S-1002,Kari Nord,1,regular,\n" +
	"S-1003,Per Sør,4,aap,no\n" +
	"S-1004,Lise Øst,3,unemployment,ja\n" +
	"S-1005,Omar Vest,2,qualification,no\n" +
	"S-1006,Siri Midt,1,assistance,no\n"

// Target lists: a bad file imports nothing and names every row's problem;
// a good one is drawn into a random order after the families already
// listed, the register-data refusals kept out; contacting out of order
// needs a reason; only the office's own staff see the list.
func TestTargetLists(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newTrialWorld(t, d)
			a := w.a
			w.randomise(t, 5)
			office := w.offices[0].ID
			sys := app.System("test")
			bad := "reference,name,children,criterion\nS-1,Anne,2,assistance\nS-1,Berit,2,assistance\nS-2,,5,pension\n"
			_, err := a.Targets.Import(ctx, sys, office, strings.NewReader(bad))
			he, ok := holf.AsError(err)
			if !ok || he.Code != holf.EInvalid {
				t.Fatalf("bad import: %v", err)
			}
			fields := map[string]string{}
			for _, f := range he.Fields {
				fields[f.Field] = f.Key
			}
			for field, key := range map[string]string{"line.3.reference": "target.err.duplicate_row", "line.4.name": "target.err.required",
				"line.4.children": "target.err.children_range", "line.4.criterion": "target.err.criterion"} {
				if fields[field] != key {
					t.Errorf("%s: %q, want %q (all: %v)", field, fields[field], key, fields)
				}
			}
			fk, err := a.ActAs(ctx, "fk")
			must(t, err)
			l, err := a.Targets.List(ctx, fk, office)
			must(t, err)
			if len(l.Entries) != 0 {
				t.Fatalf("a bad file imported %d rows", len(l.Entries))
			}
			res, err := a.Targets.Import(ctx, sys, office, strings.NewReader(goodTargets))
			must(t, err)
			if res.Added != 5 || res.Excluded != 1 || res.Seed == 0 {
				t.Fatalf("import: %+v", res)
			}
			l, err = a.Targets.List(ctx, fk, office)
			must(t, err)
			var pos []int
			for _, e := range l.Entries {
				if e.Reference == "S-1004" {
					if e.Position != 0 || e.Outcome != trial.RecruitExcluded {
						t.Fatalf("the refusal of register data was drawn: %+v", e)
					}
					continue
				}
				pos = append(pos, e.Position)
				if !e.AfterAllocation {
					t.Fatalf("%s imported after the draw is not marked identified after allocation", e.Reference)
				}
			}
			sort.Ints(pos)
			if len(pos) != 5 || pos[0] != 1 || pos[4] != 5 || l.Next == nil || l.Next.Position != 1 {
				t.Fatalf("draw order %v, next %+v", pos, l.Next)
			}
			// A second import continues the order; a family listed already is refused.
			if _, err := a.Targets.Import(ctx, sys, office, strings.NewReader("reference,name,children,criterion\nS-1002,Kari Nord,1,regular\n")); holf.ErrorCode(err) != holf.EInvalid {
				t.Fatalf("a family imported twice: %v", err)
			}
			_, err = a.Targets.Import(ctx, sys, office, strings.NewReader("reference,name,children,criterion\nS-2001,Ny Familie,2,aap\n"))
			must(t, err)
			l, _ = a.Targets.List(ctx, fk, office)
			var third, first trial.Target
			for _, e := range l.Entries {
				switch e.Position {
				case 6:
					if e.Reference != "S-2001" {
						t.Fatalf("the second import took place %d", e.Position)
					}
				case 3:
					third = e
				case 1:
					first = e
				}
			}
			// Out of order: a reason is needed while earlier families wait.
			_, err = a.Targets.Record(ctx, fk, office, app.TargetRecord{ID: third.ID, Version: third.Version, Outcome: trial.RecruitDeclined, Note: "", OutOfOrder: ""})
			if he, ok := holf.AsError(err); !ok || len(he.Fields) == 0 || he.Fields[0].Field != "out_of_order" {
				t.Fatalf("out of order without a reason: %v", err)
			}
			third, err = a.Targets.Record(ctx, fk, office, app.TargetRecord{ID: third.ID, Version: third.Version, Outcome: trial.RecruitDeclined, Note: "", OutOfOrder: "Familien ringte selv og ba om å bli kontaktet"})
			must(t, err)
			if _, err := a.Targets.Record(ctx, fk, office, app.TargetRecord{ID: first.ID, Version: first.Version, Outcome: trial.RecruitRecruited, Note: "Samtykket i dag", OutOfOrder: ""}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Targets.Record(ctx, fk, office, app.TargetRecord{ID: first.ID, Version: first.Version, Outcome: trial.RecruitDeclined, Note: "", OutOfOrder: ""}); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a stale outcome: %v", err)
			}
			l, _ = a.Targets.List(ctx, fk, office)
			if l.Recruited != 1 || l.Contacted != 2 || l.Waiting != 4 || l.Target != 21 {
				t.Fatalf("progress: %+v", l)
			}
			// Only the office's own staff see the list; project management imports it.
			if _, err := a.Targets.List(ctx, w.pm, office); holf.ErrorCode(err) != holf.ENotFound {
				t.Fatalf("project management read a target list: %v", err)
			}
			if _, err := a.Targets.List(ctx, fk, w.offices[1].ID); holf.ErrorCode(err) != holf.ENotFound {
				t.Fatalf("a coordinator read another office's list: %v", err)
			}
			if _, err := a.Targets.Import(ctx, w.pm, w.offices[1].ID, strings.NewReader(goodTargets)); err != nil {
				t.Fatalf("project management's import: %v", err)
			}
			if _, err := a.Targets.Import(ctx, fk, office, strings.NewReader(goodTargets)); holf.ErrorCode(err) != holf.ENotFound {
				t.Fatalf("a coordinator imported: %v", err)
			}
		})
	}
}

// The draw order reproduces from its seed.
func TestDrawOrderReproduces(t *testing.T) {
	ts, bad, err := trial.ParseTargets(strings.NewReader(goodTargets), nil)
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	again := append([]trial.Target(nil), ts...)
	trial.DrawOrder(ts, 10, 99)
	trial.DrawOrder(again, 10, 99)
	for i := range ts {
		if ts[i].Position != again[i].Position {
			t.Fatal("the same seed drew another order")
		}
	}
}

// The consent to the evaluation: given by a parent, not in the future,
// placed against the office's allocation, counted in the CONSORT flow.
func TestTrialConsent(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newTrialWorld(t, d)
			a := w.a
			w.randomise(t, 9)
			fk, err := a.ActAs(ctx, "fk")
			must(t, err)
			fam, err := a.Families.Create(ctx, fk, holf.Family{OfficeID: w.offices[0].ID, Name: "Familien Samtykke", PrimaryCoordinatorID: fk.PersonID,
				Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1985, LivesAtHome: true},
					{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}}, nil)
			must(t, err)
			child := fam.Members[1].ID
			if _, err := a.Targets.SaveConsent(ctx, fk, trial.Consent{FamilyID: fam.ID, MemberID: child, GivenOn: a.Today()}, nil); holf.ErrorCode(err) != holf.EInvalid {
				t.Fatalf("a child's consent: %v", err)
			}
			if _, err := a.Targets.SaveConsent(ctx, fk, trial.Consent{FamilyID: fam.ID, MemberID: fam.Members[0].ID, GivenOn: a.Today().AddDate(0, 0, 1)}, nil); holf.ErrorCode(err) != holf.EInvalid {
				t.Fatalf("a consent tomorrow: %v", err)
			}
			c, err := a.Targets.SaveConsent(ctx, fk, trial.Consent{FamilyID: fam.ID, MemberID: fam.Members[0].ID, GivenOn: a.Today()}, nil)
			must(t, err)
			if !c.Allocated || c.BeforeAllocation || c.Version != 1 {
				t.Fatalf("consent: %+v", c)
			}
			if _, err := a.Targets.SaveConsent(ctx, fk, trial.Consent{FamilyID: fam.ID, MemberID: fam.Members[0].ID, GivenOn: a.Today()}, nil); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a second first consent: %v", err)
			}
			con, err := a.Trial.Consort(ctx, w.pm)
			must(t, err)
			after := 0
			for _, arm := range con.Arms {
				after += arm.ConsentAfter + arm.ConsentBefore
			}
			if after != 1 {
				t.Fatalf("consents in the flow: %+v", con.Arms)
			}
			if _, err := a.Targets.Consent(ctx, w.pm, fam.ID); holf.ErrorCode(err) != holf.ENotFound {
				t.Fatalf("project management read a family's consent: %v", err)
			}
		})
	}
}

// A recruited family on the list becomes a family record, created from the
// entry in one step or linked to one at the office; one record per entry.
// The entries drawn beyond the target are replacements for the families
// lost before them.
func TestTargetFamilies(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newTrialWorld(t, d)
			a := w.a
			w.randomise(t, 11)
			st, err := w.db.TrialStudy(ctx)
			must(t, err)
			st.TargetPerOffice = 2
			_, err = a.Trial.SaveStudy(ctx, w.res, st, nil)
			must(t, err)
			office := w.offices[0].ID
			_, err = a.Targets.Import(ctx, app.System("test"), office, strings.NewReader(goodTargets))
			must(t, err)
			fk, err := a.ActAs(ctx, "fk")
			must(t, err)
			l, err := a.Targets.List(ctx, fk, office)
			must(t, err)
			byPos := map[int]trial.Target{}
			for _, e := range l.Entries {
				byPos[e.Position] = e
			}
			record := func(pos int, o trial.Recruitment, family int64) (trial.Target, error) {
				e := byPos[pos]
				got, err := a.Targets.Record(ctx, fk, office, app.TargetRecord{ID: e.ID, Version: e.Version, Outcome: o, FamilyID: family})
				if err == nil {
					byPos[pos] = got
				}
				return got, err
			}
			members := []holf.Member{{Role: holf.MemberParent, Name: byPos[1].Name, BirthYear: 1985, LivesAtHome: true},
				{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}
			newFamily := holf.Family{Name: "Familien Liste", PrimaryCoordinatorID: fk.PersonID, Members: members}
			// Not before the family is recorded as recruited.
			if _, err := a.Targets.CreateFamily(ctx, fk, office, byPos[1].ID, byPos[1].Version, newFamily, nil); !hasField(err, "target") {
				t.Fatalf("a family created for an entry still waiting: %v", err)
			}
			_, err = record(1, trial.RecruitRecruited, 0)
			must(t, err)
			if _, err := a.Targets.CreateFamily(ctx, fk, office, byPos[1].ID, byPos[1].Version-1, newFamily, nil); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a stale entry: %v", err)
			}
			fam, err := a.Targets.CreateFamily(ctx, fk, office, byPos[1].ID, byPos[1].Version, newFamily, nil)
			must(t, err)
			if fam.ID == 0 || fam.OfficeID != office || fam.Status != holf.StatusCandidate {
				t.Fatalf("created %+v", fam)
			}
			got, err := w.db.GetTarget(ctx, office, byPos[1].ID)
			must(t, err)
			if got.FamilyID != fam.ID || got.Version != byPos[1].Version+1 {
				t.Fatalf("entry after the family was created: %+v", got)
			}
			byPos[1] = got
			// A bad family is refused whole: no record, no link.
			bad := newFamily
			bad.Name = ""
			if _, err := a.Targets.CreateFamily(ctx, fk, office, byPos[1].ID, byPos[1].Version, bad, nil); holf.ErrorCode(err) != holf.EInvalid {
				t.Fatalf("a family without a name: %v", err)
			}
			// Linking: the family must be at the office, recruited, and not on another entry.
			other, err := a.Families.Create(ctx, fk, holf.Family{OfficeID: office, Name: "Familien Egen", PrimaryCoordinatorID: fk.PersonID, Members: members}, nil)
			must(t, err)
			if _, err := record(2, trial.RecruitDeclined, other.ID); !hasField(err, "family") {
				t.Fatalf("a declined family linked: %v", err)
			}
			if _, err := record(2, trial.RecruitRecruited, fam.ID); !hasField(err, "family") {
				t.Fatalf("one family linked to two entries: %v", err)
			}
			if _, err := record(2, trial.RecruitRecruited, 1<<40); !hasField(err, "family") {
				t.Fatalf("an unknown family linked: %v", err)
			}
			_, err = record(2, trial.RecruitDeclined, 0)
			must(t, err)
			_, err = record(3, trial.RecruitRecruited, other.ID)
			must(t, err)
			e, err := a.Targets.Entry(ctx, fk, office, byPos[4].ID)
			must(t, err)
			for _, f := range e.Families {
				if f.ID == fam.ID || f.ID == other.ID {
					t.Fatalf("the form offers %s, linked already", f.Name)
				}
			}
			// Position 3 is drawn beyond the target of 2, in place of 2.
			l, err = a.Targets.List(ctx, fk, office)
			must(t, err)
			for _, x := range l.Entries {
				switch {
				case x.Position == 3 && (!x.Replacement || x.Replaces != 2 || x.FamilyID != other.ID):
					t.Fatalf("position 3: %+v", x)
				case x.Position != 3 && x.Replacement:
					t.Fatalf("position %d marked a replacement", x.Position)
				}
			}
			// The CONSORT flow counts it.
			con, err := a.Trial.Consort(ctx, w.pm)
			must(t, err)
			n := 0
			for _, arm := range con.Arms {
				n += arm.Replacements
			}
			if n != 1 {
				t.Fatalf("CONSORT counts %d replacement draws, want 1", n)
			}
		})
	}
}

func hasField(err error, field string) bool {
	he, ok := holf.AsError(err)
	if !ok {
		return false
	}
	for _, f := range he.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
