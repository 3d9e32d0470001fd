package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrSingular is returned when the design matrix is not of full rank.
var ErrSingular = errors.New("the design matrix is singular (a column is a combination of others)")

// ErrDegenerate is returned when a fit exists but its inference would be
// meaningless, such as a constant outcome.
var ErrDegenerate = errors.New("the fit is degenerate")

// CRType is a cluster-robust variance estimator, as clubSandwich names them.
type CRType string

const (
	CR0 CRType = "CR0" // no small-sample correction
	CR1 CRType = "CR1" // CR0 times J/(J-1)
	CR2 CRType = "CR2" // Bell-McCaffrey bias-reduced linearisation
)

// Coef is one row of a coefficient table.
type Coef struct {
	Term      string  `json:"term"`
	Estimate  float64 `json:"estimate"`
	SE        float64 `json:"se"`
	DF        float64 `json:"df,omitempty"` // absent for Wald z-tests, which have none
	Statistic float64 `json:"statistic"`
	P         float64 `json:"p"`
	// Lower and Upper bound the 95 % interval: t with the coefficient's df
	// (clubSandwich's conf_int, lmerTest's contest), or the normal for a
	// Wald z-test (glmer's confint(method = "Wald")).
	Lower float64 `json:"ci_lower"`
	Upper float64 `json:"ci_upper"`
}

// withInterval returns c with its 95 % interval.
func (c Coef) withInterval() Coef {
	crit := distuv.UnitNormal.Quantile(0.975)
	if c.DF > 0 {
		crit = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DF}.Quantile(0.975)
	}
	c.Lower, c.Upper = c.Estimate-crit*c.SE, c.Estimate+crit*c.SE
	return c
}

// RobustFit is an OLS fit with cluster-robust standard errors and
// Satterthwaite degrees of freedom per coefficient, equal to clubSandwich's
// coef_test(lm, vcov = type, cluster = g, test = "Satterthwaite").
type RobustFit struct {
	Type     CRType
	N        int
	Clusters int
	Coefs    []Coef
	VCov     *mat.SymDense
	beta     *mat.VecDense
	gOf      func(c []float64) *mat.Dense // the per-cluster vectors of a contrast
}

// WaldTest is a test of several linear constraints at once: that
// coefficients are zero, or equal.
type WaldTest struct {
	Test    string   `json:"test"`
	Terms   []string `json:"terms"`
	F       float64  `json:"f"`
	DFNum   float64  `json:"df_num"`
	DFDenom float64  `json:"df_denom"`
	P       float64  `json:"p"`
}

// WaldHTZ tests that the coefficients at idx are all zero with the
// approximate Hotelling's T² test of Pustejovsky & Tipton (2018), as
// clubSandwich's Wald_test(test = "HTZ"): Q = (Cβ)'(CVC')⁻¹(Cβ), and the
// Hotelling degrees of freedom η from the working-model variance of CVC'.
func (f *RobustFit) WaldHTZ(idx []int) (*WaldTest, error) {
	p := f.VCov.SymmetricDim()
	if len(idx) == 0 {
		return nil, fmt.Errorf("name at least one coefficient to test")
	}
	C := make([][]float64, len(idx))
	var terms []string
	for s, k := range idx {
		if k < 0 || k >= p {
			return nil, fmt.Errorf("no coefficient %d", k)
		}
		C[s] = make([]float64, p)
		C[s][k] = 1
		terms = append(terms, f.Coefs[k].Term)
	}
	return f.waldHTZ(C, terms)
}

// WaldEqual tests that the coefficients at idx are all equal (q − 1
// constraints β_first = β_k), as Wald_test with constrain_equal.
func (f *RobustFit) WaldEqual(idx []int) (*WaldTest, error) {
	p := f.VCov.SymmetricDim()
	if len(idx) < 2 {
		return nil, fmt.Errorf("name at least two coefficients to test as equal")
	}
	var C [][]float64
	terms := []string{f.Coefs[idx[0]].Term}
	for _, k := range idx[1:] {
		if k < 0 || k >= p || k == idx[0] {
			return nil, fmt.Errorf("no coefficient %d, or named twice", k)
		}
		c := make([]float64, p)
		c[idx[0]], c[k] = -1, 1
		C = append(C, c)
		terms = append(terms, f.Coefs[k].Term)
	}
	return f.waldHTZ(C, terms)
}

