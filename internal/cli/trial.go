package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/trial"
)

func runTrial(ctx context.Context, env Env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "setup":
		return trialSetup(ctx, env, args)
	case "randomise", "randomize":
		return trialRandomise(ctx, env, args)
	case "confirm":
		return trialConfirm(ctx, env, args)
	case "show":
		return trialShow(ctx, env, args)
	case "results":
		return trialResults(ctx, env, args)
	case "targets":
		return trialTargets(ctx, env, args)
	}
	return usagef("holf trial setup | randomise | confirm | show | results | targets (see holf trial SUBCOMMAND -h)")
}

// trialSetup records the study and, from a CSV, the offices invited to it.
func trialSetup(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial setup --db DB --registration ID --title T --from YYYY-MM-DD --to YYYY-MM-DD [--target 21] [--sites FILE.csv]",
		"Set up the study, or change it, and record the offices invited to it. FILE.csv has the columns name, office\n(a HOLF office's name or id; empty for an office HOLF does not serve), stage (invited, interested, drawn,\nwithdrew), reason, and one column per covariate the randomisation may balance (numbers, or labels for\ncategorical ones). Rows are matched to recorded sites by name; all are saved or none.")
	dsn := dbFlag(fs)
	reg := fs.String("registration", "", "registration id, e.g. NCT03102775")
	title := fs.String("title", "", "the study's title")
	from := fs.String("from", "", "first day of recruitment")
	to := fs.String("to", "", "last day of recruitment")
	target := fs.Int("target", 21, "families to recruit per office")
	sites := fs.String("sites", "", "CSV of the offices invited")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	actor := operator(env)
	o, err := a.Trial.Overview(ctx, actor)
	if err != nil {
		return err
	}
	st := o.Study
	if *reg != "" || !o.HasStudy {
		var bad holf.Validation
		st.Registration, st.Title, st.TargetPerOffice = *reg, *title, *target
		if st.RecruitFrom, err = dateFlag(*from); err != nil {
			bad.Add("recruit_from", "err.date")
		}
		if st.RecruitTo, err = dateFlag(*to); err != nil {
			bad.Add("recruit_to", "err.date")
		}
		if st, err = a.Trial.SaveStudy(ctx, actor, st, bad); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "study %s saved (version %d)\n", st.Registration, st.Version)
	}
	if *sites == "" {
		return nil
	}
	f, err := os.Open(*sites) // #nosec G304 -- the operator's own file
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := a.Trial.ImportSites(ctx, actor, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d sites saved\n", n)
	return nil
}

func dateFlag(s string) (t time.Time, err error) {
	d, ok := parseDate(s)
	if !ok {
		return d, fmt.Errorf("not a date: %q", s)
	}
	return d, nil
}

