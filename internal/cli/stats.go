package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/holf-project/holf/internal/stats"
)

func runStats(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "stats", args, []subcommand{{"lmm", statsLMM}, {"glmm", statsGLMM}, {"robust", statsRobust}, {"permute", statsPermute}, {"power", statsPower}, {"smd", statsSMD}, {"alpha", statsAlpha}, {"pool", statsPool}, {"lrt", statsLRT}})
}

// dataSource is the --data file of a statistics command and how its
// numbers are written.
type dataSource struct {
	path, decimal *string
}

func dataFlags(fs *flag.FlagSet) dataSource {
	return dataSource{
		path:    fs.String("data", "", "CSV file with a header; empty cells and NA are missing"),
		decimal: fs.String("decimal", ".", "the decimal mark: . or , (with , the fields may be separated by semicolons, as Norwegian spreadsheets save them)"),
	}
}

func (d dataSource) read() (*stats.Frame, error) {
	if *d.path == "" {
		return nil, usagef("--data is required")
	}
	var opt stats.CSVOptions
	switch *d.decimal {
	case ".":
	case ",":
		opt.Decimal = ','
	default:
		return nil, usagef("--decimal must be . or ,, not %q", *d.decimal)
	}
	f, err := os.Open(*d.path) // #nosec G304 -- the operator names the file to analyse
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fr, err := stats.ReadCSVWith(f, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", *d.path, err)
	}
	return fr, nil
}

// readModel reads the data file and parses the model formula.
func readModel(data dataSource, formula string) (*stats.Frame, *stats.Formula, error) {
	if formula == "" {
		return nil, nil, usagef("--formula is required")
	}
	fr, err := data.read()
	if err != nil {
		return nil, nil, err
	}
	fm, err := stats.ParseFormula(formula)
	return fr, fm, err
}

// RobustJSON is the output of 'holf stats robust --json'.
type RobustJSON struct {
	Method    string          `json:"method"`
	Fixed     []stats.Coef    `json:"fixed"`
	Contrasts []stats.Coef    `json:"contrasts,omitempty"`
	Wald      *stats.WaldTest `json:"wald,omitempty"`
	N         int             `json:"n"`
	Groups    map[string]int  `json:"groups"`
}