// waldHTZ tests Cβ = 0, one constraint per row of C.
func (f *RobustFit) waldHTZ(C [][]float64, terms []string) (*WaldTest, error) {
	q := len(C)
	Gs := make([]*mat.Dense, q)
	for s, c := range C {
		Gs[s] = f.gOf(c)
	}
	J := f.Clusters
	// P[s][t] = G_s G_t' (J×J): P_st,jk = g_sj'g_tk.
	P := make([][]*mat.Dense, q)
	for s := range P {
		P[s] = make([]*mat.Dense, q)
		for t := range P[s] {
			var m mat.Dense
			m.Mul(Gs[s], Gs[t].T())
			P[s][t] = &m
		}
	}
	omega := mat.NewSymDense(q, nil)
	for s := 0; s < q; s++ {
		for t := s; t < q; t++ {
			omega.SetSym(s, t, mat.Trace(P[s][t]))
		}
	}
	on, err := invSqrt(omega)
	if err != nil {
		return nil, fmt.Errorf("the tested coefficients are not separately estimable: %w", err)
	}
	// B_jk = Ω^-1/2 P_jk Ω^-1/2 for every pair of clusters.
	B := make([][]*mat.Dense, q) // B[s][t] is J×J
	for s := range B {
		B[s] = make([]*mat.Dense, q)
		for t := range B[s] {
			B[s][t] = mat.NewDense(J, J, nil)
		}
	}
	pjk := mat.NewDense(q, q, nil)
	var tmp, b mat.Dense
	for j := 0; j < J; j++ {
		for k := 0; k < J; k++ {
			for s := 0; s < q; s++ {
				for t := 0; t < q; t++ {
					pjk.Set(s, t, P[s][t].At(j, k))
				}
			}
			tmp.Mul(on, pjk)
			b.Mul(&tmp, on)
			for s := 0; s < q; s++ {
				for t := 0; t < q; t++ {
					B[s][t].Set(j, k, b.At(s, t))
				}
			}
		}
	}
	total := 0.0
	for s := 0; s < q; s++ {
		for t := 0; t <= s; t++ {
			v := 0.0
			for j := 0; j < J; j++ {
				for k := 0; k < J; k++ {
					v += B[s][t].At(j, k)*B[t][s].At(j, k) + B[s][s].At(j, k)*B[t][t].At(j, k)
				}
			}
			total += v
			if t != s {
				total += v
			}
		}
	}
	nu := float64(q*(q+1)) / total
	// Q = (Cβ)'(CVC')⁻¹(Cβ)
	cb := mat.NewVecDense(q, nil)
	cvc := mat.NewSymDense(q, nil)
	w := &WaldTest{Test: "HTZ", Terms: terms}
	for s := range C {
		cs := mat.NewVecDense(len(C[s]), C[s])
		cb.SetVec(s, mat.Dot(cs, f.beta))
		for t := s; t < q; t++ {
			cvc.SetSym(s, t, mat.Inner(cs, f.VCov, mat.NewVecDense(len(C[t]), C[t])))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(cvc) {
		return nil, ErrSingular
	}
	var sol mat.VecDense
	if err := ch.SolveVecTo(&sol, cb); err != nil {
		return nil, err
	}
	Q := mat.Dot(cb, &sol)
	delta := math.Max((nu-float64(q)+1)/nu, 0)
	w.DFNum, w.DFDenom = float64(q), nu-float64(q)+1
	w.F = delta * Q / float64(q)
	w.P = math.NaN()
	if w.DFDenom > 0 {
		w.P = 1 - distuv.F{D1: w.DFNum, D2: w.DFDenom}.CDF(w.F)
	}
	return w, nil
}

// Robust fits y = Xβ by OLS and computes the cluster-robust covariance of β
// with working model Φ = I (as clubSandwich does for lm).
func Robust(d *Design, cluster []int, nClusters int, typ CRType) (*RobustFit, error) {
	n, p := d.X.Dims()
	if nClusters < 2 {
		return nil, fmt.Errorf("cluster-robust inference needs at least two clusters, the data has %d", nClusters)
	}
	if n <= p {
		return nil, fmt.Errorf("%d observations cannot fit %d coefficients", n, p)
	}
	// Least squares through the QR decomposition of X, as R's lm: forming
	// X'X would square X's condition number, and a covariate far from zero
	// (x around 10 000) or a shifted outcome would then read as singular or
	// lose digits. With an intercept the outcome is centred first, which
	// changes only the intercept's estimate, by exactly the mean.
	//
	// Likewise every column but the intercept is centred: X̃ = X T with
	// T = I − e₀m', so β = T β̃ and V = T Ṽ T'. Without it the robust
	// covariance of a slope on a column far from zero is a difference of
	// huge intercept terms, and loses digits to cancellation.
	cen, X := centre(d)
	ic := cen.ic
	var qr mat.QR
	qr.Factorize(X)
	if cond := qr.Cond(); math.IsInf(cond, 0) || math.IsNaN(cond) || cond > 1e10 {
		return nil, ErrSingular
	}
	var rfull mat.Dense
	qr.RTo(&rfull)
	rinv := mat.NewTriDense(p, mat.Upper, nil)
	for i := range p {
		for j := i; j < p; j++ {
			rinv.SetTri(i, j, rfull.At(i, j))
		}
	}
	if err := rinv.InverseTri(rinv); err != nil {
		return nil, ErrSingular
	}
	// W = X R⁻¹ has orthonormal columns: the hat matrix is W W', and
	// (X'X)⁻¹ = R⁻¹ R⁻ᵀ.
	var W mat.Dense
	W.Mul(X, rinv)
	var M mat.SymDense
	M.SymOuterK(1, rinv)
	y := d.gaussianY()
	yMean := 0.0
	if ic >= 0 {
		yMean = mat.Sum(y) / float64(n)
	}
	yc := mat.NewVecDense(n, nil)
	for i := range n {
		yc.SetVec(i, y.AtVec(i)-yMean)
	}
	var wty, beta mat.VecDense
	wty.MulVec(W.T(), yc)
	beta.MulVec(rinv, &wty)
	var fitted, resid mat.VecDense
	fitted.MulVec(&W, &wty)
	resid.SubVec(yc, &fitted)
	if ic >= 0 {
		// β₀ = β̃₀ − m'β̃ + ȳ; the slopes are the same.
		beta.SetVec(ic, beta.AtVec(ic)+yMean)
		cen.beta(&beta)
	}
	if err := degenerate(y, &resid); err != nil {
		return nil, err
	}

	// Rows of each cluster.
	members := make([][]int, nClusters)
	for i, c := range cluster {
		members[c] = append(members[c], i)
	}
	// Per cluster: X_j, and the adjustment A_j.
	Xj := make([]*mat.Dense, nClusters)
	Aj := make([]*mat.Dense, nClusters)
	for j, rows := range members {
		if len(rows) == 0 {
			return nil, fmt.Errorf("cluster %d has no rows", j)
		}
		x := mat.NewDense(len(rows), p, nil)
		for r, i := range rows {
			x.SetRow(r, X.RawRowView(i))
		}
		Xj[j] = x
		switch typ {
		case CR0, CR1:
			Aj[j] = identity(len(rows))
		case CR2:
			// A_j = (I - X_j M X_j')^(-1/2), the symmetric inverse square root.
			wj := mat.NewDense(len(rows), p, nil)
			for r, i := range rows {
				wj.SetRow(r, W.RawRowView(i))
			}
			var h mat.Dense
			h.Mul(wj, wj.T())
			b := mat.NewSymDense(len(rows), nil)
			for r := 0; r < len(rows); r++ {
				for c := r; c < len(rows); c++ {
					v := -h.At(r, c)
					if r == c {
						v++
					}
					b.SetSym(r, c, v)
				}
			}
			a, err := powerHalf(b, true)
			if err != nil {
				return nil, fmt.Errorf("CR2 adjustment for cluster %d: %w", j, err)
			}
			Aj[j] = a
		default:
			return nil, fmt.Errorf("unknown estimator %q (CR0, CR1, CR2)", typ)
		}
	}
	scale := 1.0
	if typ == CR1 {
		scale = float64(nClusters) / float64(nClusters-1)
	}
	// meat = Σ_j X_j' A_j e_j e_j' A_j X_j ; u_j = X_j' A_j e_j.
	meat := mat.NewSymDense(p, nil)
	for j, rows := range members {
		e := mat.NewVecDense(len(rows), nil)
		for r, i := range rows {
			e.SetVec(r, resid.AtVec(i))
		}
		var ae, u mat.VecDense
		ae.MulVec(Aj[j], e)
		u.MulVec(Xj[j].T(), &ae)
		meat.SymRankOne(meat, scale, &u)
	}
	var tmp, vc mat.Dense
	tmp.Mul(&M, meat)
	vc.Mul(&tmp, &M)
	// vc is symmetric up to rounding: its upper triangle, then T Ṽ T'.
	Vc := mat.NewSymDense(p, nil)
	for r := 0; r < p; r++ {
		for c := r; c < p; c++ {
			Vc.SetSym(r, c, (vc.At(r, c)+vc.At(c, r))/2)
		}
	}
	V := cen.vcov(Vc)

	// Satterthwaite: for a contrast c, g_j' = c' M X_j' A_j (I - H)_j, an
	// n-vector per cluster; df = (Σ g_j'g_j)^2 / Σ_i Σ_j (g_i'g_j)^2.
	// (I - H)_j = E_j - X_j M X', so g_j = E_j' A_j X_j M c - X M X_j' A_j X_j M c.
	fit := &RobustFit{Type: typ, N: n, Clusters: nClusters, VCov: V, beta: &beta}
	fit.gOf = func(c []float64) *mat.Dense {
		w := mat.NewVecDense(p, nil)
		w.MulVec(&M, mat.NewVecDense(p, cen.contrast(c)))
		G := mat.NewDense(nClusters, n, nil)
		for j, rows := range members {
			var xw, axw, q, xq mat.VecDense
			xw.MulVec(Xj[j], w)       // X_j M c
			axw.MulVec(Aj[j], &xw)    // A_j X_j M c
			q.MulVec(Xj[j].T(), &axw) // X_j' A_j X_j M c  (p)
			var mq mat.VecDense
			mq.MulVec(&M, &q) // M X_j' A_j X_j M c
			xq.MulVec(X, &mq) // X M X_j' A_j X_j M c (n)
			g := G.RawRowView(j)
			for i := range g {
				g[i] = -xq.AtVec(i)
			}
			for r, i := range rows {
				g[i] += axw.AtVec(r)
			}
			if scale != 1 {
				s := math.Sqrt(scale)
				for i := range g {
					g[i] *= s
				}
			}
		}
		return G
	}
	for k := 0; k < p; k++ {
		c := make([]float64, p)
		c[k] = 1
		fit.Coefs = append(fit.Coefs, tRow(d.Names[k], beta.AtVec(k), math.Sqrt(V.At(k, k)), fit.satterthwaiteDF(c)))
	}
	return fit, nil
}

// degenerate refuses a fit whose residuals are zero: the standard errors
// are then rounding noise (3.5e-16 for a constant outcome) and their
// p-values meaningless. R's summary.lm warns "essentially perfect fit"; a
// trial table must not carry such a row at all. The bound is relative to the
// outcome's magnitude, so that shifting y does not change the verdict.
func degenerate(y, resid *mat.VecDense) error {
	n := y.Len()
	lo, hi, big := math.Inf(1), math.Inf(-1), 0.0
	for i := range n {
		v := y.AtVec(i)
		lo, hi, big = min(lo, v), max(hi, v), max(big, math.Abs(v))
	}
	if lo == hi {
		return fmt.Errorf("%w: the outcome is %g in every row used, so there is nothing to estimate", ErrDegenerate, lo)
	}
	if rms := mat.Norm(resid, 2) / math.Sqrt(float64(n)); rms <= 1e-10*big {
		return fmt.Errorf("%w: the model reproduces the outcome exactly (residuals are zero), so its standard errors and p-values would be rounding noise; check that the outcome is not a covariate or a sum of them", ErrDegenerate)
	}
	return nil
}

func identity(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// invSqrt returns S^(-1/2) of a symmetric positive definite S.
func invSqrt(s *mat.SymDense) (*mat.Dense, error) { return powerHalf(s, false) }

// powerHalf returns s^(-1/2). With general set, eigenvalues at or below
// 1e-12 give zero instead of an error: the Moore-Penrose inverse square
// root clubSandwich takes for CR2 when a cluster's rows are fully determined
// by its own fixed effects (I - H_j singular).
func powerHalf(s *mat.SymDense, general bool) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, errors.New("eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	n := len(vals)
	d := mat.NewDense(n, n, nil)
	for i, v := range vals {
		if v <= 1e-12 {
			if general {
				continue
			}
			return nil, errors.New("the matrix is singular")
		}
		d.Set(i, i, 1/math.Sqrt(v))
	}
	var tmp, out mat.Dense
	tmp.Mul(&vecs, d)
	out.Mul(&tmp, vecs.T())
	return &out, nil
}

// satterthwaiteDF is the Satterthwaite degrees of freedom of the contrast
// c: (Σ g_j'g_j)² / Σ_i Σ_j (g_i'g_j)² over the clusters' vectors g_j.
func (f *RobustFit) satterthwaiteDF(c []float64) float64 {
	G := f.gOf(c)
	var gg mat.Dense
	gg.Mul(G, G.T())
	num, den := 0.0, 0.0
	for a := 0; a < f.Clusters; a++ {
		num += gg.At(a, a)
		for b := 0; b < f.Clusters; b++ {
			den += gg.At(a, b) * gg.At(a, b)
		}
	}
	return num * num / den
}
