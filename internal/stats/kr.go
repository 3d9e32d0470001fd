package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// maxKRBlock bounds the Kenward-Roger computation, which works with the
// marginal covariance of each independent block of observations densely.
const maxKRBlock = 5000

// krBlock is one independent block of observations: the rows that share a
// level of some grouping factor, transitively. Σ is block diagonal over
// them (offices, when every other factor is nested in the office).
type krBlock struct {
	rows []int
	Sinv *mat.SymDense // Σ_b⁻¹
	SiX  *mat.Dense    // Σ_b⁻¹ X_b
	SiG  []*mat.Dense  // Σ_b⁻¹ G_rb, for every variance parameter r
	B    []*mat.Dense  // G_rb Σ_b⁻¹ X_b
}

// KenwardRoger returns, for each contrast c of the fixed effects, the
// Kenward-Roger adjusted standard error and denominator degrees of freedom
// (Kenward & Roger 1997, as pbkrtest computes them for a REML fit): Σ =
// Σ_r σ²_r Z_r Z_r' + σ² W⁻¹. Every quantity is a sum over the independent
// blocks of observations, so the cost is that of the largest block, not of
// the n×n marginal covariance: with P = Σ⁻¹ − Σ⁻¹XΦX'Σ⁻¹,
//
//	tr(P G_r P G_s) = tr(Σ⁻¹G_rΣ⁻¹G_s) − 2 tr(Φ Q_rs) + tr(Φ P_r Φ P_s),
//
// Q_rs = X'Σ⁻¹G_rΣ⁻¹G_sΣ⁻¹X and P_r = −X'Σ⁻¹G_rΣ⁻¹X.
func (pr *lmmProblem) kenwardRoger(variances []float64, sigma2 float64, groupsOf [][]int, contrasts [][]float64) (se, df []float64, err error) {
	p := pr.p
	K := len(variances)
	m := K + 1
	blocks := independentBlocks(pr.n, groupsOf)
	XtSiX := mat.NewSymDense(p, nil)
	for _, b := range blocks {
		nb := len(b.rows)
		if nb > maxKRBlock {
			return nil, nil, fmt.Errorf("Kenward-Roger needs the %d×%d marginal covariance of a block of observations that share levels; use Satterthwaite above %d", nb, nb, maxKRBlock)
		}
		// Each factor's levels within the block, numbered from 0: G_rb =
		// Z_rb Z_rb' is 1 where two rows share a level, so a product with it
		// is a sum by level, never an nb×nb×nb multiplication.
		lvl := make([][]int, K)
		nl := make([]int, K)
		for r := 0; r < K; r++ {
			lvl[r] = make([]int, nb)
			at := map[int]int{}
			for a, i := range b.rows {
				l, ok := at[groupsOf[r][i]]
				if !ok {
					l = len(at)
					at[groupsOf[r][i]] = l
				}
				lvl[r][a] = l
			}
			nl[r] = len(at)
		}
		S := mat.NewSymDense(nb, nil)
		for a := 0; a < nb; a++ {
			for c := a; c < nb; c++ {
				v := 0.0
				if a == c {
					v = sigma2 / pr.weight(b.rows[a]) // Var(e_i) = σ²/w_i
				}
				for r := 0; r < K; r++ {
					if lvl[r][a] == lvl[r][c] {
						v += variances[r]
					}
				}
				S.SetSym(a, c, v)
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(S) {
			return nil, nil, errors.New("the marginal covariance is not positive definite")
		}
		b.Sinv = mat.NewSymDense(nb, nil)
		if err := chol.InverseTo(b.Sinv); err != nil {
			return nil, nil, err
		}
		Xb := mat.NewDense(nb, p, nil)
		for a, i := range b.rows {
			Xb.SetRow(a, pr.X.RawRowView(i))
		}
		b.SiX = mat.NewDense(nb, p, nil)
		b.SiX.Mul(b.Sinv, Xb)
		var xs mat.Dense
		xs.Mul(Xb.T(), b.SiX)
		addSym(XtSiX, &xs)
		b.SiG, b.B = make([]*mat.Dense, m), make([]*mat.Dense, m)
		for r := 0; r < K; r++ {
			// (Σ⁻¹G_r)_ac = Σ over the rows k at c's level of Σ⁻¹_ak.
			sums := make([]float64, nl[r])
			b.SiG[r] = mat.NewDense(nb, nb, nil)
			for a := 0; a < nb; a++ {
				clear(sums)
				for k := 0; k < nb; k++ {
					sums[lvl[r][k]] += b.Sinv.At(a, k)
				}
				row := b.SiG[r].RawRowView(a)
				for c := range row {
					row[c] = sums[lvl[r][c]]
				}
			}
			// G_r Σ⁻¹X: each row the sum of Σ⁻¹X over the rows at its level.
			ls := mat.NewDense(nl[r], p, nil)
			for k := 0; k < nb; k++ {
				dst := ls.RawRowView(lvl[r][k])
				for j, v := range b.SiX.RawRowView(k) {
					dst[j] += v
				}
			}
			b.B[r] = mat.NewDense(nb, p, nil)
			for a := 0; a < nb; a++ {
				copy(b.B[r].RawRowView(a), ls.RawRowView(lvl[r][a]))
			}
		}
		// The residual's G is W⁻¹ (the identity without weights).
		b.SiG[K] = mat.DenseCopyOf(b.Sinv)
		b.B[K] = b.SiX
		if pr.w != nil {
			b.B[K] = mat.DenseCopyOf(b.SiX)
			for a, i := range b.rows {
				inv := 1 / pr.w[i]
				for c := 0; c < nb; c++ {
					b.SiG[K].Set(c, a, b.SiG[K].At(c, a)*inv)
				}
				row := b.B[K].RawRowView(a)
				for j := range row {
					row[j] *= inv
				}
			}
		}
	}
	var Phi mat.Dense
	if err := Phi.Inverse(XtSiX); err != nil {
		return nil, nil, ErrSingular
	}
	// P_r, Q_rs and tr(Σ⁻¹G_rΣ⁻¹G_s), summed over the blocks.
	Pr := make([]*mat.Dense, m)
	Q := make([][]*mat.Dense, m)
	T1 := mat.NewDense(m, m, nil)
	for r := 0; r < m; r++ {
		Pr[r] = mat.NewDense(p, p, nil)
		Q[r] = make([]*mat.Dense, m)
		for s := 0; s < m; s++ {
			Q[r][s] = mat.NewDense(p, p, nil)
		}
	}
	for _, b := range blocks {
		SiB := make([]*mat.Dense, m)
		for r := 0; r < m; r++ {
			var pb mat.Dense
			pb.Mul(b.SiX.T(), b.B[r])
			Pr[r].Sub(Pr[r], &pb)
			SiB[r] = &mat.Dense{}
			SiB[r].Mul(b.Sinv, b.B[r])
		}
		for r := 0; r < m; r++ {
			for s := 0; s < m; s++ {
				var q mat.Dense
				q.Mul(b.B[r].T(), SiB[s])
				Q[r][s].Add(Q[r][s], &q)
				if s >= r {
					T1.Set(r, s, T1.At(r, s)+traceProduct(b.SiG[r], b.SiG[s]))
				}
			}
		}
	}
	// W = inverse of the REML information: I_rs = ½ tr(P G_r P G_s).
	PhiP := make([]*mat.Dense, m)
	for r := 0; r < m; r++ {
		PhiP[r] = &mat.Dense{}
		PhiP[r].Mul(&Phi, Pr[r])
	}
	info := mat.NewSymDense(m, nil)
	for r := 0; r < m; r++ {
		for s := r; s < m; s++ {
			var pq mat.Dense
			pq.Mul(&Phi, Q[r][s])
			info.SetSym(r, s, 0.5*(T1.At(r, s)-2*mat.Trace(&pq)+traceProduct(PhiP[r], PhiP[s])))
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
	// Λ = Φ [Σ_rs W_rs (Q_rs - P_r Φ P_s)] Φ.
	inner := mat.NewDense(p, p, nil)
	for r := 0; r < m; r++ {
		for s := 0; s < m; s++ {
			var ppp, q mat.Dense
			ppp.Mul(Pr[r], PhiP[s])
			q.Sub(Q[r][s], &ppp)
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
	// Φ P_r Φ, the same for every contrast.
	PhiPPhi := make([]*mat.Dense, m)
	for r := 0; r < m; r++ {
		PhiPPhi[r] = &mat.Dense{}
		PhiPPhi[r].Mul(PhiP[r], &Phi)
	}
	for j, c := range contrasts {
		cv := mat.NewVecDense(p, c)
		se[j] = sqrtPos(mat.Inner(cv, &PhiA, cv))
		// One contrast (q = 1): Θ = L (L'ΦL)⁻¹ L' with L = c.
		theta := mat.NewDense(p, p, nil)
		theta.Outer(1/mat.Inner(cv, &Phi, cv), cv, cv)
		var A1, A2 float64
		TPP := make([]*mat.Dense, m)
		for r := 0; r < m; r++ {
			TPP[r] = &mat.Dense{}
			TPP[r].Mul(theta, PhiPPhi[r])
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

// addSym adds the symmetric part of a to s.
func addSym(s *mat.SymDense, a mat.Matrix) {
	p := s.SymmetricDim()
	for r := 0; r < p; r++ {
		for c := r; c < p; c++ {
			s.SetSym(r, c, s.At(r, c)+(a.At(r, c)+a.At(c, r))/2)
		}
	}
}

// independentBlocks partitions n rows into the blocks that no grouping
// factor crosses: rows sharing a level of any factor, transitively.
func independentBlocks(n int, groupsOf [][]int) []*krBlock {
	sets := newDisjointSets(n)
	for _, lv := range groupsOf {
		first := map[int]int{}
		for i, l := range lv {
			if f, ok := first[l]; ok {
				sets.union(i, f)
			} else {
				first[l] = i
			}
		}
	}
	at := map[int]*krBlock{}
	var out []*krBlock
	for i := 0; i < n; i++ {
		root := sets.find(i)
		b := at[root]
		if b == nil {
			b = &krBlock{}
			at[root] = b
			out = append(out, b)
		}
		b.rows = append(b.rows, i)
	}
	return out
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