// trialRandomise shows a draw without recording it (--dry-run), or
// prepares the draw as the staff member --as, for a second to confirm.
func trialRandomise(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial randomise --db DB --method simple|stratified|constrained [--covariates a,b] [--weights 1,2] [--metric l2|l1]\n       [--cutoff 0.1] [--strata COL] [--treated N] [--space-seed N] (--dry-run --seed N | --as USERNAME) [--json]",
		"Randomise the offices drawn into the study. With --dry-run it shows the allocation that --seed would give\nand its balance, recording nothing but the audit entry. Without it, it prepares the draw as USERNAME: the\nconfiguration and the hash of the allocations it draws from are sealed, and the draw happens when a second\nperson confirms it (holf trial confirm, or the trial page).")
	dsn := dbFlag(fs)
	method := fs.String("method", "constrained", "simple, stratified or constrained")
	covs := fs.String("covariates", "", "comma-separated covariates to balance (constrained)")
	weights := fs.String("weights", "", "comma-separated weights, one per covariate (default 1)")
	metric := fs.String("metric", "l2", "balance metric: l2 or l1")
	cutoff := fs.Float64("cutoff", 0, "share of the best-balanced allocations drawn from (default 0.1)")
	strata := fs.String("strata", "", "categorical covariate to stratify by")
	treated := fs.Int("treated", 0, "offices in the intervention arm (default half, rounded up)")
	spaceSeed := fs.Uint64("space-seed", 0, "seed of the sample of allocations when there are too many to list")
	seed := fs.Uint64("seed", 0, "seed of the draw (--dry-run)")
	dry := fs.Bool("dry-run", false, "show the allocation without recording it")
	as := fs.String("as", "", "username of the person preparing the draw")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	cfg := trial.Config{Method: trial.Method(*method), Metric: trial.Metric(*metric), Cutoff: *cutoff, Strata: *strata, Treated: *treated, SpaceSeed: *spaceSeed}
	var ws []string
	if *weights != "" {
		ws = strings.Split(*weights, ",")
	}
	for i, name := range splitList(*covs) {
		c := trial.Covariate{Name: name, Weight: 1}
		if i < len(ws) {
			w, err := strconv.ParseFloat(strings.TrimSpace(ws[i]), 64)
			if err != nil || w <= 0 {
				return usagef("--weights: %q is not a positive number", ws[i])
			}
			c.Weight = w
		}
		cfg.Covariates = append(cfg.Covariates, c)
	}
	if len(ws) > len(cfg.Covariates) {
		return usagef("--weights has %d values for %d covariates", len(ws), len(cfg.Covariates))
	}
	if *dry == (*as != "") {
		return usagef("give one of --dry-run (with --seed) or --as USERNAME")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	if *dry {
		res, err := a.Trial.DryRun(ctx, operator(env), cfg, *seed)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env, map[string]any{"dry_run": true, "result": res})
		}
		printResult(env.Stdout, res)
		return nil
	}
	if *seed != 0 {
		return usagef("--seed is the draw's: give it to holf trial confirm, which draws")
	}
	actor, err := a.ActAs(ctx, strings.ToLower(*as))
	if err != nil {
		return err
	}
	r, err := a.Trial.Prepare(ctx, actor, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, randomisationJSON(r))
	}
	fmt.Fprintf(env.Stdout, "randomisation %d prepared by %s (version %d): %d allocations to draw from\nconfiguration %s\ncandidates    %s\na second person confirms it: holf trial confirm --id %d --version %d --as USERNAME\n",
		r.ID, r.PreparedByName, r.Version, r.Accepted, r.ConfigHash, r.CandidatesHash, r.ID, r.Version)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func trialConfirm(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial confirm --db DB --as USERNAME --id N --version V [--seed N] [--json]",
		"Confirm a prepared randomisation as a second person, which draws it once: the offices' arms follow the\nallocation. --seed gives a seed registered in advance; without it the seed is drawn at random and recorded.")
	dsn := dbFlag(fs)
	as := fs.String("as", "", "username of the confirming person (not the one who prepared it)")
	id := fs.Int64("id", 0, "the randomisation's id")
	version := fs.Int64("version", 0, "its version as shown when prepared")
	seed := fs.String("seed", "", "the draw's seed (default: random)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *as == "" || *id == 0 || *version == 0 {
		return usagef("--as, --id and --version are required")
	}
	var sp *uint64
	if *seed != "" {
		v, err := strconv.ParseUint(*seed, 10, 63)
		if err != nil {
			return usagef("--seed: %q is not a whole number", *seed)
		}
		sp = &v
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	actor, err := a.ActAs(ctx, strings.ToLower(*as))
	if err != nil {
		return err
	}
	r, err := a.Trial.Confirm(ctx, actor, *id, *version, sp)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, randomisationJSON(r))
	}
	printResult(env.Stdout, *r.Result)
	return nil
}

func trialShow(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial show --db DB [--json]", "The study, the flow of offices into it and its randomisation with the record of the draw.")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	a, done, err := parseRead(ctx, env, fs, args, dsn)
	if err != nil {
		return err
	}
	defer done()
	o, err := a.Trial.Overview(ctx, operator(env))
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{"registration": o.Study.Registration, "title": o.Study.Title, "flow": flowJSON(o.Flow)}
		if o.HasStudy {
			out["recruit_from"], out["recruit_to"] = o.Study.RecruitFrom.Format(time.DateOnly), o.Study.RecruitTo.Format(time.DateOnly)
		}
		if o.Current != nil {
			out["randomisation"] = randomisationJSON(*o.Current)
		}
		return printJSON(env, out)
	}
	if !o.HasStudy {
		fmt.Fprintln(env.Stdout, "no study is set up (holf trial setup)")
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", o.Study.Registration, o.Study.Title)
	for _, f := range o.Flow {
		var rs []string
		for _, r := range f.Reasons {
			rs = append(rs, fmt.Sprintf("%s (%d)", r.Reason, r.N))
		}
		fmt.Fprintf(env.Stdout, "  %-11s %3d  %s\n", f.Stage, f.Offices, strings.Join(rs, "; "))
	}
	if o.Current != nil && o.Current.Result != nil {
		printResult(env.Stdout, *o.Current.Result)
	} else if o.Current != nil {
		fmt.Fprintf(env.Stdout, "randomisation %d prepared by %s, waiting for a second person\n", o.Current.ID, o.Current.PreparedByName)
	}
	return nil
}

func flowJSON(fl []app.StageCount) []map[string]any {
	out := []map[string]any{}
	for _, f := range fl {
		out = append(out, map[string]any{"stage": f.Stage, "offices": f.Offices, "reasons": f.Reasons})
	}
	return out
}

