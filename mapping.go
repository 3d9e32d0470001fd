package holf

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// TargetArea is one of the areas the HOLF model follows a family in.
type TargetArea string

const (
	AreaWork     TargetArea = "work"
	AreaEconomy  TargetArea = "economy"
	AreaHousing  TargetArea = "housing"
	AreaChildren TargetArea = "children"
	AreaHealth   TargetArea = "health"
)

// TargetAreas lists every area in the order the forms show them. Health is
// not in the original model; comparison offices added it (seed 003, §6.4).
var TargetAreas = []TargetArea{AreaWork, AreaEconomy, AreaHousing, AreaChildren, AreaHealth}

// Valid reports whether a is a known area.
func (a TargetArea) Valid() bool { return slices.Contains(TargetAreas, a) }

// ParseAreas reads a comma-separated area list, keeping known areas in order.
func ParseAreas(s string) []TargetArea {
	var out []TargetArea
	for _, a := range TargetAreas {
		for _, part := range strings.Split(s, ",") {
			if TargetArea(strings.TrimSpace(part)) == a {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// JoinAreas is the inverse of ParseAreas.
func JoinAreas(as []TargetArea) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = string(a)
	}
	return strings.Join(parts, ",")
}

// The questions of the mapping form. Each area asks about the situation, the
// family's resources (the model's resource focus comes first), challenges and
// the family's own wishes for change; each child has a section of its own, and
// each parent one for work and health.
var (
	AreaFields   = []string{"situation", "resources", "challenges", "wishes"}
	ChildFields  = []string{"school", "leisure", "friends", "wellbeing", "own_wishes"}
	ParentFields = []string{"work", "health"}
)

// MaxMappingField bounds one answer; longer text is refused, never cut.
const MaxMappingField = 10000

// Mapping is one version of a family's mapping. Fields maps a key
// ("area.work.situation", "child.12.school", "parent.7.health") to its text;
// an empty answer is absent.
type Mapping struct {
	FamilyID int64
	Version  int // 0: no mapping saved yet
	SavedAt  time.Time
	ActorID  int64
	Actor    string
	Fields   map[string]string
}

// AreaKey, ChildKey and ParentKey name mapping fields.
func AreaKey(a TargetArea, field string) string { return "area." + string(a) + "." + field }

// ChildKey names a field of a child's section.
func ChildKey(memberID int64, field string) string {
	return "child." + strconv.FormatInt(memberID, 10) + "." + field
}

// ParentKey names a field of a parent's section.
func ParentKey(memberID int64, field string) string {
	return "parent." + strconv.FormatInt(memberID, 10) + "." + field
}

// Section returns the section part of a key: "area.work", "child.12".
func Section(key string) string {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return key
	}
	return key[:i]
}

// MappingKeys is every field of family f's mapping form: its office's
// areas, and a section for each of its own members.
func MappingKeys(f *Family, areas []TargetArea) map[string]bool {
	keys := map[string]bool{}
	for _, a := range areas {
		for _, fl := range AreaFields {
			keys[AreaKey(a, fl)] = true
		}
	}
	for _, mem := range f.Members {
		fields, key := ChildFields, ChildKey
		if mem.Role == MemberParent {
			fields, key = ParentFields, ParentKey
		}
		for _, fl := range fields {
			keys[key(mem.ID, fl)] = true
		}
	}
	return keys
}

// ValidateMapping checks that every key belongs to the family's form (its
// office's areas, its own members) and no answer is too long.
func ValidateMapping(m Mapping, f *Family, areas []TargetArea) error {
	allowed := MappingKeys(f, areas)
	var v Validation
	for k, text := range m.Fields {
		if !allowed[k] {
			v.Add(k, "err.mapping_field")
			continue
		}
		checkMultiline(&v, k, text, 0, MaxMappingField)
	}
	return v.Err()
}

// Change is one field that differs between two mapping versions.
type Change struct {
	Key, Before, After string
}

// DiffMappings lists the fields that differ from a to b, in key order.
func DiffMappings(a, b Mapping) []Change {
	keys := map[string]bool{}
	for k := range a.Fields {
		keys[k] = true
	}
	for k := range b.Fields {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		if a.Fields[k] != b.Fields[k] {
			out = append(out, Change{Key: k, Before: a.Fields[k], After: b.Fields[k]})
		}
	}
	slices.SortFunc(out, func(x, y Change) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// SectionUpdates tells, for each section, when it last changed, given the
// versions oldest first.
func SectionUpdates(versions []Mapping) map[string]time.Time {
	out := map[string]time.Time{}
	prev := Mapping{}
	for _, v := range versions {
		for _, c := range DiffMappings(prev, v) {
			out[Section(c.Key)] = v.SavedAt
		}
		prev = v
	}
	return out
}
