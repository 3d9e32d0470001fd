package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// maxKRObservations bounds the Kenward-Roger computation, which works with
// the n×n marginal covariance.
const maxKRObservations = 5000

// KenwardRoger returns, for each contrast c of the fixed effects, the
// Kenward-Roger adjusted standard error and denominator degrees of freedom
// (Kenward & Roger 1997, as pbkrtest computes them for a REML fit): Σ =
// Σ_r σ²_r Z_r Z_r' + σ² I.
func (pr *lmmProblem) kenwardRoger(variances []float64, sigma2 float64, groupsOf [][]int, contrasts [][]float64) (se, df []float64, err error) {
	n, p := pr.n, pr.p
	if n > maxKRObservations {
		return nil, nil, fmt.Errorf("Kenward-Roger needs the %d×%d marginal covariance; use Satterthwaite above %d observations", n, n, maxKRObservations)
	}
	// G_r = Z_r Z_r' and G_res = I; Σ = Σ θ_r G_r.
	K := len(variances)
	G := make([]*mat.SymDense, K+1)
	for r := 0; r < K; r++ {
		g := mat.NewSymDense(n, nil)
		lv := groupsOf[r]
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				if lv[i] == lv[j] {
					g.SetSym(i, j, 1)
				}
			}
		}
		G[r] = g
	}
	I := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		I.SetSym(i, i, 1)
	}
	G[K] = I
	par := append(append([]float64(nil), variances...), sigma2)
	S := mat.NewSymDense(n, nil)
	for r, g := range G {
		S.AddSym(S, scaledSym(g, par[r]))
	}
	var chol mat.Cholesky
	if !chol.Factorize(S) {
		return nil, nil, errors.New("the marginal covariance is not positive definite")
	}
	var Sinv mat.SymDense
	if err := chol.InverseTo(&Sinv); err != nil {
		return nil, nil, err
	}
	// Φ = (X'Σ⁻¹X)⁻¹
	var SiX mat.Dense
	SiX.Mul(&Sinv, pr.X)
	var XtSiX mat.Dense
	XtSiX.Mul(pr.X.T(), &SiX)
	var Phi mat.Dense
	if err := Phi.Inverse(&XtSiX); err != nil {
		return nil, nil, ErrSingular
	}
	// P = Σ⁻¹ - Σ⁻¹X Φ X'Σ⁻¹ (the REML projection).
	var tmp, Pm mat.Dense
	tmp.Mul(&SiX, &Phi)
	Pm.Mul(&tmp, SiX.T())
	Pm.Sub(&Sinv, &Pm)
	m := K + 1
	// Σ⁻¹ G_r, and P_r = -X'Σ⁻¹ G_r Σ⁻¹ X.
	SiG := make([]*mat.Dense, m)
	Pr := make([]*mat.Dense, m)
	PG := make([]*mat.Dense, m)
	for r := 0; r < m; r++ {
		var a mat.Dense
		a.Mul(&Sinv, G[r])
		SiG[r] = &a
		var b, c mat.Dense
		b.Mul(&a, &SiX) // Σ⁻¹ G_r Σ⁻¹ X
		c.Mul(pr.X.T(), &b)
		c.Scale(-1, &c)
		Pr[r] = &c
		var d mat.Dense
		d.Mul(&Pm, G[r])
		PG[r] = &d
	}
	// W = inverse of the REML information: I_rs = ½ tr(P G_r P G_s).
	info := mat.NewSymDense(m, nil)
	for r := 0; r < m; r++ {
		for s := r; s < m; s++ {
			info.SetSym(r, s, 0.5*traceProduct(PG[r], PG[s]))
		}
	}
	var wc mat.Cholesky
	if !wc.Factorize(info) {
		return nil, nil, errors.New("the information of the variance parameters is singular")
	}
	var W mat.SymDense
	if err := wc.InverseTo(&W); err != nil {
		return nil, nil, err
	}
	// Λ = Φ [Σ_rs W_rs (Q_rs - P_r Φ P_s)] Φ, Q_rs = X'Σ⁻¹G_rΣ⁻¹G_sΣ⁻¹X.
	inner := mat.NewDense(p, p, nil)
	for r := 0; r < m; r++ {
		for s := 0; s < m; s++ {
			var a, q mat.Dense
			a.Mul(SiG[r], SiG[s]) // Σ⁻¹G_rΣ⁻¹G_s
			var b mat.Dense
			b.Mul(&a, &SiX)
			q.Mul(pr.X.T(), &b)
			var pp, ppp mat.Dense
			pp.Mul(Pr[r], &Phi)
			ppp.Mul(&pp, Pr[s])
			q.Sub(&q, &ppp)
			q.Scale(W.At(r, s), &q)
			inner.Add(inner, &q)
		}
	}
	var lam, lt mat.Dense
	lt.Mul(&Phi, inner)
	lam.Mul(&lt, &Phi)
	var PhiA mat.Dense
	PhiA.Scale(2, &lam)
	PhiA.Add(&Phi, &PhiA)
	se = make([]float64, len(contrasts))
	df = make([]float64, len(contrasts))
	for j, c := range contrasts {
		cv := mat.NewVecDense(p, c)
		se[j] = sqrtPos(mat.Inner(cv, &PhiA, cv))
		// One contrast (q = 1): Θ = L (L'ΦL)⁻¹ L' with L = c.
		theta := mat.NewDense(p, p, nil)
		theta.Outer(1/mat.Inner(cv, &Phi, cv), cv, cv)
		var A1, A2 float64
		TPP := make([]*mat.Dense, m)
		for r := 0; r < m; r++ {
			var a, b mat.Dense
			a.Mul(&Phi, Pr[r])
			b.Mul(&a, &Phi)
			var c mat.Dense
			c.Mul(theta, &b)
			TPP[r] = &c
		}
		for r := 0; r < m; r++ {
			for s := 0; s < m; s++ {
				A1 += W.At(r, s) * mat.Trace(TPP[r]) * mat.Trace(TPP[s])
				A2 += W.At(r, s) * traceProduct(TPP[r], TPP[s])
			}
		}
		const q = 1.0
		B := (A1 + 6*A2) / (2 * q)
		g := ((q+1)*A1 - (q+4)*A2) / ((q + 2) * A2)
		c1 := g / (3*q + 2*(1-g))
		c2 := (q - g) / (3*q + 2*(1-g))
		c3 := (q + 2 - g) / (3*q + 2*(1-g))
		Estar := 1 / (1 - A2/q)
		Vstar := 2 / q * (1 + c1*B) / ((1 - c2*B) * (1 - c2*B) * (1 - c3*B))
		rho := Vstar / (2 * Estar * Estar)
		df[j] = 4 + (q+2)/(q*rho-1)
	}
	return se, df, nil
}

func scaledSym(a *mat.SymDense, s float64) *mat.SymDense {
	var out mat.SymDense
	out.ScaleSym(s, a)
	return &out
}

// traceProduct is tr(AB) without forming AB.
func traceProduct(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	t := 0.0
	for i := 0; i < r; i++ {
		for k := 0; k < c; k++ {
			t += a.At(i, k) * b.At(k, i)
		}
	}
	return t
}

func sqrtPos(x float64) float64 {
	if x < 0 {
		return 0
	}
	return math.Sqrt(x)
}
