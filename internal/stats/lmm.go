package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// VarComp is one variance component.
type VarComp struct {
	Group    string  `json:"group"`
	Variance float64 `json:"variance"`
	SD       float64 `json:"sd"`
}

// LMMFit is a linear mixed model fitted as lme4's lmer does: random
// intercepts for each grouping factor, REML (default) or ML, by minimising
// the profiled deviance over the relative covariance factor θ.
type LMMFit struct {
	REML   bool      `json:"-"`
	Fixed  []Coef    `json:"fixed"`
	Random []VarComp `json:"random"`
	// ICC is each grouping factor's share of the total variance.
	ICC       map[string]float64 `json:"icc"`
	LogLik    float64            `json:"loglik"`
	Deviance  float64            `json:"deviance"` // -2 logLik (ML) or the REML criterion
	REMLCrit  float64            `json:"reml,omitempty"`
	AIC       float64            `json:"aic"`
	BIC       float64            `json:"bic"`
	N         int                `json:"n"`
	Groups    map[string]int     `json:"groups"`
	Converged bool               `json:"converged"`
	Theta     []float64          `json:"theta"`
	Sigma     float64            `json:"sigma"`
	VCov      *mat.SymDense      `json:"-"`
	// Contrasts are the requested linear combinations (LMMOptions).
	Contrasts []Coef `json:"contrasts,omitempty"`
}

// lmmProblem holds the cross-products that every deviance evaluation needs.
type lmmProblem struct {
	n, p, q int
	reml    bool
	X       *mat.Dense
	y       *mat.VecDense
	col     [][]int // per row, its random-effect columns (one per term)
	term    []int   // the term of each random-effect column
	XtX     *mat.SymDense
	Xty     *mat.VecDense
	yty     float64
	// The block structure of ΛZ'ZΛ + I (see lmmblock.go).
	blocks   []*lmmBlock
	diagTerm int
	// The fit works on X with its columns centred and on y centred and
	// scaled to unit variance, so that no result depends on where the data
	// happen to lie or on their units: θ is the same for both, and β, its
	// variance, σ and the deviance map back exactly (see FitLMMWith).
	cen           centring
	yMean, yScale float64
	// w are the prior weights (Var(e_i) = σ²/w_i, as lmer's weights), nil
	// for none, and logW their Σ log w_i, which the deviance subtracts.
	w    []float64
	logW float64
}

func (pr *lmmProblem) weight(i int) float64 {
	if pr.w == nil {
		return 1
	}
	return pr.w[i]
}

// FitLMM fits fm (fixed part and random intercepts) to f, with
// Satterthwaite degrees of freedom.
func FitLMM(f *Frame, fm *Formula, reml bool) (*LMMFit, error) {
	return FitLMMWith(f, fm, LMMOptions{REML: reml})
}

// LMMOptions choose the criterion and the denominator degrees of freedom.
type LMMOptions struct {
	REML bool
	// KenwardRoger replaces the Satterthwaite df and the standard errors by
	// Kenward-Roger's adjusted ones (REML only, moderate n).
	KenwardRoger bool
	// Contrasts are estimated with the same df (LMMFit.Contrasts); build
	// them with ParseContrast over the fit's coefficient names.
	Contrasts []Contrast
	// Weights names a column of prior weights (lmer's weights): row i's
	// residual variance is σ²/w_i. Every weight must be positive.
	Weights string
}

