package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/demo"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/web"
)

var cat = sync.OnceValue(i18n.MustLoad)

// cliEvent is the audit event of a command-line operation: the operator is
// whoever runs holf with access to the database.
func cliEvent(env Env, action, recordType string) holf.AuditEvent {
	who := env.Getenv("USER")
	if who == "" {
		who = "operator"
	}
	return holf.AuditEvent{Actor: "cli:" + who, Role: "system", Action: action, RecordType: recordType, Purpose: "administration from the command line"}
}

const demoDefaultDB = "holf-demo.db"

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "serve [flags]", "Run the HOLF web server. Migrations are applied at start.")
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL ("+demoDefaultDB+" with --demo)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	demoMode := fs.Bool("demo", false, "create the demo dataset if the database is new, and serve it")
	seed := fs.Uint64("seed", 1, "demo seed (with --demo)")
	insecure := fs.Bool("insecure-cookies", false, "send cookies without Secure for plain-HTTP access from other hosts (development only; localhost needs no such flag)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logJSON := fs.Bool("log-json", false, "log as JSON instead of text")
	if err := parse(fs, env, args); err != nil {
		return err
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
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	hs := hasher(env)
	if *demoMode {
		res, err := demo.Build(ctx, db, hs, demo.Options{Seed: *seed, Progress: func(f string, a ...any) { logger.Info("demo: " + fmt.Sprintf(f, a...)) }})
		if err != nil {
			return err
		}
		printDemo(env.Stdout, res)
	}
	srv, err := web.New(web.Config{DB: db, Hasher: hs, Logger: logger, Catalog: cat(), InsecureCookies: *insecure, Demo: *demoMode, Version: Version})
	if err != nil {
		return err
	}
	return srv.Serve(ctx, *addr, func(a string) {
		fmt.Fprintf(env.Stdout, "HOLF is listening on http://%s (database: %s)\n", a, db.Dialect())
	})
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	seed := fs.Uint64("seed", 1, "seed for the generated data")
	password := fs.String("password", "", "password for every demo account (random when empty)")
	scale := fs.String("scale", "", "'national' for the benchmark dataset: 250 offices, 100 000 families, about 2 million plan items")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := demo.Build(ctx, db, hasher(env), demo.Options{Seed: *seed, Password: *password, Scale: *scale,
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
func parseAssignment(ctx context.Context, db *store.DB, s string) (holf.Assignment, error) {
	roleName, office, hasOffice := strings.Cut(s, ":")
	a := holf.Assignment{Role: holf.Role(roleName)}
	if !a.Role.Valid() {
		var names []string
		for _, r := range holf.Roles {
			names = append(names, string(r))
		}
		return a, usagef("unknown role %q (one of %s)", roleName, strings.Join(names, ", "))
	}
	if !hasOffice {
		return a, nil
	}
	if id, err := strconv.ParseInt(office, 10, 64); err == nil {
		if _, err := db.GetOffice(ctx, id); err != nil {
			return a, usagef("no office with id %d", id)
		}
		a.OfficeID = id
		return a, nil
	}
	offices, err := db.ListOffices(ctx, store.OfficeFilter{})
	if err != nil {
		return a, err
	}
	for _, o := range offices {
		if strings.EqualFold(o.Name, office) || strings.EqualFold(o.Name, "NAV "+office) {
			a.OfficeID = o.ID
			return a, nil
		}
	}
	return a, usagef("no office named %q", office)
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	username := fs.String("username", "", "login name: 2-40 of a-z, 0-9, '.', '-', '_'")
	name := fs.String("name", "", "full name")
	email := fs.String("email", "", "email address")
	var roles stringList
	fs.Var(&roles, "role", "ROLE or ROLE:OFFICE; repeat for several")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	p := holf.Person{Username: *username, Name: *name, Email: *email}
	for _, r := range roles {
		a, err := parseAssignment(ctx, db, r)
		if err != nil {
			return err
		}
		p.Assignments = append(p.Assignments, a)
	}
	pw, generated, err := readPassword(env, *stdin)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(pw, strings.ToLower(*username)); err != nil {
		return err
	}
	hash, err := hasher(env).Hash(pw)
	if err != nil {
		return err
	}
	if err := db.CreatePerson(ctx, cliEvent(env, "person.create", "person"), &p, hash); err != nil {
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	role := fs.String("role", "", "only people with this role")
	office := fs.String("office", "", "only people with a role at this office (id or name)")
	asJSON := fs.Bool("json", false, "print JSON")
	all := fs.Bool("all", false, "include disabled accounts")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	f := store.PeopleFilter{IncludeDisabled: *all}
	if *role != "" {
		if !holf.Role(*role).Valid() {
			return usagef("unknown role %q", *role)
		}
		f.Role = holf.Role(*role)
	}
	if *office != "" {
		a, err := parseAssignment(ctx, db, "coordinator:"+*office)
		if err != nil {
			return err
		}
		f.OfficeIDs = []int64{a.OfficeID}
	}
	people, err := db.ListPeople(ctx, f)
	if err != nil {
		return err
	}
	offices, err := db.ListOffices(ctx, store.OfficeFilter{})
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	username := fs.String("username", "", "the account")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.GetPersonByUsername(ctx, strings.ToLower(*username))
	if err != nil {
		return err
	}
	pw, generated, err := readPassword(env, *stdin)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(pw, p.Username); err != nil {
		return err
	}
	hash, err := hasher(env).Hash(pw)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, cliEvent(env, "person.set_password", "person"), p.ID, hash); err != nil {
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	username := fs.String("username", "", "the account")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.GetPersonByUsername(ctx, strings.ToLower(*username))
	if err != nil {
		return err
	}
	if err := db.SetDisabled(ctx, cliEvent(env, "person."+verb, "person"), p.ID, disable); err != nil {
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	user := fs.String("user", "", "username (create; filter for list)")
	name := fs.String("name", "api", "what the token is for (create)")
	id := fs.Int64("id", 0, "token id (revoke)")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	var personID int64
	if *user != "" {
		p, err := db.GetPersonByUsername(ctx, strings.ToLower(*user))
		if err != nil {
			return err
		}
		personID = p.ID
	}
	switch verb {
	case "create":
		if personID == 0 {
			return usagef("--user is required")
		}
		secret := auth.NewAPIToken()
		t, err := db.CreateToken(ctx, cliEvent(env, "token.create", "token"), personID, *name, auth.HashSecret(secret))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "token %d created for %s; it is shown only now:\n", t.ID, *user)
		fmt.Fprintln(env.Stdout, secret)
	case "list":
		ts, err := db.ListTokens(ctx, personID)
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
		if err := db.RevokeToken(ctx, cliEvent(env, "token.revoke", "token"), *id); err != nil {
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
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	person := fs.String("person", "", "username of the actor (or cli:NAME)")
	record := fs.String("record", "", "TYPE or TYPE:ID, e.g. person:12")
	since := fs.String("since", "", "from this time")
	until := fs.String("until", "", "before this time")
	limit := fs.Int("limit", 100, "at most this many entries")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	rtype, rid, _ := strings.Cut(*record, ":")
	f, v := web.ParseAuditFilter(*person, rtype, rid, *since, *until)
	if err := v.Err(); err != nil {
		return err
	}
	f.Limit = *limit
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	entries, err := db.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]web.AuditEntryJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, web.ToAPIAudit(e))
		}
		return printJSON(env, out)
	}
	for _, e := range entries {
		fmt.Fprintf(env.Stdout, "%6d %s %-24s %-18s %-22s %s:%d  %s\n", e.Seq, e.At.Format(time.RFC3339), e.Actor, e.Role, e.Action, e.RecordType, e.RecordID, e.Purpose)
	}
	return nil
}

func auditVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit verify --db DB", "Verify the audit log's hash chain. Exit status 0: intact; 1: broken, with the first broken entry named.")
	dsn := fs.String("db", "", "SQLite file path or postgres:// URL")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
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