func statsRobust(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats robust --data F.csv --formula 'y ~ time*arm' --cluster office [--type CR2] [--json]",
		"OLS with cluster-robust standard errors and Satterthwaite degrees of freedom per coefficient,\nas clubSandwich::coef_test(lm, vcov = TYPE, cluster = CLUSTER, test = \"Satterthwaite\").\nRows with a missing model variable are dropped (na.omit).")
	data := dataFlags(fs)
	formula := fs.String("formula", "", "R model formula, e.g. 'y ~ time*arm + x'")
	cluster := fs.String("cluster", "", "the clustering column (e.g. office)")
	typ := fs.String("type", "CR2", "CR0, CR1 or CR2")
	wald := fs.String("wald", "", "test these terms jointly (comma-separated, e.g. 'arm,time:arm') with the HTZ test (CR2)")
	waldEqual := fs.String("wald-equal", "", "test that these terms' coefficients are all equal (comma-separated) with the HTZ test")
	contrasts := contrastFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *wald != "" && *waldEqual != "" {
		return usagef("give --wald or --wald-equal, not both")
	}
	if *formula == "" || *cluster == "" {
		return usagef("--formula and --cluster are required")
	}
	fr, fm, err := readModel(data, *formula)
	if err != nil {
		return err
	}
	if len(fm.Random) > 0 {
		return usagef("robust regression takes no random terms; use 'holf stats lmm' for (1 | group)")
	}
	// The cluster column must be present wherever the model is fitted.
	fm2 := *fm
	fm2.Terms = append(append([]stats.Term{}, fm.Terms...), stats.Term{*cluster})
	rows, err := stats.Complete(fr, fm2.Variables())
	if err != nil {
		return err
	}
	d, err := stats.BuildDesign(fr, fm)
	if err != nil {
		return err
	}
	if len(d.Rows) != len(rows) {
		return fmt.Errorf("the cluster column %q is missing in %d rows used by the model", *cluster, len(d.Rows)-len(rows))
	}
	cl, nc, err := stats.Groups(fr, d.Rows, []string{*cluster})
	if err != nil {
		return err
	}
	fit, err := stats.Robust(d, cl, nc, stats.CRType(strings.ToUpper(*typ)))
	if err != nil {
		return err
	}
	out := RobustJSON{Method: "OLS, cluster-robust " + string(fit.Type) + ", Satterthwaite df", Fixed: fit.Coefs, N: fit.N, Groups: map[string]int{*cluster: fit.Clusters}}
	cs, err := parseContrasts(*contrasts, d.Names)
	if err != nil {
		return err
	}
	for _, c := range cs {
		row, err := fit.Contrast(c)
		if err != nil {
			return err
		}
		out.Contrasts = append(out.Contrasts, row)
	}
	for _, w := range []struct {
		terms string
		test  func([]int) (*stats.WaldTest, error)
	}{{*wald, fit.WaldHTZ}, {*waldEqual, fit.WaldEqual}} {
		if w.terms == "" {
			continue
		}
		idx, err := stats.TermColumns(d, fm, strings.Split(w.terms, ","))
		if err != nil {
			return err
		}
		if out.Wald, err = w.test(idx); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%s; n = %d, %d clusters (%s)\n\n", out.Method, fit.N, fit.Clusters, *cluster)
	printCoefs(env.Stdout, fit.Coefs)
	printContrasts(env.Stdout, out.Contrasts)
	if w := out.Wald; w != nil {
		hyp := strings.Join(w.Terms, ", ") + " = 0"
		if *waldEqual != "" {
			hyp = strings.Join(w.Terms, " = ")
		}
		fmt.Fprintf(env.Stdout, "\n%s test of %s: F = %.4f on %g and %.3f df, p = %.4g\n", w.Test, hyp, w.F, w.DFNum, w.DFDenom, w.P)
	}
	return nil
}

func statsAlpha(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats alpha --data F.csv --items a,b,c [--json]",
		"Cronbach's alpha with item-dropped alpha, as psych::alpha (pairwise covariances).")
	data := dataFlags(fs)
	items := fs.String("items", "", "comma-separated item columns")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	fr, err := data.read()
	if err != nil {
		return err
	}
	var names []string
	for _, it := range strings.Split(*items, ",") {
		if it = strings.TrimSpace(it); it != "" {
			names = append(names, it)
		}
	}
	a, err := stats.CronbachAlpha(fr, names)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, a)
	}
	fmt.Fprintf(env.Stdout, "raw alpha %.4f, standardised alpha %.4f, G6 %.4f, average r %.4f (%d items, n = %d)\n\n",
		a.Total.RawAlpha, a.Total.StdAlpha, a.Total.G6, a.Total.AverageR, a.Items, a.N)
	fmt.Fprintf(env.Stdout, "%-16s %10s %16s\n", "item", "r.drop", "alpha if dropped")
	for _, it := range a.ByItem {
		// With two items, dropping one leaves no scale: alpha is undefined.
		dropped := fmt.Sprintf("%16.4f", it.Dropped.RawAlpha)
		if math.IsNaN(it.Dropped.RawAlpha) {
			dropped = fmt.Sprintf("%16s", "undefined")
		}
		fmt.Fprintf(env.Stdout, "%-16s %10.4f %s\n", it.Item, it.RDrop, dropped)
	}
	return nil
}

// LMMJSON is the output of 'holf stats lmm --json'.
type LMMJSON struct {
	Method    string             `json:"method"`
	Fixed     []stats.Coef       `json:"fixed"`
	Random    []stats.VarComp    `json:"random"`
	ICC       map[string]float64 `json:"icc"`
	LogLik    float64            `json:"loglik"`
	REML      *float64           `json:"reml,omitempty"`
	Deviance  *float64           `json:"deviance,omitempty"`
	AIC       float64            `json:"aic"`
	BIC       float64            `json:"bic"`
	N         int                `json:"n"`
	Groups    map[string]int     `json:"groups"`
	Converged bool               `json:"converged"`
	Contrasts []stats.Coef       `json:"contrasts,omitempty"`
}