// FitLMMWith fits fm to f with the given options.
func FitLMMWith(f *Frame, fm *Formula, opt LMMOptions) (*LMMFit, error) {
	reml := opt.REML
	if opt.KenwardRoger && !reml {
		return nil, errors.New("Kenward-Roger degrees of freedom need a REML fit")
	}
	if len(fm.Random) == 0 {
		return nil, errors.New("the formula has no random term (1 | group): use robust regression for a fixed-effects model")
	}
	pr, d, groups, err := newLMMProblem(f, fm, reml, opt.Weights)
	if err != nil {
		return nil, err
	}
	K := len(fm.Random)
	// Optimise over φ with θ = |φ| (θ ≥ 0, the boundary reachable); start at θ = 1 as lme4 does.
	obj := func(phi []float64) float64 {
		theta := make([]float64, K)
		for i, v := range phi {
			theta[i] = math.Abs(v)
		}
		dev, _, err := pr.deviance(theta)
		if err != nil {
			return math.Inf(1)
		}
		return dev
	}
	start := make([]float64, K)
	for i := range start {
		start[i] = 1
	}
	problem := optimize.Problem{Func: obj}
	// Nelder-Mead finds the basin; Newton steps then converge tightly.
	settings := &optimize.Settings{Converger: &optimize.FunctionConverge{Absolute: 1e-7, Relative: 1e-10, Iterations: 30}, MajorIterations: 5000}
	res, err := optimize.Minimize(problem, start, settings, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("optimiser: %w", err)
	}
	phi := res.X
	// Polish with quasi-Newton steps on a numerical gradient: Nelder-Mead
	// alone stops short of the precision R's tight settings reach.
	phi = polish(obj, phi)
	theta := make([]float64, K)
	for i, v := range phi {
		theta[i] = math.Abs(v)
		if theta[i] < 1e-8 {
			theta[i] = 0
		}
	}
	dev, sol, err := pr.deviance(theta)
	if err != nil {
		return nil, err
	}
	fit := &LMMFit{REML: reml, N: pr.n, Groups: groups, Theta: theta, Converged: converged(obj, phi)}
	df := float64(pr.n)
	if reml {
		df = float64(pr.n - pr.p)
	}
	// On the standardised scale (subscript s), then mapped back: y = ȳ +
	// s·y_s gives σ = s·σ_s, β̃ = s·β_s + ȳ·e₀ on the centred columns, β =
	// T β̃, and the deviance gains df·log s² (the centring has det T = 1).
	s := pr.yScale
	sigma2s := sol.r2 / df
	sigma2 := sigma2s * s * s
	fit.Sigma = math.Sqrt(sigma2)
	dev += df * math.Log(s*s)
	fit.Deviance = dev
	if reml {
		fit.REMLCrit = dev
	}
	fit.LogLik = -dev / 2
	npar := float64(pr.p + K + 1)
	fit.AIC = dev + 2*npar
	fit.BIC = dev + math.Log(float64(pr.n))*npar
	// Var(β) = σ² T (R_X'R_X)^{-1} T'.
	var inv mat.SymDense
	if err := sol.rx.InverseTo(&inv); err != nil {
		return nil, ErrSingular
	}
	inv.ScaleSym(sigma2, &inv)
	V := pr.cen.vcov(&inv)
	fit.VCov = V
	beta := mat.NewVecDense(pr.p, nil)
	beta.ScaleVec(s, sol.beta)
	if ic := pr.cen.ic; ic >= 0 {
		beta.SetVec(ic, beta.AtVec(ic)+pr.yMean)
	}
	pr.cen.beta(beta)
	// Each coefficient of β is a contrast of the centred fit's, and so is
	// each contrast asked for.
	contrasts := make([][]float64, pr.p, pr.p+len(opt.Contrasts))
	for j := range pr.p {
		e := make([]float64, pr.p)
		e[j] = 1
		contrasts[j] = pr.cen.contrast(e)
	}
	for _, c := range opt.Contrasts {
		if len(c.Weights) != pr.p {
			return nil, fmt.Errorf("contrast %q has %d weights for %d coefficients", c.Label, len(c.Weights), pr.p)
		}
		contrasts = append(contrasts, pr.cen.contrast(c.Weights))
	}
	ddf, err := pr.satterthwaite(theta, math.Sqrt(sigma2s), contrasts)
	if err != nil {
		return nil, err
	}
	var krSE []float64
	if opt.KenwardRoger {
		variances := make([]float64, len(theta))
		levels := make([][]int, len(theta))
		for k := range theta {
			variances[k] = theta[k] * theta[k] * sigma2s
			levels[k] = make([]int, pr.n)
			for i := range levels[k] {
				levels[k][i] = pr.col[i][k]
			}
		}
		if krSE, ddf, err = pr.kenwardRoger(variances, sigma2s, levels, contrasts); err != nil {
			return nil, err
		}
	}
	for j := 0; j < pr.p; j++ {
		se := math.Sqrt(V.At(j, j))
		if krSE != nil {
			se = s * krSE[j]
		}
		fit.Fixed = append(fit.Fixed, tRow(d.Names[j], beta.AtVec(j), se, ddf[j]))
	}
	for k, c := range opt.Contrasts {
		j := pr.p + k
		est, se := c.estimate(beta.RawVector().Data, V)
		if krSE != nil {
			se = s * krSE[j]
		}
		fit.Contrasts = append(fit.Contrasts, tRow(c.Label, est, se, ddf[j]))
	}
	for k, rt := range fm.Random {
		v := theta[k] * theta[k] * sigma2
		fit.Random = append(fit.Random, VarComp{Group: rt.Name(), Variance: v, SD: math.Sqrt(v)})
	}
	fit.Random = append(fit.Random, VarComp{Group: "Residual", Variance: sigma2, SD: fit.Sigma})
	total := 0.0
	for _, r := range fit.Random {
		total += r.Variance
	}
	fit.ICC = map[string]float64{}
	for _, r := range fit.Random[:len(fit.Random)-1] {
		fit.ICC[r.Group] = r.Variance / total
	}
	return fit, nil
}

