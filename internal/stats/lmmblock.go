package stats

import (
	"errors"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// The random-effects system A = ΛZ'ZΛ + I of a random-intercept model falls
// apart into independent blocks: levels that never share an observation do
// not interact. Persons nested in offices give one block per office. Within a
// block, the levels of the largest factor (persons) form a diagonal part —
// one row meets exactly one level of each factor — so only the few other
// levels (the office, its office×time cells) need a dense Cholesky factor of
// their Schur complement. The cost of one deviance evaluation is then linear
// in the number of observations instead of cubic in the number of levels.

// lmmBlock holds one block's cross-products, which do not depend on θ.
type lmmBlock struct {
	// The diagonal part: levels of the largest factor in this block.
	dN    []float64 // n_j, observations of level j
	dZy   []float64 // (Z'y)_j
	dZX   []float64 // (Z'X)_j, len(dN)×p, row-major
	cross [][]crossEntry
	// groups aggregates the diagonal levels by their number of observations:
	// every θ-dependent weight of a diagonal level depends on it only
	// through n_j, so sums over levels with equal n_j are computed once.
	groups []nGroup
	// sparse keeps dN and cross for the other levels' Schur complement:
	// when the diagonal levels each meet a few of many other levels (a
	// crossed design), summing their few cross-products level by level
	// costs less than one dense m×m sum per group of equal n.
	sparse bool
	// The other levels of the block.
	oTerm []int      // factor of each other level
	oZZ   *mat.Dense // Z'Z among them
	oZy   []float64  // Z'y
	oZX   *mat.Dense // Z'X, m×p
}

// nGroup sums the diagonal levels of a block that have n observations.
type nGroup struct {
	n, count float64
	yy       float64   // Σ (Z'y)_j²
	XX       []float64 // Σ (Z'X)_j (Z'X)_j', p×p
	Xy       []float64 // Σ (Z'X)_j (Z'y)_j
	oX       []float64 // per other level o: Σ c_jo (Z'X)_j, m×p
	oy       []float64 // per other level o: Σ c_jo (Z'y)_j
	oo       []float64 // Σ c_jo c_jo', m×m
}

type crossEntry struct {
	o     int     // index among the block's other levels
	count float64 // observations shared with the diagonal level
}

// blockStructure splits the random-effect columns into blocks and gathers
// each block's cross-products.
func (pr *lmmProblem) blockStructure(diagTerm int) error {
	q, p := pr.q, pr.p
	sets := newDisjointSets(q)
	for _, cols := range pr.col {
		for _, c := range cols[1:] {
			sets.union(cols[0], c)
		}
	}
	find := sets.find
	// Index blocks and, within each, the diagonal and other levels.
	blockOf := map[int]int{}
	local := make([]int, q) // index within its block's diagonal or other list
	isDiag := make([]bool, q)
	var blocks []*lmmBlock
	for c := 0; c < q; c++ {
		r := find(c)
		b, ok := blockOf[r]
		if !ok {
			b = len(blocks)
			blockOf[r] = b
			blocks = append(blocks, &lmmBlock{})
		}
		bl := blocks[b]
		if pr.term[c] == diagTerm {
			isDiag[c] = true
			local[c] = len(bl.dN)
			bl.dN = append(bl.dN, 0)
			bl.dZy = append(bl.dZy, 0)
			bl.cross = append(bl.cross, nil)
		} else {
			local[c] = len(bl.oTerm)
			bl.oTerm = append(bl.oTerm, pr.term[c])
		}
	}
	for _, bl := range blocks {
		bl.dZX = make([]float64, len(bl.dN)*p)
		m := len(bl.oTerm)
		if m > 0 {
			bl.oZZ = mat.NewDense(m, m, nil)
			bl.oZX = mat.NewDense(m, p, nil)
		}
		bl.oZy = make([]float64, m)
	}
	crossCount := make([]map[int]float64, q)
	for i, cols := range pr.col {
		var diag = -1
		for _, c := range cols {
			if isDiag[c] {
				diag = c
			}
		}
		if diag < 0 {
			return errors.New("internal: an observation without a level of the largest factor")
		}
		bl := blocks[blockOf[find(diag)]]
		row := pr.X.RawRowView(i)
		// A weighted row counts as its weight: the sums are Z'WZ, Z'Wy
		// and Z'WX.
		wt := pr.weight(i)
		y := pr.y.AtVec(i)
		j := local[diag]
		bl.dN[j] += wt
		bl.dZy[j] += wt * y
		for k := 0; k < p; k++ {
			bl.dZX[j*p+k] += wt * row[k]
		}
		for _, c := range cols {
			if isDiag[c] {
				continue
			}
			o := local[c]
			if crossCount[diag] == nil {
				crossCount[diag] = map[int]float64{}
			}
			crossCount[diag][o] += wt
			bl.oZy[o] += wt * y
			for k := 0; k < p; k++ {
				bl.oZX.Set(o, k, bl.oZX.At(o, k)+wt*row[k])
			}
			for _, c2 := range cols {
				if !isDiag[c2] {
					o2 := local[c2]
					bl.oZZ.Set(o, o2, bl.oZZ.At(o, o2)+wt)
				}
			}
		}
	}
	for c := 0; c < q; c++ {
		if !isDiag[c] || crossCount[c] == nil {
			continue
		}
		bl := blocks[blockOf[find(c)]]
		var es []crossEntry
		for o, n := range crossCount[c] {
			es = append(es, crossEntry{o: o, count: n})
		}
		sort.Slice(es, func(a, b int) bool { return es[a].o < es[b].o })
		bl.cross[local[c]] = es
	}
	for _, bl := range blocks {
		bl.aggregate(p)
	}
	pr.blocks = blocks
	pr.diagTerm = diagTerm
	return nil
}

// blockSums computes, at θ, the quantities the profiled deviance needs:
// log|L|², cu'cu, RZX'cu and RZX'RZX, block by block.
func (pr *lmmProblem) blockSums(theta []float64) (ldL, cucu float64, rzxCu *mat.VecDense, rzxRzx *mat.SymDense, err error) {
	p := pr.p
	xx := make([]float64, p*p)
	xy := make([]float64, p)
	ld := theta[pr.diagTerm]
	ld2 := ld * ld
	for _, bl := range pr.blocks {
		m := len(bl.oTerm)
		S := make([]float64, m*m)
		bo := make([]float64, m)
		Mo := make([]float64, m*p)
		lam := make([]float64, m)
		for a := 0; a < m; a++ {
			lam[a] = theta[bl.oTerm[a]]
		}
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				S[a*m+b] = lam[a] * lam[b] * bl.oZZ.At(a, b)
			}
			S[a*m+a]++
			bo[a] = lam[a] * bl.oZy[a]
			for k := 0; k < p; k++ {
				Mo[a*p+k] = lam[a] * bl.oZX.At(a, k)
			}
		}
		for gi := range bl.groups {
			g := &bl.groups[gi]
			ajj := ld2*g.n + 1
			w := ld2 / ajj
			ldL += g.count * math.Log(ajj)
			cucu += w * g.yy
			for k := 0; k < p; k++ {
				xy[k] += w * g.Xy[k]
				for l := 0; l < p; l++ {
					xx[k*p+l] += w * g.XX[k*p+l]
				}
			}
			for a := 0; a < m; a++ {
				f := lam[a] * w
				bo[a] -= f * g.oy[a]
				for k := 0; k < p; k++ {
					Mo[a*p+k] -= f * g.oX[a*p+k]
				}
				if bl.sparse {
					continue
				}
				for b := 0; b < m; b++ {
					S[a*m+b] -= lam[a] * lam[b] * w * g.oo[a*m+b]
				}
			}
		}
		if bl.sparse {
			for j, es := range bl.cross {
				w := ld2 / (ld2*bl.dN[j] + 1)
				for _, e := range es {
					f := lam[e.o] * w * e.count
					row := S[e.o*m:]
					for _, e2 := range es {
						row[e2.o] -= f * lam[e2.o] * e2.count
					}
				}
			}
		}
		if m == 0 {
			continue
		}
		// Factorise S = U'U in place (its upper triangle, symmetrised), then
		// z_o = U'⁻¹ b_o and R_o = U'⁻¹ M_o by plain triangular solves: no
		// copies of the m×m factor, and no condition estimate, which would
		// cost as much as the solves.
		for a := 0; a < m; a++ {
			for b := a + 1; b < m; b++ {
				S[a*m+b] = (S[a*m+b] + S[b*m+a]) / 2
			}
		}
		U, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: m, Stride: m, Data: S})
		if !ok {
			return 0, 0, nil, nil, errors.New("a block of Λ'Z'ZΛ + I is not positive definite")
		}
		for a := 0; a < m; a++ {
			ldL += 2 * math.Log(S[a*m+a])
		}
		blas64.Trsv(blas.Trans, U, blas64.Vector{N: m, Inc: 1, Data: bo})
		blas64.Trsm(blas.Left, blas.Trans, 1, U, blas64.General{Rows: m, Cols: p, Stride: p, Data: Mo})
		zo := mat.NewVecDense(m, bo)
		Ro := mat.NewDense(m, p, Mo)
		cucu += mat.Dot(zo, zo)
		for k := 0; k < p; k++ {
			for a := 0; a < m; a++ {
				xy[k] += Ro.At(a, k) * zo.AtVec(a)
			}
			for l := 0; l < p; l++ {
				v := 0.0
				for a := 0; a < m; a++ {
					v += Ro.At(a, k) * Ro.At(a, l)
				}
				xx[k*p+l] += v
			}
		}
	}
	rzxCu = mat.NewVecDense(p, xy)
	rzxRzx = mat.NewSymDense(p, nil)
	for k := 0; k < p; k++ {
		for l := k; l < p; l++ {
			rzxRzx.SetSym(k, l, (xx[k*p+l]+xx[l*p+k])/2)
		}
	}
	return ldL, cucu, rzxCu, rzxRzx, nil
}

