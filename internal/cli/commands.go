package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/demo"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/policy"
)

var cat = sync.OnceValue(i18n.MustLoad)

// operator is the system actor of this invocation: whoever runs holf with
// access to the database, named by $USER.
func operator(env Env) *holf.Actor { return app.System(env.Getenv("USER")) }

// parseRead is parseOpen for commands that only read: they write no
// audit checkpoint (audit verify must never vouch for what it checks).
func parseRead(ctx context.Context, env Env, fs *flag.FlagSet, args []string, dsn *string) (*app.App, func(), error) {
	if err := parse(fs, env, args); err != nil {
		return nil, nil, err
	}
	return openApp(ctx, env, *dsn, false, false)
}

// dbFlag is the --db flag of every command that works on a database.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "SQLite file path or postgres:// URL")
}

// parseOpen parses a command's flags and opens the database its --db names
// with the use cases on it: what every database command does first.
func parseOpen(ctx context.Context, env Env, fs *flag.FlagSet, args []string, dsn *string, migrate bool) (*app.App, func(), error) {
	if err := parse(fs, env, args); err != nil {
		return nil, nil, err
	}
	return open(ctx, env, *dsn, migrate)
}

// open opens (and when migrate is set, migrates) the database named by
// --db and builds the use cases on it.
func open(ctx context.Context, env Env, dsn string, migrate bool) (*app.App, func(), error) {
	return openApp(ctx, env, dsn, migrate, true)
}

// openApp is open, writing an audit checkpoint when done only if pin is set.
func openApp(ctx context.Context, env Env, dsn string, migrate, pin bool) (*app.App, func(), error) {
	db, err := openDB(ctx, env, dsn, migrate)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(app.Config{DB: db, Hasher: hasher(env)})
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	if !pin {
		return a, func() { _ = db.Close() }, nil
	}
	_, cps := auditPaths(env, dsn)
	return a, func() {
		// What this command wrote is vouched for outside the database.
		if err := checkpoint(ctx, a, cps); err != nil {
			fmt.Fprintf(env.Stderr, "holf: audit checkpoint not written: %v\n", err)
		}
		_ = db.Close()
	}, nil
}

// checkpoint signs the audit chain's head into the checkpoint file at
// path, when it has moved since the last checkpoint there.
func checkpoint(ctx context.Context, a *app.App, path string) error {
	last, err := audit.ReadCheckpoints(path)
	if err != nil {
		return err
	}
	c, moved, err := a.Audit.Checkpoint(ctx, app.System("checkpoint"), last)
	if err != nil || !moved {
		return err
	}
	return audit.AppendCheckpoint(path, c)
}

