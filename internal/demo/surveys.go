package demo

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// categorical gives the answer shares of items that are choices rather
// than positions on a scale, after Tables 1, 2 and 4 of the interim report
// (e.g. 30 % cannot afford a PC, over 40 % home insurance, over 70 % the
// dentist; 71.5 % women, 56 % married or cohabiting, 51 % beyond compulsory
// school, 20 % two or more guidance sessions).
var categorical = map[string][]float64{
	"afford_pc":         {0.62, 0.29, 0.09},
	"afford_insurance":  {0.52, 0.42, 0.06},
	"afford_dentist":    {0.25, 0.71, 0.04},
	"afford_birthday":   {0.62, 0.33, 0.05},
	"afford_leisure":    {0.45, 0.5, 0.05},
	"has_mortgage":      {0.96, 0.04},
	"has_consumer_loan": {0.78, 0.22},
	"has_credit_card":   {0.72, 0.28},
	"activity":          {0.12, 0.38, 0.2, 0.18, 0.12},
	"job_in_a_year":     {0.2, 0.45, 0.35},
	"chronic_illness":   {0.62, 0.38},
	"children_friends":  {0.1, 0.2, 0.25, 0.45},
	"gender":            {0.715, 0.285},
	"marital":           {0.561, 0.419, 0.02},
	"education":         {0.489, 0.33, 0.181},
	"guidance":          {0.35, 0.45, 0.12, 0.08},
}

// level is each instrument's typical position on its scale (0 = bottom, 1 =
// top), guided by the baseline means of Tables 3 and 4: HSCL-10 about 1.9 of
// 1-4, working alliance and the universal elements about 3 of 0-4,
// self-efficacy about 4.3 of 0-6.
var level = map[string]float64{
	"hscl10": 0.3, "wai_sr": 0.72, "work_involvement": 0.74, "parents_baseline": 0.5,
	"universal_elements": 0.72, "self_efficacy": 0.7, "expectations": 0.6,
}

// effect is the demo's built-in arm × time effect: intervention
// coordinators move up this much (share of the scale) from T1 to T2, so
// that the analysis has something to find (the report: goal-oriented work
// p = .002, working alliance p = .021, relational skills p = .063).
var effect = map[string]float64{"goal_oriented": 0.1, "relational": 0.05, "self_efficacy": 0.05}

func draw(rng *rand.Rand, shares []float64) int {
	u, acc := rng.Float64(), 0.0
	for i, s := range shares {
		acc += s
		if u < acc {
			return i
		}
	}
	return len(shares) - 1
}

// respondentState is what stays the same for a person across waves.
type respondentState struct {
	base map[string]float64 // per instrument
	bg   survey.Answers
}

func answerQuestionnaire(rng *rand.Rand, lib *survey.Library, q *survey.Questionnaire, r store.RespondentRef, st *respondentState, arm holf.Arm, wave int) survey.Answers {
	a := survey.Answers{}
	for _, qu := range q.Questions(lib) {
		in, it, sc := qu.Instrument.ID, qu.Item, qu.Scale
		if v, ok := st.bg[in][it.ID]; ok {
			a.Set(in, it.ID, v)
			continue
		}
		if rng.Float64() < 0.03 {
			continue // a skipped question
		}
		var v float64
		if shares, ok := categorical[it.ID]; ok {
			v = float64(sc.Min + draw(rng, shares)) // shares[i] is the share of answer Min+i
		} else {
			p := st.base[in]
			if arm == holf.ArmIntervention && wave == 1 {
				p += effect[it.Element] + effect[in]
			}
			if it.Reverse {
				p = 1 - p
			}
			x := float64(sc.Min) + (p+rng.NormFloat64()*0.12)*float64(sc.Max-sc.Min)
			v = math.Round(math.Min(math.Max(x, float64(sc.Min)), float64(sc.Max)))
		}
		a.Set(in, it.ID, v)
	}
	return a
}

