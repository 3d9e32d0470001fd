package survey

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

//go:embed studies/*.json
var studyFS embed.FS

// Groups of respondents.
const (
	GroupParents      = "parents"
	GroupCoordinators = "coordinators"
)

// Study is a study design: its waves and, per wave and respondent group, the
// questionnaire. It is data in the repository; installing it copies it into
// the database, so that a running study never changes under its respondents
// when the file is edited.
type Study struct {
	Code           string          `json:"code"`
	Name           Text            `json:"name"`
	Source         string          `json:"source"`
	Waves          []Wave          `json:"waves"`
	Questionnaires []Questionnaire `json:"questionnaires"`
}

// Wave is one measurement point (T1, T2, …), in study order.
type Wave struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
}

// Questionnaire is the ordered set of instruments one group answers at one
// wave. PageSize bounds the items on a respondent's page: parents get short
// pages. ValidDays is how long a respondent's link works.
type Questionnaire struct {
	Wave      string    `json:"wave"`
	Group     string    `json:"group"`
	PageSize  int       `json:"page_size"`
	ValidDays int       `json:"valid_days"`
	Sections  []Section `json:"sections"`
}

// Section is one instrument, or some of its items, in a questionnaire.
type Section struct {
	Instrument string   `json:"instrument"`
	Items      []string `json:"items,omitempty"` // all of the instrument's items when empty
}

// DefaultStudy returns the HOLF evaluation as the trial ran it.
func DefaultStudy(lib *Library) (*Study, error) {
	b, err := studyFS.ReadFile("studies/holf.json")
	if err != nil {
		return nil, err
	}
	return ParseStudy(lib, b)
}

// ParseStudy reads a study definition and checks it against the library.
func ParseStudy(lib *Library, b []byte) (*Study, error) {
	var st Study
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("study definition: %w", err)
	}
	if err := st.check(lib); err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Code, err)
	}
	return &st, nil
}

// varName is what R and Stata both accept as a variable name.
var varName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

func (st *Study) check(lib *Library) error {
	if !varName.MatchString(st.Code) || st.Name.NB == "" || len(st.Waves) == 0 {
		return fmt.Errorf("a study needs a code (a-z, 0-9, _), a Norwegian name and waves")
	}
	waves := map[string]bool{}
	for _, w := range st.Waves {
		if w.Code == "" || waves[w.Code] || w.Name.NB == "" {
			return fmt.Errorf("wave %q: needs a unique code and a Norwegian name", w.Code)
		}
		waves[w.Code] = true
	}
	seen := map[string]bool{}
	for i := range st.Questionnaires {
		q := &st.Questionnaires[i]
		key := q.Wave + "/" + q.Group
		switch {
		case !waves[q.Wave]:
			return fmt.Errorf("questionnaire %s: unknown wave", key)
		case q.Group != GroupParents && q.Group != GroupCoordinators:
			return fmt.Errorf("questionnaire %s: group must be parents or coordinators", key)
		case seen[key]:
			return fmt.Errorf("questionnaire %s defined twice", key)
		case q.PageSize < 1 || q.ValidDays < 1 || len(q.Sections) == 0:
			return fmt.Errorf("questionnaire %s: needs page_size, valid_days and sections", key)
		}
		seen[key] = true
		if err := q.Check(lib); err != nil {
			return fmt.Errorf("questionnaire %s: %w", key, err)
		}
	}
	return nil
}