// newLMMProblem builds the design, the random-effect columns and the cross-products.
func newLMMProblem(f *Frame, fm *Formula, reml bool, weights string) (*lmmProblem, *Design, map[string]int, error) {
	d, err := BuildDesignWeighted(f, fm, weights)
	if err != nil {
		return nil, nil, nil, err
	}
	cen, X := centre(d)
	pr := &lmmProblem{n: len(d.Rows), reml: reml, X: X, cen: cen}
	if d.Weights != nil {
		pr.w = d.Weights.RawVector().Data
		for _, v := range pr.w {
			pr.logW += math.Log(v)
		}
	}
	_, pr.p = d.X.Dims()
	pr.y, pr.yMean, pr.yScale = standardise(d.gaussianY(), cen.ic >= 0)
	groups := map[string]int{}
	offset := 0
	pr.col = make([][]int, pr.n)
	for k, rt := range fm.Random {
		g, ng, err := Groups(f, d.Rows, rt.Group)
		if err != nil {
			return nil, nil, nil, err
		}
		if ng < 2 {
			return nil, nil, nil, fmt.Errorf("grouping factor %s has only one level", rt.Name())
		}
		if ng >= pr.n {
			return nil, nil, nil, fmt.Errorf("grouping factor %s has as many levels (%d) as observations: its variance cannot be told from the residual", rt.Name(), ng)
		}
		groups[rt.Name()] = ng
		for i := range g {
			pr.col[i] = append(pr.col[i], offset+g[i])
		}
		for j := 0; j < ng; j++ {
			pr.term = append(pr.term, k)
		}
		offset += ng
	}
	pr.q = offset
	if err := pr.crossProducts(); err != nil {
		return nil, nil, nil, err
	}
	largest, most := 0, -1
	for k, rt := range fm.Random {
		if n := groups[rt.Name()]; n > most {
			largest, most = k, n
		}
	}
	if err := pr.blockStructure(largest); err != nil {
		return nil, nil, nil, err
	}
	return pr, d, groups, nil
}

