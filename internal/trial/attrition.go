package trial

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
)

// Retention is one line of the attrition table (seed 003 Table 5) for a
// group and arm: the respondents at T1, those who answered at both waves,
// at T1 only (they left: coordinators who quit, parents lost to follow-up)
// and at T2 only (coordinators who joined as replacements).
type Retention struct {
	Group  string `json:"group"`
	Arm    string `json:"arm"` // intervention, comparison, or "all"
	T1     int    `json:"t1"`
	Both   int    `json:"t1_and_t2"`
	OnlyT1 int    `json:"only_t1"`
	OnlyT2 int    `json:"only_t2"`
}

// Share is n as a share of the respondents at T1 (0 when there were none).
func (r Retention) Share(n int) float64 {
	if r.T1 == 0 {
		return 0
	}
	return float64(n) / float64(r.T1)
}

// Attrition counts, per group and arm and for both arms together, who is
// in the analysis data at which wave: a person counts at a wave when any
// of the group's outcomes holds a score of theirs there. Groups in
// alphabetical order, arms intervention, comparison, all.
func Attrition(outcomes []Outcome) []Retention {
	type seen struct {
		intervention bool
		waves        [2]bool
	}
	people := map[string]map[string]*seen{}
	for _, o := range outcomes {
		g := people[o.Group]
		if g == nil {
			g = map[string]*seen{}
			people[o.Group] = g
		}
		for _, x := range o.Obs {
			if x.Wave < 0 || x.Wave > 1 {
				continue
			}
			p := g[x.Person]
			if p == nil {
				p = &seen{intervention: x.Intervention}
				g[x.Person] = p
			}
			p.waves[x.Wave] = true
		}
	}
	groups := make([]string, 0, len(people))
	for g := range people {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var out []Retention
	for _, g := range groups {
		rows := []Retention{{Group: g, Arm: "intervention"}, {Group: g, Arm: "comparison"}, {Group: g, Arm: "all"}}
		for _, p := range people[g] {
			arm := &rows[1]
			if p.intervention {
				arm = &rows[0]
			}
			for _, r := range []*Retention{arm, &rows[2]} {
				switch {
				case p.waves[0] && p.waves[1]:
					r.T1++
					r.Both++
				case p.waves[0]:
					r.T1++
					r.OnlyT1++
				default:
					r.OnlyT2++
				}
			}
		}
		out = append(out, rows...)
	}
	return out
}

// WriteAttrition writes the attrition table as CSV, shares beside counts.
func WriteAttrition(w io.Writer, rows []Retention) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"group", "arm", "t1", "t1_and_t2", "t1_and_t2_share", "only_t1", "only_t1_share", "only_t2"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, r := range rows {
		_ = cw.Write([]string{r.Group, r.Arm, strconv.Itoa(r.T1), strconv.Itoa(r.Both), g(r.Share(r.Both)), strconv.Itoa(r.OnlyT1), g(r.Share(r.OnlyT1)), strconv.Itoa(r.OnlyT2)})
	}
	cw.Flush()
	return cw.Error()
}
