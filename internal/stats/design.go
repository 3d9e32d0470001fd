package stats

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Design is a model's data after na.omit: the response, the fixed-effects
// matrix with R's column names, and the rows kept.
type Design struct {
	Y      *mat.VecDense
	X      *mat.Dense
	Names  []string
	TermOf []int // the formula term of each column; -1 for the intercept
	Rows   []int // indexes into the frame of the rows used
	// Offset is the sum of the formula's offset() terms, nil without any.
	Offset *mat.VecDense
	// Weights are the rows' prior weights, nil without any.
	Weights *mat.VecDense
}

// BuildDesignWeighted is BuildDesign with a column of prior weights (""
// for none): rows with a missing weight are dropped with the others, and
// every weight must be positive.
func BuildDesignWeighted(f *Frame, fm *Formula, weights string) (*Design, error) {
	if weights == "" {
		return BuildDesign(f, fm)
	}
	wc, err := f.Col(weights)
	if err != nil {
		return nil, err
	}
	if wc.IsFactor() || wc.Basis != nil {
		return nil, fmt.Errorf("the weights %q must be numeric", weights)
	}
	// The weights' missing rows are the model's too (na.omit).
	d, err := buildDesign(f, fm, []string{weights})
	if err != nil {
		return nil, err
	}
	d.Weights = mat.NewVecDense(len(d.Rows), nil)
	for r, i := range d.Rows {
		v := wc.Numeric[i]
		if !(v > 0) {
			return nil, fmt.Errorf("weight %v in %s at row %d (line %d of the file): weights must be positive", v, weights, i+1, i+2)
		}
		d.Weights.SetVec(r, v)
	}
	return d, nil
}

// gaussianY is the response less the offset: what a linear model fits.
func (d *Design) gaussianY() *mat.VecDense {
	if d.Offset == nil {
		return d.Y
	}
	var y mat.VecDense
	y.SubVec(d.Y, d.Offset)
	return &y
}

