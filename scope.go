package holf

import "slices"

// OfficeSet is a set of offices that a list or search is restricted to. It is
// what access decisions hand to storage, so its zero value is deliberately
// the empty set: a filter built from nothing matches nothing, never
// everything. Every office is AllOffices(), said out loud.
type OfficeSet struct {
	all bool
	ids []int64
}

// AllOffices is the set of every office.
func AllOffices() OfficeSet { return OfficeSet{all: true} }

// Offices is the set of the given offices (none when ids is empty). Zero ids
// are ignored: no office has id 0.
func Offices(ids ...int64) OfficeSet {
	s := OfficeSet{}
	for _, id := range ids {
		if id != 0 && !slices.Contains(s.ids, id) {
			s.ids = append(s.ids, id)
		}
	}
	slices.Sort(s.ids)
	return s
}

// All reports whether the set holds every office.
func (s OfficeSet) All() bool { return s.all }

// Empty reports whether the set holds no office.
func (s OfficeSet) Empty() bool { return !s.all && len(s.ids) == 0 }

// IDs returns the listed offices, sorted; nil for the set of all offices,
// which callers must check with All first.
func (s OfficeSet) IDs() []int64 {
	if s.all {
		return nil
	}
	return slices.Clone(s.ids)
}

// Contains reports whether office id is in the set.
func (s OfficeSet) Contains(id int64) bool { return s.all || slices.Contains(s.ids, id) }

// Intersect returns the offices in both s and t.
func (s OfficeSet) Intersect(t OfficeSet) OfficeSet {
	switch {
	case s.all:
		return t
	case t.all:
		return s
	}
	var ids []int64
	for _, id := range s.ids {
		if slices.Contains(t.ids, id) {
			ids = append(ids, id)
		}
	}
	return Offices(ids...)
}