func (pr *lmmProblem) crossProducts() error {
	p := pr.p
	// X'WX, X'Wy and y'Wy, through the rows scaled by √w.
	X, y := pr.X, pr.y
	if pr.w != nil {
		Xw := mat.DenseCopyOf(pr.X)
		yw := mat.VecDenseCopyOf(pr.y)
		for i, v := range pr.w {
			s := math.Sqrt(v)
			for j := 0; j < p; j++ {
				Xw.Set(i, j, Xw.At(i, j)*s)
			}
			yw.SetVec(i, yw.AtVec(i)*s)
		}
		X, y = Xw, yw
	}
	pr.XtX = mat.NewSymDense(p, nil)
	pr.XtX.SymOuterK(1, X.T())
	pr.Xty = mat.NewVecDense(p, nil)
	pr.Xty.MulVec(X.T(), y)
	pr.yty = mat.Dot(y, y)
	// Rank is judged on the columns scaled to unit length: a column's
	// units must not make it look collinear.
	eq := mat.NewSymDense(p, nil)
	for r := 0; r < p; r++ {
		for c := r; c < p; c++ {
			d := math.Sqrt(pr.XtX.At(r, r) * pr.XtX.At(c, c))
			if d == 0 {
				return ErrSingular
			}
			eq.SetSym(r, c, pr.XtX.At(r, c)/d)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(eq) || chol.Cond() > 1e13 {
		return ErrSingular
	}
	return nil
}

// standardise returns y centred (with an intercept to absorb the shift)
// and scaled to unit root mean square, with the centre and the scale.
func standardise(y *mat.VecDense, intercept bool) (*mat.VecDense, float64, float64) {
	n := y.Len()
	mean := 0.0
	if intercept {
		mean = mat.Sum(y) / float64(n)
	}
	ss := 0.0
	for i := range n {
		d := y.AtVec(i) - mean
		ss += d * d
	}
	scale := math.Sqrt(ss / float64(n))
	if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
		scale = 1
	}
	out := mat.NewVecDense(n, nil)
	for i := range n {
		out.SetVec(i, (y.AtVec(i)-mean)/scale)
	}
	return out, mean, scale
}

type lmmSolution struct {
	beta      *mat.VecDense
	r2        float64
	rx        *mat.Cholesky
	ldL, ldRX float64 // log|L|², log|R_X|²
}

// deviance is the profiled deviance (ML) or REML criterion at θ, following
// Bates, Mächler, Bolker & Walker (2015), section 3, with the random-effects
// system solved block by block.
func (pr *lmmProblem) deviance(theta []float64) (float64, *lmmSolution, error) {
	p := pr.p
	ldL, cucu, rzxCu, rzxRzx, err := pr.blockSums(theta)
	if err != nil {
		return math.Inf(1), nil, err
	}
	// R_X'R_X = X'X - RZX'RZX
	XtXs := mat.NewSymDense(p, nil)
	for r := 0; r < p; r++ {
		for c := r; c < p; c++ {
			XtXs.SetSym(r, c, pr.XtX.At(r, c)-rzxRzx.At(r, c))
		}
	}
	var rx mat.Cholesky
	if !rx.Factorize(XtXs) {
		return math.Inf(1), nil, ErrSingular
	}
	// β = (R_X'R_X)^{-1} (X'y - RZX' cu)
	var rhs mat.VecDense
	rhs.SubVec(pr.Xty, rzxCu)
	var beta mat.VecDense
	if err := rx.SolveVecTo(&beta, &rhs); err != nil {
		return math.Inf(1), nil, err
	}
	// r² = y'y - cu'cu - (X'y - RZX'cu)'β : the penalised residual sum of squares.
	r2 := pr.yty - cucu - mat.Dot(&rhs, &beta)
	if r2 <= 0 {
		return math.Inf(1), nil, errors.New("the model fits the data exactly")
	}
	var dev float64
	if pr.reml {
		nmp := float64(pr.n - p)
		dev = ldL + rx.LogDet() + nmp*(1+math.Log(2*math.Pi*r2/nmp)) - pr.logW
	} else {
		n := float64(pr.n)
		dev = ldL + n*(1+math.Log(2*math.Pi*r2/n)) - pr.logW
	}
	return dev, &lmmSolution{beta: &beta, r2: r2, rx: &rx, ldL: ldL, ldRX: rx.LogDet()}, nil
}

// polish refines a minimum with Newton steps on central-difference
// derivatives (the problems have a handful of parameters), backtracking when
// a step does not lower f. Nelder-Mead alone stops short of the precision
// that lmer reaches with tight tolerances.
func polish(f func([]float64) float64, x []float64) []float64 {
	x = append([]float64(nil), x...)
	k := len(x)
	fx := f(x)
	// The Hessian is kept while its steps lower f and only the gradient is
	// recomputed (4k evaluations instead of 2k(k+1)): the fixed point,
	// where the gradient vanishes, is the same.
	var H *mat.SymDense
	for iter := 0; iter < 50; iter++ {
		var g []float64
		fresh := H == nil
		if fresh {
			g, H = derivatives(f, x, fx)
		} else {
			g = gradient(f, x, 1e-3)
		}
		var chol mat.Cholesky
		step := make([]float64, k)
		if chol.Factorize(H) {
			var sv mat.VecDense
			if err := chol.SolveVecTo(&sv, mat.NewVecDense(k, g)); err != nil {
				break
			}
			for i := range step {
				step[i] = -sv.AtVec(i)
			}
		} else {
			// Not convex here (e.g. at a boundary): a small gradient step.
			for i := range step {
				step[i] = -g[i] * 1e-3
			}
		}
		improved := false
		for t := 1.0; t > 1e-6; t /= 2 {
			y := make([]float64, k)
			for i := range y {
				y[i] = x[i] + t*step[i]
			}
			if fy := f(y); fy < fx {
				moved := 0.0
				for i := range y {
					moved = math.Max(moved, math.Abs(y[i]-x[i]))
				}
				x, fx, improved = y, fy, true
				if moved < 1e-11 {
					return x
				}
				break
			}
		}
		if !improved {
			if fresh {
				break
			}
			H = nil // try again with a fresh Hessian
			continue
		}
	}
	return x
}

// gradient is the Richardson-extrapolated central-difference gradient of f
// at x, with steps h0 relative to x, as derivativesStep computes it.
func gradient(f func([]float64) float64, x []float64, h0 float64) []float64 {
	g := make([]float64, len(x))
	y := append([]float64(nil), x...)
	at := func(i int, h float64) float64 {
		y[i] = x[i] + h
		v := f(y)
		y[i] = x[i]
		return v
	}
	for i := range x {
		h := h0 * math.Max(0.1, math.Abs(x[i]))
		d := func(h float64) float64 { return (at(i, h) - at(i, -h)) / (2 * h) }
		g[i] = (4*d(h/2) - d(h)) / 3
	}
	return g
}

// derivatives returns the gradient and Hessian of f at x by central
// differences with Richardson extrapolation (error O(h⁴)); the steps are
// large enough that rounding noise in f does not swamp them.
func derivatives(f func([]float64) float64, x []float64, fx float64) ([]float64, *mat.SymDense) {
	return derivativesStep(f, x, fx, 1e-3)
}

// derivativesStep is derivatives with steps of h0 relative to x (at
// least h0/10): larger steps for a function whose evaluation carries
// noise of its own (an inner iteration), where the O(h⁴) truncation of the
// extrapolation is the smaller error.
func derivativesStep(f func([]float64) float64, x []float64, fx, h0 float64) ([]float64, *mat.SymDense) {
	k := len(x)
	at := func(d map[int]float64) float64 {
		y := append([]float64(nil), x...)
		for i, v := range d {
			y[i] += v
		}
		return f(y)
	}
	hOf := func(i int) float64 { return h0 * math.Max(0.1, math.Abs(x[i])) }
	g := make([]float64, k)
	H := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		d1 := func(h float64) (float64, float64) {
			fp, fm := at(map[int]float64{i: h}), at(map[int]float64{i: -h})
			return (fp - fm) / (2 * h), (fp - 2*fx + fm) / (h * h)
		}
		g1, h1 := d1(hOf(i))
		g2, h2 := d1(hOf(i) / 2)
		g[i] = (4*g2 - g1) / 3
		H.SetSym(i, i, (4*h2-h1)/3)
		for j := i + 1; j < k; j++ {
			d2 := func(a, b float64) float64 {
				fpp := at(map[int]float64{i: a, j: b})
				fpm := at(map[int]float64{i: a, j: -b})
				fmp := at(map[int]float64{i: -a, j: b})
				fmm := at(map[int]float64{i: -a, j: -b})
				return (fpp - fpm - fmp + fmm) / (4 * a * b)
			}
			c1 := d2(hOf(i), hOf(j))
			c2 := d2(hOf(i)/2, hOf(j)/2)
			H.SetSym(i, j, (4*c2-c1)/3)
		}
	}
	return g, H
}

