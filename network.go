package holf

import (
	"slices"
	"strings"
	"time"
)

// Involvement is a partner service already involved with the family: with
// a member (or the whole family when MemberID is 0), through a contact
// person, in a role. Most of the model's collaboration is one-to-one with a
// service already in contact with the family (seed 003, §8.4), so the
// coordinator starts from this list.
type Involvement struct {
	ID          int64
	FamilyID    int64
	MemberID    int64
	PartnerID   int64
	ContactName string
	Role        string // what the service does for them, e.g. "tiltak i hjemmet"
	Since       time.Time
	EndedOn     time.Time
	Version     int64
}

// Active reports whether the involvement is going on today.
func (i *Involvement) Active(today time.Time) bool {
	return i.EndedOn.IsZero() || i.EndedOn.After(day(today))
}

// Validate checks the involvement against its family and the office's
// partners (by id).
func (i *Involvement) Validate(f *Family, partners []int64, today time.Time) error {
	var v Validation
	if i.MemberID != 0 {
		if _, ok := memberOf(f, i.MemberID); !ok {
			v.Add("member", "err.member_unknown")
		}
	}
	if !slices.Contains(partners, i.PartnerID) {
		v.Add("partner", "err.partner_unknown")
	}
	i.ContactName, i.Role = strings.TrimSpace(i.ContactName), strings.TrimSpace(i.Role)
	checkText(&v, "contact_name", i.ContactName, 0, 120)
	checkText(&v, "role", i.Role, 0, 200)
	if i.Since.After(day(today)) {
		v.Add("since", "err.date_future")
	}
	if !i.EndedOn.IsZero() && !i.Since.IsZero() && i.EndedOn.Before(i.Since) {
		v.Add("ended_on", "err.end_before_start")
	}
	return v.Err()
}

// EscalationKind is why a matter is lifted to leader level.
type EscalationKind string

const (
	EscalationStalled      EscalationKind = "stalled"      // a partner's task does not move
	EscalationDisagreement EscalationKind = "disagreement" // the services disagree on who does what
)

// EscalationKinds lists the kinds.
var EscalationKinds = []EscalationKind{EscalationStalled, EscalationDisagreement}

// EscalationStatus is whether the leader has closed the matter.
type EscalationStatus string

const (
	EscalationOpen     EscalationStatus = "open"
	EscalationResolved EscalationStatus = "resolved"
)

// Escalation is a disagreement or a stalled task lifted by the coordinator
// to the office leader, who takes it up at leader level with the partner
// (seed 003, §8.1, §8.4): what was asked, the answer and the outcome.
type Escalation struct {
	ID         int64
	FamilyID   int64
	OfficeID   int64
	ActivityID int64 // the stalled task, if any
	PartnerID  int64 // the partner it concerns, if any
	Kind       EscalationKind
	Asked      string
	Answer     string
	Outcome    string
	Status     EscalationStatus
	RaisedBy   int64
	RaisedAt   time.Time
	ResolvedBy int64
	ResolvedAt time.Time
	Version    int64
	FamilyName string // for the leader's list
}

// MaxEscalationText bounds each text of an escalation.
const MaxEscalationText = 2000

// Validate checks the escalation against the family's plan and the
// office's partners (by id). A resolved one needs its outcome.
func (e *Escalation) Validate(p Plan, partners []int64) error {
	var v Validation
	if !slices.Contains(EscalationKinds, e.Kind) {
		v.Add("kind", "err.required")
	}
	if e.ActivityID != 0 && !slices.ContainsFunc(p.Activities, func(a Activity) bool { return a.ID == e.ActivityID }) {
		v.Add("activity", "err.activity_unknown")
	}
	if e.PartnerID != 0 && !slices.Contains(partners, e.PartnerID) {
		v.Add("partner", "err.partner_unknown")
	}
	if e.Kind == EscalationStalled && e.ActivityID == 0 {
		v.Add("activity", "err.escalation_task")
	}
	e.Asked, e.Answer, e.Outcome = strings.TrimSpace(e.Asked), strings.TrimSpace(e.Answer), strings.TrimSpace(e.Outcome)
	checkMultiline(&v, "asked", e.Asked, 1, MaxEscalationText)
	checkMultiline(&v, "answer", e.Answer, 0, MaxEscalationText)
	checkMultiline(&v, "outcome", e.Outcome, 0, MaxEscalationText)
	switch e.Status {
	case EscalationOpen:
	case EscalationResolved:
		if e.Outcome == "" {
			v.Add("outcome", "err.escalation_outcome")
		}
	default:
		v.Add("status", "err.status")
	}
	return v.Err()
}
