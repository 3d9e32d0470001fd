package stats

import (
	"strconv"
	"strings"
	"testing"
)

func TestLikelihoodRatioMatchesAnova(t *testing.T) {
	cases := map[string]struct {
		data    string
		family  Family
		formula []string
	}{
		// Given larger first: anova orders the models by their parameters.
		// x is missing where the smaller model alone would keep the row.
		"lmm":  {"robust_covariates", Gaussian, []string{"y ~ x + time * arm + (1 | office)", "y ~ time + arm + (1 | office)"}},
		"glmm": {"glmm_trial", Binomial, []string{"work ~ time + arm + (1 | office)", "work ~ time * arm + (1 | office)"}},
	}
	ref := readRef(t, "testdata/lrt_ref.csv")
	for name, c := range cases {
		got, err := LikelihoodRatio(readFrame(t, "testdata/"+c.data+".csv"), c.family, c.formula)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := 0
		for _, r := range ref {
			if r["case"] != name {
				continue
			}
			k, _ := strconv.Atoi(r["model"])
			m := got[k-1]
			seen++
			what := name + " model " + r["model"]
			if strconv.Itoa(m.NPar) != r["npar"] {
				t.Errorf("%s: npar %d, R %s", what, m.NPar, r["npar"])
			}
			for col, v := range map[string]float64{"loglik": m.LogLik, "deviance": m.Deviance, "aic": m.AIC, "bic": m.BIC} {
				near(t, what+" "+col, v, num(t, r[col]), 1e-7, 0)
			}
			if r["chisq"] == "NA" {
				if m.Chisq != nil || m.P != nil {
					t.Errorf("%s: a test against nothing", what)
				}
				continue
			}
			if m.Chisq == nil || strconv.Itoa(m.DF) != r["df"] {
				t.Fatalf("%s: %+v", what, m)
			}
			near(t, what+" chisq", *m.Chisq, num(t, r["chisq"]), 1e-5, 1e-7)
			near(t, what+" p", *m.P, num(t, r["p"]), 1e-5, 1e-12)
		}
		if seen != 2 {
			t.Fatalf("%s: %d reference rows", name, seen)
		}
	}
}

func TestLikelihoodRatioRefusesWhatIsNotNested(t *testing.T) {
	fr := readFrame(t, "testdata/lmm_trial.csv")
	for _, c := range []struct {
		formulas []string
		want     string
	}{
		{[]string{"y ~ time + (1 | office)"}, "at least two models"},
		{[]string{"y ~ time + (1 | office)", "x ~ time + (1 | office)"}, "same response"},
		{[]string{"y ~ time + (1 | office)", "y ~ arm + (1 | office)"}, "not nested"},
		{[]string{"log(y) ~ time + (1 | office)", "log(y) ~ arm + (1 | office)"}, "not nested"}, // a transformed response is fitted
	} {
		if _, err := LikelihoodRatio(fr, Gaussian, c.formulas); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.formulas, err, c.want)
		}
	}
}