const demoDefaultDB = "holf-demo.db"

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "serve [flags]", "Run the HOLF web server. Migrations are applied at start.")
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL ("+demoDefaultDB+" with --demo)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	demoMode := fs.Bool("demo", false, "create the demo dataset if the database is new, and serve it")
	seed := fs.Uint64("seed", 1, "demo seed (with --demo)")
	publicURL := fs.String("public-url", "", "the address people reach HOLF at (https://holf.example.no), for the links it hands out; default: each request's own")
	insecure := fs.Bool("insecure-cookies", false, "send cookies without Secure for plain-HTTP access from other hosts (development only; localhost needs no such flag)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logJSON := fs.Bool("log-json", false, "log as JSON instead of text")
	var proxies stringList
	fs.Var(&proxies, "trusted-proxy", "CIDR of a reverse proxy whose X-Forwarded-For names the client (repeat, or comma-separate in HOLF_TRUSTED_PROXY)")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return usagef("--public-url %q: give the scheme and host, e.g. https://holf.example.no", *publicURL)
		}
	}
	var trusted []netip.Prefix
	for _, list := range proxies {
		for _, c := range strings.Split(list, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(c))
			if err != nil {
				return usagef("--trusted-proxy %q: not a CIDR (e.g. 10.0.0.0/8 or 192.0.2.10/32)", c)
			}
			trusted = append(trusted, p)
		}
	}
	if *dsn == "" && *demoMode {
		*dsn = demoDefaultDB
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level: %v", err)
	}
	var h slog.Handler = slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level})
	if *logJSON {
		h = slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level})
	}
	logger := slog.New(h)
	if env.Serve == nil {
		return errors.New("this holf has no web server built in")
	}
	a, done, err := open(ctx, env, *dsn, true)
	if err != nil {
		return err
	}
	defer done()
	// While serving, the audit chain's head is signed into the checkpoint
	// file every minute (and once more at the end, by done).
	_, cps := auditPaths(env, *dsn)
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := checkpoint(ctx, a, cps); err != nil {
					logger.Error("audit checkpoint not written", "error", err.Error())
				}
			}
		}
	}()
	if *demoMode {
		res, err := demo.Build(ctx, a, demo.Options{Seed: *seed, Progress: func(f string, args ...any) { logger.Info("demo: " + fmt.Sprintf(f, args...)) }})
		if err != nil {
			return err
		}
		printDemo(env.Stdout, res)
	}
	// The fidelity figures the national overview reads are recounted at
	// start (after the demo is built) and every hour (each office is also counted afresh on its own page).
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := a.Fidelity.Refresh(ctx, app.System("fidelity-refresh")); err != nil && ctx.Err() == nil {
				logger.Error("fidelity figures not recounted", "error", err.Error())
			} else if err == nil {
				logger.Debug("fidelity figures recounted", "offices", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return env.Serve(ctx, a, ServeOptions{Addr: *addr, Logger: logger, Hasher: hasher(env), Catalog: cat(), InsecureCookies: *insecure,
		TrustedProxies: trusted, Demo: *demoMode, Version: Version, PublicURL: *publicURL, Ready: func(addr string) {
			fmt.Fprintf(env.Stdout, "HOLF is listening on http://%s (database: %s)\n", addr, a.DB().Dialect())
		}})
}

// ServeOptions is what the serve command hands the web door.
type ServeOptions struct {
	Addr            string
	Logger          *slog.Logger
	Hasher          *auth.Hasher
	Catalog         *i18n.Catalog
	InsecureCookies bool
	TrustedProxies  []netip.Prefix
	Demo            bool
	Version         string
	PublicURL       string
	Ready           func(addr string)
}

func printDemo(w io.Writer, res demo.Result) {
	if res.Existing {
		fmt.Fprintln(w, "The database already holds the demo dataset.")
	} else {
		fmt.Fprintf(w, "Demo dataset created: %d offices, %d people, %d families, %d questionnaire responses.\n", res.Offices, res.People, res.Families, res.Responses)
	}
	fmt.Fprintf(w, "Demo password (every demo account): %s\n", res.Password)
	fmt.Fprintln(w, "Demo accounts: admin, prosjektleder, forsker, statsforvalter, opplaering1…5,")
	fmt.Fprintln(w, "  and per office fk1.<office>, fk2.<office>, leder.<office> (e.g. fk1.alna, leder.sondre-nordstrand).")
}

func runDemo(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "demo --db DB [--seed N]", "Fill an empty database with the deterministic, fictitious demo dataset shaped like the HOLF trial.\nRefuses a database holding non-demo data.")
	dsn := dbFlag(fs)
	seed := fs.Uint64("seed", 1, "seed for the generated data")
	password := fs.String("password", "", "password for every demo account (random when empty)")
	scale := fs.String("scale", "", "'national' for the benchmark dataset: 250 offices, 100 000 families, about 2 million plan items")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, true)
	if err != nil {
		return err
	}
	defer done()
	res, err := demo.Build(ctx, a, demo.Options{Seed: *seed, Password: *password, Scale: *scale,
		Progress: func(f string, a ...any) { fmt.Fprintf(env.Stderr, "demo: "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	printDemo(env.Stdout, res)
	return nil
}

// ---- user ----

type subcommand struct {
	name string
	run  func(ctx context.Context, env Env, args []string) error
}

// dispatch runs the subcommand of group named by args[0].
func dispatch(ctx context.Context, env Env, group string, args []string, subs []subcommand) error {
	var names []string
	for _, s := range subs {
		names = append(names, s.name)
	}
	list := strings.Join(names, "|")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stdout, "Usage: holf %s %s [flags]\nRun 'holf %s SUBCOMMAND -h' for its flags.\n", group, list, group)
		if len(args) == 0 {
			return usagef("missing subcommand (%s)", list)
		}
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, env, args[1:])
		}
	}
	return usagef("unknown subcommand %q (%s)", args[0], list)
}

