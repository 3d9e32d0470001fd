package stats

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// smallTrial: 6 clusters of 3 persons, clusters 0-2 treated.
func smallTrial(strata bool) string {
	var b strings.Builder
	b.WriteString("cluster,arm,stratum,y\n")
	ys := [][]float64{{5, 6, 7}, {6, 7, 9}, {8, 6, 7}, {4, 5, 5}, {5, 3, 4}, {6, 5, 4}}
	for c, vals := range ys {
		arm := "comparison"
		if c < 3 {
			arm = "intervention"
		}
		s := "a"
		if strata && c%2 == 1 {
			s = "b"
		}
		for _, y := range vals {
			fmt.Fprintf(&b, "c%d,%s,%s,%v\n", c, arm, s, y)
		}
	}
	return b.String()
}

func TestPermutationExact(t *testing.T) {
	fr, err := ReadCSV(strings.NewReader(smallTrial(false)))
	if err != nil {
		t.Fatal(err)
	}
	fm, _ := ParseFormula("y ~ arm")
	res, err := PermutationTest(fr, fm, "cluster", "arm", "arm", "", 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Assignments != 20 {
		t.Fatalf("%+v: 6 clusters with 3 treated have 20 assignments, all enumerated", res)
	}
	// By hand: cluster means, then every choice of 3 treated clusters.
	means := []float64{6, 22.0 / 3, 7, 14.0 / 3, 4, 5}
	obs := (means[0]+means[1]+means[2])/3 - (means[3]+means[4]+means[5])/3
	if math.Abs(res.Observed-obs) > 1e-12 {
		t.Fatalf("observed %v, want %v", res.Observed, obs)
	}
	extreme := 0
	for a := 0; a < 6; a++ {
		for b := a + 1; b < 6; b++ {
			for c := b + 1; c < 6; c++ {
				tr, co := 0.0, 0.0
				for k := 0; k < 6; k++ {
					if k == a || k == b || k == c {
						tr += means[k]
					} else {
						co += means[k]
					}
				}
				if math.Abs(tr/3-co/3) >= math.Abs(obs)-1e-12 {
					extreme++
				}
			}
		}
	}
	if want := float64(extreme) / 20; res.P != want {
		t.Fatalf("p = %v, want %v", res.P, want)
	}
	// Monte Carlo with fewer draws than assignments comes close to the exact p.
	mc, err := PermutationTest(fr, fm, "cluster", "arm", "arm", "", 10, 7)
	if err != nil || mc.Exact || mc.MCError == 0 || mc.Assignments != 11 {
		t.Fatalf("Monte Carlo %+v %v", mc, err)
	}
}

func TestPermutationStratified(t *testing.T) {
	fr, _ := ReadCSV(strings.NewReader(smallTrial(true)))
	fm, _ := ParseFormula("y ~ arm")
	res, err := PermutationTest(fr, fm, "cluster", "arm", "arm", "stratum", 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Stratum a: clusters 0, 2, 4 with 2 treated; b: 1, 3, 5 with 1 treated: 3 × 3 = 9.
	if !res.Exact || res.Assignments != 9 {
		t.Fatalf("stratified: %+v, want 9 assignments", res)
	}
	bad, _ := ReadCSV(strings.NewReader("cluster,arm,y\nc1,a,1\nc1,b,2\nc2,a,3\nc2,b,4\n"))
	if _, err := PermutationTest(bad, fm, "cluster", "arm", "arm", "", 100, 1); err == nil || !strings.Contains(err.Error(), "varies within cluster") {
		t.Fatalf("assignment varying within a cluster: %v", err)
	}
	if _, err := PermutationTest(fr, fm, "cluster", "arm", "time:arm", "", 100, 1); err == nil {
		t.Fatal("an unknown term was accepted")
	}
}