// contrastFlag is a repeatable --contrast: "LABEL = TERM + TERM - 2*TERM"
// over the model's coefficient names.
func contrastFlag(fs *flag.FlagSet) *stringList {
	var l stringList
	fs.Var(&l, "contrast", "a linear combination of coefficients to estimate, e.g. 'arm at T2 = armintervention + time:armintervention' (repeatable)")
	return &l
}

// parseContrasts reads the --contrast flags over the names of d's columns.
func parseContrasts(specs []string, names []string) ([]stats.Contrast, error) {
	var out []stats.Contrast
	for _, spec := range specs {
		c, err := stats.ParseContrast(spec, names)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		out = append(out, c)
	}
	return out, nil
}

// printContrasts writes the contrasts' table, when there are any.
func printContrasts(w io.Writer, cs []stats.Coef) {
	if len(cs) > 0 {
		fmt.Fprintln(w, "\nContrasts:")
		printCoefs(w, cs)
	}
}

func statsLMM(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats lmm --data F.csv --formula 'y ~ time*arm + (1|office) + (1|person)' [--ml] [--json]",
		"Linear mixed model with random intercepts, fitted as lme4::lmer (REML unless --ml).\nRows with a missing model variable are dropped (na.omit).")
	data := dataFlags(fs)
	formula := fs.String("formula", "", "R model formula with random intercepts (1 | group) or (1 | group:other)")
	ml := fs.Bool("ml", false, "maximum likelihood instead of REML")
	ddf := fs.String("ddf", "satterthwaite", "denominator degrees of freedom: satterthwaite or kenward-roger (REML, adjusted standard errors; as lmerTest/pbkrtest)")
	contrasts := contrastFlag(fs)
	weights := fs.String("weights", "", "a column of prior weights (residual variance sigma^2/w, as lmer's weights)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	kr := false
	switch strings.ToLower(*ddf) {
	case "satterthwaite":
	case "kenward-roger":
		kr = true
	default:
		return usagef("--ddf must be satterthwaite or kenward-roger")
	}
	fr, fm, err := readModel(data, *formula)
	if err != nil {
		return err
	}
	opt := stats.LMMOptions{REML: !*ml, KenwardRoger: kr, Weights: *weights}
	if len(*contrasts) > 0 {
		d, err := stats.BuildDesign(fr, fm)
		if err != nil {
			return err
		}
		if opt.Contrasts, err = parseContrasts(*contrasts, d.Names); err != nil {
			return err
		}
	}
	fit, err := stats.FitLMMWith(fr, fm, opt)
	if err != nil {
		return err
	}
	out := LMMJSON{Method: "linear mixed model, REML, Satterthwaite df", Fixed: fit.Fixed, Random: fit.Random, ICC: fit.ICC, LogLik: fit.LogLik, AIC: fit.AIC, BIC: fit.BIC, N: fit.N, Groups: fit.Groups,
		Converged: fit.Converged, Contrasts: fit.Contrasts}
	if kr {
		out.Method = "linear mixed model, REML, Kenward-Roger df and standard errors"
	}
	if *ml {
		out.Method = "linear mixed model, ML, Satterthwaite df"
		out.Deviance = &fit.Deviance
	} else {
		out.REML = &fit.REMLCrit
	}
	if !fit.Converged {
		return exitError{code: 1, msg: "the fit did not converge; no result is printed"}
	}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%s; n = %d; log-likelihood %.4f, AIC %.2f, BIC %.2f\n\nRandom effects:\n", out.Method, fit.N, fit.LogLik, fit.AIC, fit.BIC)
	for _, r := range fit.Random {
		g := ""
		if n, ok := fit.Groups[r.Group]; ok {
			g = fmt.Sprintf("(%d groups)", n)
		}
		fmt.Fprintf(env.Stdout, "  %-20s variance %-12.6g sd %-12.6g %s\n", r.Group, r.Variance, r.SD, g)
	}
	fmt.Fprintln(env.Stdout, "\nFixed effects:")
	printCoefs(env.Stdout, fit.Fixed)
	printContrasts(env.Stdout, fit.Contrasts)
	return nil
}

