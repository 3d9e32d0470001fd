package holf

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// FamilyStatus is where a family is in HOLF follow-up.
type FamilyStatus string

const (
	StatusCandidate  FamilyStatus = "candidate"  // drawn from the target list, not yet asked
	StatusRecruited  FamilyStatus = "recruited"  // consented; follow-up about to start
	StatusActive     FamilyStatus = "active"     // in follow-up
	StatusDischarged FamilyStatus = "discharged" // follow-up ended
)

// FamilyStatuses lists the statuses in order.
var FamilyStatuses = []FamilyStatus{StatusCandidate, StatusRecruited, StatusActive, StatusDischarged}

// Valid reports whether s is a known status.
func (s FamilyStatus) Valid() bool { return slices.Contains(FamilyStatuses, s) }

// DischargeReason says why follow-up ended.
type DischargeReason string

const (
	ReasonCompleted DischargeReason = "completed" // follow-up completed
	ReasonWithdrew  DischargeReason = "withdrew"
	ReasonMoved     DischargeReason = "moved"
	ReasonOther     DischargeReason = "other"
)

// DischargeReasons lists the reasons in order.
var DischargeReasons = []DischargeReason{ReasonCompleted, ReasonWithdrew, ReasonMoved, ReasonOther}

// Valid reports whether r is a known reason.
func (r DischargeReason) Valid() bool { return slices.Contains(DischargeReasons, r) }

// CanMove reports whether a family may go from status s to next. Follow-up
// moves forward only; a discharged family stays discharged and may be
// replaced by a new family.
func (s FamilyStatus) CanMove(next FamilyStatus) bool {
	switch s {
	case StatusCandidate:
		return next == StatusRecruited || next == StatusDischarged
	case StatusRecruited:
		return next == StatusActive || next == StatusDischarged
	case StatusActive:
		return next == StatusDischarged
	}
	return false
}

// MemberRole is a member's place in the family.
type MemberRole string

const (
	MemberParent MemberRole = "parent" // parent or guardian
	MemberChild  MemberRole = "child"
)

// Member is one person in a family. Each parent and each child is followed as a person.
type Member struct {
	ID                  int64
	Role                MemberRole
	Name                string
	BirthYear           int
	CountryOfBirth      string
	Languages           string
	InterpreterNeeded   bool
	InterpreterLanguage string
	LivesAtHome         bool
}

// Age returns the member's age in the year of t (birth year only is kept).
func (m Member) Age(t time.Time) int { return t.Year() - m.BirthYear }