// devVP is the deviance (REML criterion or -2 log-likelihood) as a function
// of the variance parameters (θ, σ), not profiled over σ: the function whose
// Hessian lmerTest uses for the Satterthwaite approximation.
func (pr *lmmProblem) devVP(vp []float64) float64 {
	k := len(vp) - 1
	theta := make([]float64, k)
	for i := range theta {
		theta[i] = math.Abs(vp[i])
	}
	sigma := vp[k]
	_, sol, err := pr.deviance(theta)
	if err != nil || sigma <= 0 {
		return math.Inf(1)
	}
	s2 := sigma * sigma
	if pr.reml {
		return sol.ldL + sol.ldRX + float64(pr.n-pr.p)*math.Log(2*math.Pi*s2) + sol.r2/s2 - pr.logW
	}
	return sol.ldL + float64(pr.n)*math.Log(2*math.Pi*s2) + sol.r2/s2 - pr.logW
}

// vcovVP is Var(β) = σ² (R_X'R_X)^{-1} at (θ, σ).
func (pr *lmmProblem) vcovVP(vp []float64) (*mat.SymDense, error) {
	k := len(vp) - 1
	theta := make([]float64, k)
	for i := range theta {
		theta[i] = math.Abs(vp[i])
	}
	_, sol, err := pr.deviance(theta)
	if err != nil {
		return nil, err
	}
	var inv mat.SymDense
	if err := sol.rx.InverseTo(&inv); err != nil {
		return nil, err
	}
	V := mat.NewSymDense(pr.p, nil)
	V.ScaleSym(vp[k]*vp[k], &inv)
	return V, nil
}

