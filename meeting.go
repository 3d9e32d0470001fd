package holf

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// MeetingKind is what a meeting is for (seed 003, §6.1: the FGE form is used
// from the first information meeting through the whole follow-up, and in
// the collaboration meetings the coordinator leads).
type MeetingKind string

const (
	MeetingInformation   MeetingKind = "information"
	MeetingMapping       MeetingKind = "mapping"
	MeetingFollowUp      MeetingKind = "follow_up"
	MeetingHomeVisit     MeetingKind = "home_visit"
	MeetingCollaboration MeetingKind = "collaboration"
	MeetingOther         MeetingKind = "other"
)

// MeetingKinds lists the kinds in the order forms show them.
var MeetingKinds = []MeetingKind{MeetingFollowUp, MeetingMapping, MeetingInformation, MeetingHomeVisit, MeetingCollaboration, MeetingOther}

// Valid reports whether k is a known kind.
func (k MeetingKind) Valid() bool { return slices.Contains(MeetingKinds, k) }

// MeetingStatus is whether a meeting took place. Prepared and reflected on
// are not statuses: they are what the FGE form holds (see Stage).
type MeetingStatus string

const (
	MeetingPlanned   MeetingStatus = "planned"
	MeetingHeld      MeetingStatus = "held"
	MeetingCancelled MeetingStatus = "cancelled"
	MeetingMissed    MeetingStatus = "missed" // the family did not come
	MeetingPostponed MeetingStatus = "postponed"
)

// MeetingStatuses lists the statuses.
var MeetingStatuses = []MeetingStatus{MeetingPlanned, MeetingHeld, MeetingCancelled, MeetingMissed, MeetingPostponed}

// Valid reports whether s is a known status.
func (s MeetingStatus) Valid() bool { return slices.Contains(MeetingStatuses, s) }

// Channel is where or how a meeting or contact takes place.
type Channel string

const (
	ChannelOffice Channel = "office"
	ChannelHome   Channel = "home"
	ChannelPhone  Channel = "phone"
	ChannelVideo  Channel = "video"
	ChannelOther  Channel = "other"
)

// Channels lists the channels.
var Channels = []Channel{ChannelOffice, ChannelHome, ChannelPhone, ChannelVideo, ChannelOther}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// ParticipantKind says who a participant is.
type ParticipantKind string

const (
	ParticipantMember      ParticipantKind = "member"      // a member of the family
	ParticipantCoordinator ParticipantKind = "coordinator" // a family coordinator (a HOLF account)
	ParticipantColleague   ParticipantKind = "colleague"   // a NAV colleague, by name and role
	ParticipantPartner     ParticipantKind = "partner"     // a partner service of the office's actor list
)

// Attendance is whether a participant came.
type Attendance string

const (
	AttendanceExpected Attendance = "expected"
	AttendanceAttended Attendance = "attended"
	AttendanceAbsent   Attendance = "absent"
)

// Attendances lists the attendance values.
var Attendances = []Attendance{AttendanceExpected, AttendanceAttended, AttendanceAbsent}

// Valid reports whether a is a known value.
func (a Attendance) Valid() bool { return slices.Contains(Attendances, a) }

// Participant is one person in a meeting. One meeting holds every member
// who takes part: it is never copied per person.
type Participant struct {
	Kind       ParticipantKind
	MemberID   int64  // ParticipantMember
	PersonID   int64  // ParticipantCoordinator
	Name       string // ParticipantColleague: name and role, e.g. "Kari Berg, arbeidsveileder"; ParticipantPartner: the contact person
	PartnerID  int64  // ParticipantPartner
	Attendance Attendance
	// ChildHeard records, for a child, that the child took part or was
	// heard (barnets stemme), even when not in the room.
	ChildHeard bool
}

// Preparation is the FGE form's first part.
type Preparation struct {
	Purpose    string
	MainTopic  string
	SubTopics  string
	Forms      []string // keys of the catalog's forms
	Tools      []string // conversation tools
	Principles []string // guidance principles
}

// Empty reports whether nothing of the preparation is filled in.
func (p Preparation) Empty() bool {
	return p.Purpose == "" && p.MainTopic == "" && p.SubTopics == "" && len(p.Forms)+len(p.Tools)+len(p.Principles) == 0
}

