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
	if len(f.Notes) > 4000 {
		v.Add("notes", "err.too_long", 4000, len(f.Notes))
	}
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
		if len(m.Languages) > 200 {
			v.Add(field("languages"), "err.too_long", 200, len(m.Languages))
		}
	}
	if parents == 0 {
		v.Add("members", "err.no_parent")
	}
	if childrenHome < 1 || childrenHome > 4 {
		v.Add("members", "err.children_home", childrenHome)
	}
	return v.Err()
}

// FamilyEvent is one line of a family's timeline.
type FamilyEvent struct {
	ID       int64
	FamilyID int64
	At       time.Time // when it was recorded
	On       time.Time // the date it concerns (consent date, discharge date…)
	Kind     string    // created, recruited, activated, discharged, updated, replaced_by
	ActorID  int64
	Actor    string
	Detail   string
}
