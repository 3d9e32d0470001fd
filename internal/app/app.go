// Package app holds HOLF's use cases: every operation a door (the staff
// pages, the JSON API, the command line, the demo, later the family portal
// and background jobs) can perform, written once. Each operation has the
// form (ctx, actor, input) → (result, error) and takes the same steps in the
// same order: decide with policy, load, validate with the domain's rules,
// write together with its audit entry, return. It owns the audit purposes,
// "today" in Norwegian time, and the model's working rules (when a reminder
// is due, what "soon" means). Doors parse and render; they decide nothing.
package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zoneinfo database

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/fidelity"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// Purposes recorded in the audit log: why a record was read or written.
const (
	PurposeCasework = "follow-up of the family (case work)"
	PurposeAdmin    = "administration of offices and staff accounts"
	PurposeFollow   = "leadership follow-up of staff"
	PurposeSignIn   = "signing in and out"
	PurposeAccount  = "own account"
	PurposeSurvey   = "administration of research questionnaires"
	PurposeRespond  = "answering a research questionnaire"
	// PurposeResearch: pseudonymised data handed to the evaluation.
	PurposeResearch = "research: the evaluation of the HOLF trial"
	// PurposeCommandLine is the purpose of the command line's own writes.
	PurposeCommandLine = "administration from the command line"
)

// Norway is the time zone in which "today" is reckoned: a coordinator's
// due date is a date in Norway, whatever the server's zone.
var Norway = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return time.UTC
	}
	return l
}()

// Config is what the use cases need; nothing is read from globals.
type Config struct {
	DB     *store.DB
	Hasher *auth.Hasher
	// Surveys is the instrument library; the embedded one when nil.
	Surveys *survey.Library
}

// App is every use case, one field a feature.
type App struct {
	Families  *Families
	Plans     *Plans
	Mappings  *Mappings
	People    *People
	Offices   *Offices
	Audit     *Audit
	Surveys   *Surveys
	Meetings  *Meetings
	Contacts  *Contacts
	Day       *Day
	Calendar  *Calendar
	Partners  *Partners
	Consents  *Consents
	Network   *Network
	Learning  *Learning
	Reviews   *Reviews
	Logs      *Logs
	FollowUps *FollowUps
	Fidelity  *Fidelity
	Trial     *Trial
	Targets   *Targets

	core *core
}

// New builds the use cases over one database.
func New(cfg Config) (*App, error) {
	if cfg.Surveys == nil {
		lib, err := survey.Load()
		if err != nil {
			return nil, err
		}
		cfg.Surveys = lib
	}
	c := &core{db: cfg.DB, hasher: cfg.Hasher, lib: cfg.Surveys}
	return &App{
		Families: &Families{c}, Plans: &Plans{c}, Mappings: &Mappings{c}, People: &People{c},
		Offices: &Offices{c}, Audit: &Audit{c}, Surveys: &Surveys{core: c}, Meetings: &Meetings{c}, Contacts: &Contacts{c},
		Day: &Day{c}, Calendar: &Calendar{c}, Partners: &Partners{c}, Consents: &Consents{c}, Network: &Network{c},
		Learning: &Learning{c}, Reviews: &Reviews{c}, Logs: &Logs{c}, FollowUps: &FollowUps{c},
		Fidelity: &Fidelity{core: c, cat: fidelity.MustLoad()}, Trial: &Trial{c}, Targets: &Targets{c}, core: c,
	}, nil
}

// Now is the clock of the database's writes.
func (a *App) Now() time.Time { return a.core.now() }

// Today is today's date in Norway, at midnight UTC (how dates are kept).
func (a *App) Today() time.Time { return a.core.today() }

// DB is the store, for the doors' own plumbing (sessions, health checks).
// Features never reach it: they go through a use case.
func (a *App) DB() *store.DB { return a.core.db }

// Library is the instrument library.
func (a *App) Library() *survey.Library { return a.core.lib }

// core is what every use case shares.
type core struct {
	db     *store.DB
	hasher *auth.Hasher
	lib    *survey.Library
}

func (c *core) now() time.Time { return c.db.Now() }

func (c *core) today() time.Time { return dateIn(c.now()) }