func statsPermute(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats permute --data F.csv --formula 'y ~ time*arm' --cluster office --assign arm --term time:arm [--strata COL] [--n 10000] [--seed S] [--json]",
		"Randomisation inference: re-randomise the clusters' arms as the trial did (within strata when given),\nrefit the OLS model each time, and compare the term's coefficient with the observed one.\nExact when there are at most --n distinct assignments, Monte Carlo with --seed otherwise.")
	data := dataFlags(fs)
	formula := fs.String("formula", "", "R model formula")
	cluster := fs.String("cluster", "", "the unit of randomisation (e.g. office)")
	assign := fs.String("assign", "", "the assignment column with two levels (e.g. arm)")
	term := fs.String("term", "", "the term tested, as variables (e.g. time:arm)")
	strata := fs.String("strata", "", "randomise within these strata")
	n := fs.Int("n", 10000, "Monte Carlo draws (and the most assignments enumerated exactly)")
	seed := fs.Uint64("seed", 1, "random seed for Monte Carlo draws")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *formula == "" || *cluster == "" || *assign == "" || *term == "" {
		return usagef("--formula, --cluster, --assign and --term are required")
	}
	fr, fm, err := readModel(data, *formula)
	if err != nil {
		return err
	}
	res, err := stats.PermutationTest(fr, fm, *cluster, *assign, *term, *strata, *n, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, res)
	}
	kind := fmt.Sprintf("Monte Carlo, %d draws, Monte Carlo error %.4f", res.Assignments-1, res.MCError)
	if res.Exact {
		kind = fmt.Sprintf("exact, all %d assignments", res.Assignments)
	}
	fmt.Fprintf(env.Stdout, "%s = %.6g; randomisation p = %.4g (%s; %d clusters)\n", res.Term, res.Observed, res.P, kind, res.Clusters)
	return nil
}

// PowerJSON is the output of 'holf stats power --json'.
type PowerJSON struct {
	Clusters     int     `json:"clusters"`
	ClusterSize  float64 `json:"cluster_size"`
	ICC          float64 `json:"icc"`
	CV           float64 `json:"cv"`
	Alpha        float64 `json:"alpha"`
	Power        float64 `json:"power"`
	DesignEffect float64 `json:"design_effect"`
	MDE          float64 `json:"mde"`
	Effect       float64 `json:"effect,omitempty"`
	SizeNeeded   int     `json:"cluster_size_needed,omitempty"`
	ClustersNeed int     `json:"clusters_needed,omitempty"`
	Distribution string  `json:"distribution"`
}

