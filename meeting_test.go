package holf

import (
	"strings"
	"testing"
	"time"
)

func meetingFamily() *Family {
	return &Family{ID: 1, OfficeID: 1, Members: []Member{{ID: 10, Role: MemberParent, Name: "Hodan"}, {ID: 11, Role: MemberChild, Name: "Ayaan"}}}
}

func validMeeting(now time.Time) Meeting {
	return Meeting{FamilyID: 1, Kind: MeetingFollowUp, Status: MeetingPlanned, Channel: ChannelOffice, StartsAt: now.Add(24 * time.Hour), Minutes: 45,
		LeadID: 5, Participants: []Participant{{Kind: ParticipantMember, MemberID: 10}, {Kind: ParticipantCoordinator, PersonID: 5}}}
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := AsError(err); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Key
		}
	}
	return out
}

func TestMeetingValidate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	plan := Plan{Goals: []Goal{{ID: 7, Title: "Jobb"}}}
	areas := []TargetArea{AreaWork, AreaHousing}
	m := validMeeting(now)
	if err := m.Validate(meetingFamily(), areas, plan, []int64{5}, now); err != nil {
		t.Fatalf("a valid meeting: %v", err)
	}
	if m.FGEVersion != CurrentFGE().Version || m.Participants[0].Attendance != AttendanceExpected {
		t.Fatalf("defaults not set: %+v", m)
	}
	cases := []struct {
		name  string
		edit  func(*Meeting)
		field string
		key   string
	}{
		{"no kind", func(m *Meeting) { m.Kind = "" }, "kind", "err.required"},
		{"no date", func(m *Meeting) { m.StartsAt = time.Time{} }, "date", "err.required"},
		{"held in the future", func(m *Meeting) { m.Status = MeetingHeld; m.Participants[0].Attendance = AttendanceAttended }, "date", "err.held_in_future"},
		{"held, nobody came", func(m *Meeting) { m.Status = MeetingHeld; m.StartsAt = now.Add(-time.Hour) }, "participants", "err.held_nobody_attended"},
		{"too short", func(m *Meeting) { m.Minutes = 2 }, "minutes", "err.minutes_range"},
		{"nobody", func(m *Meeting) { m.Participants = nil }, "participants", "err.no_participants"},
		{"stranger", func(m *Meeting) { m.Participants[0].MemberID = 99 }, "participants.0", "err.member_unknown"},
		{"parent heard as a child", func(m *Meeting) { m.Participants[0].ChildHeard = true }, "participants.0.child_heard", "err.child_heard_child_only"},
		{"twice", func(m *Meeting) {
			m.Participants = append(m.Participants, Participant{Kind: ParticipantMember, MemberID: 10})
		}, "participants.2", "err.participant_twice"},
		{"another office's coordinator", func(m *Meeting) { m.Participants[1].PersonID = 6 }, "participants.1", "err.not_coordinator_here"},
		{"unknown principle", func(m *Meeting) { m.Prep.Principles = []string{"goals", "obey"} }, "prep_principles", "err.fge_unknown"},
		{"supervision without a topic", func(m *Meeting) { m.Reflection.Supervision = true }, "refl_supervision_topic", "err.supervision_topic"},
		{"reflection before the meeting", func(m *Meeting) { m.Reflection.Open = "Bra møte" }, "refl_open", "err.reflection_before_meeting"},
		{"topic without a title", func(m *Meeting) { m.Agenda = []AgendaTopic{{Proposer: ProposerFamily, Notes: "x"}} }, "agenda.0.title", "err.required"},
		{"topic of another plan's goal", func(m *Meeting) { m.Agenda = []AgendaTopic{{Proposer: ProposerFamily, Title: "x", GoalID: 8}} }, "agenda.0.goal", "err.goal_unknown"},
		{"topic in an area the office does not use", func(m *Meeting) { m.Agenda = []AgendaTopic{{Proposer: ProposerFamily, Title: "x", Area: AreaHealth}} }, "agenda.0.area", "err.area"},
		{"control characters", func(m *Meeting) { m.Prep.MainTopic = "a\x07b" }, "prep_main_topic", "err.control_chars"},
		{"too long", func(m *Meeting) { m.Exec.Plan = strings.Repeat("x", MaxMeetingText+1) }, "exec_plan", "err.too_long"},
	}
	for _, c := range cases {
		m := validMeeting(now)
		c.edit(&m)
		got := fieldsOf(m.Validate(meetingFamily(), areas, plan, []int64{5}, now))
		if got[c.field] != c.key {
			t.Errorf("%s: field errors %v, want %s: %s", c.name, got, c.field, c.key)
		}
	}
	// Check-list choices are kept once each, in the catalog's order.
	m = validMeeting(now)
	m.Prep.Principles = []string{"goals", "acknowledge", "goals"}
	if err := m.Validate(meetingFamily(), areas, plan, []int64{5}, now); err != nil || strings.Join(m.Prep.Principles, ",") != "acknowledge,goals" {
		t.Fatalf("principles %v, %v", m.Prep.Principles, err)
	}
}

