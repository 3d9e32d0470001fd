package stats

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// poolInputs are mice's five analyses of nhanes2, one coefficient table
// per imputation.
func poolInputs(t *testing.T) [][]Coef {
	t.Helper()
	var tables [][]Coef
	for _, r := range readRef(t, "testdata/pool_inputs.csv") {
		k, err := strconv.Atoi(r["imputation"])
		if err != nil {
			t.Fatal(err)
		}
		for len(tables) < k {
			tables = append(tables, nil)
		}
		tables[k-1] = append(tables[k-1], Coef{Term: r["term"], Estimate: num(t, r["estimate"]), SE: num(t, r["se"])})
	}
	return tables
}

func TestPoolMatchesMice(t *testing.T) {
	tables := poolInputs(t)
	if len(tables) != 5 {
		t.Fatalf("%d imputations", len(tables))
	}
	byDF := map[string][]Pooled{}
	for _, r := range readRef(t, "testdata/pool_ref.csv") {
		dfcom := math.Inf(1)
		if r["dfcom"] != "Inf" {
			dfcom = num(t, r["dfcom"])
		}
		got, ok := byDF[r["dfcom"]]
		if !ok {
			var err error
			if got, err = Pool(tables, dfcom); err != nil {
				t.Fatal(err)
			}
			byDF[r["dfcom"]] = got
		}
		var p *Pooled
		for i := range got {
			if got[i].Term == r["term"] {
				p = &got[i]
			}
		}
		if p == nil {
			t.Fatalf("no pooled term %q", r["term"])
		}
		what := "dfcom " + r["dfcom"] + " " + p.Term
		for name, v := range map[string]float64{"estimate": p.Estimate, "se": p.SE, "statistic": p.Statistic, "df": p.DF, "p": p.P,
			"ci_lower": p.Lower, "ci_upper": p.Upper, "ubar": p.Within, "b": p.Between, "t": p.Total, "riv": p.RIV, "lambda": p.Lambda, "fmi": p.FMI} {
			near(t, what+" "+name, v, num(t, r[name]), 1e-9, 1e-12)
		}
		if p.M != 5 {
			t.Errorf("%s: m = %d", what, p.M)
		}
	}
	if len(byDF) != 2 {
		t.Fatalf("reference cases %v", len(byDF))
	}
}

func TestPoolRefusesWhatCannotBePooled(t *testing.T) {
	tables := poolInputs(t)
	cases := map[string]struct {
		tables [][]Coef
		dfcom  float64
		want   string
	}{
		"one analysis":    {tables[:1], math.Inf(1), "at least two"},
		"missing term":    {[][]Coef{tables[0], tables[1][1:]}, math.Inf(1), "analysis 2 has 3 terms"},
		"another term":    {[][]Coef{tables[0], append([]Coef{{Term: "x", Estimate: 1, SE: 1}}, tables[1][1:]...)}, math.Inf(1), `analysis 2 has no term "(Intercept)"`},
		"zero se":         {[][]Coef{tables[0], {{Term: "(Intercept)", Estimate: 1}, tables[1][1], tables[1][2], tables[1][3]}}, 21, "standard error 0"},
		"no complete df":  {tables, 0, "must be positive"},
		"NaN complete df": {tables, math.NaN(), "must be positive"},
	}
	for name, c := range cases {
		if _, err := Pool(c.tables, c.dfcom); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
