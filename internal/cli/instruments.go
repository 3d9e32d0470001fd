package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/holf-project/holf/internal/survey"
)

func runInstruments(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "instruments", args, []subcommand{{"list", instrumentsList}, {"score", instrumentsScore}})
}

// InstrumentJSON is one instrument in 'holf instruments list --json'.
type InstrumentJSON struct {
	ID                   string             `json:"id"`
	Version              int                `json:"version"`
	Name                 string             `json:"name"`
	NameEN               string             `json:"name_en"`
	Respondents          string             `json:"respondents"`
	EnglishIsTranslation bool               `json:"english_is_translation"`
	Source               string             `json:"source"`
	Items                []ItemJSON         `json:"items"`
	Scales               []survey.Scale     `json:"scales"`
	Scores               []survey.ScoreRule `json:"scores"`
}

// ItemJSON is one item with its scale.
type ItemJSON struct {
	ID      string                 `json:"id"`
	Text    string                 `json:"text"`
	TextEN  string                 `json:"text_en,omitempty"`
	Scale   string                 `json:"scale"`
	Reverse bool                   `json:"reverse,omitempty"`
	Wording map[string]survey.Text `json:"wording,omitempty"`
}

func instrumentsList(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "instruments list [--json]", "List every instrument with its items, response scales and scoring rules.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	lib, err := survey.Load()
	if err != nil {
		return err
	}
	var out []InstrumentJSON
	for _, in := range lib.Instruments {
		ij := InstrumentJSON{ID: in.ID, Version: in.Version, Name: in.Name.NB, NameEN: in.Name.EN, Respondents: in.Respondents,
			EnglishIsTranslation: in.EnglishIsTranslation, Source: in.Source, Scores: in.Scores}
		used := map[string]bool{}
		for _, it := range in.Items {
			sc := lib.ScaleOf(in, it)
			ij.Items = append(ij.Items, ItemJSON{ID: it.ID, Text: it.NB, TextEN: it.EN, Scale: sc.ID, Reverse: it.Reverse, Wording: it.Wording})
			if !used[sc.ID] {
				used[sc.ID] = true
				ij.Scales = append(ij.Scales, sc)
			}
		}
		out = append(out, ij)
	}
	if *asJSON {
		return printJSON(env, out)
	}
	for _, in := range out {
		fmt.Fprintf(env.Stdout, "%-20s v%d  %-3d items  %-12s %s\n", in.ID, in.Version, len(in.Items), in.Respondents, in.Name)
	}
	return nil
}

func instrumentsScore(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "instruments score --instrument ID --answers 'item=value,…' [--json]",
		"Score answers with an instrument's rules: every score, and every cut-off it meets.\nAn unknown item or a value outside its scale exits non-zero naming the item.")
	id := fs.String("instrument", "", "instrument id (see 'holf instruments list')")
	answers := fs.String("answers", "", "comma-separated item=value pairs; leave out unanswered items")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	lib, err := survey.Load()
	if err != nil {
		return err
	}
	in, ok := lib.Instrument(*id)
	if !ok {
		return usagef("unknown instrument %q (see 'holf instruments list')", *id)
	}
	vals := map[string]float64{}
	for _, pair := range strings.Split(*answers, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return usagef("answer %q is not item=value", pair)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return fmt.Errorf("item %s: %q is not a number", strings.TrimSpace(k), v)
		}
		k = strings.TrimSpace(k)
		if _, dup := vals[k]; dup {
			return fmt.Errorf("item %s is answered twice", k)
		}
		vals[k] = f
	}
	scores, err := lib.ScoreAnswers(in, vals)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, struct {
			Instrument string         `json:"instrument"`
			Version    int            `json:"version"`
			Scores     []survey.Score `json:"scores"`
		}{in.ID, in.Version, scores})
	}
	for _, s := range scores {
		val := "no score (too few items answered)"
		if s.Value != nil {
			val = strconv.FormatFloat(*s.Value, 'f', -1, 64)
		}
		fmt.Fprintf(env.Stdout, "%-24s %s (%d of %d answered)\n", s.ID, val, s.Answered, s.Items)
		for _, c := range s.Cutoffs {
			fmt.Fprintf(env.Stdout, "  %-22s %v\n", c.ID, c.Met)
		}
	}
	return nil
}
