package survey

import (
	"errors"
	"math"
	"testing"
)

func lib(t *testing.T) *Library {
	t.Helper()
	l, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func score(t *testing.T, l *Library, id string, answers map[string]float64) map[string]Score {
	t.Helper()
	in, ok := l.Instrument(id)
	if !ok {
		t.Fatalf("no instrument %s", id)
	}
	s, err := l.ScoreAnswers(in, answers)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Score{}
	for _, x := range s {
		out[x.ID] = x
	}
	return out
}

func TestLibraryHasTheTrialInstruments(t *testing.T) {
	l := lib(t)
	want := map[string]int{"hscl10": 10, "wai_sr": 12, "work_involvement": 6, "universal_elements": 41, "self_efficacy": 13, "expectations": 4}
	for id, n := range want {
		in, ok := l.Instrument(id)
		if !ok {
			t.Errorf("instrument %s missing", id)
			continue
		}
		if len(in.Items) != n {
			t.Errorf("%s has %d items, want %d", id, len(in.Items), n)
		}
		for _, s := range in.Scores {
			if s.Source == "" {
				t.Errorf("%s score %s cites no source", id, s.ID)
			}
		}
	}
	ue, _ := l.Instrument("universal_elements")
	if len(ue.Scores) != 7 {
		t.Fatalf("universal elements: %d scores, want the 7 elements", len(ue.Scores))
	}
	// Exact wording from the report.
	h, _ := l.Instrument("hscl10")
	if h.Items[0].NB != "Plutselig frykt uten grunn" || h.Items[9].NB != "Følelse av håpløshet med tanke på fremtiden" {
		t.Fatal("HSCL-10 wording differs from the report")
	}
	e, _ := l.Instrument("expectations")
	if e.Items[1].Wording["T2"].NB != "I hvilken grad mener du at prosjektet får foreldre ut i arbeid?" {
		t.Fatal("the T2 wording of Table 6 is missing")
	}
}

func TestHSCL10ScoreAndCutoff(t *testing.T) {
	l := lib(t)
	// Hand computed: (1+1+2+2+2+2+3+2+2+2)/10 = 1.9 > 1.85 → mental distress.
	a := map[string]float64{"hscl10_1": 1, "hscl10_2": 1, "hscl10_3": 2, "hscl10_4": 2, "hscl10_5": 2, "hscl10_6": 2, "hscl10_7": 3, "hscl10_8": 2, "hscl10_9": 2, "hscl10_10": 2}
	s := score(t, l, "hscl10", a)["hscl10"]
	if s.Value == nil || math.Abs(*s.Value-1.9) > 1e-12 || len(s.Cutoffs) != 1 || !s.Cutoffs[0].Met {
		t.Fatalf("HSCL-10 %+v, want 1.9 and mental distress", s)
	}
	// 1.8 is below the cut-off.
	a2 := map[string]float64{"hscl10_1": 1, "hscl10_2": 1, "hscl10_3": 2, "hscl10_4": 2, "hscl10_5": 2, "hscl10_6": 2, "hscl10_7": 2, "hscl10_8": 2, "hscl10_9": 2, "hscl10_10": 2}
	s = score(t, l, "hscl10", a2)["hscl10"]
	if *s.Value != 1.8 || s.Cutoffs[0].Met {
		t.Fatalf("HSCL-10 1.8 must not be mental distress: %+v", s)
	}
	// Eight answered is enough (mean of the eight), seven is not.
	delete(a, "hscl10_9")
	delete(a, "hscl10_10")
	s = score(t, l, "hscl10", a)["hscl10"]
	if s.Value == nil || math.Abs(*s.Value-15.0/8) > 1e-12 || s.Answered != 8 {
		t.Fatalf("8 answered: %+v, want 15/8", s)
	}
	delete(a, "hscl10_8")
	if s := score(t, l, "hscl10", a)["hscl10"]; s.Value != nil {
		t.Fatalf("7 answered must give no score, got %v", *s.Value)
	}
}

func TestWAISubscales(t *testing.T) {
	l := lib(t)
	a := map[string]float64{"wai_1": 4, "wai_2": 3, "wai_3": 2, "wai_4": 1, "wai_5": 0, "wai_6": 4, "wai_7": 3, "wai_8": 2, "wai_9": 1, "wai_10": 0, "wai_11": 4, "wai_12": 3}
	s := score(t, l, "wai_sr", a)
	check := func(id string, want float64) {
		if v := s[id].Value; v == nil || math.Abs(*v-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", id, v, want)
		}
	}
	check("wai", 27.0/12)
	check("wai_goal", (1+4+2+4)/4.0) // items 4, 6, 8, 11
	check("wai_task", (4+3+0+3)/4.0) // items 1, 2, 10, 12
	check("wai_bond", (2+0+3+1)/4.0) // items 3, 5, 7, 9
}

func TestUniversalElementsUseEachItemsOwnScale(t *testing.T) {
	l := lib(t)
	in, _ := l.Instrument("universal_elements")
	var influence Item
	for _, it := range in.Items {
		if it.ID == "ue_participation_7" {
			influence = it
		}
	}
	if sc := l.ScaleOf(in, influence); sc.ID != "influence5" || sc.Labels[4].NB != "Bruker bestemmer mest" {
		t.Fatalf("participation item 7 uses scale %s", sc.ID)
	}
	s := score(t, l, "universal_elements", map[string]float64{"ue_leader_1": 4, "ue_leader_2": 3})
	if v := s["ue_leader"].Value; v == nil || *v != 3.5 {
		t.Fatalf("leader involvement = %v, want 3.5", v)
	}
	if s["ue_relational"].Value != nil {
		t.Fatal("an element with no answers must have no score")
	}
}

func TestBadAnswersNameTheItem(t *testing.T) {
	l := lib(t)
	in, _ := l.Instrument("hscl10")
	for _, tc := range []struct {
		answers map[string]float64
		item    string
	}{
		{map[string]float64{"hscl10_3": 5}, "hscl10_3"},
		{map[string]float64{"hscl10_3": 0}, "hscl10_3"},
		{map[string]float64{"hscl10_4": 2.5}, "hscl10_4"},
		{map[string]float64{"nope": 1}, "nope"},
	} {
		_, err := l.ScoreAnswers(in, tc.answers)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Item != tc.item {
			t.Errorf("answers %v: %v, want an error naming %s", tc.answers, err, tc.item)
		}
	}
	se, _ := l.Instrument("self_efficacy")
	if _, err := l.ScoreAnswers(se, map[string]float64{"se_1": 6}); err != nil {
		t.Fatalf("6 is on the self-efficacy scale: %v", err)
	}
}

func TestReverseCodedItems(t *testing.T) {
	l := &Library{Scales: map[string]Scale{"s": {ID: "s", Min: 0, Max: 4}}, byID: map[string]*Instrument{}}
	in := &Instrument{ID: "x", Version: 1, Name: Text{NB: "x"}, Scale: "s", Source: "test",
		Items:  []Item{{ID: "a", NB: "a"}, {ID: "b", NB: "b", Reverse: true}},
		Scores: []ScoreRule{{ID: "m", Method: "sum", ItemsRaw: "all", MinAnswered: 2, Source: "test"}}}
	if err := l.check(in); err != nil {
		t.Fatal(err)
	}
	s, err := l.ScoreAnswers(in, map[string]float64{"a": 3, "b": 1})
	if err != nil || *s[0].Value != 6 {
		t.Fatalf("reverse-coded sum = %v %v, want 3 + (4-1) = 6", s, err)
	}
}

func TestParentsBaselineSingleItems(t *testing.T) {
	l := lib(t)
	s := score(t, l, "parents_baseline", map[string]float64{"afford_dentist": 1, "afford_pc": 2, "activity": 1, "life_satisfaction": 3, "job_in_a_year": 2})
	check := func(id string, want float64) {
		t.Helper()
		if v := s[id].Value; v == nil || *v != want {
			t.Errorf("%s = %v, want %v", id, v, want)
		}
	}
	check("cannot_afford_dentist", 1) // «har ikke råd»
	check("cannot_afford_pc", 0)      // «av andre grunner» is not «har ikke råd»
	check("seeking_work", 1)
	check("has_work", 0)
	check("life_satisfaction", 3)
	check("believes_job", 0) // «vet ikke»
	if s["health_general"].Value != nil {
		t.Error("an unanswered item must give no score")
	}
	in, _ := l.Instrument("parents_baseline")
	if _, err := l.ScoreAnswers(in, map[string]float64{"children_friends": 4}); err == nil {
		t.Error("children_friends is 0-3; 4 was accepted")
	}
}

func TestParentsBackgroundOfTable1(t *testing.T) {
	l := lib(t)
	s := score(t, l, "parents_background", map[string]float64{"gender": 1, "birth_year": 1978, "marital": 2, "education": 3, "guidance": 1, "born_norway": 0, "arrival_year": 2005})
	want := map[string]float64{"female": 1, "married": 0, "born_norway": 0, "education_beyond_compulsory": 1, "guidance_two_plus": 0}
	for id, w := range want {
		if v := s[id].Value; v == nil || *v != w {
			t.Errorf("%s = %v, want %v", id, v, w)
		}
	}
	in, _ := l.Instrument("parents_background")
	// A year is a number on its own range, not a label.
	for _, bad := range []map[string]float64{{"birth_year": 1850}, {"arrival_year": 2030}, {"children": 0}} {
		_, err := l.ScoreAnswers(in, bad)
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Errorf("%v accepted", bad)
		}
	}
	if sc := l.ScaleOf(in, in.Items[1]); !sc.Number {
		t.Error("birth year should be answered as a number")
	}
}