func TestMeetingStage(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m := validMeeting(now)
	if s := m.Stage(now); s != StagePlanned {
		t.Fatalf("new meeting: %s", s)
	}
	m.Prep.Purpose = "Bli kjent"
	if s := m.Stage(now); s != StagePrepared {
		t.Fatalf("prepared: %s", s)
	}
	// As soon as it has ended, the reflection is asked for.
	if s := m.Stage(m.End().Add(time.Minute)); s != StageReflect {
		t.Fatalf("over: %s", s)
	}
	m.Status = MeetingHeld
	m.Reflection.Open = "Godt møte."
	if s := m.Stage(now); s != StageReflected {
		t.Fatalf("reflected: %s", s)
	}
	m.Status = MeetingCancelled
	if s := m.Stage(now); s != StageNotHeld {
		t.Fatalf("cancelled: %s", s)
	}
}

func TestCarriedTopics(t *testing.T) {
	m := Meeting{Agenda: []AgendaTopic{{ID: 1, Title: "Jobb", Outcome: TopicDiscussed}, {ID: 2, Title: "Bolig", Area: AreaHousing, Outcome: TopicNotReached}}}
	c := m.Carried()
	if len(c) != 1 || c[0].Title != "Bolig" || c[0].CarriedFrom != 2 || c[0].ID != 0 || c[0].Outcome != TopicOpen || c[0].Area != AreaHousing {
		t.Fatalf("carried %+v", c)
	}
}

func TestSimilarityFlagsCopiesOnly(t *testing.T) {
	a := "Mor var engasjert og fortalte om jobbsøkingen. Vi brukte Meny-agenda og ble enige om tre tema. Barna var på skolen."
	copied := strings.Replace(a, "tre tema", "to tema", 1)
	honest := "Far kom alene i dag. Vi snakket mest om husleien og en regning fra kemner. Han ønsket hjelp til budsjett."
	if s := Similarity(a, a); s != 1 {
		t.Fatalf("same text: %v", s)
	}
	if s := Similarity(a, strings.ToUpper(a)); s != 1 {
		t.Fatalf("case folded: %v", s)
	}
	if s := Similarity(a, copied); s < CopyThreshold {
		t.Fatalf("a copy with one word changed scores %v, below the threshold %v", s, CopyThreshold)
	}
	if s := Similarity(a, honest); s > 0.2 {
		t.Fatalf("two honest reflections score %v", s)
	}
	if s := Similarity("", a); s != 0 {
		t.Fatalf("empty: %v", s)
	}
}

func TestFGECatalog(t *testing.T) {
	c := CurrentFGE()
	if len(c.Principles) != 5 || len(c.Tools) != 5 || len(c.Forms) != 3 {
		t.Fatalf("catalog %d principles, %d tools, %d forms", len(c.Principles), len(c.Tools), len(c.Forms))
	}
	for _, list := range [][]FGEItem{c.Forms, c.Tools, c.Principles} {
		for _, it := range list {
			if it.NB == "" || it.EN == "" || it.Text("en") != it.EN || it.Text("nb") != it.NB {
				t.Errorf("item %q lacks a wording", it.Key)
			}
		}
	}
	if FGE(999) != c || FGE(c.Version) != c {
		t.Fatal("an unknown version falls back to the current one")
	}
}

func TestContactValidate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ok := Contact{Kind: ContactSMS, MemberID: 10, At: now, Minutes: 2, Note: "Minnet om møtet"}
	if err := ok.Validate(meetingFamily(), now); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		c     Contact
		field string
	}{
		"no kind":        {Contact{At: now}, "kind"},
		"in the future":  {Contact{Kind: ContactCall, At: now.Add(time.Hour)}, "at"},
		"no time":        {Contact{Kind: ContactCall}, "at"},
		"stranger":       {Contact{Kind: ContactCall, At: now, MemberID: 99}, "member"},
		"two lines":      {Contact{Kind: ContactCall, At: now, Note: "a\nb"}, "note"},
		"a day of phone": {Contact{Kind: ContactCall, At: now, Minutes: 600}, "minutes"},
	} {
		if got := fieldsOf(c.c.Validate(meetingFamily(), now)); got[c.field] == "" {
			t.Errorf("%s: %v, want an error on %s", name, got, c.field)
		}
	}
	if ContactCallMissed.Reached() || !ContactSMS.Reached() {
		t.Fatal("a missed call does not reach the family")
	}
}