func statsPower(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats power --clusters J --icc R [--size M] [--effect D] [--cv C] [--alpha A] [--power P] [--normal] [--json]",
		"Power for a two-arm cluster-randomised trial with 1:1 allocation: the design effect\n1 + ((cv²+1)m - 1)ρ, the minimum detectable standardised effect (noncentral t with clusters-2 df, as R's power.t.test\nwith strict = TRUE; --normal for the normal approximation), and with --effect the\ncluster size (given --clusters) or the number of clusters (given --size) needed.")
	clusters := fs.Int("clusters", 0, "clusters in both arms together")
	size := fs.Float64("size", 0, "mean persons per cluster")
	icc := fs.Float64("icc", 0, "intracluster correlation")
	cv := fs.Float64("cv", 0, "coefficient of variation of cluster sizes")
	effect := fs.Float64("effect", 0, "standardised effect to detect")
	alpha := fs.Float64("alpha", 0.05, "two-sided significance level")
	power := fs.Float64("power", 0.8, "power")
	normal := fs.Bool("normal", false, "the normal approximation instead of the noncentral t with clusters-2 df (it overstates power with few clusters)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	effectGiven := false
	fs.Visit(func(f *flag.Flag) { effectGiven = effectGiven || f.Name == "effect" })
	if effectGiven && !(*effect > 0) {
		return usagef("--effect must be a positive standardised effect, not %g: give the size of the difference to detect (power is the same for -d and d)", *effect)
	}
	d := stats.PowerDesign{Clusters: *clusters, Size: *size, ICC: *icc, CV: *cv, Alpha: *alpha, Power: *power, Normal: *normal}
	out := PowerJSON{Clusters: d.Clusters, ClusterSize: d.Size, ICC: d.ICC, CV: d.CV, Alpha: d.Alpha, Power: d.Power, Effect: *effect, Distribution: d.Distribution()}
	switch {
	case *effect > 0 && *size == 0:
		if *clusters < 2 {
			return usagef("give --clusters to find the cluster size needed")
		}
		m, err := d.SizeNeeded(*effect)
		if err != nil {
			return err
		}
		out.SizeNeeded, d.Size, out.ClusterSize = m, float64(m), float64(m)
	case *effect > 0 && *clusters == 0:
		j, err := d.ClustersNeeded(*effect)
		if err != nil {
			return err
		}
		out.ClustersNeed, d.Clusters, out.Clusters = j, j, j
	}
	mde, err := d.MDE()
	if err != nil {
		return err
	}
	out.MDE, out.DesignEffect = mde, d.DesignEffect()
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%d clusters of %.4g persons, ICC %.4g, cv %.4g: design effect %.4f, minimum detectable effect %.4f (α %.3g, power %.3g, %s)\n",
		out.Clusters, out.ClusterSize, d.ICC, d.CV, out.DesignEffect, out.MDE, d.Alpha, d.Power, out.Distribution)
	if out.SizeNeeded > 0 {
		fmt.Fprintf(env.Stdout, "persons per cluster needed to detect %.4g: %d\n", *effect, out.SizeNeeded)
	}
	if out.ClustersNeed > 0 {
		fmt.Fprintf(env.Stdout, "clusters needed to detect %.4g: %d\n", *effect, out.ClustersNeed)
	}
	return nil
}

// printCoefs writes a coefficient table.
func printCoefs(w io.Writer, coefs []stats.Coef) {
	fmt.Fprintf(w, "%-28s %12s %12s %10s %10s %12s  %s\n", "term", "estimate", "se", "t", "df", "p", "95 % CI")
	for _, c := range coefs {
		fmt.Fprintf(w, "%-28s %12.6g %12.6g %10.4f %10.3f %12.4g  [%.6g, %.6g]\n", c.Term, c.Estimate, c.SE, c.Statistic, c.DF, c.P, c.Lower, c.Upper)
	}
}

// printZCoefs writes a coefficient table of Wald z-tests, which have no
// degrees of freedom.
func printZCoefs(w io.Writer, coefs []stats.Coef) {
	fmt.Fprintf(w, "%-28s %12s %12s %10s %12s  %s\n", "term", "estimate", "se", "z", "p", "95 % CI")
	for _, c := range coefs {
		fmt.Fprintf(w, "%-28s %12.6g %12.6g %10.4f %12.4g  [%.6g, %.6g]\n", c.Term, c.Estimate, c.SE, c.Statistic, c.P, c.Lower, c.Upper)
	}
}