// Execution is the FGE form's second part: the plan of the meeting.
type Execution struct {
	Plan      string
	Questions string
}

// Empty reports whether the part is blank.
func (e Execution) Empty() bool { return e.Plan == "" && e.Questions == "" }

// Reflection is the FGE form's third part, the coordinator's own learning
// notes. Coordinators asked for one open field instead of the detailed
// questions (seed 003, §6.4): Open may replace the other four.
type Reflection struct {
	WhatHappened   string
	Participation  string // how each party took part
	FamilyFeedback string
	ToolsWorked    string // how the chosen tools and principles worked
	Open           string
	// Supervision marks something to take to supervision; Topic says what.
	Supervision      bool
	SupervisionTopic string
	// Shared lets the office leader and training support read the text,
	// for supervision or review; otherwise they see only that it exists.
	Shared bool
}

// Empty reports whether no reflection is written (a topic marked for
// supervision counts as one).
func (r Reflection) Empty() bool { return strings.TrimSpace(r.Text()) == "" && !r.Supervision }

// Text is the reflection's written content, for comparison and search.
func (r Reflection) Text() string {
	return strings.Join([]string{r.WhatHappened, r.Participation, r.FamilyFeedback, r.ToolsWorked, r.Open}, "\n")
}

// Proposer says who put a topic on the Menu agenda.
type Proposer string

const (
	ProposerFamily      Proposer = "family"
	ProposerCoordinator Proposer = "coordinator"
)

// TopicOutcome is what became of an agenda topic.
type TopicOutcome string

const (
	TopicOpen       TopicOutcome = "open"        // not yet discussed
	TopicDiscussed  TopicOutcome = "discussed"   // dealt with in the meeting
	TopicNotReached TopicOutcome = "not_reached" // carries over to the next meeting
)

// TopicOutcomes lists the outcomes.
var TopicOutcomes = []TopicOutcome{TopicOpen, TopicDiscussed, TopicNotReached}

// Valid reports whether o is a known outcome.
func (o TopicOutcome) Valid() bool { return slices.Contains(TopicOutcomes, o) }

// AgendaTopic is one circle of the Menu agenda (seed 003, §6.2): a topic
// the family or the coordinator proposes, linked where it fits to a target
// area or a plan goal, with the agreed priority and time, and the minutes.
type AgendaTopic struct {
	ID          int64
	Proposer    Proposer
	Title       string
	Area        TargetArea // "" when none
	GoalID      int64      // 0 when none
	Priority    int        // 1 first; 0 not prioritised
	Minutes     int        // time agreed, 0 when none
	Notes       string     // what was said and agreed
	Outcome     TopicOutcome
	CarriedFrom int64 // the topic of an earlier meeting this one carries over
}

