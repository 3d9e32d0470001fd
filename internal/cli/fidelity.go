package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func runFidelity(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "refresh" {
		return fidelityRefresh(ctx, env, args[1:])
	}
	fs := newFlags(env, "fidelity --db DB [--from YYYY-MM] [--to YYYY-MM] (--json | --export DIR)\n       holf fidelity refresh --db DB",
		"Implementation quality counted from the work itself: every indicator's numerator, denominator and value per\noffice and month (coordinators summed). --json prints them; --export writes fidelity.csv, codebook.csv and families.csv\n(each evaluated family's meetings and contacts per month under its study code, for dose-response analyses) for\nresearchers (office numbers as in the survey exports, no names). The period defaults to the last 24 months.\n'refresh' recomputes the figures the national overview reads.")
	dsn := dbFlag(fs)
	from := fs.String("from", "", "first month (YYYY-MM, or a date in it)")
	to := fs.String("to", "", "last month (YYYY-MM, or a date in it)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	dir := fs.String("export", "", "write fidelity.csv, families.csv and codebook.csv to this directory")
	study := fs.String("study", "holf", "the study whose family codes name the families in families.csv")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *asJSON == (*dir != "") {
		return usagef("give one of --json or --export DIR")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	month := func(s string) string {
		if len(s) == len("2006-01-02") {
			return s[:7]
		}
		return s
	}
	p, err := a.Fidelity.ParsePeriod(month(*from), month(*to))
	if err != nil {
		return err
	}
	ex, err := a.Fidelity.Export(ctx, operator(env), p, *study)
	if err != nil {
		return err
	}
	r := ex.FidelityReport
	rows := r.Rows()
	if *asJSON {
		return printJSON(env, map[string]any{"from": p.From.String(), "to": p.To.String(), "as_of": r.AsOf.Format("2006-01-02"), "figures": rows})
	}
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"office", "arm", "month", "indicator", "version", "model_only", "numerator", "denominator", "value"})
	for _, x := range rows {
		v := "NA"
		if x.Value != nil {
			v = strconv.FormatFloat(*x.Value, 'f', -1, 64)
		}
		_ = w.Write([]string{strconv.FormatInt(x.Office, 10), x.Arm, x.Month, x.Indicator, strconv.Itoa(x.Version), strconv.FormatBool(x.ModelOnly),
			strconv.FormatFloat(x.Num, 'f', -1, 64), strconv.FormatFloat(x.Den, 'f', -1, 64), v})
	}
	w.Flush()
	var cb bytes.Buffer
	cw := csv.NewWriter(&cb)
	_ = cw.Write([]string{"indicator", "version", "category", "unit", "better", "target", "warn", "model_only", "level", "title_en", "definition_en", "title_nb", "definition_nb"})
	for _, d := range r.Defs {
		_ = cw.Write([]string{d.ID, strconv.Itoa(d.Version), d.Category, string(d.Unit), d.Better, strconv.FormatFloat(d.Target, 'f', -1, 64),
			strconv.FormatFloat(d.Warn, 'f', -1, 64), strconv.FormatBool(d.ModelOnly), d.Level, d.Name("en"), d.Text("en"), d.Name("nb"), d.Text("nb")})
	}
	cw.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	var fb bytes.Buffer
	fw := csv.NewWriter(&fb)
	_ = fw.Write([]string{"family", "office", "arm", "month", "meetings_held", "contacts"})
	for _, x := range ex.Doses {
		_ = fw.Write([]string{x.Code, strconv.FormatInt(x.Office, 10), x.Arm, x.Month.String(),
			strconv.FormatFloat(x.Meetings, 'f', -1, 64), strconv.FormatFloat(x.Contacts, 'f', -1, 64)})
	}
	fw.Flush()
	for name, data := range map[string][]byte{"fidelity.csv": b.Bytes(), "families.csv": fb.Bytes(), "codebook.csv": cb.Bytes()} {
		if err := os.WriteFile(filepath.Join(*dir, name), data, 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "Exported %d figures (%d offices, %s to %s) and %d family-months to %s: fidelity.csv, families.csv, codebook.csv\n",
		len(rows), len(r.Offices), p.From, p.To, len(ex.Doses), *dir)
	return nil
}

func fidelityRefresh(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "fidelity refresh --db DB", "Recompute the maintained fidelity figures of every office (the national overview reads them).")
	dsn := dbFlag(fs)
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	n, err := a.Fidelity.Refresh(ctx, operator(env))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Recomputed the fidelity figures of %d offices\n", n)
	return nil
}
