package stats

import (
	"math"
	"testing"
)

// TestTrialPlanningFigure reproduces the HOLF planning figure of at least 21
// families per office (seed 003, §2) under these stated assumptions: 30
// offices randomised 1:1, intracluster correlation 0.04, a standardised
// effect of 0.30 to detect, two-sided α = 0.05, power 80 %, equal office
// sizes, normal approximation (Donner & Klar 2000).
func TestTrialPlanningFigure(t *testing.T) {
	d := PowerDesign{Clusters: 30, ICC: 0.04, Alpha: 0.05, Power: 0.8}
	m, err := d.SizeNeeded(0.30)
	if err != nil || m != 21 {
		t.Fatalf("families per office = %d (%v), want 21", m, err)
	}
	// Unequal office sizes cost power: with cv 0.4 more families are needed.
	d.CV = 0.4
	if m2, _ := d.SizeNeeded(0.30); m2 <= 21 {
		t.Fatalf("with unequal sizes %d families, want more than 21", m2)
	}
	// The design effect by hand: 1 + (21 - 1) · 0.04 = 1.8.
	if de := (PowerDesign{Size: 21, ICC: 0.04}).DesignEffect(); math.Abs(de-1.8) > 1e-12 {
		t.Fatalf("design effect %v", de)
	}
	// MDE by hand: (1.959964 + 0.841621) · sqrt(4 · 1.8 / 630) = 0.29951...
	mde, _ := PowerDesign{Clusters: 30, Size: 21, ICC: 0.04, Alpha: 0.05, Power: 0.8}.MDE()
	if math.Abs(mde-(1.959963984540054+0.8416212335729143)*math.Sqrt(7.2/630)) > 1e-12 {
		t.Fatalf("MDE %v", mde)
	}
	j, err := (PowerDesign{Size: 21, ICC: 0.04, Alpha: 0.05, Power: 0.8}).ClustersNeeded(0.30)
	if err != nil || j != 30 {
		t.Fatalf("clusters needed %d %v, want 30", j, err)
	}
	if _, err := (PowerDesign{Clusters: 4, ICC: 0.5, Alpha: 0.05, Power: 0.8}).SizeNeeded(0.1); err == nil {
		t.Fatal("an impossible design must say so")
	}
}

func TestMultiplicityMatchesPAdjust(t *testing.T) {
	fr := readFrame(t, "testdata/padjust.csv")
	p := fr.Columns["p"].Numeric
	holm, bh := AdjustHolm(p), AdjustBH(p)
	for i := range p {
		near(t, "holm", holm[i], fr.Columns["holm"].Numeric[i], 0, 1e-15)
		near(t, "BH", bh[i], fr.Columns["bh"].Numeric[i], 0, 1e-15)
	}
}
