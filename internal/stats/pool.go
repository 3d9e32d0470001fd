package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Pooled is one term's estimate combined across the analyses of m imputed
// data sets by Rubin's rules, as mice's pool() and summary() report it:
// the mean estimate, the within-imputation variance Ū (the mean squared
// standard error), the between-imputation variance B, the total variance
// T = Ū + (1 + 1/m) B, and Barnard and Rubin's (1999) degrees of freedom.
type Pooled struct {
	Term      string  `json:"term"`
	M         int     `json:"m"`
	Estimate  float64 `json:"estimate"`
	SE        float64 `json:"se"` // √T
	Statistic float64 `json:"statistic"`
	DF        float64 `json:"df"`
	P         float64 `json:"p"`
	Lower     float64 `json:"ci_lower"` // 95 %, t with df
	Upper     float64 `json:"ci_upper"`
	Within    float64 `json:"ubar"`
	Between   float64 `json:"b"`
	Total     float64 `json:"t"`
	// RIV is the relative increase in variance due to nonresponse,
	// Lambda the share of the total variance due to it, and FMI the
	// fraction of missing information.
	RIV    float64 `json:"riv"`
	Lambda float64 `json:"lambda"`
	FMI    float64 `json:"fmi"`
}

// Pool combines the coefficient tables of m ≥ 2 analyses, one per imputed
// data set, term by term in the first table's order. dfcom is the
// complete-data degrees of freedom (the residual df of the model had there
// been no missing data); +Inf is the large-sample case, where Barnard and
// Rubin's df reduce to Rubin's (1987) (m − 1)/λ². Every table must hold the
// same terms, each with a positive finite standard error.
func Pool(tables [][]Coef, dfcom float64) ([]Pooled, error) {
	m := len(tables)
	if m < 2 {
		return nil, fmt.Errorf("pooling needs the analyses of at least two imputed data sets, not %d", m)
	}
	if math.IsNaN(dfcom) || dfcom <= 0 {
		return nil, fmt.Errorf("the complete-data degrees of freedom must be positive (or Inf), not %v", dfcom)
	}
	for k, tb := range tables {
		if len(tb) != len(tables[0]) {
			return nil, fmt.Errorf("analysis %d has %d terms, analysis 1 has %d: every analysis must fit the same model", k+1, len(tb), len(tables[0]))
		}
	}
	out := make([]Pooled, 0, len(tables[0]))
	for _, first := range tables[0] {
		q := make([]float64, m)
		u := make([]float64, m)
		for k, tb := range tables {
			c, ok := coefOf(tb, first.Term)
			if !ok {
				return nil, fmt.Errorf("analysis %d has no term %q: every analysis must fit the same model", k+1, first.Term)
			}
			if !(c.SE > 0) || math.IsInf(c.SE, 0) || math.IsNaN(c.Estimate) || math.IsInf(c.Estimate, 0) {
				return nil, fmt.Errorf("analysis %d, term %q: the estimate %v with standard error %v cannot be pooled", k+1, first.Term, c.Estimate, c.SE)
			}
			q[k], u[k] = c.Estimate, c.SE*c.SE
		}
		out = append(out, rubin(first.Term, q, u, dfcom))
	}
	return out, nil
}

func coefOf(tb []Coef, term string) (Coef, bool) {
	for _, c := range tb {
		if c.Term == term {
			return c, true
		}
	}
	return Coef{}, false
}

// rubin pools one term's estimates q and squared standard errors u.
func rubin(term string, q, u []float64, dfcom float64) Pooled {
	m := float64(len(q))
	p := Pooled{Term: term, M: len(q)}
	for k := range q {
		p.Estimate += q[k] / m
		p.Within += u[k] / m
	}
	for _, v := range q {
		d := v - p.Estimate
		p.Between += d * d / (m - 1)
	}
	p.Total = p.Within + (1+1/m)*p.Between
	p.SE = math.Sqrt(p.Total)
	p.RIV = (1 + 1/m) * p.Between / p.Within
	p.Lambda = (1 + 1/m) * p.Between / p.Total
	p.DF = barnardRubin(m, p.Lambda, dfcom)
	p.FMI = (p.RIV + 2/(p.DF+3)) / (p.RIV + 1)
	p.Statistic = p.Estimate / p.SE
	// As summary.mipo: the df bounded below by 0.001.
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: math.Max(p.DF, 0.001)}
	p.P = 2 * t.CDF(-math.Abs(p.Statistic))
	crit := t.Quantile(0.975)
	p.Lower, p.Upper = p.Estimate-crit*p.SE, p.Estimate+crit*p.SE
	return p
}

// barnardRubin is the small-sample degrees of freedom of Barnard and Rubin
// (1999), with λ bounded below by 10⁻⁴ as mice bounds it (no between-
// imputation variance would otherwise give infinite df).
func barnardRubin(m, lambda, dfcom float64) float64 {
	lambda = math.Max(lambda, 1e-4)
	dfold := (m - 1) / (lambda * lambda)
	if math.IsInf(dfcom, 1) {
		return dfold
	}
	dfobs := (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lambda)
	return dfold * dfobs / (dfold + dfobs)
}
