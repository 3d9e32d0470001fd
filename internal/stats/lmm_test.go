package stats

import (
	"testing"
)

func TestLMMMatchesLme4(t *testing.T) {
	cases := []struct{ name, data, formula string }{
		{"lmm_sleepstudy", "lmm_sleepstudy", "Reaction ~ Days + (1 | Subject)"},
		{"lmm_trial", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person)"},
		{"lmm_trial_officetime", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)"},
		{"lmm_boundary", "robust_covariates", "y ~ time * arm + (1 | office) + (1 | region)"},
	}
	for _, c := range cases {
		for _, reml := range []bool{true, false} {
			suffix := "_ml"
			if reml {
				suffix = "_reml"
			}
			t.Run(c.name+suffix, func(t *testing.T) {
				fr := readFrame(t, "testdata/"+c.data+".csv")
				fm, err := ParseFormula(c.formula)
				if err != nil {
					t.Fatal(err)
				}
				fit, err := FitLMM(fr, fm, reml)
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
						var got *Coef
						for i := range fit.Fixed {
							if fit.Fixed[i].Term == r["name"] {
								got = &fit.Fixed[i]
							}
						}
						if got == nil {
							t.Fatalf("no fixed effect %q", r["name"])
						}
						near(t, r["name"]+" estimate", got.Estimate, want, 1e-6, 1e-9)
						near(t, r["name"]+" se", got.SE, num(t, r["se"]), 1e-6, 0)
					case "variance":
						var got *VarComp
						for i := range fit.Random {
							if fit.Random[i].Group == r["name"] {
								got = &fit.Random[i]
							}
						}
						if got == nil {
							t.Fatalf("no variance component %q", r["name"])
						}
						near(t, r["name"]+" variance", got.Variance, want, 1e-6, 1e-10)
					case "fit":
						v := map[string]float64{"loglik": fit.LogLik, "deviance": fit.Deviance, "aic": fit.AIC, "bic": fit.BIC, "n": float64(fit.N)}[r["name"]]
						near(t, r["name"], v, want, 1e-8, 0)
					}
				}
			})
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
	cases := []struct{ name, data, formula string }{
		{"lmm_sleepstudy", "lmm_sleepstudy", "Reaction ~ Days + (1 | Subject)"},
		{"lmm_trial", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person)"},
		{"lmm_trial_officetime", "lmm_trial", "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fr := readFrame(t, "testdata/"+c.data+".csv")
			fm, _ := ParseFormula(c.formula)
			fit, err := FitLMMWith(fr, fm, LMMOptions{REML: true, KenwardRoger: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRef(t, "testdata/"+c.name+"_kr_ref.csv") {
				for _, got := range fit.Fixed {
					if got.Term != r["name"] {
						continue
					}
					near(t, got.Term+" KR se", got.SE, num(t, r["se"]), 1e-6, 0)
					near(t, got.Term+" KR df", got.DF, num(t, r["df"]), 1e-4, 0)
					near(t, got.Term+" KR p", got.P, num(t, r["p"]), 0, 1e-6)
				}
			}
		})
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
}
