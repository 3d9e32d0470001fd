package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// PowerDesign describes a two-arm cluster-randomised trial with 1:1
// allocation, for planning.
type PowerDesign struct {
	Clusters int     // total, both arms
	Size     float64 // mean cluster size (persons per cluster)
	ICC      float64 // intracluster correlation
	CV       float64 // coefficient of variation of cluster sizes (0: equal)
	Alpha    float64 // two-sided
	Power    float64
	T        bool // t quantiles with clusters-2 df instead of the normal
}

// DesignEffect is 1 + ((cv² + 1) m − 1) ρ (Eldridge, Ashby & Kerry 2006),
// which is 1 + (m − 1) ρ for equal cluster sizes.
func (d PowerDesign) DesignEffect() float64 {
	return 1 + ((d.CV*d.CV+1)*d.Size-1)*d.ICC
}

func (d PowerDesign) multiplier() (float64, error) {
	if d.Alpha <= 0 || d.Alpha >= 1 || d.Power <= 0 || d.Power >= 1 {
		return 0, fmt.Errorf("alpha and power must lie between 0 and 1")
	}
	if d.T {
		if d.Clusters < 3 {
			return 0, fmt.Errorf("t quantiles need at least 3 clusters")
		}
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(d.Clusters - 2)}
		return t.Quantile(1-d.Alpha/2) + t.Quantile(d.Power), nil
	}
	return distuv.UnitNormal.Quantile(1-d.Alpha/2) + distuv.UnitNormal.Quantile(d.Power), nil
}

// MDE is the minimum detectable standardised effect: with N = clusters × size
// persons split equally, Var(d) = 4 DE / N.
func (d PowerDesign) MDE() (float64, error) {
	if d.Clusters < 2 || d.Size < 1 || d.ICC < 0 || d.ICC >= 1 || d.CV < 0 {
		return 0, fmt.Errorf("need at least 2 clusters of size ≥ 1, 0 ≤ ICC < 1 and cv ≥ 0")
	}
	m, err := d.multiplier()
	if err != nil {
		return 0, err
	}
	return m * math.Sqrt(4*d.DesignEffect()/(float64(d.Clusters)*d.Size)), nil
}

// SizeNeeded returns the smallest whole cluster size that detects effect
// with the design's clusters; an error when no size can (the design effect
// caps what more persons per cluster can give).
func (d PowerDesign) SizeNeeded(effect float64) (int, error) {
	for m := 1; m <= 100000; m++ {
		d.Size = float64(m)
		mde, err := d.MDE()
		if err != nil {
			return 0, err
		}
		if mde <= effect {
			return m, nil
		}
	}
	return 0, fmt.Errorf("no cluster size detects %.3g with %d clusters at ICC %.3g: add clusters", effect, d.Clusters, d.ICC)
}

// ClustersNeeded returns the smallest even number of clusters that detects effect.
func (d PowerDesign) ClustersNeeded(effect float64) (int, error) {
	for j := 4; j <= 100000; j += 2 {
		d.Clusters = j
		mde, err := d.MDE()
		if err != nil {
			return 0, err
		}
		if mde <= effect {
			return j, nil
		}
	}
	return 0, fmt.Errorf("no number of clusters up to 100 000 detects %.3g", effect)
}

// AdjustHolm returns Holm's step-down adjusted p-values, as R's p.adjust(p, "holm").
func AdjustHolm(p []float64) []float64 {
	n := len(p)
	idx := order(p, false)
	out := make([]float64, n)
	run := 0.0
	for k, i := range idx {
		v := math.Min(1, float64(n-k)*p[i])
		run = math.Max(run, v)
		out[i] = run
	}
	return out
}

// AdjustBH returns Benjamini-Hochberg adjusted p-values, as p.adjust(p, "BH").
func AdjustBH(p []float64) []float64 {
	n := len(p)
	idx := order(p, true)
	out := make([]float64, n)
	run := 1.0
	for k, i := range idx {
		rank := n - k
		v := math.Min(1, float64(n)/float64(rank)*p[i])
		run = math.Min(run, v)
		out[i] = run
	}
	return out
}

func order(p []float64, desc bool) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if desc {
			return p[idx[a]] > p[idx[b]]
		}
		return p[idx[a]] < p[idx[b]]
	})
	return idx
}
