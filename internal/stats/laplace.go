package stats

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// laplaceProblem is the binomial or Poisson mixed model with several random
// intercepts ((1 | office) + (1 | person) + (1 | office:time)), fitted by
// the Laplace approximation as glmer does: for each (θ, β) the conditional
// modes û of the spherical random effects are found by penalised iteratively
// reweighted least squares, and the deviance is
//
//	−2 Σ log p(y_i | η_i) + ‖û‖² + log |Λ'Z'WZΛ + I|,
//
// with W the family's weights (the variance of y) at û. The system
// Λ'Z'WZΛ + I falls apart into independent blocks of levels that share
// observations, as in the linear model (lmmblock.go): in each, the levels
// of the largest factor are diagonal, and only the few other levels need a
// dense factor of their Schur complement.
type laplaceProblem struct {
	*glmmProblem
	K       int
	diag    int     // the term whose levels are diagonal
	term    []int   // the term of each level (all levels, numbered across terms)
	rowLv   [][]int // per row, its level of each term
	blocks  []*lpBlock
	local   []int // per level, its index among its block's diagonal or other levels
	blockOf []int // per level, its block
	// The diagonal levels' cross-products with the other levels of their
	// block, as one flat list of entries: level c's are
	// entries[start[c]:start[c+1]], each naming the other level's local
	// index; rowEntry[i][k] is the entry row i adds to for term k.
	start    []int
	entries  []int
	rowEntry [][]int
	u        []float64 // the conditional modes, kept between evaluations as a start
	// Work space, reused by every evaluation (a fit evaluates one at a
	// time): the deviance is evaluated thousands of times.
	eta0, w, wt, delta, trial, a, r, cv []float64
	O                                   [][]float64
}

// work returns buf with length n, zeroed, reallocated only when short.
func work(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	}
	*buf = (*buf)[:n]
	clear(*buf)
	return *buf
}

type lpBlock struct {
	diag, other []int // levels
}

func newLaplaceProblem(pr *glmmProblem, levels [][]int, counts []int) *laplaceProblem {
	K := len(levels)
	lp := &laplaceProblem{glmmProblem: pr, K: K}
	offset := make([]int, K)
	q := 0
	for k, n := range counts {
		offset[k] = q
		if n > counts[lp.diag] {
			lp.diag = k
		}
		q += n
		for j := 0; j < n; j++ {
			lp.term = append(lp.term, k)
		}
	}
	n := len(pr.y)
	lp.rowLv = make([][]int, n)
	sets := newDisjointSets(q)
	for i := 0; i < n; i++ {
		lp.rowLv[i] = make([]int, K)
		for k := range levels {
			lp.rowLv[i][k] = offset[k] + levels[k][i]
		}
		for k := 1; k < K; k++ {
			sets.union(lp.rowLv[i][0], lp.rowLv[i][k])
		}
	}
	lp.local, lp.blockOf = make([]int, q), make([]int, q)
	at := map[int]int{}
	for c := 0; c < q; c++ {
		root := sets.find(c)
		b, ok := at[root]
		if !ok {
			b = len(lp.blocks)
			at[root] = b
			lp.blocks = append(lp.blocks, &lpBlock{})
		}
		bl := lp.blocks[b]
		lp.blockOf[c] = b
		if lp.term[c] == lp.diag {
			lp.local[c] = len(bl.diag)
			bl.diag = append(bl.diag, c)
		} else {
			lp.local[c] = len(bl.other)
			bl.other = append(bl.other, c)
		}
	}
	// Each diagonal level's other levels, in the order rows meet them.
	others := make([][]int, q)
	lp.rowEntry = make([][]int, n)
	pos := make([][]int, n)
	for i := 0; i < n; i++ {
		d := lp.rowLv[i][lp.diag]
		pos[i] = make([]int, K)
		for k, c := range lp.rowLv[i] {
			if k == lp.diag {
				continue
			}
			at := -1
			for x, o := range others[d] {
				if o == lp.local[c] {
					at = x
				}
			}
			if at < 0 {
				at = len(others[d])
				others[d] = append(others[d], lp.local[c])
			}
			pos[i][k] = at
		}
	}
	lp.start = make([]int, q+1)
	for c := 0; c < q; c++ {
		lp.start[c+1] = lp.start[c] + len(others[c])
		lp.entries = append(lp.entries, others[c]...)
	}
	for i := 0; i < n; i++ {
		d := lp.rowLv[i][lp.diag]
		lp.rowEntry[i] = make([]int, K)
		for k := range pos[i] {
			lp.rowEntry[i][k] = lp.start[d] + pos[i][k]
		}
	}
	lp.u = make([]float64, q)
	return lp
}