// dateIn is the date of instant t in Norway, at midnight UTC (how dates
// are kept).
func dateIn(t time.Time) time.Time {
	y, m, d := t.In(Norway).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// modelTools refuses the model's own tools at office when it is a
// comparison office of the trial.
func (c *core) modelTools(ctx context.Context, office int64) error {
	of, err := c.db.GetOffice(ctx, office)
	if err != nil {
		return err
	}
	if !of.Arm.ModelTools() {
		return holf.ModelOnly()
	}
	return nil
}

// decide asks policy whether a may do act on res. A denied resource is
// reported exactly as a missing one (kind id not found), so that nobody
// learns what exists in another office.
func decide(a *holf.Actor, act policy.Action, res policy.Resource, kind string, id any) (holf.Role, error) {
	d := policy.Decide(a, act, res)
	if !d.Allowed {
		return "", holf.NotFound(kind, id)
	}
	return d.Role, nil
}

// decideGlobal asks about an action on no particular record (creating an
// office or an account): a denial is "forbidden", there being nothing to hide.
func decideGlobal(a *holf.Actor, act policy.Action) (holf.Role, error) {
	d := policy.Decide(a, act, policy.Global)
	if !d.Allowed {
		return "", Forbidden()
	}
	return d.Role, nil
}

// Forbidden is the error of a role that may not do something at all.
func Forbidden() error {
	return &holf.Error{Code: holf.EForbidden, Message: "your role does not give access to this", Key: "err.forbidden"}
}

// event is the audit entry of a's action under role.
func event(a *holf.Actor, role holf.Role, action, recordType string, id int64, purpose string) holf.AuditEvent {
	return holf.AuditEvent{ActorID: a.PersonID, Actor: a.Username, Role: role, Action: action,
		RecordType: recordType, RecordID: id, Purpose: purpose}
}

// recordView writes the audit entry of a read that shows personal data;
// callers show the data only when it succeeds.
func (c *core) recordView(ctx context.Context, a *holf.Actor, role holf.Role, action, recordType string, id int64, purpose string) error {
	return c.db.RecordView(ctx, event(a, role, action, recordType, id, purpose))
}

// recordList writes one audit entry for a list that showed records ids of
// recordType (nothing when it showed none), under the first of the actor's
// roles that may do act.
func (c *core) recordList(ctx context.Context, a *holf.Actor, act policy.Action, action, recordType string, ids []int64, purpose string) error {
	if len(ids) == 0 {
		return nil
	}
	var role holf.Role
	for _, r := range a.Roles() {
		if policy.Grants(r, act) != policy.None {
			role = r
			break
		}
	}
	ev := event(a, role, action, recordType, 0, purpose)
	ev.RecordIDs = ids
	return c.db.RecordView(ctx, ev)
}

// System is the actor of the command line and background jobs on their own
// account: operator names who ran it. It holds the system role, which the
// policy table grants administration and nothing of families.
func System(operator string) *holf.Actor {
	if operator == "" {
		operator = "operator"
	}
	return &holf.Actor{Username: "cli:" + operator, Name: operator, Via: "cli",
		Assignments: []holf.Assignment{{Role: holf.RoleSystem}}}
}

// ActAs returns the actor of staff member username for a command run on
// their behalf (the command line's --as): their own roles and offices, no
// more, so that policy decides as it would for them in a browser.
func (a *App) ActAs(ctx context.Context, username string) (*holf.Actor, error) {
	p, err := a.core.db.GetPersonByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	act, err := a.core.db.Actor(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	act.Via = "cli"
	return act, nil
}

// ErrFormVersion is the error of a write that does not say which version
// it was made from: without it a save could silently overwrite someone
// else's edit.
func ErrFormVersion() error {
	return &holf.Error{Code: holf.EInvalid, Message: "the form is missing its version; reload the page", Key: "err.form_version"}
}

// fromVersion checks that a write says which version (1 or later) it was
// made from.
func fromVersion(v int64) error {
	if v < 1 {
		return ErrFormVersion()
	}
	return nil
}

// mergeValidation reports every problem at once: those a door found while
// parsing (an unreadable number) and those the domain finds.
func mergeValidation(parsed holf.Validation, err error) error {
	if len(parsed) == 0 {
		return err
	}
	if fe, ok := asInvalid(err); ok {
		// A field the door could not read is named once, by the door: the
		// domain's check of the value it stood in for says less.
		out := parsed
		for _, f := range fe.Fields {
			if !slices.ContainsFunc(parsed, func(p holf.FieldError) bool { return p.Field == f.Field }) {
				out = append(out, f)
			}
		}
		return out.Err()
	}
	if err != nil {
		return err
	}
	return parsed.Err()
}

func asInvalid(err error) (*holf.Error, bool) {
	he, ok := holf.AsError(err)
	return he, ok && he.Code == holf.EInvalid
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
