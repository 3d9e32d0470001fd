package stats

import (
	"fmt"
	"math"
	"testing"
)

// TestTrialPlanningFigure reproduces the HOLF planning figure of at least 21
// families per office (seed 003, §2) under its stated assumptions: 30
// offices randomised 1:1, intracluster correlation 0.04, a standardised
// effect of 0.30 to detect, two-sided α = 0.05, power 80 %, equal office
// sizes, normal approximation (Donner & Klar 2000). With 28 df the
// noncentral t, HOLF's default, asks for 24 (R agrees: power_planning_ref.csv).
func TestTrialPlanningFigure(t *testing.T) {
	ref := readRef(t, "testdata/power_planning_ref.csv")[0]
	d := PowerDesign{Clusters: 30, ICC: 0.04, Alpha: 0.05, Power: 0.8, Normal: true}
	m, err := d.SizeNeeded(0.30)
	if err != nil || m != 21 || ref["size_normal"] != "21" {
		t.Fatalf("families per office, normal = %d (%v; R %s), want 21", m, err, ref["size_normal"])
	}
	d.Normal = false
	if m, err := d.SizeNeeded(0.30); err != nil || m != 24 || ref["size_t"] != "24" {
		t.Fatalf("families per office, noncentral t = %d (%v; R %s), want 24", m, err, ref["size_t"])
	}
	// Unequal office sizes cost power: with cv 0.4 more families are needed.
	d.CV = 0.4
	if m2, _ := d.SizeNeeded(0.30); m2 <= 24 {
		t.Fatalf("with unequal sizes %d families, want more than 24", m2)
	}
	// The design effect by hand: 1 + (21 - 1) · 0.04 = 1.8.
	if de := (PowerDesign{Size: 21, ICC: 0.04}).DesignEffect(); math.Abs(de-1.8) > 1e-12 {
		t.Fatalf("design effect %v", de)
	}
	// MDE by hand: (1.959964 + 0.841621) · sqrt(4 · 1.8 / 630) = 0.29951...
	mde, _ := PowerDesign{Clusters: 30, Size: 21, ICC: 0.04, Alpha: 0.05, Power: 0.8, Normal: true}.MDE()
	if math.Abs(mde-(1.959963984540054+0.8416212335729143)*math.Sqrt(7.2/630)) > 1e-12 {
		t.Fatalf("MDE %v", mde)
	}
	j, err := (PowerDesign{Size: 21, ICC: 0.04, Alpha: 0.05, Power: 0.8, Normal: true}).ClustersNeeded(0.30)
	if err != nil || j != 30 {
		t.Fatalf("clusters needed %d %v, want 30", j, err)
	}
	if _, err := (PowerDesign{Clusters: 4, ICC: 0.5, Alpha: 0.05, Power: 0.8}).SizeNeeded(0.1); err == nil {
		t.Fatal("an impossible design must say so")
	}
	for _, effect := range []float64{-0.3, 0, math.NaN()} {
		if _, err := d.SizeNeeded(effect); err == nil {
			t.Errorf("effect %v was accepted", effect)
		}
	}
}

// TestPowerMatchesR holds the noncentral-t MDE to R's (uniroot on pt) and
// shows what the normal approximation costs: its MDE's real power.
func TestPowerMatchesR(t *testing.T) {
	rows := readRef(t, "testdata/power_t_ref.csv")
	for _, r := range rows {
		d := PowerDesign{Clusters: int(num(t, r["clusters"])), Size: num(t, r["size"]), ICC: num(t, r["icc"]), CV: num(t, r["cv"]),
			Alpha: num(t, r["alpha"]), Power: num(t, r["power"])}
		what := fmt.Sprintf("J=%d m=%g icc=%g cv=%g α=%g power=%g", d.Clusters, d.Size, d.ICC, d.CV, d.Alpha, d.Power)
		mde, err := d.MDE()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		near(t, what+" MDE", mde, num(t, r["mde"]), 1e-9, 0)
		if p, _ := d.PowerAt(mde); math.Abs(p-d.Power) > 1e-10 {
			t.Errorf("%s: power at the MDE %v", what, p)
		}
		d.Normal = true
		normal, _ := d.MDE()
		d.Normal = false
		p, _ := d.PowerAt(normal)
		near(t, what+" power at the normal MDE", p, num(t, r["power_at_normal_mde"]), 1e-9, 0)
	}
	if len(rows) != 128 {
		t.Fatalf("%d reference rows", len(rows))
	}
	// The figure: with 10 clusters the normal MDE has power 0.69.
	d := PowerDesign{Clusters: 10, Size: 5, ICC: 0.04, Alpha: 0.05, Power: 0.8, Normal: true}
	mde, _ := d.MDE()
	d.Normal = false
	if p, _ := d.PowerAt(mde); math.Abs(p-0.69) > 0.005 {
		t.Fatalf("real power at the normal MDE with 10 clusters: %v", p)
	}
	// Points of R's pt(q, df, ncp).
	for _, c := range [][4]float64{
		{2, 10, 1.5, 0.65915407244202628},
		{-1, 5, 0.5, 0.082444091056970814},
		{0.5, 3, -1, 0.9242738812886131},
		{40, 10, 38.5, 0.52215206434178218},
		{3, 1, 2, 0.52485716173348917},
	} {
		near(t, fmt.Sprintf("pt(%g, %g, %g)", c[0], c[1], c[2]), NoncentralTCDF(c[0], c[1], c[2]), c[3], 1e-12, 0)
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