// Family is a household followed by HOLF at one office.
type Family struct {
	ID                   int64
	OfficeID             int64
	Name                 string // how staff refer to the family, e.g. "Familien Ali"
	PrimaryCoordinatorID int64
	SecondCoordinatorID  int64 // 0 when none
	Status               FamilyStatus
	ConsentDate          time.Time // set when recruited
	DischargedOn         time.Time
	DischargeReason      DischargeReason
	ReplacesFamilyID     int64 // the discharged family this one replaces, 0 when none
	Notes                string
	Members              []Member
	Version              int64
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Parents returns the parents and guardians.
func (f *Family) Parents() []Member { return f.membersWith(MemberParent) }

// Children returns the children.
func (f *Family) Children() []Member { return f.membersWith(MemberChild) }

func (f *Family) membersWith(r MemberRole) []Member {
	var out []Member
	for _, m := range f.Members {
		if m.Role == r {
			out = append(out, m)
		}
	}
	return out
}

// NeedsInterpreter reports whether any member needs an interpreter.
func (f *Family) NeedsInterpreter() bool {
	for _, m := range f.Members {
		if m.InterpreterNeeded {
			return true
		}
	}
	return false
}

// Validate checks the family and its members against the HOLF criteria that
// the form can check: at least one parent, 1-4 children under 18 at home
// when recruited (seed 003, chapter 2), plausible birth years.
func (f *Family) Validate(now time.Time) error {
	var v Validation
	f.Name = strings.TrimSpace(f.Name)
	checkText(&v, "name", f.Name, 1, 120)
	if f.OfficeID == 0 {
		v.Add("office", "err.required")
	}
	if f.PrimaryCoordinatorID == 0 {
		v.Add("primary_coordinator", "err.required")
	}
	if f.SecondCoordinatorID != 0 && f.SecondCoordinatorID == f.PrimaryCoordinatorID {
		v.Add("second_coordinator", "err.same_coordinator")
	}
	if !f.Status.Valid() {
		v.Add("status", "err.status")
	}
	checkMultiline(&v, "notes", f.Notes, 0, 4000)
	parents, childrenHome := 0, 0
	for i := range f.Members {
		m := &f.Members[i]
		m.Name = strings.TrimSpace(m.Name)
		m.Languages = strings.TrimSpace(m.Languages)
		m.CountryOfBirth = strings.TrimSpace(m.CountryOfBirth)
		m.InterpreterLanguage = strings.TrimSpace(m.InterpreterLanguage)
		field := func(name string) string { return "members." + strconv.Itoa(i) + "." + name }
		checkText(&v, field("name"), m.Name, 1, 120)
		switch m.Role {
		case MemberParent:
			parents++
		case MemberChild:
			if m.LivesAtHome && now.Year()-m.BirthYear < 18 {
				childrenHome++
			}
		default:
			v.Add(field("role"), "err.member_role")
		}
		if m.BirthYear < now.Year()-110 || m.BirthYear > now.Year() {
			v.Add(field("birth_year"), "err.birth_year", now.Year()-110, now.Year())
		}
		if m.InterpreterNeeded && m.InterpreterLanguage == "" {
			v.Add(field("interpreter_language"), "err.interpreter_language")
		}
		checkText(&v, field("country"), m.CountryOfBirth, 0, 80)
		checkText(&v, field("languages"), m.Languages, 0, 200)
		checkText(&v, field("interpreter_language"), m.InterpreterLanguage, 0, 100)
	}
	if parents == 0 {
		v.Add("members", "err.no_parent")
	}
	if childrenHome < 1 || childrenHome > 4 {
		v.Add("members", "err.children_home", childrenHome)
	}
	return v.Err()
}

// StatusChange moves a family along candidate → recruited → active →
// discharged. On is the date it concerns: the consent date when recruited,
// the discharge date when discharged. Every door must give it: none
// substitutes today.
type StatusChange struct {
	FamilyID int64
	Version  int64 // the version the change was made from
	To       FamilyStatus
	On       time.Time
	Reason   DischargeReason
	Note     string
}

// MaxStatusNote bounds the note of a status change.
const MaxStatusNote = 1000

// Validate checks c against the family's current state cur, registered on
// day registered, on day today (both dates in Norway). The move must be
// allowed, the date given, neither before the family was registered nor in
// the future, a discharge must say why, and the note must be short.
func (c *StatusChange) Validate(cur *Family, registered, today time.Time) error {
	var v Validation
	c.Note = strings.TrimSpace(c.Note)
	if !c.To.Valid() || !cur.Status.CanMove(c.To) {
		v.Add("status", "err.status_move", string(cur.Status), string(c.To))
	}
	switch {
	case c.On.IsZero():
		v.Add("on", "err.required")
	case c.On.After(day(today)):
		v.Add("on", "err.date_future")
	case c.On.Before(day(registered)):
		v.Add("on", "err.date_before_registered", day(registered).Format("02.01.2006"))
	}
	if c.To == StatusDischarged && !c.Reason.Valid() {
		v.Add("reason", "err.required")
	}
	if c.To != StatusDischarged && c.Reason != "" {
		v.Add("reason", "err.reason_not_discharge")
	}
	checkMultiline(&v, "note", c.Note, 0, MaxStatusNote)
	return v.Err()
}

// Apply returns cur as it is after c: its status, and the consent or
// discharge date and reason the change records.
func (c StatusChange) Apply(cur Family) Family {
	next := cur
	next.Status = c.To
	switch c.To {
	case StatusRecruited:
		next.ConsentDate = c.On
	case StatusDischarged:
		next.DischargedOn, next.DischargeReason = c.On, c.Reason
	}
	return next
}

// Event returns the timeline event that records c.
func (c StatusChange) Event() FamilyEvent {
	e := FamilyEvent{Kind: StatusEvent(c.To), On: c.On, Details: EventDetails{Note: c.Note}}
	if c.To == StatusDischarged {
		e.Details.Reason = c.Reason
	}
	return e
}

// EventKind is what a timeline event records.
type EventKind string

const (
	EventCreated    EventKind = "created"     // the family was registered (Details.Status)
	EventRecruited  EventKind = "recruited"   // consent given (On is the consent date)
	EventActivated  EventKind = "active"      // follow-up started
	EventDischarged EventKind = "discharged"  // follow-up ended (Details.Reason)
	EventUpdated    EventKind = "updated"     // the record was edited (Details.Changes)
	EventReplacedBy EventKind = "replaced_by" // a new family replaces this one (Details.Family)
	EventMapping    EventKind = "mapping"     // a mapping version was saved (Details.Version)
	EventPlan       EventKind = "plan"        // the plan changed (Details.PlanChange, Details.Item)
)

// EventKinds lists every kind.
var EventKinds = []EventKind{EventCreated, EventRecruited, EventActivated, EventDischarged, EventUpdated,
	EventReplacedBy, EventMapping, EventPlan}

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool { return slices.Contains(EventKinds, k) }

// StatusEvent is the kind of event that records a move to s ("" for none).
func StatusEvent(s FamilyStatus) EventKind {
	switch s {
	case StatusRecruited:
		return EventRecruited
	case StatusActive:
		return EventActivated
	case StatusDischarged:
		return EventDischarged
	}
	return ""
}

// EventDetails is the structured content of a timeline event; each kind
// uses the fields its constant names. Stored as JSON, so adding a field
// needs no migration.
type EventDetails struct {
	Status     FamilyStatus    `json:"status,omitempty"`
	Reason     DischargeReason `json:"reason,omitempty"`
	Note       string          `json:"note,omitempty"`
	Family     int64           `json:"family,omitempty"`
	Changes    []FamilyChange  `json:"changes,omitempty"`
	Version    int             `json:"version,omitempty"`
	PlanChange string          `json:"plan_change,omitempty"`
	Item       string          `json:"item,omitempty"`
}

// FamilyChange names one thing an edit changed: "name", "coordinators",
// "notes", or a member ("member_added", "member_changed", "member_removed")
// with the member's name.
type FamilyChange struct {
	What string `json:"what"`
	Name string `json:"name,omitempty"`
}

// FamilyChanges lists what changed from before to after: name,
// coordinators, notes, and members added, changed or removed.
func FamilyChanges(before, after Family) []FamilyChange {
	var out []FamilyChange
	if before.Name != after.Name {
		out = append(out, FamilyChange{What: "name"})
	}
	if before.PrimaryCoordinatorID != after.PrimaryCoordinatorID || before.SecondCoordinatorID != after.SecondCoordinatorID {
		out = append(out, FamilyChange{What: "coordinators"})
	}
	if before.Notes != after.Notes {
		out = append(out, FamilyChange{What: "notes"})
	}
	old := map[int64]Member{}
	for _, m := range before.Members {
		old[m.ID] = m
	}
	seen := map[int64]bool{}
	for _, m := range after.Members {
		o, ok := old[m.ID]
		switch {
		case m.ID == 0 || !ok:
			out = append(out, FamilyChange{What: "member_added", Name: m.Name})
		case o != m:
			out = append(out, FamilyChange{What: "member_changed", Name: m.Name})
		}
		seen[m.ID] = true
	}
	for _, m := range before.Members {
		if !seen[m.ID] {
			out = append(out, FamilyChange{What: "member_removed", Name: m.Name})
		}
	}
	return out
}

// FamilyEvent is one line of a family's timeline.
type FamilyEvent struct {
	ID       int64
	FamilyID int64
	At       time.Time // when it was recorded
	On       time.Time // the date it concerns (consent date, discharge date…)
	Kind     EventKind
	ActorID  int64
	Actor    string
	Details  EventDetails
}
