package stats

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Bad data is refused with its column, row and value, never turned silently
// into something else (a covariate read as a factor) or a misleading
// "singular".
func TestBadCellsAreNamed(t *testing.T) {
	read := func(text string, opt CSVOptions) (*Frame, error) {
		return ReadCSVWith(strings.NewReader(text), opt)
	}
	refused := func(text string, opt CSVOptions, want ...string) {
		t.Helper()
		_, err := read(text, opt)
		if err == nil {
			t.Fatalf("%q was read", text)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", text, err, w)
			}
		}
	}
	refused("y,x\n1,2\n2,3\n3,abc\n", CSVOptions{}, `"x"`, "row 3", "line 4", `"abc"`)
	refused("y,x\n1,2\n2,\"3,5\"\n", CSVOptions{}, `"x"`, "row 2", `"3,5"`, "--decimal ,")
	refused("y;x\n1;2,5\n", CSVOptions{}, "semicolons", "--decimal ,")
	refused("y;x\n1;2.5\n2;3,5\n", CSVOptions{Decimal: ','}, `"x"`, `"2.5"`)

	// Decimal commas, read when asked, from a file separated by semicolons.
	fr, err := read("y;x\n1,5;2\n-0,25;3\n", CSVOptions{Decimal: ','})
	if err != nil {
		t.Fatal(err)
	}
	if y := fr.Columns["y"]; y.IsFactor() || y.Numeric[0] != 1.5 || y.Numeric[1] != -0.25 {
		t.Fatalf("decimal commas: %+v", y)
	}
	// Excel's "CSV UTF-8" starts with a byte-order mark.
	fr, err = read("\uFEFFy,arm\n1,control\n2,intervention\n", CSVOptions{})
	if err != nil || fr.Order[0] != "y" || fr.Columns["arm"].Levels[1] != "intervention" {
		t.Fatalf("BOM: %v %+v", err, fr)
	}
	// A column of text with a few numbers in it stays a factor, as in R;
	// NaN is missing, as na.omit treats it.
	fr, err = read("g,y\nnorth,1\nsouth,NaN\n3,2\n", CSVOptions{})
	if err != nil || !fr.Columns["g"].IsFactor() || !fr.Columns["y"].Missing(1) {
		t.Fatalf("factor with a number: %v %+v", err, fr)
	}

	// An infinite cell is named, not reported as a singular design.
	fr, err = read("y,x,g\n1,2,a\n2,Inf,b\n3,1,a\n4,5,b\n", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fm, err := ParseFormula("y ~ x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildDesign(fr, fm); err == nil || errors.Is(err, ErrSingular) || !strings.Contains(err.Error(), "(Inf) in x at row 2") {
		t.Fatalf("Inf: %v", err)
	}
	if _, err := CronbachAlpha(fr, []string{"y", "x"}); err == nil || !strings.Contains(err.Error(), "(Inf) in x at row 2") {
		t.Fatalf("Inf in an item: %v", err)
	}
}

