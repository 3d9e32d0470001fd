package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mathext"
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
	// Normal uses the normal approximation (Donner & Klar 2000) instead of
	// the noncentral t with clusters − 2 df. With few clusters the normal
	// overstates power: at 10 clusters its MDE has a real power near 0.69.
	Normal bool
}

// Distribution names the distribution the design's power is computed with.
func (d PowerDesign) Distribution() string {
	if d.Normal {
		return "normal"
	}
	return "noncentral t"
}

// DesignEffect is 1 + ((cv² + 1) m − 1) ρ (Eldridge, Ashby & Kerry 2006),
// which is 1 + (m − 1) ρ for equal cluster sizes.
func (d PowerDesign) DesignEffect() float64 {
	return 1 + ((d.CV*d.CV+1)*d.Size-1)*d.ICC
}

// se is the standard error of the standardised effect: with N = clusters ×
// size persons split equally, Var(d) = 4 DE / N.
func (d PowerDesign) se() float64 {
	return math.Sqrt(4 * d.DesignEffect() / (float64(d.Clusters) * d.Size))
}

func (d PowerDesign) check() error {
	if d.Alpha <= 0 || d.Alpha >= 1 || d.Power <= 0 || d.Power >= 1 {
		return fmt.Errorf("alpha and power must lie between 0 and 1")
	}
	if d.Clusters < 2 || d.Size < 1 || d.ICC < 0 || d.ICC >= 1 || d.CV < 0 {
		return fmt.Errorf("need at least 2 clusters of size ≥ 1, 0 ≤ ICC < 1 and cv ≥ 0")
	}
	if !d.Normal && d.Clusters < 3 {
		return fmt.Errorf("the t distribution needs at least 3 clusters (clusters − 2 df)")
	}
	return nil
}

// PowerAt is the two-sided power to detect the standardised effect:
// P(|T| > t₁₋α/₂) for T noncentral t with clusters − 2 df and noncentrality
// effect / se, as R's power.t.test computes it (strict = TRUE); or the normal
// approximation.
func (d PowerDesign) PowerAt(effect float64) (float64, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	delta := math.Abs(effect) / d.se()
	if d.Normal {
		z := distuv.UnitNormal.Quantile(1 - d.Alpha/2)
		return distuv.UnitNormal.CDF(delta-z) + distuv.UnitNormal.CDF(-delta-z), nil
	}
	df := float64(d.Clusters - 2)
	c := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - d.Alpha/2)
	return 1 - NoncentralTCDF(c, df, delta) + NoncentralTCDF(-c, df, delta), nil
}

// MDE is the minimum detectable standardised effect at the design's power.
func (d PowerDesign) MDE() (float64, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	z := distuv.UnitNormal.Quantile(1-d.Alpha/2) + distuv.UnitNormal.Quantile(d.Power)
	if d.Normal {
		// One-sided form, as Donner & Klar: the far tail is ignored.
		return z * d.se(), nil
	}
	// Solve power(δ) = target for the noncentrality δ by bisection; power
	// rises with δ. The normal multiplier is below the answer, and the t
	// quantiles' sum is at most a few times it.
	df := float64(d.Clusters - 2)
	c := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - d.Alpha/2)
	power := func(delta float64) float64 {
		return 1 - NoncentralTCDF(c, df, delta) + NoncentralTCDF(-c, df, delta)
	}
	lo, hi := 0.0, 2*z
	for power(hi) < d.Power {
		lo, hi = hi, 2*hi
	}
	for range 200 {
		mid := (lo + hi) / 2
		if power(mid) < d.Power {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-14*hi {
			break
		}
	}
	return (lo + hi) / 2 * d.se(), nil
}

