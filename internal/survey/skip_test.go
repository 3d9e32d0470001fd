package survey

import (
	"strings"
	"testing"
	"testing/fstest"
)

// An item asked only after an earlier answer: the loan's burden of those
// who have the loan. Unanswered, the question is asked; "no" skips it and
// clears an answer given before; every other answer stays.
func TestShowIf(t *testing.T) {
	l := lib(t)
	in, _ := l.Instrument("parents_baseline")
	var burden, dentist Question
	for _, it := range in.Items {
		switch it.ID {
		case "burden_consumer_loan":
			burden = l.question(in, it, "T1")
		case "afford_dentist":
			dentist = l.question(in, it, "T1")
		}
	}
	a := Answers{}
	if !burden.Applies(a) {
		t.Fatal("asked before the loan question is answered: it must show")
	}
	a.Set("parents_baseline", "has_consumer_loan", 1)
	a.Set("parents_baseline", "burden_consumer_loan", 3)
	a.Set("parents_baseline", "afford_dentist", 1)
	if !burden.Applies(a) {
		t.Fatal("a loan: the burden must be asked")
	}
	pages := []Page{{Questions: []Question{dentist, burden}}}
	got := WithSkips(pages, a, []AnswerChange{{Instrument: "parents_baseline", Item: "has_consumer_loan", Value: 0}})
	if len(got) != 2 || got[1] != (AnswerChange{Instrument: "parents_baseline", Item: "burden_consumer_loan", Clear: true}) {
		t.Fatalf("no loan any more: %+v", got)
	}
	if got := WithSkips(pages, a, []AnswerChange{{Instrument: "parents_baseline", Item: "afford_dentist", Value: 2}}); len(got) != 1 {
		t.Fatalf("an unrelated change cleared answers: %+v", got)
	}
	// The item's own words for the scale's values; the values are the scale's.
	if ls := dentist.Labels(); len(ls) != 3 || ls[0].NB != "Ja" || ls[1].Value != 1 {
		t.Fatalf("dentist labels: %+v", ls)
	}
}

// The library refuses labels that do not word the scale's values, and a
// condition on a later or unknown item.
func TestItemLabelsAndConditionsAreChecked(t *testing.T) {
	scales := `{"scales": [{"id": "yn", "min": 0, "max": 1, "labels": [{"value": 0, "nb": "Nei"}, {"value": 1, "nb": "Ja"}], "source": "t"}]}`
	for name, items := range map[string]string{
		"valid":                  `[{"id": "a", "nb": "A?", "labels": [{"value": 0, "nb": "Nei"}, {"value": 1, "nb": "Ja, har"}]}, {"id": "b", "nb": "B?", "show_if": {"item": "a", "values": [1]}}]`,
		"labels of other values": `[{"id": "a", "nb": "A?", "labels": [{"value": 1, "nb": "Ja"}, {"value": 2, "nb": "Nei"}]}]`,
		"too few labels":         `[{"id": "a", "nb": "A?", "labels": [{"value": 0, "nb": "Nei"}]}]`,
		"a later item":           `[{"id": "a", "nb": "A?", "show_if": {"item": "b", "values": [1]}}, {"id": "b", "nb": "B?"}]`,
		"no values":              `[{"id": "a", "nb": "A?"}, {"id": "b", "nb": "B?", "show_if": {"item": "a", "values": []}}]`,
	} {
		fsys := fstest.MapFS{
			"instruments/scales.json": {Data: []byte(scales)},
			"instruments/x.json":      {Data: []byte(`{"id": "x", "version": 1, "name": {"nb": "X"}, "respondents": "parents", "scale": "yn", "source": "t", "items": ` + items + `}`)},
		}
		_, err := load(fsys)
		if name == "valid" && err != nil || name != "valid" && (err == nil || !strings.Contains(err.Error(), "item")) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
