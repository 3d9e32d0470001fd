package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/testdb"
)

// TestStudyCodesNeverCollide forces the code generator to repeat itself:
// every respondent still gets a code of their own, parents of one family
// share one family code and no two families do. A generator that only
// repeats makes enrolment fail whole, with nothing half-enrolled.
func TestStudyCodesNeverCollide(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mustOffice(t, db, "NAV Kode")
		fk := mustPerson(t, db, "fk.kode", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: o.ID})
		for i := range 3 {
			f := holf.Family{OfficeID: o.ID, Name: fmt.Sprintf("Familien %d", i), PrimaryCoordinatorID: fk.ID, Status: holf.StatusActive,
				Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1980, LivesAtHome: true},
					{Role: holf.MemberParent, Name: "Far", BirthYear: 1979, LivesAtHome: true},
					{Role: holf.MemberChild, Name: "Barn", BirthYear: 2015, LivesAtHome: true}}}
			if err := f.Validate(db.Now()); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateFamily(ctx, ev("family.create", "family"), &f); err != nil {
				t.Fatal(err)
			}
		}
		lib, err := survey.Load()
		if err != nil {
			t.Fatal(err)
		}
		st, err := survey.DefaultStudy(lib)
		if err != nil {
			t.Fatal(err)
		}
		studyID, err := db.InstallStudy(ctx, ev("study.install", "study"), st)
		if err != nil {
			t.Fatal(err)
		}
		// Each prefix's first three draws are the same code.
		drawn := map[string]int{}
		store.SetCodesForTest(db, func(prefix string) string {
			drawn[prefix]++
			if drawn[prefix] <= 3 {
				return prefix + "AAAAAA"
			}
			return fmt.Sprintf("%s%06d", prefix, drawn[prefix])
		})
		if n, err := db.EnrolRespondents(ctx, ev("survey.enrol", "office"), studyID, o.ID, survey.GroupParents); err != nil || n != 6 {
			t.Fatalf("enrol: %d %v", n, err)
		}
		codes, err := store.StringsForTest(ctx, db, `SELECT code FROM respondents WHERE study_id = ?`, studyID)
		if err != nil || len(codes) != 6 || len(distinct(codes)) != 6 {
			t.Fatalf("respondent codes %v (%v): want 6 distinct", codes, err)
		}
		pairs, err := store.StringsForTest(ctx, db, `SELECT DISTINCT family_code || '/' || family_id FROM respondents WHERE study_id = ?`, studyID)
		if err != nil || len(pairs) != 3 {
			t.Fatalf("family codes %v (%v): want one per family", pairs, err)
		}
		fams := map[string]bool{}
		for _, p := range pairs {
			fams[strings.Split(p, "/")[0]] = true
		}
		if len(fams) != 3 {
			t.Fatalf("two families share a code: %v", pairs)
		}
		if drawn["P"] <= 6 || drawn["F"] <= 3 {
			t.Fatalf("the collisions were not drawn again: %v", drawn)
		}
		// Nothing but collisions: the enrolment fails whole.
		store.SetCodesForTest(db, func(string) string { return "PAAAAAA" }) // taken by a parent
		if _, err := db.EnrolRespondents(ctx, ev("survey.enrol", "office"), studyID, o.ID, survey.GroupCoordinators); err == nil {
			t.Fatal("an enrolment with no free code succeeded")
		}
		if n, _ := store.StringsForTest(ctx, db, `SELECT code FROM respondents WHERE study_id = ? AND grp = 'coordinators'`, studyID); len(n) != 0 {
			t.Fatalf("a failed enrolment left respondents: %v", n)
		}
	})
}

func distinct(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}
