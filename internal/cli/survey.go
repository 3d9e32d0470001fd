package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/survey"
)

func runSurvey(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "survey", args, []subcommand{{"install", surveyInstall}, {"rescore", surveyRescore}})
}

func runExport(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "export", args, []subcommand{{"survey", exportSurvey}})
}

func surveyInstall(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "survey install --db DB [--file STUDY.json]",
		"Install a study design (waves and questionnaires) in the database: the HOLF evaluation, or the one in --file.")
	dsn := dbFlag(fs)
	file := fs.String("file", "", "a study definition (JSON); the built-in HOLF evaluation when empty")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	lib, err := survey.Load()
	if err != nil {
		return err
	}
	var st *survey.Study
	if *file == "" {
		st, err = survey.DefaultStudy(lib)
	} else {
		var b []byte
		if b, err = os.ReadFile(*file); err == nil {
			st, err = survey.ParseStudy(lib, b)
		}
	}
	if err != nil {
		return err
	}
	// The definition is checked before the database is touched.
	a, done, err := open(ctx, env, *dsn, true)
	if err != nil {
		return err
	}
	defer done()
	if _, err := a.Surveys.Install(ctx, operator(env), st); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Installed study %s: %d waves, %d questionnaires\n", st.Code, len(st.Waves), len(st.Questionnaires))
	return nil
}

// surveyRescore recomputes the scores of submitted responses whose stored
// scores come from an older version of an instrument's definition. The new
// scores are added beside the old ones, marked as re-scored.
func surveyRescore(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "survey rescore --db DB [--study CODE]",
		"Re-score submitted answers after an instrument's definition got a new version. Raw answers are not changed;\nthe old scores are kept and the new ones recorded as re-scored.")
	dsn := dbFlag(fs)
	code := fs.String("study", "holf", "study code")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	n, err := a.Surveys.Rescore(ctx, operator(env), *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Re-scored %d instrument scores\n", n)
	return nil
}

func exportSurvey(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "export survey --db DB --wave T1 --group parents|coordinators --out DIR [--study CODE] [--exact --reason TEXT]",
		"Write one questionnaire's submitted answers and scores for researchers: a CSV with one row per respondent\n(study codes, no names, birth year only), a codebook, R and Stata scripts that read it with its labels, and\ndisclosure.txt. Quasi-identifiers are generalised until every combination holds at least 5 respondents,\nunless --exact is given with a --reason, which the audit log keeps. The export is recorded in the audit log.")
	dsn := dbFlag(fs)
	code := fs.String("study", "holf", "study code")
	wave := fs.String("wave", "", "wave, e.g. T1")
	group := fs.String("group", "", "parents or coordinators")
	out := fs.String("out", "", "directory to write the files to (created if missing)")
	exact := fs.Bool("exact", false, "export exact birth years, numbers of children, gender and office (needs --reason)")
	reason := fs.String("reason", "", "why exact values are needed (kept in the audit log)")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *wave == "" || *group == "" || *out == "" {
		return usagef("--wave, --group and --out are required")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	c, err := a.Surveys.Choose(ctx, *code, *wave, *group)
	if err != nil {
		return err
	}
	ex, err := a.Surveys.Export(ctx, operator(env), c, app.ExportOptions{Exact: *exact, Reason: *reason})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		return err
	}
	var names []string
	for _, f := range ex.Files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), f.Data, 0o600); err != nil {
			return err
		}
		names = append(names, f.Name)
	}
	fmt.Fprintf(env.Stdout, "Exported %d responses (%s, %s) to %s: %v\n", ex.Rows, *wave, *group, *out, names)
	fmt.Fprintf(env.Stdout, "k-anonymity over %s: %d\n", strings.Join(ex.Disclosure.Identifiers, ", "), ex.Disclosure.K)
	return nil
}