func statsSMD(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats smd --data F.csv --outcome y --assign arm --treated intervention --cluster office [--icc R] [--json]",
		"Standardised mean difference for a cluster-randomised design (Hedges 2007), with its variance and\n95 % interval. Without --icc the intracluster correlation is estimated with 'y ~ arm + (1 | cluster)'.")
	data := dataFlags(fs)
	outcome := fs.String("outcome", "", "the outcome column")
	assign := fs.String("assign", "", "the arm column")
	treated := fs.String("treated", "", "the arm level that received the intervention")
	cluster := fs.String("cluster", "", "the cluster column")
	icc := fs.Float64("icc", -1, "intracluster correlation (estimated when left out)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *outcome == "" || *assign == "" || *treated == "" || *cluster == "" {
		return usagef("--outcome, --assign, --treated and --cluster are required")
	}
	fr, err := data.read()
	if err != nil {
		return err
	}
	fm, err := stats.ParseFormula(fmt.Sprintf("%s ~ %s + (1 | %s)", *outcome, *assign, *cluster))
	if err != nil {
		return err
	}
	rows, err := stats.Complete(fr, fm.Variables())
	if err != nil {
		return err
	}
	rho := *icc
	if rho < 0 {
		fit, err := stats.FitLMM(fr, fm, true)
		if err != nil {
			return fmt.Errorf("estimate the intracluster correlation: %w", err)
		}
		rho = fit.ICC[*cluster]
	}
	ac, _ := fr.Col(*assign)
	yc, _ := fr.Col(*outcome)
	level := -1
	for i, l := range ac.Levels {
		if l == *treated {
			level = i
		}
	}
	if level < 0 {
		return fmt.Errorf("no arm %q in column %q (arms: %s)", *treated, *assign, strings.Join(ac.Levels, ", "))
	}
	cl, nc, err := stats.Groups(fr, rows, []string{*cluster})
	if err != nil {
		return err
	}
	y := make([]float64, len(rows))
	tr := make([]bool, len(rows))
	for r, i := range rows {
		y[r], tr[r] = yc.Numeric[i], ac.Factor[i] == level
	}
	e, err := stats.HedgesClusterSMD(y, tr, cl, nc, rho)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, e)
	}
	fmt.Fprintf(env.Stdout, "d_T = %.4f, adjusted for clustering %.4f (se %.4f, 95 %% CI %.4f to %.4f); ICC %.4f, %d persons in %d clusters\n",
		e.DT, e.Adjusted, e.SE, e.Lower, e.Upper, e.ICC, e.N, e.Clusters)
	return nil
}

func statsGLMM(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats glmm --data F.csv --formula 'work ~ time*arm + (1|office)' [--family poisson] [--nagq N] [--json]",
		"Generalised linear mixed model with random intercepts ((1 | office) + (1 | person) for repeated\n"+
			"measures), as lme4::glmer: logistic (--family binomial) for a 0/1 outcome or counts as\n"+
			"cbind(successes, failures), or log-linear (--family poisson) for counts, with offset(log(exposure))\n"+
			"for rates. The Laplace approximation (--nagq 1) or, with one random intercept, adaptive\n"+
			"Gauss-Hermite quadrature (--nagq > 1). Odds or rate ratios with Wald 95 % intervals.")
	data := dataFlags(fs)
	formula := fs.String("formula", "", "R model formula with random intercepts (1 | group)")
	nagq := fs.Int("nagq", 1, "quadrature points: 1 is the Laplace approximation")
	family := fs.String("family", "binomial", "binomial (logit link) or poisson (log link)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	fr, fm, err := readModel(data, *formula)
	if err != nil {
		return err
	}
	fam, err := familyFlag(*family, stats.Binomial, stats.Poisson)
	if err != nil {
		return err
	}
	fit, err := stats.FitGLMMFamily(fr, fm, *nagq, fam)
	if err != nil {
		return err
	}
	if !fit.Converged {
		return exitError{code: 1, msg: "the fit did not converge; no result is printed"}
	}
	if *asJSON {
		return printJSON(env, fit)
	}
	method := "Laplace approximation"
	if fit.NAGQ > 1 {
		method = fmt.Sprintf("adaptive Gauss-Hermite, %d points", fit.NAGQ)
	}
	model, ratio := "logistic mixed model", "odds ratio"
	if fam == stats.Poisson {
		model, ratio = "Poisson mixed model (log link)", "rate ratio"
	}
	fmt.Fprintf(env.Stdout, "%s (%s); n = %d; log-likelihood %.4f, AIC %.2f\n", model, method, fit.N, fit.LogLik, fit.AIC)
	for _, r := range fit.Random {
		fmt.Fprintf(env.Stdout, "  %-20s variance %-12.6g sd %-12.6g (%d groups)\n", r.Group, r.Variance, r.SD, fit.Groups[r.Group])
	}
	fmt.Fprintln(env.Stdout)
	printZCoefs(env.Stdout, fit.Fixed)
	fmt.Fprintf(env.Stdout, "\n%-28s %12s %24s\n", "term", ratio, "95 % interval")
	for _, o := range fit.OddsRatio {
		fmt.Fprintf(env.Stdout, "%-28s %12.4f %11.4f – %-11.4f\n", o.Term, o.OR, o.Lower, o.Upper)
	}
	return nil
}