func runUser(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "user", args, []subcommand{
		{"create", userCreate},
		{"list", userList},
		{"set-password", userSetPassword},
		{"disable", func(ctx context.Context, env Env, args []string) error { return userDisable(ctx, env, args, true) }},
		{"enable", func(ctx context.Context, env Env, args []string) error { return userDisable(ctx, env, args, false) }},
	})
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// parseAssignment reads ROLE or ROLE:OFFICE, where OFFICE is an id or an
// office name (with or without "NAV ").
func parseAssignment(ctx context.Context, a *app.App, s string) (holf.Assignment, error) {
	roleName, office, hasOffice := strings.Cut(s, ":")
	as := holf.Assignment{Role: holf.Role(roleName)}
	if !as.Role.Valid() {
		var names []string
		for _, r := range holf.Roles {
			names = append(names, string(r))
		}
		return as, usagef("unknown role %q (one of %s)", roleName, strings.Join(names, ", "))
	}
	if !hasOffice {
		return as, nil
	}
	o, err := a.Offices.Find(ctx, app.System(""), office)
	if holf.ErrorCode(err) == holf.ENotFound {
		if _, nerr := strconv.ParseInt(office, 10, 64); nerr == nil {
			return as, usagef("no office with id %s", office)
		}
		return as, usagef("no office named %q", office)
	}
	as.OfficeID = o.ID
	return as, err
}

// readPassword takes the password from stdin (first line) when asked to, or
// generates a strong one that the caller prints.
func readPassword(env Env, fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return auth.NewSecret(15), true, nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func userCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "user create --db DB --username U --name NAME [--role ROLE[:OFFICE]]... [--password-stdin]",
		"Create an account. Office roles take an office id or name: --role coordinator:\"NAV Alna\".\nWithout --password-stdin a strong password is generated and printed once.")
	dsn := dbFlag(fs)
	username := fs.String("username", "", "login name: 2-40 of a-z, 0-9, '.', '-', '_'")
	name := fs.String("name", "", "full name")
	email := fs.String("email", "", "email address")
	var roles stringList
	fs.Var(&roles, "role", "ROLE or ROLE:OFFICE; repeat for several")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	p := holf.Person{Username: *username, Name: *name, Email: *email}
	for _, r := range roles {
		as, err := parseAssignment(ctx, a, r)
		if err != nil {
			return err
		}
		p.Assignments = append(p.Assignments, as)
	}
	pw, generated, err := readPassword(env, *stdin)
	if err != nil {
		return err
	}
	if p, err = a.People.Create(ctx, operator(env), p, pw, nil); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created %s (id %d)\n", p.Username, p.ID)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", pw)
	}
	return nil
}

// UserJSON is one line of `holf user list --json`.
type UserJSON struct {
	ID       int64        `json:"id"`
	Username string       `json:"username"`
	Name     string       `json:"name"`
	Email    string       `json:"email,omitempty"`
	Disabled bool         `json:"disabled"`
	Roles    []holf.Role  `json:"roles"`
	Offices  []OfficeJSON `json:"offices"`
}

// OfficeJSON is an office with the person's roles there.
type OfficeJSON struct {
	ID    int64       `json:"id"`
	Name  string      `json:"name"`
	Arm   holf.Arm    `json:"arm"`
	Roles []holf.Role `json:"roles"`
}

