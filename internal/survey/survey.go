// Package survey owns HOLF's questionnaires: the instrument library (items
// with their exact wording, response scales, reverse-coded items, sub-scales,
// scoring rules and cut-offs, defined as versioned data in instruments/) and
// the scoring of answers, the study design (waves and questionnaires), the
// runtime of an installed study (responses, tracking, attrition) and the
// researchers' export. It has no storage or web code.
package survey

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strings"
)

//go:embed instruments/*.json
var instrumentFS embed.FS

// Text is a wording in Norwegian bokmål and English.
type Text struct {
	NB string `json:"nb"`
	EN string `json:"en,omitempty"`
}

// Label is one value of a response scale.
type Label struct {
	Value int    `json:"value"`
	NB    string `json:"nb"`
	EN    string `json:"en"`
}

// Scale is a response scale.
type Scale struct {
	ID     string  `json:"id"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
	Labels []Label `json:"labels"`
	// Number marks a scale answered with a number (a year, a count) rather
	// than by choosing a label.
	Number bool   `json:"number,omitempty"`
	Source string `json:"source"`
}

// Item is one question or statement.
type Item struct {
	ID      string          `json:"id"`
	NB      string          `json:"nb"`
	EN      string          `json:"en,omitempty"`
	Reverse bool            `json:"reverse,omitempty"`
	Scale   string          `json:"scale,omitempty"` // when it differs from the instrument's
	Element string          `json:"element,omitempty"`
	Wording map[string]Text `json:"wording,omitempty"` // per wave, when a wave words it differently
	// Labels words the answers of this item where its scale's words do
	// not fit the question; the values, and so every score, stay the
	// scale's.
	Labels []Label `json:"labels,omitempty"`
	// ShowIf asks the item only of those whose answer to an earlier item
	// of the instrument is one of Values (the burden of a consumer loan,
	// of those who have one).
	ShowIf *Condition `json:"show_if,omitempty"`
}

// Condition is an answer an item depends on.
type Condition struct {
	Item   string `json:"item"`
	Values []int  `json:"values"`
}

// Cutoff classifies a score.
type Cutoff struct {
	ID     string  `json:"id"`
	Op     string  `json:"op"` // >, >=, <, <=
	Value  float64 `json:"value"`
	Label  Text    `json:"label"`
	Source string  `json:"source"`
}

// ScoreRule says how a score is computed from items.
type ScoreRule struct {
	ID          string    `json:"id"`
	Label       Text      `json:"label"`
	Method      string    `json:"method"` // mean, sum, or indicator (1 when the one item's answer is Value or one of Values)
	Value       *float64  `json:"value,omitempty"`
	Values      []float64 `json:"values,omitempty"`
	Items       []string  `json:"-"`
	ItemsRaw    any       `json:"items"` // "all" or a list
	MinAnswered int       `json:"min_answered"`
	Source      string    `json:"source"`
	Cutoffs     []Cutoff  `json:"cutoffs,omitempty"`
}

// Instrument is a validated measurement instrument.
type Instrument struct {
	ID                   string      `json:"id"`
	Version              int         `json:"version"`
	Name                 Text        `json:"name"`
	Respondents          string      `json:"respondents"`
	Scale                string      `json:"scale"`
	Instruction          Text        `json:"instruction"`
	EnglishIsTranslation bool        `json:"english_is_translation"`
	Source               string      `json:"source"`
	Waves                []string    `json:"waves,omitempty"`
	Items                []Item      `json:"items"`
	Scores               []ScoreRule `json:"scores"`
}

// Library is every instrument with the scales they use.
type Library struct {
	Scales      map[string]Scale
	Instruments []*Instrument
	byID        map[string]*Instrument
}

// Load reads and checks the embedded library.
func Load() (*Library, error) {
	return load(instrumentFS)
}

func load(fsys fs.FS) (*Library, error) {
	lib := &Library{Scales: map[string]Scale{}, byID: map[string]*Instrument{}}
	b, err := fs.ReadFile(fsys, "instruments/scales.json")
	if err != nil {
		return nil, err
	}
	var scales struct {
		Scales []Scale `json:"scales"`
	}
	if err := json.Unmarshal(b, &scales); err != nil {
		return nil, fmt.Errorf("scales.json: %w", err)
	}
	for _, s := range scales.Scales {
		if s.Max <= s.Min || !s.Number && len(s.Labels) != s.Max-s.Min+1 {
			return nil, fmt.Errorf("scale %s: labels must cover %d..%d", s.ID, s.Min, s.Max)
		}
		lib.Scales[s.ID] = s
	}
	entries, err := fs.ReadDir(fsys, "instruments")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name() == "scales.json" {
			continue
		}
		b, err := fs.ReadFile(fsys, "instruments/"+e.Name())
		if err != nil {
			return nil, err
		}
		var in Instrument
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if err := lib.check(&in); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if lib.byID[in.ID] != nil {
			return nil, fmt.Errorf("instrument %s defined twice", in.ID)
		}
		lib.byID[in.ID] = &in
		lib.Instruments = append(lib.Instruments, &in)
	}
	sort.Slice(lib.Instruments, func(i, j int) bool { return lib.Instruments[i].ID < lib.Instruments[j].ID })
	return lib, nil
}

// check validates an instrument against the library's scales.
func (lib *Library) check(in *Instrument) error {
	if in.ID == "" || in.Version < 1 || in.Name.NB == "" || in.Source == "" {
		return fmt.Errorf("instrument needs id, version, a Norwegian name and a source")
	}
	if _, ok := lib.Scales[in.Scale]; !ok {
		return fmt.Errorf("unknown scale %q", in.Scale)
	}
	ids := map[string]bool{}
	for _, it := range in.Items {
		if it.ID == "" || it.NB == "" || ids[it.ID] {
			return fmt.Errorf("item %q: needs a unique id and Norwegian wording", it.ID)
		}
		scale := in.Scale
		if it.Scale != "" {
			if _, ok := lib.Scales[it.Scale]; !ok {
				return fmt.Errorf("item %s: unknown scale %q", it.ID, it.Scale)
			}
			scale = it.Scale
		}
		if len(it.Labels) > 0 {
			want := lib.Scales[scale].Labels
			if len(it.Labels) != len(want) {
				return fmt.Errorf("item %s: its labels must word the values of scale %s", it.ID, scale)
			}
			for k := range want {
				if it.Labels[k].Value != want[k].Value || it.Labels[k].NB == "" {
					return fmt.Errorf("item %s: label %d must word value %d of scale %s in Norwegian", it.ID, k, want[k].Value, scale)
				}
			}
		}
		if c := it.ShowIf; c != nil && (!ids[c.Item] || len(c.Values) == 0) {
			return fmt.Errorf("item %s: shown only after an earlier item of the instrument, with the answers that show it", it.ID)
		}
		ids[it.ID] = true
	}
	for i := range in.Scores {
		r := &in.Scores[i]
		switch v := r.ItemsRaw.(type) {
		case string:
			if v != "all" {
				return fmt.Errorf("score %s: items must be \"all\" or a list", r.ID)
			}
			for _, it := range in.Items {
				r.Items = append(r.Items, it.ID)
			}
		case []any:
			for _, x := range v {
				s, _ := x.(string)
				if !ids[s] {
					return fmt.Errorf("score %s: unknown item %v", r.ID, x)
				}
				r.Items = append(r.Items, s)
			}
		default:
			return fmt.Errorf("score %s: items must be \"all\" or a list", r.ID)
		}
		switch r.Method {
		case "mean", "sum":
		case "indicator":
			if r.Value != nil {
				r.Values = append(r.Values, *r.Value)
				r.Value = nil
			}
			if len(r.Items) != 1 || len(r.Values) == 0 {
				return fmt.Errorf("score %s: an indicator takes one item and the value it marks", r.ID)
			}
		default:
			return fmt.Errorf("score %s: method must be mean, sum or indicator", r.ID)
		}
		if r.MinAnswered < 1 || r.MinAnswered > len(r.Items) {
			return fmt.Errorf("score %s: min_answered must be 1..%d", r.ID, len(r.Items))
		}
		if r.Source == "" {
			return fmt.Errorf("score %s: cite the source of the scoring rule", r.ID)
		}
		for _, c := range r.Cutoffs {
			if !slices.Contains([]string{">", ">=", "<", "<="}, c.Op) || c.Source == "" {
				return fmt.Errorf("score %s cut-off %s: op must be >, >=, < or <= and the source cited", r.ID, c.ID)
			}
		}
	}
	return nil
}

// Instrument returns the instrument with id.
func (lib *Library) Instrument(id string) (*Instrument, bool) {
	in, ok := lib.byID[id]
	return in, ok
}

// ScaleOf returns the response scale of item it in instrument in.
func (lib *Library) ScaleOf(in *Instrument, it Item) Scale {
	if it.Scale != "" {
		return lib.Scales[it.Scale]
	}
	return lib.Scales[in.Scale]
}

// ValueError names an answer that is not allowed.
type ValueError struct {
	Item   string
	Value  float64
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("item %s: %s", e.Item, e.Reason)
}

// CutoffResult says whether a score meets a cut-off.
type CutoffResult struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	Met   bool   `json:"met"`
}

// Score is one computed score. Value is nil when too few items were answered.
type Score struct {
	ID       string         `json:"id"`
	Label    Text           `json:"label"`
	Value    *float64       `json:"value"`
	Answered int            `json:"answered"`
	Items    int            `json:"items"`
	Cutoffs  []CutoffResult `json:"cutoffs,omitempty"`
}

// ScoreAnswers checks every answer and computes every score of in. Answers
// are raw values on the items' scales; reverse-coded items are turned before
// scoring. Raw answers are never changed.
func (lib *Library) ScoreAnswers(in *Instrument, answers map[string]float64) ([]Score, error) {
	byID := map[string]Item{}
	for _, it := range in.Items {
		byID[it.ID] = it
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := answers[k]
		it, ok := byID[k]
		if !ok {
			return nil, &ValueError{Item: k, Value: v, Reason: fmt.Sprintf("not an item of %s", in.ID)}
		}
		sc := lib.ScaleOf(in, it)
		if math.IsNaN(v) || v != math.Trunc(v) || v < float64(sc.Min) || v > float64(sc.Max) {
			return nil, &ValueError{Item: k, Value: v, Reason: fmt.Sprintf("value %v is outside the scale %d–%d", v, sc.Min, sc.Max)}
		}
	}
	var out []Score
	for _, r := range in.Scores {
		s := Score{ID: r.ID, Label: r.Label, Items: len(r.Items)}
		sum := 0.0
		for _, id := range r.Items {
			v, ok := answers[id]
			if !ok {
				continue
			}
			it := byID[id]
			if it.Reverse {
				sc := lib.ScaleOf(in, it)
				v = float64(sc.Min+sc.Max) - v
			}
			sum += v
			s.Answered++
		}
		if s.Answered >= r.MinAnswered {
			val := sum
			switch r.Method {
			case "mean":
				val = sum / float64(s.Answered)
			case "indicator":
				val = 0
				if slices.Contains(r.Values, answers[r.Items[0]]) {
					val = 1
				}
			}
			s.Value = &val
			for _, c := range r.Cutoffs {
				met := false
				switch c.Op {
				case ">":
					met = val > c.Value
				case ">=":
					met = val >= c.Value
				case "<":
					met = val < c.Value
				case "<=":
					met = val <= c.Value
				}
				s.Cutoffs = append(s.Cutoffs, CutoffResult{ID: c.ID, Label: c.Label, Met: met})
			}
		}
		out = append(out, s)
	}
	return out, nil
}
