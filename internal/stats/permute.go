package stats

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// PermutationResult is a randomisation test of one coefficient.
type PermutationResult struct {
	Term        string  `json:"term"`
	Observed    float64 `json:"observed"`
	P           float64 `json:"p"`
	MCError     float64 `json:"mc_error,omitempty"` // Monte Carlo standard error; 0 when exact
	Exact       bool    `json:"exact"`
	Assignments int     `json:"assignments"` // enumerated or drawn, the observed one included
	Clusters    int     `json:"clusters"`
}

// PermutationTest re-randomises the clusters' assignment the way the trial
// randomised it (within strata when given) and refits the OLS model each
// time; the statistic is the coefficient of term. The two-sided p-value is
// the share of assignments whose |coefficient| is at least the observed
// one. When there are at most n distinct assignments they are all
// enumerated (exact); otherwise n are drawn with the seed (the observed one
// counted in, as (k + 1) / (n + 1)).
func PermutationTest(f *Frame, fm *Formula, cluster, assign, term, strata string, n int, seed uint64) (*PermutationResult, error) {
	if n < 1 {
		return nil, fmt.Errorf("the number of permutations must be positive")
	}
	pp, err := newPermProblem(f, fm, cluster, assign, term, strata)
	if err != nil {
		return nil, err
	}
	stat, armOf, groups, nc, col, d := pp.stat, pp.armOf, pp.groups, pp.nc, pp.col, pp.d
	obs, err := stat(armOf)
	if err != nil {
		return nil, err
	}
	res := &PermutationResult{Term: d.Names[col], Observed: obs, Clusters: nc}
	// Number of distinct assignments: the product over strata of C(n_s, treated_s).
	total := big.NewInt(1)
	for _, g := range groups {
		k := 0
		for _, c := range g {
			if armOf[c] == 1 {
				k++
			}
		}
		total.Mul(total, new(big.Int).Binomial(int64(len(g)), int64(k)))
	}
	tol := 1e-10 * math.Max(1, math.Abs(obs))
	extreme := 0
	count := 0
	check := func(a []int) error {
		s, err := stat(a)
		if err != nil {
			return err
		}
		count++
		if math.Abs(s) >= math.Abs(obs)-tol {
			extreme++
		}
		return nil
	}
	if total.IsInt64() && total.Int64() <= int64(n) {
		res.Exact = true
		a := make([]int, nc)
		var rec func(g int) error
		rec = func(g int) error {
			if g == len(groups) {
				return check(a)
			}
			members := groups[g]
			k := 0
			for _, c := range members {
				if armOf[c] == 1 {
					k++
				}
			}
			return combinations(len(members), k, func(chosen []bool) error {
				for i, c := range members {
					a[c] = 0
					if chosen[i] {
						a[c] = 1
					}
				}
				return rec(g + 1)
			})
		}
		if err := rec(0); err != nil {
			return nil, err
		}
		res.P = float64(extreme) / float64(count)
		res.Assignments = count
		return res, nil
	}
	// #nosec G404 -- a seeded, reproducible draw of assignments, as the analysis plan requires; nothing secret
	rng := rand.New(rand.NewPCG(seed, 0x7065726d))
	a := make([]int, nc)
	for it := 0; it < n; it++ {
		copy(a, armOf)
		for _, g := range groups {
			vals := make([]int, len(g))
			for i, c := range g {
				vals[i] = armOf[c]
			}
			rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
			for i, c := range g {
				a[c] = vals[i]
			}
		}
		if err := check(a); err != nil {
			return nil, err
		}
	}
	res.P = float64(extreme+1) / float64(n+1)
	res.MCError = math.Sqrt(res.P * (1 - res.P) / float64(n))
	res.Assignments = n + 1
	return res, nil
}

