package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Contrast is a linear combination of a model's coefficients that an
// analyst reports: the arm difference at T2 (armintervention +
// time:armintervention), the change in one arm.
type Contrast struct {
	Label   string
	Weights []float64 // one per coefficient, in the model's order
}

// ParseContrast reads "LABEL = TERM + 2*TERM - TERM" over the coefficient
// names of a fit: each term an optional sign and weight, then the longest
// coefficient name that matches there (names may hold spaces and operators:
// "poly(x, 2)1", "I(x - 10)"). Without "LABEL =" the expression labels
// itself.
func ParseContrast(spec string, names []string) (Contrast, error) {
	c := Contrast{Weights: make([]float64, len(names))}
	expr := spec
	if label, rest, ok := strings.Cut(spec, " = "); ok {
		c.Label, expr = strings.TrimSpace(label), rest
	}
	expr = strings.TrimSpace(expr)
	if c.Label == "" {
		c.Label = expr
	}
	s := expr
	any := false
	// Each matched name is followed by the end or a sign (see below), so
	// every term after the first starts with one.
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		sign := 1.0
		if s[0] == '+' || s[0] == '-' {
			if s[0] == '-' {
				sign = -1
			}
			s = strings.TrimLeft(s[1:], " ")
		}
		w := 1.0
		if i := strings.IndexByte(s, '*'); i > 0 {
			if v, err := strconv.ParseFloat(strings.TrimSpace(s[:i]), 64); err == nil {
				w, s = v, strings.TrimLeft(s[i+1:], " ")
			}
		}
		best := -1
		for k, n := range names {
			if strings.HasPrefix(s, n) && (best < 0 || len(n) > len(names[best])) {
				rest := strings.TrimLeft(s[len(n):], " ")
				if rest == "" || rest[0] == '+' || rest[0] == '-' {
					best = k
				}
			}
		}
		if best < 0 {
			return c, fmt.Errorf("contrast %q: %q is not a coefficient of the model (%s)", spec, s, strings.Join(names, ", "))
		}
		c.Weights[best] += sign * w
		s = s[len(names[best]):]
		any = true
	}
	if !any {
		return c, fmt.Errorf("contrast %q names no coefficient", spec)
	}
	return c, nil
}

// estimate is the contrast's estimate and standard error under β and V.
func (c Contrast) estimate(beta []float64, V mat.Symmetric) (est, se float64) {
	cv := mat.NewVecDense(len(c.Weights), c.Weights)
	for k, w := range c.Weights {
		est += w * beta[k]
	}
	return est, math.Sqrt(mat.Inner(cv, V, cv))
}

// tRow is a contrast's row of a table: t-test on df, with its interval.
func tRow(label string, est, se, df float64) Coef {
	t := est / se
	p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(t))
	return Coef{Term: label, Estimate: est, SE: se, DF: df, Statistic: t, P: p}.withInterval()
}

// Contrast estimates c with its cluster-robust standard error and
// Satterthwaite degrees of freedom, as clubSandwich's linear_contrast.
func (f *RobustFit) Contrast(c Contrast) (Coef, error) {
	if len(c.Weights) != f.VCov.SymmetricDim() {
		return Coef{}, fmt.Errorf("contrast %q has %d weights for %d coefficients", c.Label, len(c.Weights), f.VCov.SymmetricDim())
	}
	est, se := c.estimate(f.beta.RawVector().Data, f.VCov)
	return tRow(c.Label, est, se, f.satterthwaiteDF(c.Weights)), nil
}
