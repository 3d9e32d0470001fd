package survey

import (
	"math/rand/v2"
	"testing"
)

// TestProtectReachesK: rows where most respondents are unique on office,
// birth year, gender and children are generalised until every combination
// holds at least K, and the notes say what was done.
func TestProtectReachesK(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []ExportRow
	for i := range 400 {
		by := 1960 + rng.IntN(40)
		rows = append(rows, ExportRow{OfficeID: int64(1 + i%8), MemberBirthYear: by,
			Answers: Answers{background: {"birth_year": float64(by), "gender": float64(1 + rng.IntN(2)), "children": float64(1 + rng.IntN(6)),
				"arrival_year": float64(1980 + rng.IntN(40))}},
			Scores: map[string]StoredScores{background: {"female": {Value: new(float64)}}}})
	}
	exact := append([]ExportRow(nil), rows...)
	if d := Protect(exact, true); d.K >= K || d.Target != 0 {
		t.Fatalf("the exact rows are already %d-anonymous: the test data does not test", d.K)
	}
	unique := 0
	count := map[string]int{}
	for _, r := range rows {
		count[quasi(r)]++
	}
	for _, n := range count {
		if n == 1 {
			unique++
		}
	}
	d := Protect(rows, false)
	if d.K < K {
		t.Fatalf("k = %d after protection, want at least %d (notes %v)", d.K, K, d.Notes)
	}
	for _, r := range rows {
		if r.MemberBirthYear%5 != 0 || int(r.Answers[background]["arrival_year"])%5 != 0 {
			t.Fatalf("a birth or arrival year is not banded: %+v", r)
		}
		if c, ok := r.Answers[background]["children"]; ok && c > 3 {
			t.Fatalf("children not top-coded: %v", c)
		}
	}
	if d.Notes["member_birth_year"] == "" || d.Notes["children"] == "" {
		t.Fatalf("the notes do not say what was generalised: %v", d.Notes)
	}
	t.Logf("%d of %d combinations unique before; k = %d after (%v)", unique, len(count), d.K, d.Notes)
}
