package stats

import (
	"strings"
	"testing"
)

var testContrasts = []string{"arm at T2 = armintervention + time:armintervention", "change in intervention = time + 1*time:armintervention"}

func TestContrastsMatchR(t *testing.T) {
	fm, err := ParseFormula("y ~ time * arm + (1 | office) + (1 | person)")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"(Intercept)", "time", "armintervention", "time:armintervention"}
	var cs []Contrast
	for _, spec := range testContrasts {
		c, err := ParseContrast(spec, names)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	got := map[string][]Coef{}
	fr := readFrame(t, "testdata/lmm_trial.csv")
	for model, kr := range map[string]bool{"lmm Satterthwaite": false, "lmm Kenward-Roger": true} {
		fit, err := FitLMMWith(fr, fm, LMMOptions{REML: true, KenwardRoger: kr, Contrasts: cs})
		if err != nil {
			t.Fatal(err)
		}
		got[model] = fit.Contrasts
	}
	rfr := readFrame(t, "testdata/robust_trial.csv")
	rfm, _ := ParseFormula("y ~ time * arm")
	d, err := BuildDesign(rfr, rfm)
	if err != nil {
		t.Fatal(err)
	}
	cl, nc, _ := Groups(rfr, d.Rows, []string{"office"})
	rfit, err := Robust(d, cl, nc, CR2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		row, err := rfit.Contrast(c)
		if err != nil {
			t.Fatal(err)
		}
		got["robust CR2"] = append(got["robust CR2"], row)
	}
	rows := readRef(t, "testdata/contrast_ref.csv")
	if len(rows) != 6 {
		t.Fatalf("%d reference rows", len(rows))
	}
	for _, r := range rows {
		c, ok := coefOf(got[r["model"]], r["label"])
		if !ok {
			t.Fatalf("%s: no contrast %q in %+v", r["model"], r["label"], got[r["model"]])
		}
		what := r["model"] + " " + r["label"]
		near(t, what+" estimate", c.Estimate, num(t, r["estimate"]), 1e-6, 1e-9)
		near(t, what+" se", c.SE, num(t, r["se"]), 1e-6, 0)
		near(t, what+" df", c.DF, num(t, r["df"]), 1e-4, 0)
		near(t, what+" p", c.P, num(t, r["p"]), 1e-4, 1e-12)
		near(t, what+" ci_lower", c.Lower, num(t, r["ci_lower"]), 1e-6, 1e-9)
		near(t, what+" ci_upper", c.Upper, num(t, r["ci_upper"]), 1e-6, 1e-9)
	}
}

func TestParseContrast(t *testing.T) {
	names := []string{"(Intercept)", "x", "poly(x, 2)1", "I(x - 10)", "I(x - 10):armb", "armb"}
	for spec, want := range map[string][]float64{
		"d = armb + I(x - 10):armb":  {0, 0, 0, 0, 1, 1},
		"-0.5*poly(x, 2)1 + 2 * x":   {0, 2, -0.5, 0, 0, 0},
		"(Intercept) - x - x":        {1, -2, 0, 0, 0, 0},
		"I(x - 10) - I(x - 10):armb": {0, 0, 0, 1, -1, 0},
	} {
		c, err := ParseContrast(spec, names)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		for k := range want {
			if c.Weights[k] != want[k] {
				t.Errorf("%s: weights %v, want %v", spec, c.Weights, want)
				break
			}
		}
	}
	for spec, msg := range map[string]string{"armc": "not a coefficient", "x armb": `"x armb" is not a coefficient`, "d = ": "names no coefficient"} {
		if _, err := ParseContrast(spec, names); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", spec, err, msg)
		}
	}
}
