package holf

import (
	"slices"
	"strings"
	"time"
)

// ContactKind is how a coordinator and a family were in touch outside a
// meeting. Much of the work is SMS, calls and parents dropping by, and went
// undocumented (seed 003, §6.4): the contact log records it in one line.
type ContactKind string

const (
	ContactCall       ContactKind = "call"        // a phone call that reached someone
	ContactCallMissed ContactKind = "call_missed" // a call tried without reaching anyone
	ContactSMS        ContactKind = "sms"
	ContactEmail      ContactKind = "email"
	ContactDropIn     ContactKind = "drop_in" // a parent dropped by the office
	ContactHomeVisit  ContactKind = "home_visit"
	ContactLetter     ContactKind = "letter"
	ContactDigital    ContactKind = "digital" // a message through NAV's digital channel
)

// ContactKinds lists the kinds, the most frequent first.
var ContactKinds = []ContactKind{ContactCall, ContactCallMissed, ContactSMS, ContactDropIn, ContactDigital, ContactEmail, ContactHomeVisit, ContactLetter}

// Valid reports whether k is a known kind.
func (k ContactKind) Valid() bool { return slices.Contains(ContactKinds, k) }

// Reached reports whether the contact reached the family (a missed call did not).
func (k ContactKind) Reached() bool { return k != ContactCallMissed }

// Contact is one entry of a family's contact log.
type Contact struct {
	ID       int64
	FamilyID int64
	Kind     ContactKind
	MemberID int64 // the member concerned, 0 for the family as a whole
	At       time.Time
	Minutes  int
	Note     string
	ByID     int64
	By       string // the coordinator's name, for lists
	Version  int64
	// CreatedAt and UpdatedAt are when the entry was written and changed.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxContactNote bounds a contact's note: one line.
const MaxContactNote = 300

// Validate checks c against its family at instant now. A contact is in the
// past (a few minutes' clock drift allowed), a member is one of the family's.
func (c *Contact) Validate(f *Family, now time.Time) error {
	var v Validation
	if !c.Kind.Valid() {
		v.Add("kind", "err.required")
	}
	if c.MemberID != 0 && !hasMember(f, c.MemberID) {
		v.Add("member", "err.member_unknown")
	}
	switch {
	case c.At.IsZero():
		v.Add("at", "err.required")
	case c.At.After(now.Add(10 * time.Minute)):
		v.Add("at", "err.date_future")
	case c.At.Year() < 2000:
		v.Add("at", "err.date_range", 2000, 2100)
	}
	if c.Minutes < 0 || c.Minutes > 480 {
		v.Add("minutes", "err.number_range", 0, 480)
	}
	c.Note = strings.TrimSpace(c.Note)
	checkText(&v, "note", c.Note, 0, MaxContactNote)
	return v.Err()
}
