package stats

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSimulationUnbiasedAndCovering generates cluster-randomised trials with
// a known arm × time effect and checks that the mixed model's estimate is
// unbiased and its 95 % Satterthwaite intervals cover the truth about 95 % of
// the time. It runs 300 trials and is skipped with -short.
func TestSimulationUnbiasedAndCovering(t *testing.T) {
	if testing.Short() {
		t.Skip("long simulation")
	}
	const truth = 0.4
	rng := rand.New(rand.NewPCG(2016, 2018))
	fm, _ := ParseFormula("y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time)")
	draw := func() *Frame {
		var b bytes.Buffer
		b.WriteString("office,person,time,arm,y\n")
		offices := 20
		for o := 0; o < offices; o++ {
			arm := []string{"comparison", "intervention"}[o%2]
			u := rng.NormFloat64() * 0.5
			w := [2]float64{rng.NormFloat64() * 0.2, rng.NormFloat64() * 0.2}
			size := 8 + rng.IntN(15)
			for p := 0; p < size; p++ {
				v := rng.NormFloat64() * 0.7
				for tm := 0; tm < 2; tm++ {
					eff := 0.0
					if arm == "intervention" {
						eff = 0.3 + truth*float64(tm)
					}
					y := 2 + 0.2*float64(tm) + eff + u + w[tm] + v + rng.NormFloat64()*0.6
					fmt.Fprintf(&b, "o%d,o%dp%d,%d,%s,%.6f\n", o, o, p, tm, arm, y)
				}
			}
		}
		return frameOf(t, b.Bytes())
	}
	// With 300 replications the Monte Carlo se of a 95 % coverage is 1.3 points.
	simulated(t, 300, truth, 0.91, 0.99, draw, func(fr *Frame) (Coef, error) {
		fit, err := FitLMM(fr, fm, true)
		if err != nil {
			return Coef{}, err
		}
		if c := fit.Fixed[3]; c.Term != "time:armintervention" {
			t.Fatalf("term %s", c.Term)
		}
		return fit.Fixed[3], nil
	})
}

// TestSimulationLogisticSeveralIntercepts does the same for the parents'
// binary outcome: a logistic model with office and person intercepts
// (Laplace), its time × arm log odds ratio and its Wald interval.
func TestSimulationLogisticSeveralIntercepts(t *testing.T) {
	if testing.Short() {
		t.Skip("long simulation")
	}
	const truth = 0.5
	rng := rand.New(rand.NewPCG(2017, 2019))
	fm, _ := ParseFormula("y ~ time * arm + (1 | office) + (1 | person)")
	draw := func() *Frame {
		var b bytes.Buffer
		b.WriteString("office,person,time,arm,y\n")
		for o := 0; o < 40; o++ {
			arm := []string{"comparison", "intervention"}[o%2]
			u := rng.NormFloat64() * 0.4
			for p := 0; p < 10; p++ {
				v := rng.NormFloat64() * 0.5
				for tm := 0; tm < 2; tm++ {
					eta := -0.5 + 0.2*float64(tm) + u + v
					if arm == "intervention" {
						eta += 0.2 + truth*float64(tm)
					}
					y := 0
					if rng.Float64() < 1/(1+math.Exp(-eta)) {
						y = 1
					}
					fmt.Fprintf(&b, "o%d,o%dp%d,%d,%s,%d\n", o, o, p, tm, arm, y)
				}
			}
		}
		return frameOf(t, b.Bytes())
	}
	// With 150 replications the Monte Carlo se of a 95 % coverage is 1.8 points.
	simulated(t, 150, truth, 0.89, 0.99, draw, func(fr *Frame) (Coef, error) {
		fit, err := FitGLMM(fr, fm, 1)
		if err != nil {
			return Coef{}, err
		}
		return fit.Fixed[3], nil
	})
}

// TestSimulationPoissonWithOffset does the same for counts over time at
// risk: a Poisson model with office intercepts and offset(log(months)),
// its time × arm log rate ratio and its Wald interval.
func TestSimulationPoissonWithOffset(t *testing.T) {
	if testing.Short() {
		t.Skip("long simulation")
	}
	const truth = 0.3
	rng := rand.New(rand.NewPCG(2018, 2020))
	fm, _ := ParseFormula("contacts ~ time * arm + offset(log(months)) + (1 | office)")
	draw := func() *Frame {
		var b bytes.Buffer
		b.WriteString("office,time,arm,months,contacts\n")
		for o := 0; o < 30; o++ {
			arm := []string{"comparison", "intervention"}[o%2]
			u := rng.NormFloat64() * 0.3
			for p := 0; p < 10; p++ {
				for tm := 0; tm < 2; tm++ {
					months := 3 + rng.IntN(10)
					eta := -1 + 0.2*float64(tm) + u + math.Log(float64(months))
					if arm == "intervention" {
						eta += 0.1 + truth*float64(tm)
					}
					fmt.Fprintf(&b, "o%d,%d,%s,%d,%d\n", o, tm, arm, months, poisson(rng, math.Exp(eta)))
				}
			}
		}
		return frameOf(t, b.Bytes())
	}
	simulated(t, 200, truth, 0.89, 0.99, draw, func(fr *Frame) (Coef, error) {
		fit, err := FitGLMMFamily(fr, fm, 1, Poisson)
		if err != nil {
			return Coef{}, err
		}
		return fit.Fixed[3], nil
	})
}

// poisson draws a Poisson count with mean mu (Knuth's method; small means).
func poisson(rng *rand.Rand, mu float64) int {
	l, k, p := math.Exp(-mu), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// simulated checks a model's estimate of a known effect over replicated
// data sets: unbiased within 3 Monte Carlo standard errors, and its 95 %
// interval covering the truth within [lo, hi] of the time. draw makes one
// data set; fit returns the effect's row.
func simulated(t *testing.T, reps int, truth, lo, hi float64, draw func() *Frame, fit func(*Frame) (Coef, error)) {
	t.Helper()
	var sum, sumsq, seSum float64
	covered := 0
	for r := 0; r < reps; r++ {
		c, err := fit(draw())
		if err != nil {
			t.Fatalf("replication %d: %v", r, err)
		}
		sum += c.Estimate
		sumsq += c.Estimate * c.Estimate
		seSum += c.SE
		if c.Lower <= truth && truth <= c.Upper {
			covered++
		}
	}
	n := float64(reps)
	mean := sum / n
	sd := math.Sqrt((sumsq - n*mean*mean) / (n - 1))
	mcse := sd / math.Sqrt(n)
	coverage := float64(covered) / n
	t.Logf("mean estimate %.4f (truth %.2f, Monte Carlo se %.4f); coverage %.3f; mean se %.4f, sd of the estimates %.4f", mean, truth, mcse, coverage, seSum/n, sd)
	if math.Abs(mean-truth) > 3*mcse {
		t.Errorf("biased: mean %.4f, truth %.2f, more than 3 Monte Carlo se (%.4f) away", mean, truth, mcse)
	}
	if coverage < lo || coverage > hi {
		t.Errorf("coverage %.3f, want about 0.95", coverage)
	}
}

// frameOf reads a generated CSV.
func frameOf(t *testing.T, b []byte) *Frame {
	t.Helper()
	fr, err := ReadCSV(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return fr
}
