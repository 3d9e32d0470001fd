package stats

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readFrame(t *testing.T, path string) *Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return fr
}

// readRef reads a reference CSV written by testdata/reference.R.
func readRef(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (regenerate with: Rscript testdata/reference.R)", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	if s == "NA" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// near checks got against want within rel relative tolerance (abs for p-values).
func near(t *testing.T, what string, got, want, rel, abs float64) {
	t.Helper()
	if math.IsNaN(want) && math.IsNaN(got) {
		return
	}
	if d := math.Abs(got - want); d > abs && d > rel*math.Abs(want) {
		t.Errorf("%s = %.15g, R says %.15g (diff %.3g)", what, got, want, d)
	}
}

func TestRobustMatchesClubSandwich(t *testing.T) {
	cases := map[string]string{"robust_trial": "y ~ time * arm", "robust_covariates": "y ~ x + region + time * arm"}
	for name, formula := range cases {
		t.Run(name, func(t *testing.T) {
			fr := readFrame(t, "testdata/"+name+".csv")
			fm, err := ParseFormula(formula)
			if err != nil {
				t.Fatal(err)
			}
			d, err := BuildDesign(fr, fm)
			if err != nil {
				t.Fatal(err)
			}
			cl, nc, err := Groups(fr, d.Rows, []string{"office"})
			if err != nil {
				t.Fatal(err)
			}
			ref := readRef(t, "testdata/"+name+"_ref.csv")
			fits := map[string]*RobustFit{}
			for _, typ := range []CRType{CR0, CR1, CR2} {
				if fits[string(typ)], err = Robust(d, cl, nc, typ); err != nil {
					t.Fatal(err)
				}
			}
			seen := 0
			for _, r := range ref {
				fit := fits[r["type"]]
				var c *Coef
				for i := range fit.Coefs {
					if fit.Coefs[i].Term == r["term"] {
						c = &fit.Coefs[i]
					}
				}
				if c == nil {
					t.Fatalf("%s: no term %q in %v", r["type"], r["term"], d.Names)
				}
				what := r["type"] + " " + r["term"]
				near(t, what+" estimate", c.Estimate, num(t, r["estimate"]), 1e-9, 0)
				near(t, what+" se", c.SE, num(t, r["se"]), 1e-9, 0)
				near(t, what+" ci_lower", c.Lower, num(t, r["ci_lower"]), 1e-9, 1e-12)
				near(t, what+" ci_upper", c.Upper, num(t, r["ci_upper"]), 1e-9, 1e-12)
				near(t, what+" t", c.Statistic, num(t, r["statistic"]), 1e-9, 0)
				near(t, what+" df", c.DF, num(t, r["df"]), 1e-8, 0)
				near(t, what+" p", c.P, num(t, r["p"]), 0, 1e-9)
				seen++
			}
			if seen != 3*len(d.Names) {
				t.Fatalf("compared %d rows, want %d", seen, 3*len(d.Names))
			}
		})
	}
}

func TestAlphaMatchesPsych(t *testing.T) {
	for _, name := range []string{"alpha_complete", "alpha_missing"} {
		t.Run(name, func(t *testing.T) {
			fr := readFrame(t, "testdata/"+name+".csv")
			a, err := CronbachAlpha(fr, []string{"q1", "q2", "q3", "q4", "q5", "q6"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRef(t, "testdata/"+name+"_ref.csv") {
				st, what := a.Total, "total"
				mean, sd := a.Mean, a.SD
				rdrop := math.NaN()
				if r["item"] != "(total)" {
					for _, it := range a.ByItem {
						if it.Item == r["item"] {
							st, what, mean, sd, rdrop = it.Dropped, "without "+it.Item, it.Mean, it.SD, it.RDrop
						}
					}
				}
				near(t, what+" raw_alpha", st.RawAlpha, num(t, r["raw_alpha"]), 1e-9, 0)
				near(t, what+" std_alpha", st.StdAlpha, num(t, r["std_alpha"]), 1e-9, 0)
				near(t, what+" G6", st.G6, num(t, r["g6"]), 1e-9, 0)
				near(t, what+" average_r", st.AverageR, num(t, r["average_r"]), 1e-9, 0)
				near(t, what+" S/N", st.SN, num(t, r["s_n"]), 1e-9, 0)
				near(t, what+" mean", mean, num(t, r["mean"]), 1e-9, 0)
				near(t, what+" sd", sd, num(t, r["sd"]), 1e-9, 0)
				near(t, what+" r.drop", rdrop, num(t, r["r_drop"]), 1e-9, 0)
			}
		})
	}
}

func TestFormulaAndDesign(t *testing.T) {
	fm, err := ParseFormula("y ~ a*b + c + (1 | office) + (1 | office:time)")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range fm.Terms {
		names = append(names, tm.Name())
	}
	if got := strings.Join(names, " "); got != "a b c a:b" {
		t.Fatalf("terms %q, want R's order a b c a:b", got)
	}
	if len(fm.Random) != 2 || fm.Random[1].Name() != "office:time" {
		t.Fatalf("random terms %+v", fm.Random)
	}
	for _, bad := range []string{"y", "y ~ (x | g)", "~ x", "y ~ a + (1 | g"} {
		if _, err := ParseFormula(bad); err == nil {
			t.Errorf("formula %q accepted", bad)
		}
	}
	fr, err := ReadCSV(strings.NewReader("y,arm,x\n1,a,2\n2,a,NA\n3,b,4\n,b,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	fm, _ = ParseFormula("y ~ arm + x")
	d, err := BuildDesign(fr, fm)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 2 || strings.Join(d.Names, ",") != "(Intercept),armb,x" {
		t.Fatalf("design rows %v names %v: rows with NA must be dropped, factors named like R", d.Rows, d.Names)
	}
	fm, _ = ParseFormula("y ~ nosuch")
	if _, err := BuildDesign(fr, fm); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("unknown column: %v", err)
	}
	one, _ := ReadCSV(strings.NewReader("y,arm\n1,a\n2,a\n3,a\n"))
	fm, _ = ParseFormula("y ~ arm")
	if _, err := BuildDesign(one, fm); err == nil || !strings.Contains(err.Error(), "one level") {
		t.Fatalf("one-level factor: %v", err)
	}
}

func TestRobustRefusesSingularDesigns(t *testing.T) {
	fr, _ := ReadCSV(strings.NewReader("y,x,z,g\n1,1,2,a\n2,2,4,a\n3,3,6,b\n5,4,8,b\n4,5,10,c\n"))
	fm, _ := ParseFormula("y ~ x + z")
	d, err := BuildDesign(fr, fm)
	if err != nil {
		t.Fatal(err)
	}
	cl, nc, _ := Groups(fr, d.Rows, []string{"g"})
	if _, err := Robust(d, cl, nc, CR2); err != ErrSingular {
		t.Fatalf("collinear design: %v", err)
	}
}

func TestWaldHTZMatchesClubSandwich(t *testing.T) {
	cases := map[string]string{"robust_trial": "y ~ time * arm", "robust_covariates": "y ~ x + region + time * arm"}
	for name, formula := range cases {
		t.Run(name, func(t *testing.T) {
			fr := readFrame(t, "testdata/"+name+".csv")
			fm, _ := ParseFormula(formula)
			d, err := BuildDesign(fr, fm)
			if err != nil {
				t.Fatal(err)
			}
			cl, nc, _ := Groups(fr, d.Rows, []string{"office"})
			fit, err := Robust(d, cl, nc, CR2)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRef(t, "testdata/"+name+"_wald_ref.csv") {
				var idx []int
				for k, n := range d.Names {
					switch {
					case r["set"] == "all" && k > 0, r["set"] != "all" && strings.Contains(n, "arm"), r["set"] == "equal3" && strings.Contains(n, "time"):
						idx = append(idx, k)
					}
				}
				test := fit.WaldHTZ
				if strings.HasPrefix(r["set"], "equal") {
					test = fit.WaldEqual
				}
				w, err := test(idx)
				if err != nil {
					t.Fatal(err)
				}
				near(t, r["set"]+" F", w.F, num(t, r["Fstat"]), 1e-8, 0)
				near(t, r["set"]+" df_num", w.DFNum, num(t, r["df_num"]), 1e-12, 0)
				near(t, r["set"]+" df_denom", w.DFDenom, num(t, r["df_denom"]), 1e-8, 0)
				near(t, r["set"]+" p", w.P, num(t, r["p_val"]), 0, 1e-9)
			}
		})
	}
}