// deviance is the Laplace approximation to −2 log L at (θ, β).
func (lp *laplaceProblem) deviance(theta, beta []float64) (float64, error) {
	n := len(lp.y)
	q := len(lp.u)
	eta0 := work(&lp.eta0, n)
	for i := 0; i < n; i++ {
		eta0[i] = lp.offsetAt(i)
		for j, x := range lp.X.RawRowView(i) {
			eta0[i] += x * beta[j]
		}
	}
	u := append([]float64(nil), lp.u...)
	// w holds the weights and working residuals at u (see penalised); the
	// accepted trial's are the next step's, computed once.
	w, wt := work(&lp.w, 2*n), work(&lp.wt, 2*n)
	f, _, err := lp.penalised(theta, eta0, u, w)
	if err != nil {
		return 0, err
	}
	delta := work(&lp.delta, q)
	trial := work(&lp.trial, q)
	for it := 0; it < 200; it++ {
		if _, err := lp.newton(theta, u, w, delta); err != nil {
			return 0, err
		}
		// Step halving: PIRLS must not increase the penalised deviance.
		step, moved := 1.0, false
		for ; step > 1e-10; step /= 2 {
			for c := range trial {
				trial[c] = u[c] + step*delta[c]
			}
			if ft, _, err := lp.penalised(theta, eta0, trial, wt); err == nil && ft <= f+1e-12*math.Abs(f) {
				moved = ft < f
				u, trial, f = trial, u, ft
				w, wt = wt, w
				break
			}
		}
		largest := 0.0
		for _, d := range delta {
			largest = math.Max(largest, math.Abs(step*d))
		}
		if !moved || largest < 1e-11 {
			break
		}
	}
	// The log-determinant at the mode.
	ld, err := lp.newton(theta, u, w, delta)
	if err != nil {
		return 0, err
	}
	copy(lp.u, u)
	return f + ld - 2*lp.lchoose, nil
}

// penalised is −2 Σ log p(y_i | η_i) + ‖u‖² at u (without the constant), with η = η₀ +
// Σ_k θ_k u_k; with w it also stores each row's binomial weight and
// working residual y − mμ in w[i] and w[n+i].
func (lp *laplaceProblem) penalised(theta, eta0, u, w []float64) (float64, []float64, error) {
	n := len(lp.y)
	f := 0.0
	for _, v := range u {
		f += v * v
	}
	for i := 0; i < n; i++ {
		eta := eta0[i]
		for k, c := range lp.rowLv[i] {
			eta += theta[k] * u[c]
		}
		ll, wi, res := lp.row(i, eta)
		f += -2 * ll
		if w != nil {
			w[i], w[n+i] = wi, res
		}
	}
	if math.IsNaN(f) {
		return 0, nil, errors.New("deviance is not a number")
	}
	return f, w, nil
}

// newton solves (Λ'Z'WZΛ + I) δ = Λ'Z'(y − mμ) − u at u, block by block,
// with w the weights and working residuals at u (penalised), and returns
// log |Λ'Z'WZΛ + I|.
func (lp *laplaceProblem) newton(theta, u, w, delta []float64) (float64, error) {
	n := len(lp.y)
	q := len(u)
	a := work(&lp.a, q) // diagonal of the diagonal levels; right-hand side below
	r := work(&lp.r, q)
	for c := range r {
		r[c] = -u[c]
		a[c] = 1
	}
	cv := work(&lp.cv, len(lp.entries)) // the cross-products' values
	if lp.O == nil {
		lp.O = make([][]float64, len(lp.blocks))
	}
	O := lp.O
	for b, bl := range lp.blocks {
		O[b] = work(&O[b], len(bl.other)*len(bl.other))
		for o := range bl.other {
			O[b][o*len(bl.other)+o] = 1
		}
	}
	d := lp.diag
	for i := 0; i < n; i++ {
		wi, ri := w[i], w[n+i]
		lv := lp.rowLv[i]
		dc := lv[d]
		b := lp.blockOf[dc]
		m := len(lp.blocks[b].other)
		a[dc] += theta[d] * theta[d] * wi
		r[dc] += theta[d] * ri
		for k, c := range lv {
			if k == d {
				continue
			}
			o := lp.local[c]
			r[c] += theta[k] * ri
			cv[lp.rowEntry[i][k]] += theta[d] * theta[k] * wi
			for k2, c2 := range lv {
				if k2 != d {
					O[b][o*m+lp.local[c2]] += theta[k] * theta[k2] * wi
				}
			}
		}
	}
	ld := 0.0
	for c := 0; c < q; c++ {
		if lp.term[c] == d {
			ld += math.Log(a[c])
		}
	}
	for b, bl := range lp.blocks {
		m := len(bl.other)
		if m == 0 {
			for _, c := range bl.diag {
				delta[c] = r[c] / a[c]
			}
			continue
		}
		S := O[b]
		rhs := make([]float64, m)
		for o, c := range bl.other {
			rhs[o] = r[c]
		}
		// S = O − C'A⁻¹C, rhs = r_o − C'A⁻¹r_d.
		for _, c := range bl.diag {
			es := lp.entries[lp.start[c]:lp.start[c+1]]
			vs := cv[lp.start[c]:lp.start[c+1]]
			for x, o := range es {
				v := vs[x] / a[c]
				rhs[o] -= v * r[c]
				for y, o2 := range es {
					S[o*m+o2] -= v * vs[y]
				}
			}
		}
		for x := 0; x < m; x++ {
			for y := x + 1; y < m; y++ {
				S[x*m+y] = (S[x*m+y] + S[y*m+x]) / 2
			}
		}
		U, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: m, Stride: m, Data: S})
		if !ok {
			return 0, errors.New("a block of Λ'Z'WZΛ + I is not positive definite")
		}
		for x := 0; x < m; x++ {
			ld += 2 * math.Log(S[x*m+x])
		}
		v := blas64.Vector{N: m, Inc: 1, Data: rhs}
		blas64.Trsv(blas.Trans, U, v)
		blas64.Trsv(blas.NoTrans, U, v)
		for o, c := range bl.other {
			delta[c] = rhs[o]
		}
		for _, c := range bl.diag {
			s := r[c]
			for x, o := range lp.entries[lp.start[c]:lp.start[c+1]] {
				s -= cv[lp.start[c]+x] * rhs[o]
			}
			delta[c] = s / a[c]
		}
	}
	return ld, nil
}
