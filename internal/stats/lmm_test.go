package stats

import (
	"math"
	"testing"
)

// moveY puts the response of fm in fr on another origin and scale,
// (y + shift)·scale, as every reference case is refitted: no number may
// depend on where the data happen to lie or on their units.
func moveY(t *testing.T, fr *Frame, fm *Formula, shift, scale float64) {
	t.Helper()
	c, ok := fr.Columns[fm.Response]
	if !ok {
		t.Fatalf("no column %s", fm.Response)
	}
	for i, v := range c.Numeric {
		c.Numeric[i] = (v + shift) * scale
	}
}

// The shift and scale every mixed-model reference case is refitted under.
const refShift, refScale = 1e6, 1e-3

// lmmCases are the mixed-model reference cases of testdata/reference.R.
var lmmCases = []struct{ name, data, formula, weights string }{
	{"lmm_sleepstudy", "lmm_sleepstudy", "Reaction ~ Days + (1 | Subject)", ""},
	{"lmm_trial", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person)", ""},
	{"lmm_trial_officetime", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)", ""},
	// Region crosses the offices: one block of every observation.
	{"lmm_boundary", "robust_covariates", "y ~ time * arm + (1 | office) + (1 | region)", ""},
	// Crossed: each a-level meets a few of the b-levels (the sparse sum).
	{"lmm_crossed", "lmm_crossed", "y ~ x + (1 | a) + (1 | b)", ""},
	// Prior weights: Var(e_i) = σ²/w_i, as lmer's weights. pbkrtest ignores
	// them, so this case has no Kenward-Roger reference.
	{"lmm_weighted", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person)", "w"},
}

