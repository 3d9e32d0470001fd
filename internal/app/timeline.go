package app

import (
	"cmp"
	"slices"
	"time"

	"github.com/holf-project/holf"
)

// TimelineKind groups a family's timeline for filtering.
type TimelineKind string

const (
	TimelineFamily  TimelineKind = "family" // registered, status moves, edits, replacement
	TimelineMapping TimelineKind = "mapping"
	TimelinePlan    TimelineKind = "plan"
	TimelineMeeting TimelineKind = "meeting"
	TimelineContact TimelineKind = "contact"
)

// TimelineKinds lists the kinds in the order the filter offers them.
var TimelineKinds = []TimelineKind{TimelineMeeting, TimelineContact, TimelinePlan, TimelineMapping, TimelineFamily}

// Valid reports whether k is a known kind.
func (k TimelineKind) Valid() bool { return slices.Contains(TimelineKinds, k) }

// TimelineItem is one line of a family's timeline: an event, a meeting or a
// contact, with the members it concerns (none: the whole family).
type TimelineItem struct {
	Kind    TimelineKind
	On      time.Time // the date it concerns
	At      time.Time // the instant, for order within a day
	Event   *holf.FamilyEvent
	Meeting *holf.Meeting
	Contact *holf.Contact
	Members []int64
}

// TimelineFilter narrows a timeline: to some kinds (none: all), and to the
// items concerning one member (0: all).
type TimelineFilter struct {
	Kinds  []TimelineKind
	Member int64
}

func (f TimelineFilter) validate(fam *holf.Family) error {
	var v holf.Validation
	for _, k := range f.Kinds {
		if !k.Valid() {
			v.Add("kind", "err.status")
		}
	}
	if f.Member != 0 && !slices.ContainsFunc(fam.Members, func(m holf.Member) bool { return m.ID == f.Member }) {
		v.Add("member", "err.member_unknown")
	}
	return v.Err()
}

func eventKind(k holf.EventKind) TimelineKind {
	switch k {
	case holf.EventMapping:
		return TimelineMapping
	case holf.EventPlan:
		return TimelinePlan
	}
	return TimelineFamily
}

// Timeline merges a family's events, meetings and contacts, the newest
// first, keeping those f selects. A member filter keeps what concerns that
// member: the meetings they took part in, the contacts about them.
func Timeline(events []holf.FamilyEvent, meetings []holf.Meeting, contacts []holf.Contact, f TimelineFilter) []TimelineItem {
	var out []TimelineItem
	keep := func(it TimelineItem) {
		if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, it.Kind) {
			return
		}
		if f.Member != 0 && !slices.Contains(it.Members, f.Member) {
			return
		}
		out = append(out, it)
	}
	for i := range events {
		e := &events[i]
		keep(TimelineItem{Kind: eventKind(e.Kind), On: e.On, At: e.At, Event: e})
	}
	for i := range meetings {
		m := &meetings[i]
		it := TimelineItem{Kind: TimelineMeeting, On: dateIn(m.StartsAt), At: m.StartsAt, Meeting: m}
		for _, p := range m.Participants {
			if p.Kind == holf.ParticipantMember {
				it.Members = append(it.Members, p.MemberID)
			}
		}
		keep(it)
	}
	for i := range contacts {
		c := &contacts[i]
		it := TimelineItem{Kind: TimelineContact, On: dateIn(c.At), At: c.At, Contact: c}
		if c.MemberID != 0 {
			it.Members = []int64{c.MemberID}
		}
		keep(it)
	}
	slices.SortStableFunc(out, func(a, b TimelineItem) int {
		if c := b.On.Compare(a.On); c != 0 {
			return c
		}
		return cmp.Compare(b.At.UnixNano(), a.At.UnixNano())
	})
	return out
}