// aggregate fills the block's n-groups from its per-level sums.
func (bl *lmmBlock) aggregate(p int) {
	m := len(bl.oTerm)
	idx := map[float64]int{}
	sparseCost := 0
	for _, es := range bl.cross {
		sparseCost += len(es) * len(es)
	}
	distinct := map[float64]bool{}
	for _, n := range bl.dN {
		distinct[n] = true
	}
	bl.sparse = sparseCost < len(distinct)*m*m
	for j, n := range bl.dN {
		g, ok := idx[n]
		if !ok {
			g = len(bl.groups)
			idx[n] = g
			bl.groups = append(bl.groups, nGroup{n: n, XX: make([]float64, p*p), Xy: make([]float64, p),
				oX: make([]float64, m*p), oy: make([]float64, m)})
			if !bl.sparse {
				bl.groups[g].oo = make([]float64, m*m)
			}
		}
		gr := &bl.groups[g]
		gr.count++
		zy := bl.dZy[j]
		zx := bl.dZX[j*p : (j+1)*p]
		gr.yy += zy * zy
		for a := 0; a < p; a++ {
			gr.Xy[a] += zx[a] * zy
			for b := 0; b < p; b++ {
				gr.XX[a*p+b] += zx[a] * zx[b]
			}
		}
		for _, e := range bl.cross[j] {
			gr.oy[e.o] += e.count * zy
			for a := 0; a < p; a++ {
				gr.oX[e.o*p+a] += e.count * zx[a]
			}
			if bl.sparse {
				continue
			}
			for _, e2 := range bl.cross[j] {
				gr.oo[e.o*m+e2.o] += e.count * e2.count
			}
		}
	}
	// The per-level sums are no longer needed (but for the sparse sum).
	bl.dZy, bl.dZX = nil, nil
	if !bl.sparse {
		bl.dN, bl.cross = nil, nil
	}
}

// disjointSets is union-find with path halving: which levels (or rows)
// end up in one independent block.
type disjointSets []int

func newDisjointSets(n int) disjointSets {
	d := make(disjointSets, n)
	for i := range d {
		d[i] = i
	}
	return d
}

func (d disjointSets) find(a int) int {
	for d[a] != a {
		d[a] = d[d[a]]
		a = d[a]
	}
	return a
}

func (d disjointSets) union(a, b int) {
	if ra, rb := d.find(a), d.find(b); ra != rb {
		d[ra] = rb
	}
}
