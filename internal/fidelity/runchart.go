package fidelity

import (
	"math"
	"slices"
)

// RunChart is a series with its median and Anhøj's two run rules, as
// qicharts2 applies them: points on the median are not useful; a run is
// useful points in a row on one side; a shift is a run longer than
// round(log2(n) + 3); too few crossings is fewer than the 5th percentile of
// Binomial(n - 1, 0.5), n being the useful points.
type RunChart struct {
	Values       []float64
	Median       float64
	Useful       int
	LongestRun   int
	RunLimit     int
	Crossings    int
	MinCrossings int
	// Shift and FewCrossings are the two signals; Signal is either.
	Shift, FewCrossings, Signal bool
	// LastSide is the side of the median of the last useful point (+1
	// above, -1 below, 0 none): where a shift has taken the series.
	LastSide int
}

// Anhoj applies the run rules to values in time order.
func Anhoj(values []float64) RunChart {
	rc := RunChart{Values: values}
	if len(values) == 0 {
		return rc
	}
	s := slices.Clone(values)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		rc.Median = s[n/2]
	} else {
		rc.Median = (s[n/2-1] + s[n/2]) / 2
	}
	prev, run := 0, 0
	for _, v := range values {
		side := 0
		switch {
		case v > rc.Median:
			side = 1
		case v < rc.Median:
			side = -1
		}
		if side == 0 {
			continue
		}
		rc.Useful++
		if side == prev {
			run++
		} else {
			if prev != 0 {
				rc.Crossings++
			}
			run = 1
		}
		prev = side
		rc.LongestRun = max(rc.LongestRun, run)
	}
	rc.LastSide = prev
	if rc.Useful == 0 {
		return rc
	}
	rc.RunLimit = int(math.Round(math.Log2(float64(rc.Useful)) + 3))
	rc.MinCrossings = binomQuantile(0.05, rc.Useful-1)
	rc.Shift = rc.LongestRun > rc.RunLimit
	rc.FewCrossings = rc.Crossings < rc.MinCrossings
	rc.Signal = rc.Shift || rc.FewCrossings
	return rc
}

// binomQuantile is R's qbinom(p, n, 0.5): the smallest k with
// P(X <= k) >= p.
func binomQuantile(p float64, n int) int {
	if n <= 0 {
		return 0
	}
	// P(X = k) = C(n, k) / 2^n, summed in logs to stay exact for long series.
	cdf := 0.0
	for k := 0; k <= n; k++ {
		lg := lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1) - float64(n)*math.Ln2
		cdf += math.Exp(lg)
		// R compares with a small fuzz so that rounding never moves the quantile.
		if cdf >= p*(1-64*2.220446e-16) {
			return k
		}
	}
	return n
}

func lgamma(n int) float64 {
	v, _ := math.Lgamma(float64(n))
	return v
}

// Drift tells whether a chart signals a shift away from the model: a run
// rule fires, the series now sits on the unfavourable side, and its latest
// value misses the target (a shift among values that all meet it is no
// concern).
func (d Definition) Drift(rc RunChart) bool {
	if !rc.Signal || len(rc.Values) == 0 || d.Status(rc.Values[len(rc.Values)-1]) == "target" {
		return false
	}
	if d.Better == "lower" {
		return rc.LastSide > 0
	}
	return rc.LastSide < 0
}