// PoolJSON is the output of 'holf stats pool --json'.
type PoolJSON struct {
	Method string `json:"method"`
	// DFCom is the complete-data degrees of freedom, null for the
	// large-sample case.
	DFCom  *float64       `json:"dfcom"`
	Pooled []stats.Pooled `json:"pooled"`
}

func statsPool(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats pool [--dfcom N] [--json] (FIT.json ... | --data ESTIMATES.csv)",
		"Combines the analyses of m imputed data sets by Rubin's rules, with Barnard and Rubin's degrees of\n"+
			"freedom, as mice's pool() and summary(): the analyses are the --json outputs of 'holf stats lmm',\n"+
			"'robust' or 'glmm' (one file per imputed data set), or one CSV of every analysis's estimates with\n"+
			"the columns imputation, term, estimate and se (or std.error, as broom's tidy() writes them, e.g.\n"+
			"from R: do.call(rbind, lapply(fits$analyses, broom::tidy)) with an imputation column).\n"+
			"--dfcom is the complete-data degrees of freedom (the residual df n - p of the model had no value\n"+
			"been missing; mice takes df.residual); without it the large-sample df (m - 1)/lambda^2 are used.")
	data := fs.String("data", "", "CSV of the estimates: imputation, term, estimate, se (or std.error)")
	dfcom := fs.String("dfcom", "Inf", "complete-data degrees of freedom, or Inf")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	df, err := strconv.ParseFloat(*dfcom, 64)
	if err != nil || df <= 0 || math.IsNaN(df) {
		return usagef("--dfcom must be a positive number or Inf, not %q", *dfcom)
	}
	var tables [][]stats.Coef
	switch {
	case *data != "" && fs.NArg() > 0:
		return usagef("give either the analyses' JSON files or --data, not both")
	case *data != "":
		if tables, err = readEstimates(*data); err != nil {
			return err
		}
	case fs.NArg() > 0:
		for _, path := range fs.Args() {
			tb, err := readFitJSON(path)
			if err != nil {
				return err
			}
			tables = append(tables, tb)
		}
	default:
		return usagef("give the analyses' JSON files (one per imputed data set) or --data")
	}
	pooled, err := stats.Pool(tables, df)
	if err != nil {
		return err
	}
	out := PoolJSON{Method: fmt.Sprintf("Rubin's rules over %d imputations, Barnard-Rubin df", len(tables)), Pooled: pooled}
	if !math.IsInf(df, 1) {
		out.DFCom = &df
		out.Method += fmt.Sprintf(" (complete-data df %g)", df)
	} else {
		out.Method += " (large sample)"
	}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%s\n\n", out.Method)
	fmt.Fprintf(env.Stdout, "%-28s %12s %12s %10s %10s %12s %8s  %s\n", "term", "estimate", "se", "t", "df", "p", "fmi", "95 % CI")
	for _, p := range pooled {
		fmt.Fprintf(env.Stdout, "%-28s %12.6g %12.6g %10.4f %10.3f %12.4g %8.4f  [%.6g, %.6g]\n", p.Term, p.Estimate, p.SE, p.Statistic, p.DF, p.P, p.FMI, p.Lower, p.Upper)
	}
	return nil
}

// readFitJSON reads the coefficient table of one 'holf stats … --json'
// output (its "fixed" list).
func readFitJSON(path string) ([]stats.Coef, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- the operator names the analyses to pool
	if err != nil {
		return nil, err
	}
	var fit struct {
		Fixed []stats.Coef `json:"fixed"`
	}
	if err := json.Unmarshal(b, &fit); err != nil {
		return nil, fmt.Errorf("%s: not the JSON output of 'holf stats lmm|robust|glmm --json': %w", path, err)
	}
	if len(fit.Fixed) == 0 {
		return nil, fmt.Errorf("%s: no \"fixed\" coefficients (the JSON output of 'holf stats lmm|robust|glmm --json')", path)
	}
	return fit.Fixed, nil
}

