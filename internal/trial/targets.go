package trial

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Criterion is the route by which a family met the eligibility criteria
// (seed 003 §2).
type Criterion string

// The criteria.
const (
	CriterionAssistance    Criterion = "assistance"    // social assistance 6 of the last 12 months
	CriterionRegular       Criterion = "regular"       // a regular recipient of social assistance
	CriterionAAP           Criterion = "aap"           // work assessment allowance with supplementary assistance
	CriterionUnemployment  Criterion = "unemployment"  // unemployment benefit with supplementary assistance
	CriterionQualification Criterion = "qualification" // qualification programme with supplementary assistance
)

// Criteria are the criteria in the order the protocol lists them.
var Criteria = []Criterion{CriterionAssistance, CriterionRegular, CriterionAAP, CriterionUnemployment, CriterionQualification}

// Valid reports whether c is a known criterion.
func (c Criterion) Valid() bool { return slices.Contains(Criteria, c) }

// Recruitment is where recruiting a family on the target list stands.
type Recruitment string

// The outcomes.
const (
	RecruitWaiting    Recruitment = "waiting"     // not yet contacted
	RecruitRecruited  Recruitment = "recruited"   // consented to take part
	RecruitDeclined   Recruitment = "declined"    // said no
	RecruitNotReached Recruitment = "not_reached" // could not be reached
	RecruitIneligible Recruitment = "ineligible"  // found ineligible on contact
	RecruitExcluded   Recruitment = "excluded"    // declined register-data follow-up (§2): never drawn
)

// Recruitments a coordinator records, in the form's order.
var Recruitments = []Recruitment{RecruitWaiting, RecruitRecruited, RecruitDeclined, RecruitNotReached, RecruitIneligible}

// Valid reports whether o may be recorded by a coordinator.
func (o Recruitment) Valid() bool { return slices.Contains(Recruitments, o) }

// Target is one family on an office's target list.
type Target struct {
	ID               int64
	OfficeID         int64
	BatchID          int64
	Reference        string // the case number in NAV's systems
	Name             string // the main parent as listed
	Children         int
	Criterion        Criterion
	RegisterDeclined bool
	Position         int // in the draw order; 0 when excluded
	Outcome          Recruitment
	OutcomeNote      string
	OutOfOrder       string
	AfterAllocation  bool
	FamilyID         int64 // the family record a recruited entry became (0 before it has one)
	// Replaces is the position of the entry this one was drawn to replace
	// (set by Replacements); Replacement says it was drawn beyond the
	// target, whether or not an entry was left to replace.
	Replaces    int
	Replacement bool
	Version     int64
	UpdatedAt   time.Time
}

// RowError is one rejected row of an import, with the column and why.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"` // a catalog key under "target.err."
	Value  string `json:"value"`
}

// ParseTargets reads a target list: a header with the columns reference,
// name, children, criterion and register_declined (yes/no, ja/nei; empty is
// no), in any order, with a byte-order mark allowed. Every row is checked,
// and every problem reported with its row and column; the rows come back
// only when there are none, so that nothing is half-imported.
func ParseTargets(r io.Reader, known map[string]bool) ([]Target, []RowError, error) {
	tab, bad, err := readTable(r, "reference", "name", "children", "criterion")
	if err != nil || len(bad) > 0 {
		return nil, bad, err
	}
	seen := map[string]int{}
	var out []Target
	for n, rec := range tab.rows {
		row := n + 2
		get := func(c string) string { return tab.get(rec, c) }
		fail := func(c, reason, v string) { bad = append(bad, RowError{Row: row, Column: c, Reason: reason, Value: v}) }
		t := Target{Reference: get("reference"), Name: get("name"), Criterion: Criterion(strings.ToLower(get("criterion"))), Outcome: RecruitWaiting}
		switch {
		case t.Reference == "":
			fail("reference", "required", "")
		case utf8.RuneCountInString(t.Reference) > 40:
			fail("reference", "too_long", t.Reference)
		case seen[t.Reference] != 0:
			fail("reference", "duplicate_row", strconv.Itoa(seen[t.Reference]))
		case known[t.Reference]:
			fail("reference", "already_listed", t.Reference)
		}
		if t.Reference != "" && seen[t.Reference] == 0 {
			seen[t.Reference] = row
		}
		if t.Name == "" {
			fail("name", "required", "")
		} else if utf8.RuneCountInString(t.Name) > 120 || strings.ContainsFunc(t.Name, func(r rune) bool { return r < 0x20 }) {
			fail("name", "bad_name", t.Name)
		}
		c, err := strconv.Atoi(get("children"))
		switch {
		case err != nil:
			fail("children", "not_number", get("children"))
		case c < 1 || c > 4:
			fail("children", "children_range", get("children"))
		}
		t.Children = c
		if !t.Criterion.Valid() {
			fail("criterion", "criterion", get("criterion"))
		}
		switch strings.ToLower(get("register_declined")) {
		case "", "no", "nei", "0", "false":
		case "yes", "ja", "1", "true":
			t.RegisterDeclined, t.Outcome = true, RecruitExcluded
		default:
			fail("register_declined", "yes_no", get("register_declined"))
		}
		out = append(out, t)
	}
	if len(bad) > 0 {
		return nil, bad, nil
	}
	return out, nil, nil
}

// DrawOrder places the eligible targets after position from, in a random
// order drawn with seed (the same ChaCha8 source as the randomisation, so
// that an order reproduces from its recorded seed). Excluded targets keep
// position 0.
func DrawOrder(ts []Target, from int, seed uint64) {
	var idx []int
	for i, t := range ts {
		if t.Outcome != RecruitExcluded {
			idx = append(idx, i)
		}
	}
	rng := newRand(seed)
	order := sampleK(rng, len(idx), len(idx))
	for k, j := range order {
		ts[idx[j]].Position = from + k + 1
	}
}

// Consent is a family's consent to take part in the evaluation, apart from
// its consent to share information: which member gave it, when, and when
// it was withdrawn (zero while it holds).
type Consent struct {
	FamilyID    int64
	MemberID    int64
	GivenOn     time.Time
	WithdrawnOn time.Time
	RecordedBy  int64
	Version     int64
	// BeforeAllocation says whether it was given before the office's
	// allocation (false after it, or when the office is not randomised).
	BeforeAllocation bool
	Allocated        bool // the office's allocation is known
}

// Replacements marks, in ts (one office's list in draw order), the entries
// drawn beyond the first target in the order (the replacement draws), and
// which earlier entry each one replaces: the i-th contacted replacement
// takes the place of the i-th family, in the order, who declined, could
// not be reached or was ineligible. A replacement that fails in turn is
// replaced by a later one. A replacement with nothing left to replace
// keeps Replaces 0 (the office went past its target).
func Replacements(ts []Target, target int) {
	var failed []int // positions, in order, of entries needing a replacement
	var drawn []int  // indexes of contacted entries beyond the target
	for i := range ts {
		t := &ts[i]
		t.Replaces, t.Replacement = 0, false
		if t.Position == 0 {
			continue
		}
		switch t.Outcome {
		case RecruitDeclined, RecruitNotReached, RecruitIneligible:
			failed = append(failed, t.Position)
		}
		if t.Position > target && t.Outcome != RecruitWaiting {
			drawn = append(drawn, i)
		}
	}
	slices.SortFunc(drawn, func(a, b int) int { return ts[a].Position - ts[b].Position })
	slices.Sort(failed)
	for k, i := range drawn {
		ts[i].Replacement = true
		if k < len(failed) && failed[k] < ts[i].Position {
			ts[i].Replaces = failed[k]
		}
	}
}