func TestLMMMatchesLme4(t *testing.T) {
	for _, c := range lmmCases {
		for _, reml := range []bool{true, false} {
			for _, moved := range []bool{false, true} {
				suffix := "_ml"
				if reml {
					suffix = "_reml"
				}
				name := c.name + suffix
				if moved {
					name += "_moved"
				}
				t.Run(name, func(t *testing.T) {
					fr := readFrame(t, "testdata/"+c.data+".csv")
					fm, err := ParseFormula(c.formula)
					if err != nil {
						t.Fatal(err)
					}
					// On the moved data HOLF's numbers are mapped back to the
					// original scale before they are compared with R's.
					shift, scale := 0.0, 1.0
					if moved {
						shift, scale = refShift, refScale
						moveY(t, fr, fm, shift, scale)
					}
					fit, err := FitLMMWith(fr, fm, LMMOptions{REML: reml, Weights: c.weights})
					if err != nil {
						t.Fatal(err)
					}
					if !fit.Converged {
						t.Fatal("did not converge")
					}
					sum := 0.0
					for _, r := range fit.Random {
						sum += r.Variance
					}
					for g, icc := range fit.ICC {
						for _, r := range fit.Random {
							if r.Group == g && abs(icc-r.Variance/sum) > 1e-15 {
								t.Errorf("ICC of %s = %v, want %v", g, icc, r.Variance/sum)
							}
						}
					}
					for _, r := range readRef(t, "testdata/"+c.name+suffix+"_ref.csv") {
						want := num(t, r["value"])
						switch r["kind"] {
						case "fixed":
							got, ok := coefOf(fit.Fixed, r["name"])
							if !ok {
								t.Fatalf("no fixed effect %q", r["name"])
							}
							back := func(v float64) float64 {
								if got.Term == "(Intercept)" {
									return v/scale - shift
								}
								return v / scale
							}
							near(t, r["name"]+" estimate", back(got.Estimate), want, 1e-6, 1e-9)
							near(t, r["name"]+" ci_lower", back(got.Lower), num(t, r["ci_lower"]), 1e-6, 1e-9)
							near(t, r["name"]+" ci_upper", back(got.Upper), num(t, r["ci_upper"]), 1e-6, 1e-9)
							near(t, r["name"]+" se", got.SE/scale, num(t, r["se"]), 1e-6, 0)
							near(t, r["name"]+" Satterthwaite df", got.DF, num(t, r["df"]), 1e-4, 0)
							near(t, r["name"]+" p", got.P, num(t, r["p"]), 1e-4, 1e-6)
						case "variance":
							got, ok := varCompOf(fit.Random, r["name"])
							if !ok {
								t.Fatalf("no variance component %q", r["name"])
							}
							near(t, r["name"]+" variance", got.Variance/(scale*scale), want, 1e-6, 1e-10)
						case "fit":
							// Rescaling y by s adds df·log s² to the deviance
							// (df = n − p for REML, n for ML).
							df := float64(fit.N)
							if reml {
								df -= float64(len(fit.Fixed))
							}
							dd := df * math.Log(scale*scale)
							v := map[string]float64{"loglik": fit.LogLik + dd/2, "deviance": fit.Deviance - dd, "aic": fit.AIC - dd, "bic": fit.BIC - dd, "n": float64(fit.N)}[r["name"]]
							near(t, r["name"], v, want, 1e-8, 0)
						}
					}
				})
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestKenwardRogerMatchesPbkrtest(t *testing.T) {
	for _, c := range lmmCases {
		if c.weights != "" {
			continue // see TestKenwardRogerWithWeights
		}
		for _, moved := range []bool{false, true} {
			name := c.name
			scale := 1.0
			if moved {
				name, scale = name+"_moved", refScale
			}
			t.Run(name, func(t *testing.T) {
				fr := readFrame(t, "testdata/"+c.data+".csv")
				fm, _ := ParseFormula(c.formula)
				if moved {
					moveY(t, fr, fm, refShift, refScale)
				}
				fit, err := FitLMMWith(fr, fm, LMMOptions{REML: true, KenwardRoger: true, Weights: c.weights})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range readRef(t, "testdata/"+c.name+"_kr_ref.csv") {
					for _, got := range fit.Fixed {
						if got.Term != r["name"] {
							continue
						}
						near(t, got.Term+" KR se", got.SE/scale, num(t, r["se"]), 1e-6, 0)
						near(t, got.Term+" KR df", got.DF, num(t, r["df"]), 1e-4, 0)
						if got.Term != "(Intercept)" || !moved {
							near(t, got.Term+" KR p", got.P, num(t, r["p"]), 0, 1e-6)
						}
					}
				}
			})
		}
	}
}

func TestConvergedMeansAMinimum(t *testing.T) {
	f := func(x []float64) float64 { return (x[0]-1)*(x[0]-1) + 3*(x[1]+2)*(x[1]+2) }
	if !converged(f, []float64{1, -2}) {
		t.Fatal("the minimum is not recognised")
	}
	if converged(f, []float64{1.1, -2}) {
		t.Fatal("a point off the minimum is called converged")
	}
	// A deviance of 2.4·10⁵ at its optimum to the precision its rounding
	// allows: its gradient is 0.02 in absolute terms, tiny relative to its
	// curvature.
	big := func(x []float64) float64 { return 2.4e5 + 1e7*(x[0]-1)*(x[0]-1) + 1e7*(x[1]-x[0])*(x[1]-x[0]) }
	if !converged(big, []float64{1 + 1e-9, 1 + 1e-9}) {
		t.Fatal("a large deviance at its optimum is not recognised")
	}
	if converged(big, []float64{1 + 1e-5, 1}) {
		t.Fatal("a large deviance off its optimum is called converged")
	}
}

// A covariate far from zero (x around 10 000, sd 9) must change nothing but
// what the intercept estimates, with the outcome moved as well.
func TestLMMInvariantToCovariateShift(t *testing.T) {
	fm, err := ParseFormula("y ~ x + region + time * arm + (1 | office)")
	if err != nil {
		t.Fatal(err)
	}
	fit := func(move bool) *LMMFit {
		fr := readFrame(t, "testdata/robust_covariates.csv")
		if move {
			moveY(t, fr, fm, refShift, refScale)
			for i := range fr.Columns["x"].Numeric {
				fr.Columns["x"].Numeric[i] += 10_000
			}
		}
		f, err := FitLMM(fr, fm, true)
		if err != nil {
			t.Fatalf("moved=%v: %v", move, err)
		}
		if !f.Converged {
			t.Fatalf("moved=%v: did not converge", move)
		}
		return f
	}
	base, moved := fit(false), fit(true)
	for i, b := range base.Fixed {
		m := moved.Fixed[i]
		if b.Term == "(Intercept)" {
			continue
		}
		// The tolerances of the R references.
		near(t, b.Term+" estimate", m.Estimate, b.Estimate*refScale, 1e-6, 0)
		near(t, b.Term+" se", m.SE, b.SE*refScale, 1e-6, 0)
		near(t, b.Term+" df", m.DF, b.DF, 1e-4, 0)
		near(t, b.Term+" p", m.P, b.P, 1e-4, 1e-12)
	}
	for i, b := range base.Random {
		near(t, b.Group+" variance", moved.Random[i].Variance, b.Variance*refScale*refScale, 1e-6, 0)
	}
}

// The crossed reference case is summed level by level (lmm_crossed equals
// lmer through that path), the nested trial by groups of equal size.
func TestCrossedDesignIsSummedSparsely(t *testing.T) {
	for _, c := range []struct {
		data, formula string
		sparse        bool
	}{
		{"lmm_crossed", "y ~ x + (1 | a) + (1 | b)", true},
		{"lmm_trial", "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)", false},
	} {
		fm, err := ParseFormula(c.formula)
		if err != nil {
			t.Fatal(err)
		}
		pr, _, _, err := newLMMProblem(readFrame(t, "testdata/"+c.data+".csv"), fm, true, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range pr.blocks {
			if len(bl.oTerm) > 0 && bl.sparse != c.sparse {
				t.Errorf("%s: a block of %d other levels summed sparsely: %v", c.data, len(bl.oTerm), bl.sparse)
			}
		}
	}
}

// pbkrtest ignores prior weights (its residual covariance is σ²I), so
// weighted Kenward-Roger has no R reference. Equal weights must leave
// every number as it is without them, and unequal ones must move them.
func TestKenwardRogerWithWeights(t *testing.T) {
	fm, _ := ParseFormula("y ~ time * arm + (1 | office) + (1 | person)")
	fit := func(weights string, scale float64) *LMMFit {
		fr := readFrame(t, "testdata/lmm_trial.csv")
		fr.Columns["two"] = &Column{Name: "two", Numeric: make([]float64, fr.N)}
		for i := range fr.Columns["two"].Numeric {
			fr.Columns["two"].Numeric[i] = scale
		}
		f, err := FitLMMWith(fr, fm, LMMOptions{REML: true, KenwardRoger: true, Weights: weights})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	plain, equal, unequal := fit("", 1), fit("two", 2), fit("w", 1)
	for j, c := range plain.Fixed {
		near(t, c.Term+" se, equal weights", equal.Fixed[j].SE, c.SE, 1e-7, 0)
		near(t, c.Term+" df, equal weights", equal.Fixed[j].DF, c.DF, 1e-6, 0)
		if math.Abs(unequal.Fixed[j].SE-c.SE) < 1e-6*c.SE {
			t.Errorf("%s: unequal weights leave the KR se at %v", c.Term, c.SE)
		}
	}
}

func varCompOf(vs []VarComp, group string) (VarComp, bool) {
	for _, v := range vs {
		if v.Group == group {
			return v, true
		}
	}
	return VarComp{}, false
}