func userList(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "user list --db DB [--role ROLE] [--office OFFICE] [--json]", "List accounts with their roles and offices.")
	dsn := dbFlag(fs)
	role := fs.String("role", "", "only people with this role")
	office := fs.String("office", "", "only people with a role at this office (id or name)")
	asJSON := fs.Bool("json", false, "print JSON")
	all := fs.Bool("all", false, "include disabled accounts")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	q := app.PeopleQuery{Disabled: *all}
	if *role != "" {
		if !holf.Role(*role).Valid() {
			return usagef("unknown role %q", *role)
		}
		q.Role = holf.Role(*role)
	}
	if *office != "" {
		as, err := parseAssignment(ctx, a, "coordinator:"+*office)
		if err != nil {
			return err
		}
		q.Office = as.OfficeID
	}
	people, err := a.People.List(ctx, operator(env), q)
	if err != nil {
		return err
	}
	offices, err := a.Offices.List(ctx, operator(env), policy.OfficeList)
	if err != nil {
		return err
	}
	byID := map[int64]holf.Office{}
	for _, o := range offices {
		byID[o.ID] = o
	}
	out := make([]UserJSON, 0, len(people))
	for _, p := range people {
		u := UserJSON{ID: p.ID, Username: p.Username, Name: p.Name, Email: p.Email, Disabled: p.Disabled, Roles: []holf.Role{}, Offices: []OfficeJSON{}}
		for _, a := range p.Assignments {
			if !containsRole(u.Roles, a.Role) {
				u.Roles = append(u.Roles, a.Role)
			}
			if a.OfficeID == 0 {
				continue
			}
			i := indexOffice(u.Offices, a.OfficeID)
			if i < 0 {
				o := byID[a.OfficeID]
				u.Offices = append(u.Offices, OfficeJSON{ID: o.ID, Name: o.Name, Arm: o.Arm})
				i = len(u.Offices) - 1
			}
			u.Offices[i].Roles = append(u.Offices[i].Roles, a.Role)
		}
		out = append(out, u)
	}
	if *asJSON {
		return printJSON(env, out)
	}
	for _, u := range out {
		var parts []string
		for _, r := range u.Roles {
			parts = append(parts, string(r))
		}
		var offs []string
		for _, o := range u.Offices {
			offs = append(offs, o.Name)
		}
		state := ""
		if u.Disabled {
			state = " [disabled]"
		}
		fmt.Fprintf(env.Stdout, "%-5d %-28s %-26s %s%s\n", u.ID, u.Username, strings.Join(parts, ","), strings.Join(offs, "; "), state)
	}
	return nil
}

func containsRole(rs []holf.Role, r holf.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func indexOffice(os []OfficeJSON, id int64) int {
	for i, o := range os {
		if o.ID == id {
			return i
		}
	}
	return -1
}

func userSetPassword(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "user set-password --db DB --username U [--password-stdin]",
		"Set a new password and end the account's sessions. Without --password-stdin a strong password is generated and printed once.")
	dsn := dbFlag(fs)
	username := fs.String("username", "", "the account")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	p, err := a.People.ByUsername(ctx, operator(env), strings.ToLower(*username))
	if err != nil {
		return err
	}
	pw, generated, err := readPassword(env, *stdin)
	if err != nil {
		return err
	}
	if err := a.People.SetPassword(ctx, operator(env), p.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "password set for %s; their sessions have ended\n", p.Username)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", pw)
	}
	return nil
}

func userDisable(ctx context.Context, env Env, args []string, disable bool) error {
	verb := "enable"
	if disable {
		verb = "disable"
	}
	fs := newFlags(env, "user "+verb+" --db DB --username U", "Disable an account (ending all its sessions) or enable it again.")
	dsn := dbFlag(fs)
	username := fs.String("username", "", "the account")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	p, err := a.People.ByUsername(ctx, operator(env), strings.ToLower(*username))
	if err != nil {
		return err
	}
	if err := a.People.SetDisabled(ctx, operator(env), p.ID, disable); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%sd %s\n", verb, p.Username)
	return nil
}

// ---- token ----