// Check verifies that every section names a known instrument and items of it,
// that no instrument appears twice, and that every variable the export will
// carry has a unique name R and Stata accept.
func (q *Questionnaire) Check(lib *Library) error {
	names := map[string]string{}
	claim := func(name, what string) error {
		if !varName.MatchString(name) {
			return fmt.Errorf("%s: %q is not a valid variable name (a-z, 0-9, _, at most 32)", what, name)
		}
		if other, dup := names[name]; dup {
			return fmt.Errorf("%s and %s would share the variable %s", what, other, name)
		}
		names[name] = what
		return nil
	}
	for _, v := range fixedVariables {
		names[v] = "the export's own columns"
	}
	instruments := map[string]bool{}
	for _, sec := range q.Sections {
		in, ok := lib.Instrument(sec.Instrument)
		if !ok {
			return fmt.Errorf("unknown instrument %q", sec.Instrument)
		}
		if instruments[in.ID] {
			return fmt.Errorf("instrument %s appears twice", in.ID)
		}
		instruments[in.ID] = true
		if len(in.Waves) > 0 && !slices.Contains(in.Waves, q.Wave) {
			return fmt.Errorf("instrument %s is not asked at %s", in.ID, q.Wave)
		}
		for _, id := range sec.Items {
			if !slices.ContainsFunc(in.Items, func(it Item) bool { return it.ID == id }) {
				return fmt.Errorf("instrument %s has no item %q", in.ID, id)
			}
		}
		for _, it := range q.items(in, sec) {
			if err := claim(it.ID, in.ID+" item "+it.ID); err != nil {
				return err
			}
		}
		for _, r := range in.Scores {
			if err := claim(ScoreVar(r.ID), in.ID+" score "+r.ID); err != nil {
				return err
			}
			for _, c := range r.Cutoffs {
				if err := claim(CutoffVar(r.ID, c.ID), in.ID+" cut-off "+c.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// fixedVariables are the export's columns before the items.
var fixedVariables = []string{"respondent", "family", "office", "arm", "wave", "group", "mode", "submitted", "member_birth_year"}

// ScoreVar is a score's variable name in exports.
func ScoreVar(score string) string { return "s_" + score }

// CutoffVar is a cut-off's 0/1 variable name in exports.
func CutoffVar(score, cutoff string) string { return "s_" + score + "_" + cutoff }

func (q *Questionnaire) items(in *Instrument, sec Section) []Item {
	if len(sec.Items) == 0 {
		return in.Items
	}
	var out []Item
	for _, it := range in.Items {
		if slices.Contains(sec.Items, it.ID) {
			out = append(out, it)
		}
	}
	return out
}

// Questionnaire returns the questionnaire of wave and group.
func (st *Study) Questionnaire(wave, group string) (*Questionnaire, bool) {
	for i := range st.Questionnaires {
		if q := &st.Questionnaires[i]; q.Wave == wave && q.Group == group {
			return q, true
		}
	}
	return nil, false
}

// Question is one item as a respondent sees it at a wave.
type Question struct {
	Instrument *Instrument
	Item       Item
	Scale      Scale
	NB, EN     string // the wording at this wave
}

// Text returns the wording in lang, Norwegian when there is no translation.
func (q Question) Text(lang string) string {
	if lang == "en" && q.EN != "" {
		return q.EN
	}
	return q.NB
}

// Labels are the answers offered, in the item's words where it has its
// own, else its scale's.
func (q Question) Labels() []Label {
	if len(q.Item.Labels) > 0 {
		return q.Item.Labels
	}
	return q.Scale.Labels
}

// Applies reports whether q is asked given answers a: always, unless it
// depends on an earlier answer that was given and is not one that shows
// it. Unanswered, the question is asked (a page without scripts shows it).
func (q Question) Applies(a Answers) bool {
	c := q.Item.ShowIf
	if c == nil {
		return true
	}
	v, ok := a[q.Instrument.ID][c.Item]
	return !ok || slices.Contains(c.Values, int(v))
}

// Skipped are the answers in a to questions of qs that no longer apply
// (the loan's burden, after "no loan"): cleared, so that what is kept
// agrees with what was asked.
func Skipped(qs []Question, a Answers) []AnswerChange {
	var out []AnswerChange
	for _, q := range qs {
		if _, ok := a[q.Instrument.ID][q.Item.ID]; ok && !q.Applies(a) {
			out = append(out, AnswerChange{Instrument: q.Instrument.ID, Item: q.Item.ID, Clear: true})
		}
	}
	return out
}

// WithSkips is changes to answers a, followed by the clearing of every
// answer to a question of pages that the changes leave not applying.
func WithSkips(pages []Page, a Answers, changes []AnswerChange) []AnswerChange {
	next := Answers{}
	for in, m := range a {
		for it, v := range m {
			next.Set(in, it, v)
		}
	}
	for _, c := range changes {
		if c.Clear {
			delete(next[c.Instrument], c.Item)
		} else {
			next.Set(c.Instrument, c.Item, float64(c.Value))
		}
	}
	out := changes
	for _, pg := range pages {
		out = append(out, Skipped(pg.Questions, next)...)
	}
	return out
}

// Page is one screen of a questionnaire: items of one instrument.
type Page struct {
	Number     int // from 1
	Instrument *Instrument
	Questions  []Question
	// First marks the instrument's first page, where its instruction shows.
	First bool
}

// Pages splits the questionnaire into screens of at most PageSize items; a
// page never mixes instruments, so every page can show its instruction and
// scale.
func (q *Questionnaire) Pages(lib *Library) []Page {
	var pages []Page
	for _, sec := range q.Sections {
		in, _ := lib.Instrument(sec.Instrument)
		items := q.items(in, sec)
		for start := 0; start < len(items); start += q.PageSize {
			p := Page{Number: len(pages) + 1, Instrument: in, First: start == 0}
			for _, it := range items[start:min(start+q.PageSize, len(items))] {
				p.Questions = append(p.Questions, lib.question(in, it, q.Wave))
			}
			pages = append(pages, p)
		}
	}
	return pages
}

// Questions lists every question in order.
func (q *Questionnaire) Questions(lib *Library) []Question {
	var out []Question
	for _, p := range q.Pages(lib) {
		out = append(out, p.Questions...)
	}
	return out
}

func (lib *Library) question(in *Instrument, it Item, wave string) Question {
	qu := Question{Instrument: in, Item: it, Scale: lib.ScaleOf(in, it), NB: it.NB, EN: it.EN}
	if w, ok := it.Wording[wave]; ok {
		qu.NB, qu.EN = w.NB, w.EN
	}
	return qu
}

// Answers are raw answers: instrument → item → value.
type Answers map[string]map[string]float64

// Set records one answer.
func (a Answers) Set(instrument, item string, v float64) {
	if a[instrument] == nil {
		a[instrument] = map[string]float64{}
	}
	a[instrument][item] = v
}

// Count returns the number of answers.
func (a Answers) Count() int {
	n := 0
	for _, m := range a {
		n += len(m)
	}
	return n
}

// InstrumentScores are one instrument's scores for one response, under the
// version of the definition that computed them.
type InstrumentScores struct {
	Instrument string
	Version    int
	Scores     []Score
}

// Score checks and scores every instrument of the questionnaire.
func (q *Questionnaire) Score(lib *Library, a Answers) ([]InstrumentScores, error) {
	var out []InstrumentScores
	for _, sec := range q.Sections {
		in, _ := lib.Instrument(sec.Instrument)
		sc, err := lib.ScoreAnswers(in, a[in.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, InstrumentScores{Instrument: in.ID, Version: in.Version, Scores: sc})
	}
	return out, nil
}