func TestDefaultStudy(t *testing.T) {
	l := lib(t)
	st, err := DefaultStudy(l)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := st.Questionnaire("T1", GroupParents)
	if !ok {
		t.Fatal("no T1 questionnaire for parents")
	}
	pages := q.Pages(l)
	n := 0
	for _, p := range pages {
		if len(p.Questions) > q.PageSize {
			t.Errorf("page %d has %d items", p.Number, len(p.Questions))
		}
		n += len(p.Questions)
	}
	if want := 8 + 24 + 6 + 10 + 12; n != want {
		t.Errorf("T1 parents: %d questions, want %d", n, want)
	}
	// The background is asked once, at baseline.
	if q2, _ := st.Questionnaire("T2", GroupParents); q2.Check(l) != nil || len(q2.Sections) != 4 {
		t.Error("T2 parents questionnaire")
	}
	// Each wave gets its own wording of Table 6.
	c2, _ := st.Questionnaire("T2", GroupCoordinators)
	var exp Question
	for _, qu := range c2.Questions(l) {
		if qu.Item.ID == "exp_work" {
			exp = qu
		}
	}
	if exp.NB != "I hvilken grad mener du at prosjektet får foreldre ut i arbeid?" {
		t.Errorf("T2 wording of exp_work: %q", exp.NB)
	}
	bad := Questionnaire{Wave: "T2", Group: GroupParents, PageSize: 4, ValidDays: 1, Sections: []Section{{Instrument: "parents_background"}}}
	if err := bad.Check(l); err == nil {
		t.Error("the background (T1 only) was accepted at T2")
	}
	dup := Questionnaire{Wave: "T1", Group: GroupParents, PageSize: 4, ValidDays: 1, Sections: []Section{{Instrument: "hscl10"}, {Instrument: "hscl10"}}}
	if err := dup.Check(l); err == nil {
		t.Error("an instrument twice was accepted")
	}
}