func runToken(ctx context.Context, env Env, args []string) error {
	sub := func(name, synopsis string) subcommand {
		return subcommand{name, func(ctx context.Context, env Env, args []string) error {
			return tokenCmd(ctx, env, name, synopsis, args)
		}}
	}
	return dispatch(ctx, env, "token", args, []subcommand{
		sub("create", "Create an API token for a user and print it once. Send it as 'Authorization: Bearer TOKEN'."),
		sub("list", "List API tokens (never their secrets)."),
		sub("revoke", "Revoke an API token by id."),
	})
}

func tokenCmd(ctx context.Context, env Env, verb, synopsis string, args []string) error {
	fs := newFlags(env, "token "+verb+" [flags]", synopsis)
	dsn := dbFlag(fs)
	user := fs.String("user", "", "username (create; filter for list)")
	name := fs.String("name", "api", "what the token is for (create)")
	id := fs.Int64("id", 0, "token id (revoke)")
	a, done, err := parseOpen(ctx, env, fs, args, dsn, false)
	if err != nil {
		return err
	}
	defer done()
	username := strings.ToLower(*user)
	switch verb {
	case "create":
		if username == "" {
			return usagef("--user is required")
		}
		t, secret, err := a.People.CreateToken(ctx, operator(env), username, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "token %d created for %s; it is shown only now:\n", t.ID, username)
		fmt.Fprintln(env.Stdout, secret)
	case "list":
		ts, err := a.People.Tokens(ctx, operator(env), username)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "active"
			if !t.RevokedAt.IsZero() {
				state = "revoked " + t.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(env.Stdout, "%-5d person %-5d %-20s created %s  %s\n", t.ID, t.PersonID, t.Name, t.CreatedAt.Format(time.RFC3339), state)
		}
	case "revoke":
		if *id == 0 {
			return usagef("--id is required")
		}
		if err := a.People.RevokeToken(ctx, operator(env), *id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked token %d\n", *id)
	}
	return nil
}

// ---- audit ----

func runAudit(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "audit", args, []subcommand{{"list", auditList}, {"verify", auditVerify}})
}

func auditList(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit list --db DB [--person U] [--record TYPE:ID] [--since T] [--until T] [--limit N] [--json]",
		"List audit entries, newest first. --person filters by who acted; --record by the record acted on.\nTimes are RFC 3339 or YYYY-MM-DD (Norwegian time).")
	dsn := dbFlag(fs)
	person := fs.String("person", "", "username of the actor (or cli:NAME)")
	record := fs.String("record", "", "TYPE or TYPE:ID, e.g. person:12")
	since := fs.String("since", "", "from this time")
	until := fs.String("until", "", "before this time")
	limit := fs.Int("limit", 100, "at most this many entries (1-1000)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	rtype, rid, _ := strings.Cut(*record, ":")
	q := app.AuditQuery{Actor: *person, RecordType: rtype, RecordID: rid, Since: *since, Until: *until, Limit: *limit}
	if _, err := q.Filter(); err != nil {
		return err // before the database is opened
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	entries, err := a.Audit.List(ctx, operator(env), q)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []holf.AuditEvent{}
		}
		return printJSON(env, entries)
	}
	for _, e := range entries {
		fmt.Fprintf(env.Stdout, "%6d %s %-24s %-18s %-22s %s:%d  %s\n", e.Seq, e.At.Format(time.RFC3339), e.Actor, e.Role, e.Action, e.RecordType, e.RecordID, e.Purpose)
	}
	return nil
}

func auditVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit verify --db DB", "Verify the audit log's hash chain. Exit status 0: intact; 1: broken, with the first broken entry named.")
	dsn := dbFlag(fs)
	a, done, err := parseRead(ctx, env, fs, args, dsn)
	if err != nil {
		return err
	}
	defer done()
	_, path := auditPaths(env, *dsn)
	cps, err := audit.ReadCheckpoints(path)
	if err != nil {
		return err
	}
	n, err := a.Audit.Verify(ctx, operator(env), cps)
	var be *audit.BrokenError
	if errors.As(err, &be) {
		return exitError{code: 1, msg: fmt.Sprintf("BROKEN: %v (%d entries before it are intact)", be, n)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d entries\n", n)
	return nil
}
