package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// AlphaStats are the reliability statistics of a set of items, as
// psych::alpha reports them (total and per dropped item).
type AlphaStats struct {
	RawAlpha float64 `json:"raw_alpha"`
	StdAlpha float64 `json:"std_alpha"`
	G6       float64 `json:"g6"`
	AverageR float64 `json:"average_r"`
	SN       float64 `json:"s_n"`
}

// ItemStats describe one item: its corrected item-total correlation and the
// alpha of the scale without it.
type ItemStats struct {
	Item    string     `json:"item"`
	N       int        `json:"n"`
	Mean    float64    `json:"mean"`
	SD      float64    `json:"sd"`
	RDrop   float64    `json:"r_drop"`
	Dropped AlphaStats `json:"alpha_if_dropped"`
}

// Alpha is the result of Cronbach's alpha on a set of items.
type Alpha struct {
	Items  int         `json:"items"`
	N      int         `json:"n"`
	Total  AlphaStats  `json:"total"`
	Mean   float64     `json:"mean"` // of the persons' mean item scores
	SD     float64     `json:"sd"`
	ByItem []ItemStats `json:"by_item"`
}

// CronbachAlpha computes alpha from pairwise-complete covariances, as
// psych::alpha does by default. Rows with no item answered are ignored.
func CronbachAlpha(f *Frame, items []string) (*Alpha, error) {
	if len(items) < 2 {
		return nil, fmt.Errorf("alpha needs at least two items")
	}
	cols := make([]*Column, len(items))
	for i, it := range items {
		c, err := f.Col(it)
		if err != nil {
			return nil, err
		}
		if c.IsFactor() {
			return nil, fmt.Errorf("item %q is not numeric", it)
		}
		for i, v := range c.Numeric {
			if math.IsInf(v, 0) {
				return nil, fmt.Errorf("infinite value (Inf) in %s at row %d (line %d of the file): an item score must be finite", it, i+1, i+2)
			}
		}
		cols[i] = c
	}
	k := len(items)
	C := mat.NewSymDense(k, nil)
	R := mat.NewSymDense(k, nil)
	for a := 0; a < k; a++ {
		for b := a; b < k; b++ {
			cov, err := pairwise(cols[a].Numeric, cols[b].Numeric)
			if err != nil {
				return nil, fmt.Errorf("items %q and %q: %w", items[a], items[b], err)
			}
			C.SetSym(a, b, cov)
		}
	}
	// Correlations from the covariances (cov2cor), as psych does.
	for a := 0; a < k; a++ {
		if C.At(a, a) == 0 {
			return nil, fmt.Errorf("item %q has no variance", items[a])
		}
		for b := a; b < k; b++ {
			R.SetSym(a, b, C.At(a, b)/math.Sqrt(C.At(a, a)*C.At(b, b)))
		}
	}
	res := &Alpha{Items: k}
	all := make([]int, k)
	for i := range all {
		all[i] = i
	}
	var err error
	res.Total, err = alphaOf(C, R, all)
	if err != nil {
		return nil, err
	}
	// Mean and sd of each person's mean over answered items.
	var scores []float64
	for i := 0; i < f.N; i++ {
		sum, n := 0.0, 0
		for _, c := range cols {
			if !math.IsNaN(c.Numeric[i]) {
				sum += c.Numeric[i]
				n++
			}
		}
		if n > 0 {
			scores = append(scores, sum/float64(n))
		}
	}
	res.N = len(scores)
	res.Mean, res.SD = meanSD(scores)
	for drop := 0; drop < k; drop++ {
		rest := make([]int, 0, k-1)
		for i := 0; i < k; i++ {
			if i != drop {
				rest = append(rest, i)
			}
		}
		st := ItemStats{Item: items[drop]}
		if k > 2 {
			st.Dropped, err = alphaOf(C, R, rest)
			if err != nil {
				return nil, err
			}
		} else {
			st.Dropped = AlphaStats{RawAlpha: math.NaN(), StdAlpha: math.NaN(), G6: math.NaN(), AverageR: math.NaN(), SN: math.NaN()}
		}
		// Corrected item-total correlation from the covariances.
		cross, restVar := 0.0, 0.0
		for _, a := range rest {
			cross += C.At(drop, a)
			for _, b := range rest {
				restVar += C.At(a, b)
			}
		}
		st.RDrop = cross / math.Sqrt(C.At(drop, drop)*restVar)
		var present []float64
		for _, v := range cols[drop].Numeric {
			if !math.IsNaN(v) {
				present = append(present, v)
			}
		}
		st.N = len(present)
		st.Mean, st.SD = meanSD(present)
		res.ByItem = append(res.ByItem, st)
	}
	return res, nil
}

func alphaOf(C, R *mat.SymDense, idx []int) (AlphaStats, error) {
	k := float64(len(idx))
	tr, total, rsum, off := 0.0, 0.0, 0.0, 0.0
	for _, a := range idx {
		tr += C.At(a, a)
		for _, b := range idx {
			total += C.At(a, b)
			rsum += R.At(a, b)
			if a != b {
				off += R.At(a, b)
			}
		}
	}
	var st AlphaStats
	st.RawAlpha = (1 - tr/total) * k / (k - 1)
	st.AverageR = off / (k * (k - 1))
	st.StdAlpha = k * st.AverageR / (1 + (k-1)*st.AverageR)
	st.SN = k * st.AverageR / (1 - st.AverageR)
	// Guttman's lambda 6 from squared multiple correlations.
	sub := mat.NewSymDense(len(idx), nil)
	for i, a := range idx {
		for j, b := range idx {
			if j >= i {
				sub.SetSym(i, j, R.At(a, b))
			}
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(sub) {
		return st, fmt.Errorf("the item correlation matrix is not positive definite")
	}
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		return st, err
	}
	miss := 0.0
	for i := range idx {
		smc := 1 - 1/inv.At(i, i)
		miss += 1 - smc
	}
	st.G6 = 1 - miss/rsum
	return st, nil
}

// pairwise returns the covariance of x and y over the rows where both are
// present (n-1 denominator, as R's cov(use = "pairwise")).
func pairwise(x, y []float64) (float64, error) {
	var xs, ys []float64
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			xs, ys = append(xs, x[i]), append(ys, y[i])
		}
	}
	if len(xs) < 2 {
		return 0, fmt.Errorf("fewer than two rows answer both")
	}
	mx, _ := meanSD(xs)
	my, _ := meanSD(ys)
	cov := 0.0
	for i := range xs {
		cov += (xs[i] - mx) * (ys[i] - my)
	}
	return cov / float64(len(xs)-1), nil
}

func meanSD(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	if len(xs) < 2 {
		return m, math.NaN()
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(xs)-1))
}