func TestUnsupportedFunctionsAreNamed(t *testing.T) {
	for formula, fn := range map[string]string{
		"y ~ (1 | g) + scale(x)":   "scale()",
		"y ~ x + ns(x, df = 3)":    "ns()",
		"y ~ x + as.numeric(year)": "as.numeric()",
		"y ~ I(abs(x))":            "abs()",
		"y ~ log(x, 2)":            "log() takes one argument",
	} {
		_, err := ParseFormula(formula)
		if err == nil || !strings.Contains(err.Error(), fn) || !strings.Contains(err.Error(), "not supported") && !strings.Contains(err.Error(), "one argument") {
			t.Errorf("%s: %v, want the function %s named", formula, err, fn)
		}
	}
	if _, err := ParseFormula("cbind(s, log(f)) ~ x"); err == nil || !strings.Contains(err.Error(), "cbind(successes, failures)") {
		t.Errorf("cbind of a function: %v", err)
	}
	// The functions R users reach for, named as R names them.
	for formula, want := range map[string]string{
		"y ~ x + I(x^2)":                  "y | x, I(x^2)",
		"log(y) ~ x":                      "log(y) | x",
		"y ~ log(x+1) + (1 | g)":          "y | log(x + 1)",
		"y ~ x + poly(x,2)":               "y | x, poly(x, 2)",
		"y ~ x + exp (z/10)":              "y | x, exp(z/10)",
		"y ~ factor(year) * arm":          "y | factor(year), arm, factor(year):arm",
		"y ~ I((x-1)*2) + offset(log(n))": "y | I((x - 1) * 2) + offset(log(n))",
		"y ~ arm + x - 1":                 "y | arm, x (no intercept)",
	} {
		fm, err := ParseFormula(formula)
		if err != nil {
			t.Errorf("%s: %v", formula, err)
			continue
		}
		var names []string
		for _, term := range fm.Terms {
			names = append(names, term.Name())
		}
		got := fm.Response + " | " + strings.Join(names, ", ")
		for _, o := range fm.Offsets {
			got += " + " + o
		}
		if !fm.Intercept {
			got += " (no intercept)"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", formula, got, want)
		}
	}
	for _, ok := range []string{"y ~ x + (1 | g)", "cbind(s, f) ~ x + (1|g:h)", "y ~ x2*arm + (1 | g)"} {
		if _, err := ParseFormula(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// A fit that reproduces its outcome has standard errors of rounding noise;
// it is refused, not reported with p = 1e-17.
func TestRobustRefusesDegenerateFits(t *testing.T) {
	design := func(y []float64) *Design {
		n := len(y)
		x := mat.NewDense(n, 2, nil)
		for i := range n {
			x.Set(i, 0, 1)
			x.Set(i, 1, float64(i%3))
		}
		return &Design{Y: mat.NewVecDense(n, y), X: x, Names: []string{"(Intercept)", "x"}}
	}
	clusters := []int{0, 0, 1, 1, 2, 2}
	for name, y := range map[string][]float64{
		"constant":      {5, 5, 5, 5, 5, 5},
		"exact":         {1, 3, 5, 1, 3, 5},
		"exact, far":    {1e6 + 1, 1e6 + 3, 1e6 + 5, 1e6 + 1, 1e6 + 3, 1e6 + 5},
		"constant, big": {-7e8, -7e8, -7e8, -7e8, -7e8, -7e8},
	} {
		if _, err := Robust(design(y), clusters, 3, CR2); !errors.Is(err, ErrDegenerate) {
			t.Errorf("%s outcome: %v, want ErrDegenerate", name, err)
		}
	}
	// Shifting an outcome with real residuals far from zero changes nothing.
	for _, shift := range []float64{0, 1e6} {
		y := []float64{1.2, 2.9, 5.3, 0.8, 3.1, 4.6}
		for i := range y {
			y[i] += shift
		}
		fit, err := Robust(design(y), clusters, 3, CR2)
		if err != nil {
			t.Fatalf("shift %g: %v", shift, err)
		}
		if se := fit.Coefs[1].SE; math.IsNaN(se) || se <= 1e-6 {
			t.Fatalf("shift %g: se %g", shift, se)
		}
	}
}

// Every formula is coded column for column as R's model.matrix codes it:
// names, order and values (design_ref.csv).
func TestDesignMatchesModelMatrix(t *testing.T) {
	fr := readFrame(t, "testdata/design_data.csv")
	type col struct {
		name   string
		values []float64
	}
	want := map[string][]col{}
	var order []string
	for _, r := range readRef(t, "testdata/design_ref.csv") {
		f := r["formula"]
		if _, ok := want[f]; !ok {
			order = append(order, f)
		}
		pos := int(num(t, r["position"]))
		for len(want[f]) < pos {
			want[f] = append(want[f], col{name: r["column"]})
		}
		want[f][pos-1].values = append(want[f][pos-1].values, num(t, r["value"]))
	}
	if len(order) != 27 {
		t.Fatalf("%d formulas in design_ref.csv", len(order))
	}
	for _, f := range order {
		fm, err := ParseFormula(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		d, err := BuildDesign(fr, fm)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var names []string
		for _, c := range want[f] {
			names = append(names, c.name)
		}
		if strings.Join(d.Names, " | ") != strings.Join(names, " | ") {
			t.Errorf("%s:\n got  %s\n want %s", f, strings.Join(d.Names, " | "), strings.Join(names, " | "))
			continue
		}
		for j, c := range want[f] {
			for i, v := range c.values {
				if got := d.X.At(i, j); math.Abs(got-v) > 1e-12*math.Max(1, math.Abs(v)) {
					t.Fatalf("%s: %s row %d = %v, R %v", f, c.name, i+1, got, v)
				}
			}
		}
	}
}

// Shifting the outcome by 10⁶ and scaling it by 10⁻³, and moving a
// covariate to around 10 000, change nothing but what they must: every
// estimate and standard error scales with y, the intercept moves, and t, df
// and p stay, for every reference case and estimator.
func TestRobustInvariantToShiftAndScale(t *testing.T) {
	const shift, scale = 1e6, 1e-3
	cases := map[string]string{"robust_trial": "y ~ time * arm", "robust_covariates": "y ~ x + region + time * arm"}
	for name, formula := range cases {
		fit := func(move bool) []Coef {
			fr := readFrame(t, "testdata/"+name+".csv")
			if move {
				for i, v := range fr.Columns["y"].Numeric {
					fr.Columns["y"].Numeric[i] = (v + shift) * scale
				}
				if x, ok := fr.Columns["x"]; ok {
					for i := range x.Numeric {
						x.Numeric[i] += 10_000
					}
				}
			}
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
			var all []Coef
			for _, typ := range []CRType{CR0, CR1, CR2} {
				f, err := Robust(d, cl, nc, typ)
				if err != nil {
					t.Fatalf("%s %s moved=%v: %v", name, typ, move, err)
				}
				all = append(all, f.Coefs...)
			}
			return all
		}
		base, moved := fit(false), fit(true)
		for i, b := range base {
			m := moved[i]
			what := name + " " + b.Term
			if b.Term == "(Intercept)" {
				continue // moving x changes what the intercept estimates
			}
			near(t, what+" df", m.DF, b.DF, 1e-8, 0)
			near(t, what+" estimate", m.Estimate, b.Estimate*scale, 1e-8, 0)
			near(t, what+" se", m.SE, b.SE*scale, 1e-8, 0)
			near(t, what+" t", m.Statistic, b.Statistic, 1e-8, 0)
			near(t, what+" p", m.P, b.P, 1e-8, 1e-12)
		}
	}
}

// With fixed effects for the clusters, CR2 takes the generalised inverse
// square root, as clubSandwich does, instead of refusing "leverage 1".
func TestRobustWithClusterFixedEffects(t *testing.T) {
	fr := readFrame(t, "testdata/robust_covariates.csv")
	fm, err := ParseFormula("y ~ x + time + office")
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
	ref := readRef(t, "testdata/robust_cluster_fe_ref.csv")
	fits := map[string]*RobustFit{}
	for _, typ := range []CRType{CR0, CR1, CR2} {
		if fits[string(typ)], err = Robust(d, cl, nc, typ); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	for _, r := range ref {
		var c *Coef
		for i, co := range fits[r["type"]].Coefs {
			if co.Term == r["term"] {
				c = &fits[r["type"]].Coefs[i]
			}
		}
		what := r["type"] + " " + r["term"]
		near(t, what+" estimate", c.Estimate, num(t, r["estimate"]), 1e-9, 0)
		near(t, what+" se", c.SE, num(t, r["se"]), 1e-8, 0)
		near(t, what+" df", c.DF, num(t, r["df"]), 1e-6, 0)
		near(t, what+" p", c.P, num(t, r["p"]), 0, 1e-8)
	}
	if len(ref) != 6 {
		t.Fatalf("%d reference rows", len(ref))
	}
}

// A transformed response and an offset are fitted as lm fits them.
func TestFormulaFunctionsFitAsLm(t *testing.T) {
	fr := readFrame(t, "testdata/design_data.csv")
	fits := map[string]*RobustFit{}
	rows := readRef(t, "testdata/formula_functions_ref.csv")
	for _, r := range rows {
		fit, ok := fits[r["formula"]]
		if !ok {
			fm, err := ParseFormula(r["formula"])
			if err != nil {
				t.Fatal(err)
			}
			d, err := BuildDesign(fr, fm)
			if err != nil {
				t.Fatal(err)
			}
			cl, nc, err := Groups(fr, d.Rows, []string{"region"})
			if err != nil {
				t.Fatal(err)
			}
			if fit, err = Robust(d, cl, nc, CR2); err != nil {
				t.Fatal(err)
			}
			fits[r["formula"]] = fit
		}
		c, ok := coefOf(fit.Coefs, r["term"])
		if !ok {
			t.Fatalf("%s: no %s", r["formula"], r["term"])
		}
		near(t, r["formula"]+" "+r["term"], c.Estimate, num(t, r["estimate"]), 1e-9, 1e-12)
	}
	if len(fits) != 2 {
		t.Fatalf("%d formulas", len(fits))
	}
	// Where a function cannot be computed, the message says so.
	for formula, want := range map[string]string{
		"y ~ log(y)":       "log(y) is not defined at row 4 (line 5 of the file), where y = -0.032",
		"y ~ log(z - z)":   "infinite value (Inf) in log(z - z)",
		"y ~ poly(k, 3)":   "less than the number of distinct values",
		"y ~ I(arm * 2)":   "needs a numeric column",
		"y ~ I(nosuch^2)":  `unknown column "nosuch"`,
		"y ~ factor(nosu)": `unknown column "nosu"`,
	} {
		fm, err := ParseFormula(formula)
		if err == nil {
			_, err = BuildDesign(fr, fm)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", formula, err, want)
		}
	}
}
