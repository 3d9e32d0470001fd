package stats

import (
	"fmt"
	"math"
)

// EffectSize is a standardised mean difference for a two-arm
// cluster-randomised design.
type EffectSize struct {
	DT       float64 `json:"d_t"`      // (mean_T - mean_C) / S_T, S_T the pooled total SD within arms
	Adjusted float64 `json:"d_t_adj"`  // d_T · sqrt(1 - 2(n-1)ρ/(N-2)), Hedges (2007) eq. 15
	Variance float64 `json:"variance"` // of the adjusted estimate, Hedges (2007) eq. 16
	SE       float64 `json:"se"`       // its square root
	Lower    float64 `json:"ci_lower"` // 95 % interval
	Upper    float64 `json:"ci_upper"`
	ICC      float64 `json:"icc"`
	N        int     `json:"n"`
	Clusters int     `json:"clusters"`
	MeanSize float64 `json:"mean_cluster_size"`
}

// HedgesClusterSMD computes δ_T of Hedges (2007), "Effect sizes in
// cluster-randomized designs", J. Educ. Behav. Stat. 32(4): the difference of
// arm means over the total within-arm SD, adjusted for clustering with the
// intracluster correlation icc, and its variance. Unequal cluster sizes are
// approximated by the mean size n = N / clusters (Hedges' equal-size
// formulas), as is common in trial reports.
func HedgesClusterSMD(y []float64, treated []bool, cluster []int, nClusters int, icc float64) (*EffectSize, error) {
	if len(y) != len(treated) || len(y) != len(cluster) {
		return nil, fmt.Errorf("y, arm and cluster must have the same length")
	}
	if icc < 0 || icc >= 1 {
		return nil, fmt.Errorf("the intracluster correlation must lie in [0, 1)")
	}
	var sum, ss [2]float64
	var cnt [2]int
	for i, v := range y {
		a := 0
		if treated[i] {
			a = 1
		}
		sum[a] += v
		cnt[a]++
	}
	if cnt[0] < 2 || cnt[1] < 2 {
		return nil, fmt.Errorf("each arm needs at least two observations")
	}
	mean := [2]float64{sum[0] / float64(cnt[0]), sum[1] / float64(cnt[1])}
	for i, v := range y {
		a := 0
		if treated[i] {
			a = 1
		}
		ss[a] += (v - mean[a]) * (v - mean[a])
	}
	N := float64(cnt[0] + cnt[1])
	st := math.Sqrt((ss[0] + ss[1]) / (N - 2))
	if st == 0 {
		return nil, fmt.Errorf("the outcome has no variance within arms")
	}
	n := N / float64(nClusters)
	e := &EffectSize{DT: (mean[1] - mean[0]) / st, ICC: icc, N: int(N), Clusters: nClusters, MeanSize: n}
	adj := 1 - 2*(n-1)*icc/(N-2)
	if adj <= 0 {
		return nil, fmt.Errorf("the clusters are too large for this correlation: 1 - 2(n-1)ρ/(N-2) ≤ 0")
	}
	e.Adjusted = e.DT * math.Sqrt(adj)
	nt, nc := float64(cnt[1]), float64(cnt[0])
	rho := icc
	d := e.Adjusted
	e.Variance = (nt+nc)/(nt*nc)*(1+(n-1)*rho) +
		d*d*((N-2)*(1-rho)*(1-rho)+n*(N-2*n)*rho*rho+2*(N-2*n)*rho*(1-rho))/
			(2*(N-2)*((N-2)-2*(n-1)*rho))
	e.SE = math.Sqrt(e.Variance)
	e.Lower, e.Upper = d-1.959963984540054*e.SE, d+1.959963984540054*e.SE
	return e, nil
}