func randomisationJSON(r trial.Randomisation) map[string]any {
	out := map[string]any{"id": r.ID, "status": r.Status, "version": r.Version, "config": r.Config, "config_hash": r.ConfigHash,
		"candidates_hash": r.CandidatesHash, "accepted": r.Accepted, "prepared_by": r.PreparedByName, "prepared_at": r.PreparedAt,
		"drawn_by": r.DrawnByName, "result": r.Result}
	if !r.DrawnAt.IsZero() {
		out["drawn_at"] = r.DrawnAt
	}
	return out
}

func printResult(w io.Writer, r trial.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, x := range r.Allocation {
		arm := "comparison"
		if x.Intervention {
			arm = "intervention"
		}
		fmt.Fprintf(tw, "%s\t%s\n", x.Name, arm)
	}
	_ = tw.Flush()
	how := fmt.Sprintf("all %.0f allocations", r.Total)
	if !r.Enumerated {
		how = fmt.Sprintf("%d distinct of %.0f sampled allocations", r.Checked, r.Total)
	}
	fmt.Fprintf(w, "balance score %.3f (cutoff %.3f, mean %.3f) — drawn from %d of %s\nseed %d; configuration %s; candidates %s\n",
		r.Score, r.CutoffScore, r.Summary.Mean, r.Accepted, how, r.Seed, r.ConfigHash, r.CandidatesHash)
	if r.AlwaysTogether+r.NeverTogether > 0 {
		fmt.Fprintf(w, "validity: %d pairs always in the same arm, %d never\n", r.AlwaysTogether, r.NeverTogether)
	}
}

// trialResults prints the effect table; with --export it writes each
// outcome's analysis data, the table and an R script that reproduces it.
func trialResults(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial results --db DB (--json | --export DIR) [--permutations N] [--seed S]",
		"The arm × time effect on every outcome scale of coordinators and parents: a mixed model with random intercepts\nfor office, office × time and person (lmerTest, Satterthwaite df), beside the CR2 cluster-robust p-value\n(clubSandwich), a randomisation test re-assigning the offices' arms, Holm and BH adjustment across each group's\noutcomes, the office ICC and Hedges' g at T2. --export writes one pseudonymised CSV per outcome (exactly the rows\nused), effects.csv, results.json and reproduce.R, which refits every model in R.")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the effect table as JSON")
	dir := fs.String("export", "", "write the analysis data, the table and reproduce.R to this directory")
	perms := fs.Int("permutations", 2000, "re-assignments drawn for each randomisation test")
	seed := fs.Uint64("seed", 20180401, "seed of the randomisation tests")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if !*asJSON && *dir == "" {
		return usagef("give --json, --export DIR, or both")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	res, err := a.Trial.Results(ctx, operator(env), app.ResultsOptions{Permutations: *perms, Seed: *seed, WithData: *dir != ""})
	if err != nil {
		return err
	}
	if len(res.Effects) == 0 {
		return exitError{code: 1, msg: "no outcome could be analysed: " + strings.Join(res.Skipped, "; ")}
	}
	if *dir != "" {
		if err := exportResults(*dir, &res); err != nil {
			return err
		}
	}
	out := map[string]any{"snapshot": res.Snapshot, "seed": res.Seed, "software": "holf " + Version, "outcomes": res.Effects, "attrition": res.Attrition, "skipped": res.Skipped}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "%d outcomes analysed (%d skipped) to %s\n", len(res.Effects), len(res.Skipped), *dir)
	return nil
}

func exportResults(dir string, res *app.TrialResults) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	files, err := res.Bundle("holf " + Version)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// trialTargets imports an office's target list from a CSV file.
func trialTargets(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "trial targets --db DB --office OFFICE --file F.csv [--json]",
		"Import an office's target list: the columns reference (case number), name, children (1-4), criterion\n(assistance, regular, aap, unemployment, qualification) and register_declined (yes/no). Every row is checked\nfirst and each problem named by its line and column; one bad row imports nothing. The families are added in a\nrandom order drawn with a recorded seed, after those already listed; those who declined register data are kept\nout of the draw.")
	dsn := dbFlag(fs)
	office := fs.String("office", "", "the office's name or id")
	file := fs.String("file", "", "the CSV file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *office == "" || *file == "" {
		return usagef("--office and --file are required")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	actor := operator(env)
	of, err := a.Offices.Find(ctx, actor, *office)
	if err != nil {
		return err
	}
	f, err := os.Open(*file) // #nosec G304 -- the operator's own file
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := a.Targets.Import(ctx, actor, of.ID, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, map[string]any{"office": of.ID, "added": res.Added, "excluded": res.Excluded, "seed": res.Seed})
	}
	fmt.Fprintf(env.Stdout, "%s: %d families added to the draw order (seed %d), %d excluded (declined register data)\n", of.Name, res.Added, res.Seed, res.Excluded)
	return nil
}