// Complete returns the rows with no missing value in vars, as na.omit keeps.
func Complete(f *Frame, vars []string) ([]int, error) {
	cols := make([]*Column, len(vars))
	for i, v := range vars {
		c, err := f.Col(v)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	var rows []int
	for i := 0; i < f.N; i++ {
		ok := true
		for _, c := range cols {
			if c.Missing(i) {
				ok = false
				break
			}
		}
		if ok {
			rows = append(rows, i)
		}
	}
	// An infinite value cannot enter a model: R's lm stops with
	// "NA/NaN/Inf in 'x'". Say where it is.
	for _, i := range rows {
		for _, c := range cols {
			if !c.IsFactor() && c.Basis == nil && math.IsInf(c.Numeric[i], 0) {
				return nil, fmt.Errorf("infinite value (Inf) in %s at row %d (line %d of the file): a model needs finite values; correct the cell, or write NA to leave the row out",
					c.Name, i+1, i+2)
			}
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no row has every model variable (%s) present", strings.Join(vars, ", "))
	}
	return rows, nil
}

// column of a term: the product of numeric variables and factor indicators
// (treatment contrasts: the first level is the baseline, as in R).
type termColumn struct {
	name  string
	value func(i int) float64
	term  int
}

// BuildDesign builds y and X for the formula's fixed part on the complete
// rows, column for column as R's model.matrix: factors are coded by
// treatment contrasts ("armintervention") where the term's margin is in the
// model, and by one indicator per level where it is not (see fullCoding);
// in an interaction the first variable varies fastest. A factor with one
// level among the rows used is an error, as in R.
func BuildDesign(f *Frame, fm *Formula) (*Design, error) { return buildDesign(f, fm, nil) }

// buildDesign is BuildDesign on the rows complete in the formula's
// variables and in extra.
func buildDesign(f *Frame, fm *Formula, extra []string) (*Design, error) {
	rows, err := Complete(f, append(fm.Variables(), extra...))
	if err != nil {
		return nil, err
	}
	yc, err := f.Col(fm.Response)
	if err != nil {
		return nil, err
	}
	if yc.IsFactor() {
		return nil, fmt.Errorf("the response %q is not numeric", fm.Response)
	}
	var cols []termColumn
	if fm.Intercept {
		cols = append(cols, termColumn{"(Intercept)", func(int) float64 { return 1 }, -1})
	}
	full, err := fullCoding(f, fm)
	if err != nil {
		return nil, err
	}
	for ti, t := range fm.Terms {
		parts := []termColumn{{"", func(int) float64 { return 1 }, ti}}
		for vi, v := range t {
			c, err := f.Col(v)
			if err != nil {
				return nil, err
			}
			var next []termColumn
			if c.Basis != nil {
				// A matrix variable (poly): one column per basis column,
				// named by its number.
				for k, b := range c.Basis {
					for _, p := range parts {
						p, b := p, b
						next = append(next, termColumn{join(p.name, v+strconv.Itoa(k+1)), func(i int) float64 { return p.value(i) * b[i] }, ti})
					}
				}
			} else if !c.IsFactor() {
				for _, p := range parts {
					p, c := p, c
					next = append(next, termColumn{join(p.name, v), func(i int) float64 { return p.value(i) * c.Numeric[i] }, ti})
				}
			} else {
				used := map[int]bool{}
				for _, i := range rows {
					used[c.Factor[i]] = true
				}
				if len(used) < 2 {
					return nil, fmt.Errorf("factor %q has only one level in the rows used: contrasts need at least two", v)
				}
				// Levels not present in the rows used are dropped, as R's
				// model.frame drops unused levels of character data.
				var levels []int
				for l := range c.Levels {
					if used[l] {
						levels = append(levels, l)
					}
				}
				if !full[ti][vi] {
					levels = levels[1:]
				}
				for _, l := range levels {
					for _, p := range parts {
						p, c, l := p, c, l
						next = append(next, termColumn{join(p.name, v+c.Levels[l]), func(i int) float64 {
							if c.Factor[i] == l {
								return p.value(i)
							}
							return 0
						}, ti})
					}
				}
			}
			parts = next
		}
		cols = append(cols, parts...)
	}
	d := &Design{Rows: rows, Y: mat.NewVecDense(len(rows), nil), X: mat.NewDense(len(rows), len(cols), nil)}
	for r, i := range rows {
		d.Y.SetVec(r, yc.Numeric[i])
		for j, c := range cols {
			d.X.Set(r, j, c.value(i))
		}
	}
	for _, c := range cols {
		d.Names = append(d.Names, c.name)
		d.TermOf = append(d.TermOf, c.term)
	}
	for _, o := range fm.Offsets {
		c, err := f.Col(o)
		if err != nil {
			return nil, err
		}
		if d.Offset == nil {
			d.Offset = mat.NewVecDense(len(rows), nil)
		}
		for r, i := range rows {
			d.Offset.SetVec(r, d.Offset.AtVec(r)+c.Numeric[i])
		}
	}
	return d, nil
}

// fullCoding says, for each term and each of its variables, whether a
// factor there gets one column per level instead of treatment contrasts.
// It is R's rule (TermCode in model.c, after Statistical Models in S,
// p. 38): a factor is coded by contrasts when the term without it is empty
// or contained in an earlier term, and in full otherwise ("wave +
// wave:arm" codes wave in full within wave:arm). Without an intercept, the
// first factor of the first term that has one is coded in full, so that
// "0 + arm + x" has a column for every arm.
func fullCoding(f *Frame, fm *Formula) ([][]bool, error) {
	full := make([][]bool, len(fm.Terms))
	first := !fm.Intercept
	for ti, t := range fm.Terms {
		full[ti] = make([]bool, len(t))
		for vi, v := range t {
			c, err := f.Col(v)
			if err != nil {
				return nil, err
			}
			if !c.IsFactor() {
				continue
			}
			if first {
				full[ti][vi], first = true, false
				continue
			}
			rest := slices.Delete(slices.Clone(t), vi, vi+1)
			margin := len(rest) == 0
			for _, earlier := range fm.Terms[:ti] {
				if !margin && subset(rest, earlier) {
					margin = true
				}
			}
			full[ti][vi] = !margin
		}
	}
	return full, nil
}

func subset(a, b Term) bool {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ":" + b
}

// Groups returns, for the rows used, the cluster index of each row under the
// grouping variables (their interaction when several), with the number of clusters.
func Groups(f *Frame, rows []int, vars []string) ([]int, int, error) {
	cols := make([]*Column, len(vars))
	for i, v := range vars {
		c, err := f.Col(v)
		if err != nil {
			return nil, 0, err
		}
		cols[i] = c
	}
	ids := map[string]int{}
	out := make([]int, len(rows))
	var key []byte
	for r, i := range rows {
		key = key[:0]
		for _, c := range cols {
			if c.IsFactor() {
				key = strconv.AppendInt(key, int64(c.Factor[i]), 10)
			} else {
				key = strconv.AppendFloat(key, c.Numeric[i], 'g', -1, 64)
			}
			key = append(key, 0)
		}
		id, ok := ids[string(key)] // no allocation for the lookup
		if !ok {
			id = len(ids)
			ids[string(key)] = id
		}
		out[r] = id
	}
	return out, len(ids), nil
}

// centring maps a design to the same design with every column but the
// intercept centred on its mean: X̃ = X T with T = I − e₀m', so β = T β̃,
// Var(β) = T Var(β̃) T', and a contrast c of β is the contrast T'c of β̃.
// Fitting on centred columns keeps a covariate far from zero (x around
// 10 000) from costing digits to cancellation, or reading as singular.
// Without an intercept nothing is centred: the column space would change.
type centring struct {
	ic    int // the intercept's column, -1 without one
	means []float64
}

// centre returns d's centring and the centred copy of its X (d.X itself
// when there is no intercept).
func centre(d *Design) (centring, *mat.Dense) {
	n, p := d.X.Dims()
	c := centring{ic: -1, means: make([]float64, p)}
	for k, term := range d.TermOf {
		if term == -1 && d.Names[k] == "(Intercept)" {
			c.ic = k
		}
	}
	if c.ic < 0 {
		return c, d.X
	}
	X := mat.DenseCopyOf(d.X)
	for j := range p {
		if j == c.ic {
			continue
		}
		c.means[j] = mat.Sum(X.ColView(j)) / float64(n)
		for i := range n {
			X.Set(i, j, X.At(i, j)-c.means[j])
		}
	}
	return c, X
}

// contrast maps a contrast of β to the same contrast of β̃: T'c.
func (c centring) contrast(v []float64) []float64 {
	out := slices.Clone(v)
	if c.ic >= 0 {
		for j := range out {
			if j != c.ic {
				out[j] -= c.means[j] * v[c.ic]
			}
		}
	}
	return out
}

// beta maps β̃ to β in place: β₀ = β̃₀ − m'β̃, the slopes unchanged.
func (c centring) beta(b *mat.VecDense) {
	if c.ic < 0 {
		return
	}
	b0 := b.AtVec(c.ic)
	for j := range c.means {
		if j != c.ic {
			b0 -= c.means[j] * b.AtVec(j)
		}
	}
	b.SetVec(c.ic, b0)
}

// vcov maps Var(β̃) to Var(β) = T Var(β̃) T', exactly symmetric.
func (c centring) vcov(v mat.Symmetric) *mat.SymDense {
	p := v.SymmetricDim()
	T := identity(p)
	if c.ic >= 0 {
		for j := range p {
			if j != c.ic {
				T.Set(c.ic, j, -c.means[j])
			}
		}
	}
	var tv, vc mat.Dense
	tv.Mul(T, v)
	vc.Mul(&tv, T.T())
	out := mat.NewSymDense(p, nil)
	for r := range p {
		for s := r; s < p; s++ {
			out.SetSym(r, s, (vc.At(r, s)+vc.At(s, r))/2)
		}
	}
	return out
}