// satterthwaite returns the denominator degrees of freedom of each
// contrast c of the fixed effects as lmerTest computes them: with A = 2 H⁻¹
// (H the Hessian of the deviance in (θ, σ)) and g the gradient of
// Var(c'β) in (θ, σ), df = 2 Var(c'β)² / (g' A g).
func (pr *lmmProblem) satterthwaite(theta []float64, sigma float64, contrasts [][]float64) ([]float64, error) {
	vp := append(append([]float64(nil), theta...), sigma)
	m := len(vp)
	_, H := derivatives(pr.devVP, vp, pr.devVP(vp))
	var chol mat.Cholesky
	if !chol.Factorize(H) {
		return nil, errors.New("the deviance's Hessian in the variance parameters is not positive definite (a variance component on its boundary?)")
	}
	var A mat.SymDense
	if err := chol.InverseTo(&A); err != nil {
		return nil, err
	}
	A.ScaleSym(2, &A)
	V, err := pr.vcovVP(vp)
	if err != nil {
		return nil, err
	}
	// Jacobian of Var(β) by Richardson-extrapolated central differences.
	jac := make([]*mat.SymDense, m)
	for i := 0; i < m; i++ {
		h := 1e-3 * math.Max(0.1, math.Abs(vp[i]))
		diff := func(h float64) (*mat.SymDense, error) {
			a := append([]float64(nil), vp...)
			b := append([]float64(nil), vp...)
			a[i] += h
			b[i] -= h
			Va, err := pr.vcovVP(a)
			if err != nil {
				return nil, err
			}
			Vb, err := pr.vcovVP(b)
			if err != nil {
				return nil, err
			}
			D := mat.NewSymDense(pr.p, nil)
			for r := 0; r < pr.p; r++ {
				for c := r; c < pr.p; c++ {
					D.SetSym(r, c, (Va.At(r, c)-Vb.At(r, c))/(2*h))
				}
			}
			return D, nil
		}
		d1, err := diff(h)
		if err != nil {
			return nil, err
		}
		d2, err := diff(h / 2)
		if err != nil {
			return nil, err
		}
		J := mat.NewSymDense(pr.p, nil)
		for r := 0; r < pr.p; r++ {
			for c := r; c < pr.p; c++ {
				J.SetSym(r, c, (4*d2.At(r, c)-d1.At(r, c))/3)
			}
		}
		jac[i] = J
	}
	df := make([]float64, len(contrasts))
	for j, c := range contrasts {
		cv := mat.NewVecDense(pr.p, c)
		g := mat.NewVecDense(m, nil)
		for i := 0; i < m; i++ {
			g.SetVec(i, mat.Inner(cv, jac[i], cv))
		}
		v := mat.Inner(cv, V, cv)
		df[j] = 2 * v * v / mat.Inner(g, &A, g)
	}
	return df, nil
}

// converged reports whether x is a minimum of f: a finite value and a
// gradient that vanishes relative to the curvature, as lme4's
// check.conv.grad judges it: each component of the gradient scaled by the
// Hessian's Cholesky factor, or the gradient itself where smaller, within
// 2·10⁻³. An absolute bound would call a deviance of 2·10⁵ unconverged at
// its optimum, and a flat one converged anywhere.
func converged(f func([]float64) float64, x []float64) bool {
	fx := f(x)
	if math.IsInf(fx, 0) || math.IsNaN(fx) {
		return false
	}
	g, H := derivatives(f, x, fx)
	return convergedAt(g, H)
}

// convergedAt is converged's test on the gradient g and Hessian H.
func convergedAt(g []float64, H *mat.SymDense) bool {
	const tol = 2e-3
	scaled := g
	var chol mat.Cholesky
	if chol.Factorize(H) {
		// H = R'R; the scaled gradient is R⁻¹g, as solve(chol(H), g) in R.
		var R mat.TriDense
		chol.UTo(&R)
		var sg mat.VecDense
		if err := sg.SolveVec(&R, mat.NewVecDense(len(g), g)); err == nil {
			scaled = sg.RawVector().Data
		}
	}
	for i, v := range g {
		if math.Min(math.Abs(v), math.Abs(scaled[i])) > tol {
			return false
		}
	}
	return true
}