// Meeting is one meeting with a family (or about it, with partners), one
// record through its whole life: planned, prepared, held or not, reflected
// on, with follow-up tasks in the plan.
type Meeting struct {
	ID                  int64
	FamilyID            int64
	Kind                MeetingKind
	Status              MeetingStatus
	StatusNote          string // why it was cancelled, missed or postponed
	StartsAt            time.Time
	Minutes             int // duration
	Channel             Channel
	Place               string
	InterpreterLanguage string // "" when no interpreter was used
	// NeedOn is the day a collaboration meeting's need was registered: the
	// model wants it held within CollaborationDays of that.
	NeedOn       time.Time
	Participants []Participant
	LeadID       int64 // the coordinator who leads it and writes its FGE form
	FGEVersion   int
	Prep         Preparation
	Exec         Execution
	Reflection   Reflection
	ReflectedAt  time.Time
	ReflectedBy  int64 // who wrote the reflection
	// SimilarTo is an earlier meeting whose reflection this one's nearly
	// repeats, with the Similarity (0-1): flagged, never refused.
	SimilarTo  int64
	Similarity float64
	Agenda     []AgendaTopic
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// End is when the meeting is over.
func (m *Meeting) End() time.Time { return m.StartsAt.Add(time.Duration(m.Minutes) * time.Minute) }

// Stage is where a meeting is in its life, for lists and the start page.
type Stage string

const (
	StagePlanned   Stage = "planned"   // planned, no preparation yet
	StagePrepared  Stage = "prepared"  // planned with its preparation
	StageReflect   Stage = "reflect"   // held or over, after-reflection outstanding
	StageReflected Stage = "reflected" // held and reflected on
	StageNotHeld   Stage = "not_held"  // cancelled, missed or postponed
)

// Stage says where m is at instant now. A planned meeting whose time is
// past asks for its after-reflection as soon as it has ended.
func (m *Meeting) Stage(now time.Time) Stage {
	switch m.Status {
	case MeetingCancelled, MeetingMissed, MeetingPostponed:
		return StageNotHeld
	case MeetingHeld:
		if m.Reflection.Empty() {
			return StageReflect
		}
		return StageReflected
	}
	if !m.Reflection.Empty() {
		return StageReflected
	}
	if !m.End().After(now) {
		return StageReflect
	}
	if m.Prep.Empty() {
		return StagePlanned
	}
	return StagePrepared
}

// CollaborationDays is how soon after its need a collaboration meeting
// should be held (seed 003, §8.4: on short notice).
const CollaborationDays = 14

// Late reports whether a collaboration meeting is (to be) held more than
// CollaborationDays after its need was registered.
func (m *Meeting) Late() bool {
	return m.Kind == MeetingCollaboration && !m.NeedOn.IsZero() && !m.StartsAt.IsZero() &&
		day(m.StartsAt).After(m.NeedOn.AddDate(0, 0, CollaborationDays))
}

// Partners lists the partner services taking part.
func (m *Meeting) Partners() []int64 {
	var out []int64
	for _, p := range m.Participants {
		if p.Kind == ParticipantPartner {
			out = append(out, p.PartnerID)
		}
	}
	return out
}

// Categories is what information a meeting with partners shares: the
// categories of its agenda topics' target areas, and the family plan.
func (m *Meeting) Categories() []ConsentCategory {
	out := []ConsentCategory{CategoryPlan}
	for _, t := range m.Agenda {
		if t.Area != "" && !slices.Contains(out, AreaCategory(t.Area)) {
			out = append(out, AreaCategory(t.Area))
		}
	}
	return out
}

// HasMember reports whether member id takes part.
func (m *Meeting) HasMember(id int64) bool {
	return slices.ContainsFunc(m.Participants, func(p Participant) bool { return p.Kind == ParticipantMember && p.MemberID == id })
}

// Limits of a meeting's fields.
const (
	MaxMeetingText  = 4000 // each part of the FGE form
	MaxMeetingShort = 300  // purpose, main topic, place, status note
	MaxMeetingMins  = 600
	MaxAgendaTopics = 20
)

// Validate checks m against its family f, the office's target areas, the
// family's plan p, and now. coordinators are the coordinators of the
// family's office (by id) who may take part and lead.
func (m *Meeting) Validate(f *Family, areas []TargetArea, p Plan, coordinators []int64, now time.Time) error {
	var v Validation
	if !m.Kind.Valid() {
		v.Add("kind", "err.required")
	}
	if !m.Status.Valid() {
		v.Add("status", "err.status")
	}
	if !m.Channel.Valid() {
		v.Add("channel", "err.required")
	}
	switch {
	case m.StartsAt.IsZero():
		v.Add("date", "err.required")
	case m.StartsAt.Year() < 2000 || m.StartsAt.Year() > 2100:
		v.Add("date", "err.date_range", 2000, 2100)
	case m.Status == MeetingHeld && m.StartsAt.After(now):
		v.Add("date", "err.held_in_future")
	}
	if m.Minutes < 5 || m.Minutes > MaxMeetingMins {
		v.Add("minutes", "err.minutes_range", 5, MaxMeetingMins)
	}
	m.Place = strings.TrimSpace(m.Place)
	checkText(&v, "place", m.Place, 0, MaxMeetingShort)
	m.StatusNote = strings.TrimSpace(m.StatusNote)
	checkMultiline(&v, "status_note", m.StatusNote, 0, MaxMeetingShort)
	m.InterpreterLanguage = strings.TrimSpace(m.InterpreterLanguage)
	checkText(&v, "interpreter_language", m.InterpreterLanguage, 0, 100)
	if m.LeadID != 0 && !slices.Contains(coordinators, m.LeadID) {
		v.Add("lead", "err.not_coordinator_here")
	}
	switch {
	case m.Kind != MeetingCollaboration:
		m.NeedOn = time.Time{}
	case m.NeedOn.After(day(now)):
		v.Add("need_on", "err.date_future")
	case !m.NeedOn.IsZero() && !m.StartsAt.IsZero() && m.NeedOn.After(m.StartsAt):
		v.Add("need_on", "err.need_after_meeting")
	}
	m.validateParticipants(&v, f, coordinators)
	c := FGE(m.FGEVersion)
	m.FGEVersion = c.Version
	m.Prep.validate(&v, c)
	m.Exec.Plan, m.Exec.Questions = strings.TrimSpace(m.Exec.Plan), strings.TrimSpace(m.Exec.Questions)
	checkMultiline(&v, "exec_plan", m.Exec.Plan, 0, MaxMeetingText)
	checkMultiline(&v, "exec_questions", m.Exec.Questions, 0, MaxMeetingText)
	m.Reflection.validate(&v)
	if !m.Reflection.Empty() && m.Status != MeetingHeld && m.StartsAt.After(now) {
		v.Add("refl_open", "err.reflection_before_meeting")
	}
	m.validateAgenda(&v, areas, p)
	return v.Err()
}

func (m *Meeting) validateParticipants(v *Validation, f *Family, coordinators []int64) {
	if len(m.Participants) == 0 {
		v.Add("participants", "err.no_participants")
		return
	}
	seen := map[string]bool{}
	attended := false
	for i := range m.Participants {
		p := &m.Participants[i]
		field := "participants." + strconv.Itoa(i)
		if p.Attendance == "" {
			p.Attendance = AttendanceExpected
		}
		if !p.Attendance.Valid() {
			v.Add(field+".attendance", "err.status")
		}
		attended = attended || p.Attendance == AttendanceAttended
		var key string
		switch p.Kind {
		case ParticipantMember:
			key = "m" + strconv.FormatInt(p.MemberID, 10)
			member, ok := memberOf(f, p.MemberID)
			if !ok {
				v.Add(field, "err.member_unknown")
			} else if p.ChildHeard && member.Role != MemberChild {
				v.Add(field+".child_heard", "err.child_heard_child_only")
			}
		case ParticipantCoordinator:
			key = "c" + strconv.FormatInt(p.PersonID, 10)
			if !slices.Contains(coordinators, p.PersonID) {
				v.Add(field, "err.not_coordinator_here")
			}
		case ParticipantColleague:
			p.Name = strings.TrimSpace(p.Name)
			key = "n" + strings.ToLower(p.Name)
			checkText(v, field+".name", p.Name, 1, 120)
		case ParticipantPartner:
			p.Name = strings.TrimSpace(p.Name)
			key = "p" + strconv.FormatInt(p.PartnerID, 10)
			if p.PartnerID == 0 {
				v.Add(field, "err.partner_unknown")
			}
			checkText(v, field+".name", p.Name, 0, 120)
		default:
			v.Add(field, "err.participant_kind")
		}
		if seen[key] {
			v.Add(field, "err.participant_twice")
		}
		seen[key] = true
	}
	if m.Status == MeetingHeld && !attended {
		v.Add("participants", "err.held_nobody_attended")
	}
}

func memberOf(f *Family, id int64) (Member, bool) {
	for _, m := range f.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

func (p *Preparation) validate(v *Validation, c *FGECatalog) {
	p.Purpose, p.MainTopic, p.SubTopics = strings.TrimSpace(p.Purpose), strings.TrimSpace(p.MainTopic), strings.TrimSpace(p.SubTopics)
	checkMultiline(v, "prep_purpose", p.Purpose, 0, MaxMeetingShort*2)
	checkText(v, "prep_main_topic", p.MainTopic, 0, MaxMeetingShort)
	checkMultiline(v, "prep_sub_topics", p.SubTopics, 0, MaxMeetingText)
	for list, keys := range map[string]*[]string{"forms": &p.Forms, "tools": &p.Tools, "principles": &p.Principles} {
		out := (*keys)[:0]
		for _, k := range *keys {
			if !c.Has(list, k) {
				v.Add("prep_"+list, "err.fge_unknown", k)
				continue
			}
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
		// Kept in the catalog's order, so that equal choices compare equal.
		order := keysOf(c.list(list))
		slices.SortFunc(out, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
		*keys = out
	}
}

func (r *Reflection) validate(v *Validation) {
	for field, s := range map[string]*string{"refl_what": &r.WhatHappened, "refl_participation": &r.Participation,
		"refl_feedback": &r.FamilyFeedback, "refl_tools": &r.ToolsWorked, "refl_open": &r.Open} {
		*s = strings.TrimSpace(*s)
		checkMultiline(v, field, *s, 0, MaxMeetingText)
	}
	r.SupervisionTopic = strings.TrimSpace(r.SupervisionTopic)
	checkMultiline(v, "refl_supervision_topic", r.SupervisionTopic, 0, MaxMeetingShort*2)
	if r.Supervision && r.SupervisionTopic == "" {
		v.Add("refl_supervision_topic", "err.supervision_topic")
	}
	if !r.Supervision {
		r.SupervisionTopic = ""
	}
}

func (m *Meeting) validateAgenda(v *Validation, areas []TargetArea, p Plan) {
	if len(m.Agenda) > MaxAgendaTopics {
		v.Add("agenda", "err.too_many_topics", MaxAgendaTopics)
	}
	for i := range m.Agenda {
		t := &m.Agenda[i]
		field := func(name string) string { return "agenda." + strconv.Itoa(i) + "." + name }
		t.Title, t.Notes = strings.TrimSpace(t.Title), strings.TrimSpace(t.Notes)
		checkText(v, field("title"), t.Title, 1, 200)
		checkMultiline(v, field("notes"), t.Notes, 0, MaxMeetingText)
		if t.Proposer != ProposerFamily && t.Proposer != ProposerCoordinator {
			v.Add(field("proposer"), "err.required")
		}
		if t.Area != "" && !slices.Contains(areas, t.Area) {
			v.Add(field("area"), "err.area")
		}
		if t.GoalID != 0 && !slices.ContainsFunc(p.Goals, func(g Goal) bool { return g.ID == t.GoalID }) {
			v.Add(field("goal"), "err.goal_unknown")
		}
		if t.Priority < 0 || t.Priority > MaxAgendaTopics {
			v.Add(field("priority"), "err.number_range", 0, MaxAgendaTopics)
		}
		if t.Minutes < 0 || t.Minutes > MaxMeetingMins {
			v.Add(field("minutes"), "err.number_range", 0, MaxMeetingMins)
		}
		if t.Outcome == "" {
			t.Outcome = TopicOpen
		}
		if !t.Outcome.Valid() {
			v.Add(field("outcome"), "err.status")
		}
	}
}

// Carried returns the topics of m that carry over to the next meeting: those
// not reached, as new topics of the next meeting that remember where they
// came from.
func (m *Meeting) Carried() []AgendaTopic {
	var out []AgendaTopic
	for _, t := range m.Agenda {
		if t.Outcome == TopicNotReached {
			out = append(out, AgendaTopic{Proposer: t.Proposer, Title: t.Title, Area: t.Area, GoalID: t.GoalID, Outcome: TopicOpen, CarriedFrom: t.ID})
		}
	}
	return out
}

// CopyThreshold is the similarity above which an after-reflection counts as
// a near copy of an earlier one.
const CopyThreshold = 0.75

// Similarity compares two texts by their word pairs (Jaccard), after
// folding case and punctuation: 1 for the same words in the same order, 0
// for nothing in common. A copied reflection with a date changed scores
// near 1; two honest reflections on similar meetings score far lower.
func Similarity(a, b string) float64 {
	sa, sb := shingles(a), shingles(b)
	if len(sa) == 0 || len(sb) == 0 {
		return 0
	}
	common := 0
	for s := range sa {
		if sb[s] {
			common++
		}
	}
	return float64(common) / float64(len(sa)+len(sb)-common)
}

func shingles(s string) map[string]bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := map[string]bool{}
	if len(words) == 1 {
		out[words[0]] = true
	}
	for i := 0; i+2 <= len(words); i++ {
		out[words[i]+" "+words[i+1]] = true
	}
	return out
}
