package demo

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
)

// TestTextsAgreeWithTheFamily: a single mother's family is not told about a
// father, a teenager does not wait for a kindergarten place, and a
// father's goal is his.
func TestTextsAgreeWithTheFamily(t *testing.T) {
	single := holf.Family{Members: []holf.Member{{ID: 1, Role: holf.MemberParent, Name: "Hodan Ali", BirthYear: 1985},
		{ID: 2, Role: holf.MemberChild, Name: "Ayaan Ali", BirthYear: 2014}}}
	h := householdOf(single, 2026)
	if h.mother.ID != 1 || h.father.ID != 0 || h.youngestAge != 12 {
		t.Fatalf("household %+v", h)
	}
	for _, text := range []string{"Far har vært arbeidsledig i to år.", "Ingen av de voksne er i arbeid.", "Den yngste har ikke barnehageplass.",
		"Foreldrene ønsker leksehjelp.", "Barna ønsker å spille fotball."} {
		if h.fits(text) {
			t.Errorf("%q said of a single mother with one 12-year-old", text)
		}
	}
	if !h.fits("Mor ønsker å jobbe i barnehage.") || !h.fits("Familien har god helse.") {
		t.Error("texts that fit are refused")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for age := 0; age < 18; age++ {
		s := schoolText(rng, age)
		if age >= 6 && strings.Contains(s, "barnehage") || age >= 1 && age < 6 && strings.Contains(s, "klasse") {
			t.Errorf("a %d-year-old: %q", age, s)
		}
	}
	two := holf.Family{ID: 9, Members: []holf.Member{{ID: 1, Role: holf.MemberParent, Name: "Amina Hassan", BirthYear: 1985},
		{ID: 3, Role: holf.MemberParent, Name: "Abdi Hassan", BirthYear: 1980}, {ID: 2, Role: holf.MemberChild, Name: "Ali Hassan", BirthYear: 2024}}}
	for seed := uint64(0); seed < 30; seed++ {
		since := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
		c := caseContent(rand.New(rand.NewPCG(seed, 1)), two, since, since.AddDate(1, 0, 0), 5, "fk", holf.TargetAreas, false)
		for _, g := range c.Goals {
			if strings.HasPrefix(g.Goal.Title, "Far") && g.Goal.MemberID != 3 {
				t.Fatalf("the father's goal belongs to %d", g.Goal.MemberID)
			}
			for _, a := range g.Activities {
				if g.Goal.MemberID != 0 && a.ResponsibleMemberID != 0 && a.ResponsibleMemberID != g.Goal.MemberID {
					t.Fatalf("%q of %q done by %d", a.Title, g.Goal.Title, a.ResponsibleMemberID)
				}
			}
		}
	}
}