// readEstimates reads one CSV of every analysis's estimates, in the order
// the imputations first appear.
func readEstimates(path string) ([][]stats.Coef, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator names the estimates to pool
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["se"]; !ok {
		if i, ok := col["std.error"]; ok {
			col["se"] = i
		}
	}
	for _, need := range []string{"imputation", "term", "estimate", "se"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: no column %q (the columns are imputation, term, estimate and se or std.error)", path, need)
		}
	}
	var tables [][]stats.Coef
	at := map[string]int{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		num := func(name string) (float64, error) {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[name]]), 64)
			if err != nil {
				return 0, fmt.Errorf("%s line %d: %s %q is not a number", path, line, name, rec[col[name]])
			}
			return v, nil
		}
		est, err := num("estimate")
		if err != nil {
			return nil, err
		}
		se, err := num("se")
		if err != nil {
			return nil, err
		}
		imp := strings.TrimSpace(rec[col["imputation"]])
		k, ok := at[imp]
		if !ok {
			k = len(tables)
			at[imp] = k
			tables = append(tables, nil)
		}
		tables[k] = append(tables[k], stats.Coef{Term: strings.TrimSpace(rec[col["term"]]), Estimate: est, SE: se})
	}
	return tables, nil
}

// LRTJSON is the output of 'holf stats lrt --json'.
type LRTJSON struct {
	Method string          `json:"method"`
	Models []stats.LRModel `json:"models"`
}

func statsLRT(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "stats lrt --data F.csv --formula 'y ~ time + arm + (1|office)' --formula 'y ~ time*arm + (1|office)' [--family binomial] [--json]",
		"Likelihood-ratio comparison of nested mixed models, as lme4's anova(m0, m1): each model fitted by\n"+
			"maximum likelihood (the Laplace approximation for --family binomial) to the rows complete in every\n"+
			"model's variables, ordered by its number of parameters and tested against the one before (chi-square).")
	data := dataFlags(fs)
	var formulas stringList
	fs.Var(&formulas, "formula", "a model formula (give two or more, nested, with the same response)")
	family := fs.String("family", "gaussian", "gaussian (linear mixed models), binomial (logistic) or poisson (log-linear; Laplace)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if len(formulas) < 2 {
		return usagef("give two or more --formula, nested")
	}
	fam, err := familyFlag(*family, stats.Gaussian, stats.Binomial, stats.Poisson)
	if err != nil {
		return err
	}
	fr, err := data.read()
	if err != nil {
		return err
	}
	models, err := stats.LikelihoodRatio(fr, fam, formulas)
	if err != nil {
		return err
	}
	out := LRTJSON{Method: "likelihood-ratio tests of nested models fitted by ML, chi-square", Models: models}
	if fam != stats.Gaussian {
		out.Method = fmt.Sprintf("likelihood-ratio tests of nested %s mixed models (Laplace), chi-square", fam)
	}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%s\n\n", out.Method)
	fmt.Fprintf(env.Stdout, "%-4s %5s %12s %12s %12s %12s %10s %4s %12s  %s\n", "", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "p", "formula")
	for i, m := range models {
		chisq, df, p := "", "", ""
		if m.Chisq != nil {
			chisq, df, p = fmt.Sprintf("%.4f", *m.Chisq), strconv.Itoa(m.DF), fmt.Sprintf("%.4g", *m.P)
		}
		fmt.Fprintf(env.Stdout, "%-4s %5d %12.3f %12.3f %12.3f %12.3f %10s %4s %12s  %s\n", fmt.Sprintf("m%d", i), m.NPar, m.AIC, m.BIC, m.LogLik, m.Deviance, chisq, df, p, m.Formula)
	}
	return nil
}

// familyFlag reads a --family flag among the families a command fits.
func familyFlag(v string, allowed ...stats.Family) (stats.Family, error) {
	var names []string
	for _, f := range allowed {
		if string(f) == v {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", usagef("--family must be %s, not %q", strings.Join(names, " or "), v)
}
