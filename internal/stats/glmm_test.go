package stats

import (
	"fmt"
	"strings"
	"testing"
)

func TestGLMMMatchesGlmer(t *testing.T) {
	cases := []struct {
		data, formula string
		agq           []int
	}{
		{"glmm_trial", "work ~ time * arm + (1 | office)", []int{1, 7}},
		{"glmm_cbpp", "cbind(incidence, healthy) ~ period + (1 | herd)", []int{1, 9}},
	}
	for _, c := range cases {
		fr := readFrame(t, "testdata/"+c.data+".csv")
		fm, err := ParseFormula(c.formula)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range c.agq {
			testGLMM(t, fr, fm, c.data, q)
		}
	}
}

func testGLMM(t *testing.T, fr *Frame, fm *Formula, data string, q int) {
	{
		t.Run(fmt.Sprintf("%s/nAGQ=%d", data, q), func(t *testing.T) {
			fit, err := FitGLMM(fr, fm, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRef(t, fmt.Sprintf("testdata/%s_agq%d_ref.csv", data, q)) {
				want := num(t, r["value"])
				switch r["kind"] {
				case "fixed":
					for _, c := range fit.Fixed {
						if c.Term == r["name"] {
							near(t, c.Term+" estimate", c.Estimate, want, 1e-4, 1e-6)
							near(t, c.Term+" se", c.SE, num(t, r["se"]), 1e-4, 0)
							near(t, c.Term+" p", c.P, num(t, r["p"]), 0, 1e-4)
						}
					}
				case "variance":
					near(t, "variance", fit.Random[0].Variance, want, 1e-4, 0)
				case "fit":
					// lme4 reports quadrature fits of binomial counts relative to the
					// saturated model; HOLF reports the full likelihood and the constant.
					shift := 0.0
					if q > 1 {
						shift = -2 * fit.SaturatedLogLik
					}
					v := map[string]float64{"loglik": fit.LogLik + shift/2, "deviance": fit.Deviance - shift, "aic": fit.AIC - shift}[r["name"]]
					near(t, r["name"], v, want, 1e-6, 0)
				}
			}
		})
	}
}

// A covariate far from zero changes only what the intercept estimates: the
// fit works on centred columns.
func TestGLMMInvariantToCovariateShift(t *testing.T) {
	fm, err := ParseFormula("cbind(incidence, healthy) ~ period + size + (1 | herd)")
	if err != nil {
		t.Fatal(err)
	}
	fit := func(move bool) *GLMMFit {
		fr := readFrame(t, "testdata/glmm_cbpp.csv")
		if move {
			for i := range fr.Columns["size"].Numeric {
				fr.Columns["size"].Numeric[i] += 10_000
			}
		}
		f, err := FitGLMM(fr, fm, 1)
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
			near(t, "intercept", m.Estimate, b.Estimate-10_000*base.Fixed[len(base.Fixed)-1].Estimate, 1e-6, 0)
			continue
		}
		near(t, b.Term+" estimate", m.Estimate, b.Estimate, 1e-6, 0)
		near(t, b.Term+" se", m.SE, b.SE, 1e-6, 0)
		near(t, b.Term+" p", m.P, b.P, 1e-4, 1e-12)
	}
	near(t, "variance", moved.Random[0].Variance, base.Random[0].Variance, 1e-6, 0)
	near(t, "deviance", moved.Deviance, base.Deviance, 1e-9, 0)
}

// Several random intercepts: the parents' repeated binary outcome, with
// office and person (and office × time, whose variance R puts on its
// boundary), equal to glmer's Laplace fit.
func TestGLMMSeveralInterceptsMatchGlmer(t *testing.T) {
	for name, c := range map[string]struct {
		data, formula string
		family        Family
	}{
		"glmm_persons":    {"glmm_trial", "work ~ time * arm + (1 | office) + (1 | person)", Binomial},
		"glmm_officetime": {"glmm_trial", "work ~ time * arm + (1 | office) + (1 | person) + (1 | office:time)", Binomial},
		// Counts: lme4's grouseticks (crossed brood and location), and
		// contacts over months at risk (an offset).
		"glmm_grouseticks": {"glmm_grouseticks", "TICKS ~ factor(YEAR) + cHEIGHT + (1 | BROOD) + (1 | LOCATION)", Poisson},
		"glmm_contacts":    {"glmm_contacts", "contacts ~ time * arm + offset(log(months)) + (1 | office)", Poisson},
	} {
		t.Run(name, func(t *testing.T) {
			fr := readFrame(t, "testdata/"+c.data+".csv")
			fm, err := ParseFormula(c.formula)
			if err != nil {
				t.Fatal(err)
			}
			fit, err := FitGLMMFamily(fr, fm, 1, c.family)
			if err != nil {
				t.Fatal(err)
			}
			if !fit.Converged {
				t.Fatal("did not converge")
			}
			for _, r := range readRef(t, "testdata/"+name+"_ref.csv") {
				want := num(t, r["value"])
				switch r["kind"] {
				case "fixed":
					c, ok := coefOf(fit.Fixed, r["name"])
					if !ok {
						t.Fatalf("no %s", r["name"])
					}
					// glmer's bobyqa stops at a deviance up to 10⁻⁵ above
					// HOLF's optimum (checked below), which moves the
					// estimates in their sixth digit.
					near(t, c.Term+" estimate", c.Estimate, want, 1e-5, 1e-6)
					near(t, c.Term+" se", c.SE, num(t, r["se"]), 1e-4, 0)
					near(t, c.Term+" p", c.P, num(t, r["p"]), 0, 1e-4)
				case "variance":
					group := strings.Replace(r["name"], "time_f", "time", 1)
					got, ok := varCompOf(fit.Random, group)
					if !ok {
						t.Fatalf("no variance for %s in %+v", group, fit.Random)
					}
					near(t, group+" variance", got.Variance, want, 2e-5, 1e-8)
				case "fit":
					v := map[string]float64{"loglik": fit.LogLik, "deviance": fit.Deviance, "aic": fit.AIC}[r["name"]]
					near(t, r["name"], v, want, 1e-7, 0)
					if r["name"] == "deviance" && fit.Deviance > want+1e-6 {
						t.Errorf("deviance %.10f above glmer's optimum %.10f", fit.Deviance, want)
					}
				}
			}
		})
	}
}
