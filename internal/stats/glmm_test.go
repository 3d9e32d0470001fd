package stats

import (
	"fmt"
	"testing"
)

func TestGLMMMatchesGlmer(t *testing.T) {
	fr := readFrame(t, "testdata/glmm_trial.csv")
	fm, err := ParseFormula("work ~ time * arm + (1 | office)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []int{1, 7} {
		t.Run(fmt.Sprintf("nAGQ=%d", q), func(t *testing.T) {
			fit, err := FitGLMM(fr, fm, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRef(t, fmt.Sprintf("testdata/glmm_trial_agq%d_ref.csv", q)) {
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
					v := map[string]float64{"loglik": fit.LogLik, "deviance": fit.Deviance, "aic": fit.AIC}[r["name"]]
					near(t, r["name"], v, want, 1e-6, 0)
				}
			}
		})
	}
}
