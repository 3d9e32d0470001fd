// Package fidelity owns HOLF's implementation-quality indicators: their
// definitions as versioned data, their computation from the work already
// recorded (meetings, mappings, plans, contacts, reviews, supervision,
// follow-ups), and the run-chart rules (Anhøj) that tell a real shift from
// noise. It is pure: the store gathers Facts, this package counts them.
package fidelity

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed indicators/*.json
var indicatorFS embed.FS

// Unit says how a figure reads: a share of a denominator (shown as a
// percentage) or a rate per unit (meetings per family-month).
type Unit string

const (
	Share Unit = "share"
	Rate  Unit = "rate"
)

// Definition is one version of an indicator. Changing anything but the
// wording is a new version; figures record the version they were made by.
type Definition struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Category string `json:"category"`
	// Source names the computation that counts it (see sources).
	Source string `json:"source"`
	Unit   Unit   `json:"unit"`
	// Better is "higher" or "lower": which way is towards the model.
	Better string  `json:"better"`
	Target float64 `json:"target"`
	// Warn is the threshold past which the figure is a concern.
	Warn float64 `json:"warn"`
	// ModelOnly marks what only the HOLF model asks for (FGE form,
	// supervision, review): it is not expected of comparison offices.
	ModelOnly bool `json:"model_only"`
	// Level "office" figures have no coordinator (recruitment is the
	// office's).
	Level      string            `json:"level"`
	Params     map[string]int    `json:"params"`
	Title      map[string]string `json:"title"`
	Definition map[string]string `json:"definition"`
}

// Key is "id@version", the name a figure carries in exports.
func (d Definition) Key() string { return d.ID + "@" + strconv.Itoa(d.Version) }

// Param returns the named parameter.
func (d Definition) Param(name string) int { return d.Params[name] }

// Text returns the definition in lang with its parameters filled in.
func (d Definition) Text(lang string) string {
	s := d.Definition[lang]
	if s == "" {
		s = d.Definition["en"]
	}
	for k, v := range d.Params {
		s = strings.ReplaceAll(s, "{"+k+"}", strconv.Itoa(v))
	}
	return s
}

// Name returns the title in lang.
func (d Definition) Name(lang string) string {
	if s := d.Title[lang]; s != "" {
		return s
	}
	return d.Title["en"]
}

// Status tells where a value stands against the definition's thresholds.
func (d Definition) Status(v float64) string {
	good := func(a, b float64) bool { return a >= b }
	if d.Better == "lower" {
		good = func(a, b float64) bool { return a <= b }
	}
	switch {
	case good(v, d.Target):
		return "target"
	case good(v, d.Warn):
		return "watch"
	}
	return "concern"
}

// Catalog is every version of every indicator; Current lists the newest
// version of each, in the file's order.
type Catalog struct {
	all     []Definition
	current []Definition
}

// Load reads the embedded definitions.
func Load() (*Catalog, error) {
	b, err := indicatorFS.ReadFile("indicators/indicators.json")
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// MustLoad is Load for the embedded file, which the tests check.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Parse reads and checks a definitions file: every definition names a known
// source and a valid unit and direction, and (id, version) is unique.
func Parse(b []byte) (*Catalog, error) {
	var f struct {
		Indicators []Definition `json:"indicators"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("indicator definitions: %w", err)
	}
	c := &Catalog{}
	seen := map[string]bool{}
	for i, d := range f.Indicators {
		where := fmt.Sprintf("indicator %d (%q)", i+1, d.ID)
		switch {
		case d.ID == "" || d.Version < 1:
			return nil, fmt.Errorf("%s: needs an id and a version of 1 or more", where)
		case sources[d.Source] == nil:
			return nil, fmt.Errorf("%s: unknown source %q", where, d.Source)
		case d.Unit != Share && d.Unit != Rate:
			return nil, fmt.Errorf("%s: unknown unit %q (share or rate)", where, d.Unit)
		case d.Better != "higher" && d.Better != "lower":
			return nil, fmt.Errorf("%s: better must be \"higher\" or \"lower\", not %q", where, d.Better)
		case d.Level != "coordinator" && d.Level != "office":
			return nil, fmt.Errorf("%s: unknown level %q (coordinator or office)", where, d.Level)
		case d.Title["nb"] == "" || d.Title["en"] == "" || d.Definition["nb"] == "" || d.Definition["en"] == "":
			return nil, fmt.Errorf("%s: needs a title and a definition in bokmål and English", where)
		case seen[d.Key()]:
			return nil, fmt.Errorf("%s: version %d is defined twice", where, d.Version)
		}
		seen[d.Key()] = true
		c.all = append(c.all, d)
	}
	for _, d := range c.all {
		i := slices.IndexFunc(c.current, func(x Definition) bool { return x.ID == d.ID })
		switch {
		case i < 0:
			c.current = append(c.current, d)
		case d.Version > c.current[i].Version:
			c.current[i] = d
		}
	}
	return c, nil
}

// Current lists the newest version of each indicator.
func (c *Catalog) Current() []Definition { return c.current }

// Get returns the newest version of indicator id.
func (c *Catalog) Get(id string) (Definition, bool) {
	i := slices.IndexFunc(c.current, func(d Definition) bool { return d.ID == id })
	if i < 0 {
		return Definition{}, false
	}
	return c.current[i], true
}

// Versions lists every version of indicator id, oldest first.
func (c *Catalog) Versions(id string) []Definition {
	var out []Definition
	for _, d := range c.all {
		if d.ID == id {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Definition) int { return a.Version - b.Version })
	return out
}

// MilestoneKinds are an office's steps of implementation in the order the
// model expects them, in the spirit of the Stages of Implementation
// Completion: from the first family to the learning structure at work.
var MilestoneKinds = []string{"first_recruited", "first_mapping", "first_plan", "first_fge", "first_support",
	"first_supervision", "first_followup", "first_review_meets", "target_recruited"}

// Milestone is one step: the day it was first taken, and the days since
// the office's first family and since the step before it.
type Milestone struct {
	Kind               string
	On                 time.Time // zero: not yet
	SinceFirst, SinceP int
	HasPrev            bool // a step was taken before this one
}

// Milestones orders the steps taken (kind → day) with their durations.
func Milestones(days map[string]time.Time) []Milestone {
	out := make([]Milestone, 0, len(MilestoneKinds))
	first := days["first_recruited"]
	var prev time.Time
	for _, k := range MilestoneKinds {
		m := Milestone{Kind: k, On: days[k]}
		if !m.On.IsZero() {
			if !first.IsZero() {
				m.SinceFirst = int(m.On.Sub(first).Hours() / 24)
			}
			if !prev.IsZero() {
				m.SinceP, m.HasPrev = int(m.On.Sub(prev).Hours()/24), true
			}
			prev = m.On
		}
		out = append(out, m)
	}
	return out
}
