package trial

import (
	"strconv"
	"strings"
	"testing"
)

// A list of six with a target of three: positions 1–3 are the first draw,
// 4–6 replacements, each taking the place of the next family in the order
// who was lost, a lost replacement replaced in turn.
func TestReplacements(t *testing.T) {
	list := func(outcomes ...Recruitment) []Target {
		ts := make([]Target, len(outcomes))
		for i, o := range outcomes {
			ts[i] = Target{Position: i + 1, Outcome: o}
		}
		return ts
	}
	cases := []struct {
		name     string
		ts       []Target
		replaces []int // per position; -1 not a replacement
	}{
		{"none lost", list(RecruitRecruited, RecruitRecruited, RecruitRecruited, RecruitWaiting), []int{-1, -1, -1, -1}},
		{"two lost, one replaced so far", list(RecruitDeclined, RecruitRecruited, RecruitNotReached, RecruitRecruited, RecruitWaiting), []int{-1, -1, -1, 1, -1}},
		{"a lost replacement replaced", list(RecruitRecruited, RecruitIneligible, RecruitRecruited, RecruitDeclined, RecruitRecruited), []int{-1, -1, -1, 2, 4}},
		{"past the target", list(RecruitRecruited, RecruitRecruited, RecruitRecruited, RecruitRecruited), []int{-1, -1, -1, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// An excluded family (no position) is never drawn or replaced.
			ts := append(c.ts, Target{Outcome: RecruitExcluded})
			Replacements(ts, 3)
			for i, want := range c.replaces {
				got := ts[i]
				if want < 0 && got.Replacement || want >= 0 && (!got.Replacement || got.Replaces != want) {
					t.Errorf("position %d: replacement %v replaces %d, want %d", got.Position, got.Replacement, got.Replaces, want)
				}
			}
			if x := ts[len(ts)-1]; x.Replacement {
				t.Errorf("the excluded family is marked a replacement")
			}
		})
	}
}

// Every bad row is reported with its row and column, and none comes back.
func TestParseTargetsReportsEveryRow(t *testing.T) {
	in := "\ufeffReference,name,children,criterion,register_declined\n" +
		"A1,Kari,2,assistance,\n" +
		"A1,Ola,0,regular,kanskje\n" +
		",Per,x,nope,no\n" +
		"B2,Lise,1,aap,ja\n"
	ts, bad, err := ParseTargets(strings.NewReader(in), map[string]bool{"B2": true})
	if err != nil || ts != nil {
		t.Fatalf("rows %v err %v, want none", ts, err)
	}
	want := []string{"3 reference duplicate_row", "3 children children_range", "3 register_declined yes_no",
		"4 reference required", "4 children not_number", "4 criterion criterion", "5 reference already_listed"}
	var got []string
	for _, b := range bad {
		got = append(got, strings.Join([]string{strconv.Itoa(b.Row), b.Column, b.Reason}, " "))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rejected\n %v\nwant\n %v", got, want)
	}
	ok, bad, _ := ParseTargets(strings.NewReader("reference,name,children,criterion,register_declined\nA1,Kari,2,assistance,\nA2,Ola,3,regular,ja\n"), nil)
	if len(bad) != 0 || len(ok) != 2 || ok[1].Outcome != RecruitExcluded || !ok[1].RegisterDeclined {
		t.Errorf("good list: %+v %v", ok, bad)
	}
}
