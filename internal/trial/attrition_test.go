package trial

import (
	"reflect"
	"testing"
)

// Table 5 by hand: who answered at T1 only, at both waves, at T2 only, in
// each arm and together, counting a person once across outcomes.
func TestAttrition(t *testing.T) {
	obs := func(person string, intervention bool, waves ...int) []Observation {
		var out []Observation
		for _, w := range waves {
			out = append(out, Observation{Person: person, Intervention: intervention, Wave: w, Office: 1})
		}
		return out
	}
	var a, b []Observation
	a = append(a, obs("k1", true, 0, 1)...)
	a = append(a, obs("k2", true, 0)...)
	a = append(a, obs("k3", false, 0, 1)...)
	b = append(b, obs("k2", true, 1)...) // k2 answered T2 on another scale: both waves
	b = append(b, obs("k4", false, 1)...)
	b = append(b, obs("k5", false, 0)...)
	got := Attrition([]Outcome{{Group: "coordinators", ID: "x", Obs: a}, {Group: "coordinators", ID: "y", Obs: b}, {Group: "parents", ID: "z", Obs: obs("p1", true, 0)}})
	want := []Retention{
		{Group: "coordinators", Arm: "intervention", T1: 2, Both: 2},
		{Group: "coordinators", Arm: "comparison", T1: 2, Both: 1, OnlyT1: 1, OnlyT2: 1},
		{Group: "coordinators", Arm: "all", T1: 4, Both: 3, OnlyT1: 1, OnlyT2: 1},
		{Group: "parents", Arm: "intervention", T1: 1, OnlyT1: 1},
		{Group: "parents", Arm: "comparison"},
		{Group: "parents", Arm: "all", T1: 1, OnlyT1: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attrition\n %+v\nwant\n %+v", got, want)
	}
	if s := want[2].Share(want[2].Both); s != 0.75 {
		t.Errorf("share %v", s)
	}
}