// NoncentralTCDF is P(T ≤ t) for T noncentral t with df degrees of freedom
// and noncentrality delta, by the series of Lenth (1989, AS 243) as R's pt
// computes it, to about 1e-12.
func NoncentralTCDF(t, df, delta float64) float64 {
	if df <= 0 {
		return math.NaN()
	}
	if delta == 0 {
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(t)
	}
	lower := true
	tt, del := t, delta
	if t < 0 {
		if delta > 40 {
			return 0
		}
		// P(T ≤ t; δ) = 1 − P(T ≤ −t; −δ).
		lower, tt, del = false, -t, -delta
	}
	if df > 4e5 || del*del > 2*math.Ln2*1021 {
		// The series underflows; R uses this normal approximation here.
		s := 1 / (4 * df)
		p := distuv.Normal{Mu: del, Sigma: math.Sqrt(1 + tt*tt*2*s)}.CDF(tt * (1 - s))
		if lower {
			return p
		}
		return 1 - p
	}
	x := tt * tt / (tt*tt + df)
	tnc := 0.0
	if x > 0 {
		lambda := del * del
		p := 0.5 * math.Exp(-0.5*lambda)
		q := math.Sqrt(2/math.Pi) * p * del
		s := 0.5 - p
		if s < 1e-7 {
			s = -0.5 * math.Expm1(-0.5*lambda)
		}
		a, b := 0.5, 0.5*df
		rxb := math.Pow(1-x, b)
		lgb, _ := math.Lgamma(b)
		lgb5, _ := math.Lgamma(0.5 + b)
		albeta := 0.5*math.Log(math.Pi) + lgb - lgb5
		xodd := mathext.RegIncBeta(a, b, x)
		godd := 2 * rxb * math.Exp(a*math.Log(x)-albeta)
		xeven := 1 - rxb
		if b*x < 0x1p-52 { // DBL_EPSILON
			xeven = b * x
		}
		geven := b * x * rxb
		tnc = p*xodd + q*xeven
		for it := 1; it <= 1000; it++ {
			a++
			xodd -= godd
			xeven -= geven
			godd *= x * (a + b - 1) / a
			geven *= x * (a + b - 0.5) / (a + 0.5)
			p *= lambda / float64(2*it)
			q *= lambda / float64(2*it+1)
			tnc += p*xodd + q*xeven
			s -= p
			if s < -1e-10 || s <= 0 && it > 1 {
				break
			}
			if math.Abs(2*s*(xodd-godd)) < 1e-12 {
				break
			}
		}
	}
	tnc += distuv.UnitNormal.CDF(-del)
	tnc = math.Min(tnc, 1)
	if lower {
		return tnc
	}
	return 1 - tnc
}

// detects reports whether the design's MDE is at most effect. For the t
// that is one power evaluation rather than a root search.
func (d PowerDesign) detects(effect float64) (bool, error) {
	if d.Normal {
		mde, err := d.MDE()
		return mde <= effect, err
	}
	p, err := d.PowerAt(effect)
	return p >= d.Power, err
}

// smallest returns the smallest n in [lo, hi] for which ok holds, given that
// ok is false below some point and true from it on; hi+1 when none.
func smallest(lo, hi int, ok func(int) (bool, error)) (int, error) {
	for lo <= hi {
		mid := lo + (hi-lo)/2
		yes, err := ok(mid)
		if err != nil {
			return 0, err
		}
		if yes {
			hi = mid - 1
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// SizeNeeded returns the smallest whole cluster size that detects effect
// with the design's clusters; an error when no size can (the design effect
// caps what more persons per cluster can give). The MDE falls as clusters
// grow, so the size is found by bisection.
func (d PowerDesign) SizeNeeded(effect float64) (int, error) {
	if !(effect > 0) {
		return 0, fmt.Errorf("the effect to detect must be positive, not %g", effect)
	}
	const most = 1_000_000
	m, err := smallest(1, most, func(m int) (bool, error) {
		d.Size = float64(m)
		return d.detects(effect)
	})
	if err != nil {
		return 0, err
	}
	if m > most {
		return 0, fmt.Errorf("no cluster size detects %.3g with %d clusters at ICC %.3g: add clusters", effect, d.Clusters, d.ICC)
	}
	return m, nil
}

// ClustersNeeded returns the smallest even number of clusters that detects
// effect (1:1 allocation). Power rises with the clusters, and with them the
// t's degrees of freedom, so the number is found by bisection.
func (d PowerDesign) ClustersNeeded(effect float64) (int, error) {
	if !(effect > 0) {
		return 0, fmt.Errorf("the effect to detect must be positive, not %g", effect)
	}
	const most = 50_000 // pairs
	k, err := smallest(2, most, func(k int) (bool, error) {
		d.Clusters = 2 * k
		return d.detects(effect)
	})
	if err != nil {
		return 0, err
	}
	if k > most {
		return 0, fmt.Errorf("no number of clusters up to 100 000 detects %.3g", effect)
	}
	return 2 * k, nil
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
