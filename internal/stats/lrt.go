package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// LRModel is one model of a likelihood-ratio comparison, fitted by
// maximum likelihood.
type LRModel struct {
	Formula  string  `json:"formula"`
	NPar     int     `json:"npar"`
	LogLik   float64 `json:"loglik"`
	Deviance float64 `json:"deviance"`
	AIC      float64 `json:"aic"`
	BIC      float64 `json:"bic"`
	// Against the model before it: the likelihood-ratio statistic, its
	// degrees of freedom (the added parameters) and p (χ²); absent for the
	// smallest model.
	Chisq *float64 `json:"chisq,omitempty"`
	DF    int      `json:"df,omitempty"`
	P     *float64 `json:"p,omitempty"`
}

// Family names the mixed model a comparison fits.
type Family string

// The families a likelihood-ratio comparison fits.
const (
	Gaussian Family = "gaussian" // linear mixed model (ML)
	Binomial Family = "binomial" // logistic mixed model (Laplace)
	Poisson  Family = "poisson"  // log-linear mixed model for counts (Laplace)
)

// LikelihoodRatio compares nested mixed models as lme4's anova(m0, m1, …)
// does: every model fitted by maximum likelihood to the same rows (those
// complete in every model's variables), ordered by their number of
// parameters, each tested against the one before by χ² = 2 Δ log L on the
// parameters it adds. The models must share their response.
func LikelihoodRatio(f *Frame, family Family, formulas []string) ([]LRModel, error) {
	if len(formulas) < 2 {
		return nil, fmt.Errorf("a likelihood-ratio comparison needs at least two models, not %d", len(formulas))
	}
	var fms []*Formula
	var vars []string
	for _, s := range formulas {
		fm, err := ParseFormula(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		if len(fms) > 0 && (fm.Response != fms[0].Response || fm.Failures != fms[0].Failures) {
			return nil, fmt.Errorf("the models must have the same response: %q and %q", formulas[0], s)
		}
		for _, v := range fm.Variables() {
			if !slices.Contains(vars, v) {
				vars = append(vars, v)
			}
		}
		fms = append(fms, fm)
	}
	rows, err := Complete(f, vars)
	if err != nil {
		return nil, err
	}
	same, err := onRows(f, fms[0].Response, rows)
	if err != nil {
		return nil, err
	}
	out := make([]LRModel, len(fms))
	for i, fm := range fms {
		m := LRModel{Formula: formulas[i]}
		switch family {
		case Gaussian:
			fit, err := FitLMM(same, fm, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", formulas[i], err)
			}
			m.NPar, m.LogLik, m.Deviance, m.AIC, m.BIC = len(fit.Fixed)+len(fit.Random), fit.LogLik, fit.Deviance, fit.AIC, fit.BIC
		case Binomial, Poisson:
			fit, err := FitGLMMFamily(same, fm, 1, family)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", formulas[i], err)
			}
			m.NPar, m.LogLik, m.Deviance, m.AIC, m.BIC = len(fit.Fixed)+len(fit.Random), fit.LogLik, fit.Deviance, fit.AIC, fit.BIC
		default:
			return nil, fmt.Errorf("unknown family %q (gaussian, binomial or poisson)", family)
		}
		out[i] = m
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].NPar < out[b].NPar })
	for i := 1; i < len(out); i++ {
		df := out[i].NPar - out[i-1].NPar
		if df == 0 {
			return nil, fmt.Errorf("%q and %q have the same number of parameters (%d): they are not nested", out[i-1].Formula, out[i].Formula, out[i].NPar)
		}
		chisq := math.Max(0, 2*(out[i].LogLik-out[i-1].LogLik))
		p := distuv.ChiSquared{K: float64(df)}.Survival(chisq)
		out[i].Chisq, out[i].DF, out[i].P = &chisq, df, &p
	}
	return out, nil
}

// onRows is f with the response missing outside rows, so that every model
// is fitted to those rows and no others (a transformed response, log(y),
// is masked under its own name).
func onRows(f *Frame, response string, rows []int) (*Frame, error) {
	keep := make([]bool, f.N)
	for _, i := range rows {
		keep[i] = true
	}
	src, err := f.Col(response)
	if err != nil {
		return nil, err
	}
	c := &Column{Name: src.Name, Levels: src.Levels}
	if src.IsFactor() {
		c.Factor = slices.Clone(src.Factor)
		for i := range c.Factor {
			if !keep[i] {
				c.Factor[i] = -1
			}
		}
	} else {
		c.Numeric = slices.Clone(src.Numeric)
		for i := range c.Numeric {
			if !keep[i] {
				c.Numeric[i] = math.NaN()
			}
		}
	}
	out := &Frame{N: f.N, Columns: map[string]*Column{}, Order: f.Order}
	for k, v := range f.Columns {
		out.Columns[k] = v
	}
	out.Columns[response] = c
	return out, nil
}
