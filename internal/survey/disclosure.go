package survey

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Disclosure control of the researchers' export. Study codes alone do not
// make a row anonymous: most parents are unique on office, birth year,
// gender and number of children, so anyone who knows the office can pick
// them out. The export therefore reports its k-anonymity over those
// quasi-identifiers and, unless a researcher asks for exact values (an
// audited, reasoned choice), generalises until every combination holds at
// least K respondents: birth years to 5- and then 10-year bands, the
// number of children top-coded at 3 and then 2, arrival years to 5-year
// bands; then, in the combinations still too small, it blanks birth year,
// then children, then gender (and the score made from it), and last the
// office. The codebook says what was done to each variable.

// K is the smallest group the export lets a respondent hide in.
const K = 5

const background = "parents_background"

// Disclosure is what an export did to reach its k-anonymity.
type Disclosure struct {
	K           int      // the smallest combination of quasi-identifiers in the export
	Target      int      // K, or 0 for an export with exact values
	Identifiers []string // the quasi-identifiers the k is computed over
	Rows        int
	Notes       map[string]string // variable → what was done to it
}

// quasi is one row's values of the quasi-identifiers, as exported.
func quasi(r ExportRow) string {
	a := r.Answers[background]
	get := func(item string) string {
		if v, ok := a[item]; ok {
			return num(v)
		}
		return ""
	}
	office := ""
	if r.OfficeID != 0 {
		office = strconv.FormatInt(r.OfficeID, 10)
	}
	return strings.Join([]string{office, strconv.Itoa(r.MemberBirthYear), get("birth_year"), get("gender"), get("children")}, "|")
}

// smallest is the size of the smallest combination, and the rows in
// combinations smaller than k.
func smallest(rows []ExportRow, k int) (int, []int) {
	count := map[string]int{}
	for _, r := range rows {
		count[quasi(r)]++
	}
	min := 0
	var small []int
	for i, r := range rows {
		n := count[quasi(r)]
		if min == 0 || n < min {
			min = n
		}
		if n < k {
			small = append(small, i)
		}
	}
	return min, small
}

// Protect measures the export's k over the quasi-identifiers and, when
// exact is false, generalises the rows (in place) until it is at least K.
func Protect(rows []ExportRow, exact bool) Disclosure {
	d := Disclosure{Target: K, Rows: len(rows), Notes: map[string]string{},
		Identifiers: []string{"office", "member_birth_year", "birth_year", "gender", "children"}}
	if exact {
		d.Target = 0
		d.K, _ = smallest(rows, K)
		for _, v := range d.Identifiers {
			d.Notes[v] = "exact values, released on a reasoned and audited request"
		}
		return d
	}
	band := func(width int) {
		for i := range rows {
			r := &rows[i]
			if r.MemberBirthYear != 0 {
				r.MemberBirthYear -= r.MemberBirthYear % width
			}
			if v, ok := r.Answers[background]["birth_year"]; ok {
				r.Answers[background]["birth_year"] = float64(int(v) - int(v)%width)
			}
		}
		note := fmt.Sprintf("%d-year bands: the value is the band's first year", width)
		d.Notes["member_birth_year"], d.Notes["birth_year"] = note, note
	}
	topCode := func(at int) {
		for i := range rows {
			if v, ok := rows[i].Answers[background]["children"]; ok && int(v) > at {
				rows[i].Answers[background]["children"] = float64(at)
			}
		}
		d.Notes["children"] = fmt.Sprintf("top-coded: %d means %d or more", at, at)
	}
	// Arrival year is not counted as a quasi-identifier, but is banded as
	// one would be: together with birth year it narrows a person down.
	for i := range rows {
		if v, ok := rows[i].Answers[background]["arrival_year"]; ok {
			rows[i].Answers[background]["arrival_year"] = float64(int(v) - int(v)%5)
			d.Notes["arrival_year"] = "5-year bands: the value is the band's first year"
		}
	}
	steps := []func(){
		func() { band(5) },
		func() { topCode(3) },
		func() { band(10) },
		func() { topCode(2) },
	}
	for _, step := range steps {
		if k, _ := smallest(rows, K); k >= K || len(rows) == 0 {
			break
		}
		step()
	}
	// Local suppression in the combinations still too small.
	suppress := []struct {
		vars  []string
		blank func(r *ExportRow)
	}{
		{[]string{"member_birth_year", "birth_year"}, func(r *ExportRow) {
			r.MemberBirthYear = 0
			delete(r.Answers[background], "birth_year")
		}},
		{[]string{"children"}, func(r *ExportRow) { delete(r.Answers[background], "children") }},
		{[]string{"gender", ScoreVar("female")}, func(r *ExportRow) {
			delete(r.Answers[background], "gender")
			if s, ok := r.Scores[background]["female"]; ok {
				s.Value, s.Cutoffs = nil, nil
				r.Scores[background]["female"] = s
			}
		}},
		{[]string{"office"}, func(r *ExportRow) { r.OfficeID = 0 }},
	}
	for _, s := range suppress {
		_, small := smallest(rows, K)
		if len(small) == 0 {
			break
		}
		for _, i := range small {
			s.blank(&rows[i])
		}
		for _, v := range s.vars {
			d.Notes[v] = strings.TrimPrefix(d.Notes[v]+"; ", "; ") + fmt.Sprintf("left blank in %d rows whose combination was smaller than %d", len(small), K)
		}
	}
	d.K, _ = smallest(rows, K)
	return d
}

// report is the export's disclosure note, a file of its own.
func (d Disclosure) report() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Disclosure control of this export\n\n")
	fmt.Fprintf(&b, "Rows: %d\nQuasi-identifiers: %s\n", d.Rows, strings.Join(d.Identifiers, ", "))
	if d.Target == 0 {
		fmt.Fprintf(&b, "Exact values were released on a reasoned, audited request.\n")
	} else {
		fmt.Fprintf(&b, "Target: every combination of the quasi-identifiers holds at least %d respondents.\n", d.Target)
	}
	fmt.Fprintf(&b, "k-anonymity reached: %d\n\nWhat was done to each variable:\n", d.K)
	vars := make([]string, 0, len(d.Notes))
	for v := range d.Notes {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	for _, v := range vars {
		fmt.Fprintf(&b, "- %s: %s\n", v, d.Notes[v])
	}
	return []byte(b.String())
}