// combinations calls fn with every way of choosing k of n.
func combinations(n, k int, fn func([]bool) error) error {
	chosen := make([]bool, n)
	var rec func(start, left int) error
	rec = func(start, left int) error {
		if left == 0 {
			return fn(chosen)
		}
		for i := start; i <= n-left; i++ {
			chosen[i] = true
			if err := rec(i+1, left-1); err != nil {
				return err
			}
			chosen[i] = false
		}
		return nil
	}
	return rec(0, k)
}

// TermColumns returns the design columns of the terms given as variables
// ("arm", "time:arm"), in the order of the design.
func TermColumns(d *Design, fm *Formula, terms []string) ([]int, error) {
	var out []int
	for _, term := range terms {
		want := strings.Split(term, ":")
		for i := range want {
			want[i] = strings.TrimSpace(want[i])
		}
		found := false
		for ti, t := range fm.Terms {
			if !sameTerm(t, want) {
				continue
			}
			found = true
			for c, tt := range d.TermOf {
				if tt == ti {
					out = append(out, c)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("term %q is not in the formula", term)
		}
	}
	slices.Sort(out)
	return out, nil
}

// termColumnIndex finds the single design column of a term given as
// variables ("time:arm"), in any order.
func termColumnIndex(d *Design, fm *Formula, term string) (int, error) {
	want := strings.Split(term, ":")
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	for ti, t := range fm.Terms {
		if !sameTerm(t, want) {
			continue
		}
		var cols []int
		for c, tt := range d.TermOf {
			if tt == ti {
				cols = append(cols, c)
			}
		}
		if len(cols) != 1 {
			return 0, fmt.Errorf("term %q has %d columns; the permutation test needs one", term, len(cols))
		}
		return cols[0], nil
	}
	return 0, fmt.Errorf("term %q is not in the formula", term)
}

// olsBeta solves the least-squares coefficients.
func olsBeta(d *Design) (*mat.VecDense, error) {
	var xtx mat.SymDense
	xtx.SymOuterK(1, d.X.T())
	var chol mat.Cholesky
	if !chol.Factorize(&xtx) {
		return nil, ErrSingular
	}
	var xty, beta mat.VecDense
	xty.MulVec(d.X.T(), d.gaussianY())
	if err := chol.SolveVecTo(&beta, &xty); err != nil {
		return nil, ErrSingular
	}
	return &beta, nil
}

// permProblem is a randomisation test set up once: the statistic for an
// assignment of the clusters' arms, the observed assignment, the strata's
// clusters and each cluster's label.
type permProblem struct {
	stat   func([]int) (float64, error)
	armOf  []int
	groups [][]int
	nc     int
	col    int
	d      *Design
	labels []string
}

func newPermProblem(f *Frame, fm *Formula, cluster, assign, term, strata string) (*permProblem, error) {
	ac, err := f.Col(assign)
	if err != nil {
		return nil, err
	}
	if !ac.IsFactor() || len(ac.Levels) != 2 {
		return nil, fmt.Errorf("the assignment column %q must have exactly two levels (the arms)", assign)
	}
	extra := []string{cluster, assign}
	if strata != "" {
		extra = append(extra, strata)
	}
	vars := append(fm.Variables(), extra...)
	rows, err := Complete(f, vars)
	if err != nil {
		return nil, err
	}
	cl, nc, err := Groups(f, rows, []string{cluster})
	if err != nil {
		return nil, err
	}
	var st []int
	if strata != "" {
		if st, _, err = Groups(f, rows, []string{strata}); err != nil {
			return nil, err
		}
	}
	// The cluster-level assignment and stratum, which must not vary within a cluster.
	armOf := make([]int, nc)
	strOf := make([]int, nc)
	for i := range armOf {
		armOf[i], strOf[i] = -1, -1
	}
	for r, i := range rows {
		c := cl[r]
		a := ac.Factor[i]
		if armOf[c] >= 0 && armOf[c] != a {
			return nil, fmt.Errorf("the assignment %q varies within cluster %q: the cluster is the unit of randomisation", assign, cluster)
		}
		armOf[c] = a
		if st != nil {
			if strOf[c] >= 0 && strOf[c] != st[r] {
				return nil, fmt.Errorf("the stratum %q varies within cluster %q", strata, cluster)
			}
			strOf[c] = st[r]
		}
	}
	// Clusters per stratum.
	var groups [][]int
	byStratum := map[int]int{}
	for c := 0; c < nc; c++ {
		g, ok := byStratum[strOf[c]]
		if !ok {
			g = len(groups)
			byStratum[strOf[c]] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], c)
	}
	// Work on a copy of the assignment column.
	work := *ac
	work.Factor = slices.Clone(ac.Factor)
	frame := &Frame{N: f.N, Columns: map[string]*Column{}, Order: f.Order}
	for k, v := range f.Columns {
		frame.Columns[k] = v
	}
	frame.Columns[assign] = &work
	d, err := BuildDesign(frame, fm)
	if err != nil {
		return nil, err
	}
	if len(d.Rows) != len(rows) {
		return nil, fmt.Errorf("the cluster, assignment or stratum column is missing in %d rows the model uses", len(d.Rows)-len(rows))
	}
	col, err := termColumnIndex(d, fm, term)
	if err != nil {
		return nil, err
	}
	stat := func(assignment []int) (float64, error) {
		for r, i := range rows {
			work.Factor[i] = assignment[cl[r]]
		}
		frame.forget() // variables computed from the old assignment
		dd, err := BuildDesign(frame, fm)
		if err != nil {
			return 0, err
		}
		beta, err := olsBeta(dd)
		if err != nil {
			return 0, err
		}
		return beta.AtVec(col), nil
	}
	return &permProblem{stat: stat, armOf: armOf, groups: groups, nc: nc, col: col, d: d, labels: labels(f, rows, cl, nc, cluster)}, nil
}

// labels names each cluster by its value in column name.
func labels(f *Frame, rows, cl []int, nc int, name string) []string {
	out := make([]string, nc)
	c, _ := f.Col(name)
	for r, i := range rows {
		if out[cl[r]] != "" {
			continue
		}
		if c.IsFactor() {
			out[cl[r]] = c.Levels[c.Factor[i]]
		} else {
			out[cl[r]] = strconv.FormatFloat(c.Numeric[i], 'g', -1, 64)
		}
	}
	return out
}

// PermutationTestOver is the randomisation test over a given set of
// assignments, each naming the clusters (by their value in the cluster
// column) put in the assignment column's second level: for a constrained
// design, the allocations the draw chose from, which are the reference set
// that the design randomised over. The observed assignment must be among
// them; the p-value is exact (the share of the set at least as extreme).
func PermutationTestOver(f *Frame, fm *Formula, cluster, assign, term string, over []map[string]bool) (*PermutationResult, error) {
	if len(over) == 0 {
		return nil, fmt.Errorf("no assignments to test over")
	}
	pp, err := newPermProblem(f, fm, cluster, assign, term, "")
	if err != nil {
		return nil, err
	}
	obs, err := pp.stat(pp.armOf)
	if err != nil {
		return nil, err
	}
	res := &PermutationResult{Term: pp.d.Names[pp.col], Observed: obs, Clusters: pp.nc, Exact: true}
	tol := 1e-10 * math.Max(1, math.Abs(obs))
	a := make([]int, pp.nc)
	seen := false
	extreme := 0
	for _, set := range over {
		same := true
		for c, l := range pp.labels {
			a[c] = 0
			if set[l] {
				a[c] = 1
			}
			same = same && a[c] == pp.armOf[c]
		}
		seen = seen || same
		s, err := pp.stat(a)
		if err != nil {
			return nil, err
		}
		if math.Abs(s) >= math.Abs(obs)-tol {
			extreme++
		}
	}
	if !seen {
		return nil, fmt.Errorf("the observed assignment is not among the %d given", len(over))
	}
	res.P = float64(extreme) / float64(len(over))
	res.Assignments = len(over)
	return res, nil
}
