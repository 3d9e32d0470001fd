package stats

import (
	"math"
	"testing"
)

func TestHedgesClusterSMD(t *testing.T) {
	// 4 clusters of 3; clusters 2 and 3 treated.
	y := []float64{1, 2, 3, 2, 3, 4, 4, 5, 6, 3, 5, 7}
	cl := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}
	tr := make([]bool, 12)
	for i := 6; i < 12; i++ {
		tr[i] = true
	}
	e, err := HedgesClusterSMD(y, tr, cl, 4, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: means 2.5 and 5; within-arm sums of squares 5.5 and 13.0;
	// S_T = sqrt(15.5/10); d_T = 2.5 / S_T.
	st := math.Sqrt(15.5 / 10)
	dt := 2.5 / st
	if math.Abs(e.DT-dt) > 1e-12 {
		t.Fatalf("d_T %v, want %v", e.DT, dt)
	}
	// n = 3, N = 12: adjusted = d_T sqrt(1 - 2·2·0.1/10).
	adj := dt * math.Sqrt(1-0.4/10)
	if math.Abs(e.Adjusted-adj) > 1e-12 {
		t.Fatalf("adjusted %v, want %v", e.Adjusted, adj)
	}
	// Hedges (2007) eq. 16 by hand with N = 12, n = 3, ρ = 0.1, N_T = N_C = 6.
	v := 12.0/36*(1+2*0.1) + adj*adj*(10*0.81+3*6*0.01+2*6*0.1*0.9)/(2*10*(10-0.4))
	if math.Abs(e.Variance-v) > 1e-12 || math.Abs(e.Upper-e.Lower-2*1.959963984540054*math.Sqrt(v)) > 1e-12 {
		t.Fatalf("variance %v, want %v", e.Variance, v)
	}
	// With ρ = 0 it is the usual pooled-SD standardised difference.
	e0, _ := HedgesClusterSMD(y, tr, cl, 4, 0)
	if e0.Adjusted != e0.DT {
		t.Fatal("with no clustering the adjustment must vanish")
	}
	if _, err := HedgesClusterSMD(y, tr, cl, 4, 1); err == nil {
		t.Fatal("ρ = 1 accepted")
	}
}