// background answers Table 1 from the family record where it can.
func background(rng *rand.Rand, r store.RespondentRef) survey.Answers {
	a := survey.Answers{}
	set := func(item string, v int) { a.Set("parents_background", item, float64(v)) }
	set("gender", 1+draw(rng, categorical["gender"]))
	set("marital", 1+draw(rng, categorical["marital"]))
	set("education", 1+draw(rng, categorical["education"]))
	set("guidance", draw(rng, categorical["guidance"]))
	if r.BirthYear >= 1920 && r.BirthYear <= 2012 {
		set("birth_year", r.BirthYear)
	}
	if r.Children > 0 && rng.Float64() > 0.22 { // the report: 22 % left it out
		set("children", min(r.Children, 15))
	}
	if r.CountryOfBirth == "Norge" {
		set("born_norway", 1)
	} else {
		set("born_norway", 0)
		set("arrival_year", min(2016, max(r.BirthYear+1, 2005+int(rng.NormFloat64()*6))))
	}
	return a
}

// surveys installs the study, enrols everyone and adds T1 and T2 answers:
// parents answer at baseline and about 12 months later, with attrition;
// coordinators as in Table 5 (58 at T1, 45 at both, 13 only at T1, and
// those who joined later only at T2). At national scale (parents false)
// parents are enrolled, so that every family has its study code, but
// answer nothing: their answers would be some 20 million rows.
func (b *builder) surveys(ctx context.Context, rng *rand.Rand, officeIDs []int64, arms map[int64]holf.Arm, joined map[int64]bool, left map[int64]bool, parents bool, now time.Time) (int, error) {
	lib := b.a.Library()
	st, err := b.a.Surveys.Install(ctx, b.actor, nil)
	if err != nil {
		return 0, err
	}
	installed, err := b.a.Surveys.Study(ctx, st.Code)
	if err != nil {
		return 0, err
	}
	studyID := installed.ID
	for _, o := range officeIDs {
		for _, g := range []string{survey.GroupCoordinators, survey.GroupParents} {
			if err := b.im.Enrol(ctx, b.actor, studyID, o, g, purpose); err != nil {
				return 0, err
			}
		}
	}
	refs, err := b.im.Respondents(ctx, b.actor, studyID)
	if err != nil {
		return 0, err
	}
	t1, t2 := now.AddDate(-1, -2, 0), now.AddDate(0, -2, 0)
	var out []store.ImportedResponse
	for _, r := range refs {
		state := &respondentState{base: map[string]float64{}}
		// In a fixed order: the noise each instrument gets must not depend
		// on the map's, or a seed would not give the same demo twice.
		for _, in := range slices.Sorted(maps.Keys(level)) {
			state.base[in] = level[in] + rng.NormFloat64()*0.1
		}
		if r.Group == survey.GroupParents && !parents {
			continue
		}
		var waves [2]bool
		if r.Group == survey.GroupParents {
			state.bg = background(rng, r)
			waves[0] = rng.Float64() < 0.85
			waves[1] = waves[0] && rng.Float64() < 0.75 || !waves[0] && rng.Float64() < 0.2
		} else {
			waves = [2]bool{!joined[r.PersonID], !left[r.PersonID]}
		}
		for w, code := range []string{"T1", "T2"} {
			q, err := installed.Questionnaire(code, r.Group)
			if err != nil {
				return 0, err
			}
			start := []time.Time{t1, t2}[w].Add(time.Duration(rng.IntN(20*24)) * time.Hour)
			resp := store.ImportedResponse{QuestionnaireID: q.ID, RespondentID: r.ID, Mode: "web", Lang: "nb", InvitedAt: start,
				ExpiresAt: start.AddDate(0, 0, q.Def.ValidDays)}
			switch {
			case waves[w]:
				resp.StartedAt = start.Add(time.Duration(rng.IntN(72)+1) * time.Hour)
				resp.SubmittedAt = resp.StartedAt.Add(time.Duration(rng.IntN(40)+5) * time.Minute)
				if rng.Float64() < 0.3 {
					resp.Reminders = 1
				}
				if r.Group == survey.GroupParents && rng.Float64() < 0.12 {
					resp.Mode = "paper"
				}
				resp.Answers = answerQuestionnaire(rng, lib, q.Def, r, state, arms[r.OfficeID], w)
			case r.Group == survey.GroupParents && rng.Float64() < 0.5:
				// Invited and never answered, or started and left: tracking
				// has people to remind.
				resp.Reminders = rng.IntN(2)
			default:
				continue
			}
			out = append(out, resp)
		}
	}
	return len(out), b.im.Responses(ctx, b.actor, installed, out, purpose)
}
