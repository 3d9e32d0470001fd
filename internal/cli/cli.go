// Package cli is the holf command: one binary with subcommands for serving,
// migrating, demo data, accounts, tokens, families, the audit log,
// questionnaires and statistics. It is a door like the web pages: it parses
// flags and prints, and every operation goes through a use case of
// internal/app, as the system actor (administration) or --as a staff member
// (families). Main takes its arguments, environment and streams explicitly
// so that tests run it like a user would; the web server its serve command
// starts comes in through Env.Serve.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// Env is the outside world of one invocation.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Hasher overrides the password hasher (tests use cheaper parameters).
	Hasher *auth.Hasher
	// Serve runs the web door on the use cases until ctx ends; the serve
	// command needs it (cmd/holf gives the web package's).
	Serve func(ctx context.Context, a *app.App, opt ServeOptions) error
}

// OSEnv is the process's own environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server", runServe},
		{"migrate", "apply database migrations (or --status to show them)", runMigrate},
		{"demo", "fill a database with the fictitious demo dataset", runDemo},
		{"user", "manage accounts: create, list, set-password, disable, enable", runUser},
		{"token", "manage API tokens: create, list, revoke", runToken},
		{"family", "act on a family as a staff member: status", runFamily},
		{"audit", "read and verify the audit log: list, verify", runAudit},
		{"instruments", "the questionnaire instrument library: list, score", runInstruments},
		{"survey", "questionnaire studies: install, rescore", runSurvey},
		{"export", "pseudonymised exports for researchers: survey", runExport},
		{"fidelity", "implementation quality per office and month: --json, --export, refresh", runFidelity},
		{"trial", "the trial: setup, targets, randomise (--dry-run), confirm, show, results", runTrial},
		{"stats", "statistics for the trial: lmm, glmm, robust, permute, power, smd, alpha, pool, lrt", runStats},
		{"version", "print the version", runVersion},
	}
}

// Main runs the holf command and returns its exit status.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return Main(ctx, []string{args[1], "-h"}, env)
		}
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			var ue usageError
			if errors.As(err, &ue) {
				fmt.Fprintf(env.Stderr, "holf %s: %s\n", c.name, ue.msg)
				return 2
			}
			var ee exitError
			if errors.As(err, &ee) {
				fmt.Fprintf(env.Stderr, "holf %s: %s\n", c.name, ee.msg)
				return ee.code
			}
			fmt.Fprintf(env.Stderr, "holf %s: %s\n", c.name, describe(err))
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "holf: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

// describe turns an error into a line for the operator: the safe message of
// a holf error (with field problems), or the error text for anything else,
// which on the command line is the operator's own system.
func describe(err error) string {
	var he *holf.Error
	if errors.As(err, &he) {
		msg := he.Message
		for _, f := range he.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, fieldText(f))
		}
		if he.Err != nil && he.Code == holf.EUnavailable {
			msg += fmt.Sprintf(" (%v)", he.Err)
		}
		return msg
	}
	return err.Error()
}

// fieldText renders a field error for the command line in English.
func fieldText(f holf.FieldError) string {
	return cat().T("en", f.Key, f.Args...)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "holf – comprehensive follow-up of low-income families")
	fmt.Fprintln(w, "\nUsage: holf COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as an environment variable HOLF_<FLAG> (for example HOLF_DB).")
	fmt.Fprintln(w, "Run 'holf COMMAND -h' for a command's flags.")
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// newFlags makes a flag set whose help names the command and the HOLF_*
// variable behind each flag.
func newFlags(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("holf "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		out := env.Stdout
		fmt.Fprintf(out, "Usage: holf %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(out, "  --%s\n      %s%s [env %s]\n", f.Name, f.Usage, def, envName(f.Name))
		})
	}
	return fs
}

func envName(flagName string) string {
	return "HOLF_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills every flag not given on the command line
// from its HOLF_* environment variable.
func parse(fs *flag.FlagSet, env Env, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []string
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := env.Getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", envName(f.Name), err))
			}
		}
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return usageError{strings.Join(errs, "; ")}
	}
	return nil
}

// auditPaths are where the audit key and the signed checkpoints live,
// outside the database: HOLF_AUDIT_KEY (a path, or "base64:KEY") and
// HOLF_AUDIT_CHECKPOINTS, or beside a SQLite file (FILE.audit-key,
// FILE.audit-checkpoints), or for PostgreSQL in the user's configuration
// directory, named by a digest of the URL.
func auditPaths(env Env, dsn string) (key, checkpoints string) {
	key, checkpoints = env.Getenv("HOLF_AUDIT_KEY"), env.Getenv("HOLF_AUDIT_CHECKPOINTS")
	base := strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		dir, err := os.UserConfigDir()
		if err != nil {
			dir = "."
		}
		base = filepath.Join(dir, "holf", "audit-"+audit.Digest([]byte(dsn))[:16])
	}
	if key == "" {
		key = base + ".audit-key"
	}
	if checkpoints == "" {
		checkpoints = base + ".audit-checkpoints"
	}
	return key, checkpoints
}

// openDB opens and (when migrate is set, migrates) the database named by --db.
func openDB(ctx context.Context, env Env, dsn string, migrate bool) (*store.DB, error) {
	if dsn == "" {
		return nil, usagef("no database: give --db PATH-OR-URL or set HOLF_DB")
	}
	keyPath, _ := auditPaths(env, dsn)
	key, err := audit.LoadKey(keyPath)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dsn, store.Options{AuditKey: key})
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
	} else if err := db.CheckSchema(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func hasher(env Env) *auth.Hasher {
	if env.Hasher != nil {
		return env.Hasher
	}
	return auth.NewHasher(auth.DefaultParams)
}

func runVersion(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "version", "Print the version of holf.")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "holf %s\n", Version)
	return nil
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "migrate --db DB [--status]", "Apply pending database migrations in one transaction, or show the schema status.")
	dsn := dbFlag(fs)
	status := fs.Bool("status", false, "only show the applied and latest schema versions")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *dsn == "" {
		return usagef("no database: give --db PATH-OR-URL or set HOLF_DB")
	}
	keyPath, _ := auditPaths(env, *dsn)
	key, err := audit.LoadKey(keyPath) // made at the first migration
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn, store.Options{AuditKey: key})
	if err != nil {
		return err
	}
	defer db.Close()
	if *status {
		st, err := db.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "schema version %d of %d (%s)\n", st.Current, st.Latest, db.Dialect())
		return nil
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schema is at version %d (%s)\n", st.Current, db.Dialect())
	return nil
}

// printJSON writes v as indented JSON to standard output. An undefined
// number (NaN, Inf) is written as null rather than failing the output.
func printJSON(env Env, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	if uv := (*json.UnsupportedValueError)(nil); errors.As(err, &uv) {
		buf.Reset()
		err = enc.Encode(finiteJSON(reflect.ValueOf(v)))
	}
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(buf.Bytes())
	return err
}
