package trial

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"

	"github.com/holf-project/holf/internal/stats"
)

// The levels of the baseline tables (Tables 3 and 4 of the report).
const (
	LevelOffices      = "offices"
	LevelCoordinators = "coordinators"
	LevelParents      = "parents"
	LevelFamilies     = "families"
)

// Unit is one office, coordinator, parent or family at baseline: its
// value on a variable, its arm and its office.
type Unit struct {
	Office       int64
	Intervention bool
	Value        float64
}

// Variable is one baseline variable of a level with every unit's value.
// Share marks a 0/1 variable, shown as a percentage.
type Variable struct {
	Level string
	Name  string
	Share bool
	Units []Unit
}

// ArmSummary is a variable in one arm: its mean (a share for a 0/1
// variable), standard deviation and number.
type ArmSummary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// BaselineRow is one line of a baseline table: comparison and intervention,
// their standardised difference, and, when asked for, the p-value of a
// cluster-adjusted test (OLS of the variable on the arm with CR2 errors by
// office and Satterthwaite df).
type BaselineRow struct {
	Level        string     `json:"level"`
	Variable     string     `json:"variable"`
	Share        bool       `json:"share"`
	Comparison   ArmSummary `json:"comparison"`
	Intervention ArmSummary `json:"intervention"`
	SMD          float64    `json:"smd"`
	P            *float64   `json:"p,omitempty"`
}

// Baseline summarises every variable per arm. CONSORT advises against
// baseline significance tests, so they are made only when tests is set; an
// office-level variable is tested by plain OLS, there being one unit per
// office.
func Baseline(vars []Variable, tests bool) []BaselineRow {
	out := make([]BaselineRow, 0, len(vars))
	for _, v := range vars {
		r := BaselineRow{Level: v.Level, Variable: v.Name, Share: v.Share}
		var arms [2][]float64
		for _, u := range v.Units {
			arms[b2i(u.Intervention)] = append(arms[b2i(u.Intervention)], u.Value)
		}
		r.Comparison, r.Intervention = summarise(arms[0]), summarise(arms[1])
		pooled := math.Sqrt((r.Comparison.SD*r.Comparison.SD + r.Intervention.SD*r.Intervention.SD) / 2)
		if v.Share {
			p0, p1 := r.Comparison.Mean, r.Intervention.Mean
			pooled = math.Sqrt((p0*(1-p0) + p1*(1-p1)) / 2)
		}
		if pooled > 0 && r.Comparison.N > 0 && r.Intervention.N > 0 {
			r.SMD = (r.Intervention.Mean - r.Comparison.Mean) / pooled
		}
		if tests && r.Comparison.N > 1 && r.Intervention.N > 1 {
			if p, ok := armTest(v); ok {
				r.P = &p
			}
		}
		out = append(out, r)
	}
	return out
}

func summarise(x []float64) ArmSummary {
	s := ArmSummary{N: len(x)}
	switch len(x) {
	case 0:
	case 1:
		s.Mean = x[0]
	default:
		s.Mean, s.SD = meanSD(x)
	}
	return s
}

// armTest is the p-value of the arm in OLS of the variable on the arm:
// CR2 errors by office (Satterthwaite df) for units within offices.
func armTest(v Variable) (float64, bool) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"y", "arm", "office"})
	for _, u := range v.Units {
		_ = w.Write([]string{strconv.FormatFloat(u.Value, 'g', -1, 64), strconv.Itoa(b2i(u.Intervention)), "o" + strconv.FormatInt(u.Office, 10)})
	}
	w.Flush()
	fr, err := stats.ReadCSV(&b)
	if err != nil {
		return 0, false
	}
	fm, err := stats.ParseFormula("y ~ arm")
	if err != nil {
		return 0, false
	}
	d, err := stats.BuildDesign(fr, fm)
	if err != nil {
		return 0, false
	}
	if v.Level == LevelOffices {
		// One unit per office: each office is its own cluster (HC2-like).
		cl := make([]int, len(d.Rows))
		for i := range cl {
			cl[i] = i
		}
		return robustP(d, cl, len(cl))
	}
	cl, nc, err := stats.Groups(fr, d.Rows, []string{"office"})
	if err != nil {
		return 0, false
	}
	return robustP(d, cl, nc)
}

func robustP(d *stats.Design, cl []int, nc int) (float64, bool) {
	fit, err := stats.Robust(d, cl, nc, stats.CR2)
	if err != nil {
		return 0, false
	}
	c, ok := coef(fit.Coefs, "arm")
	return c.P, ok && !math.IsNaN(c.P)
}
