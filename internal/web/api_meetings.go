package web

import (
	"net/http"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

type apiParticipant struct {
	Kind       holf.ParticipantKind `json:"kind"`
	MemberID   *int64               `json:"member_id"`
	PersonID   *int64               `json:"person_id"`
	PartnerID  *int64               `json:"partner_id,omitempty"`
	Name       string               `json:"name,omitempty"`
	Attendance holf.Attendance      `json:"attendance"`
	ChildHeard bool                 `json:"child_heard"`
}

type apiTopic struct {
	ID          int64             `json:"id,omitempty"`
	Proposer    holf.Proposer     `json:"proposer"`
	Title       string            `json:"title"`
	Area        holf.TargetArea   `json:"area,omitempty"`
	GoalID      *int64            `json:"goal_id"`
	Priority    int               `json:"priority"`
	Minutes     int               `json:"minutes"`
	Notes       string            `json:"notes"`
	Outcome     holf.TopicOutcome `json:"outcome"`
	CarriedFrom *int64            `json:"carried_from"`
}

type apiPreparation struct {
	Purpose    string   `json:"purpose"`
	MainTopic  string   `json:"main_topic"`
	SubTopics  string   `json:"sub_topics"`
	Forms      []string `json:"forms"`
	Tools      []string `json:"tools"`
	Principles []string `json:"principles"`
}

type apiExecution struct {
	Plan      string `json:"plan"`
	Questions string `json:"questions"`
}

type apiReflection struct {
	WhatHappened     string `json:"what_happened"`
	Participation    string `json:"participation"`
	FamilyFeedback   string `json:"family_feedback"`
	ToolsWorked      string `json:"tools_worked"`
	Open             string `json:"open"`
	Supervision      bool   `json:"supervision"`
	SupervisionTopic string `json:"supervision_topic"`
	Shared           bool   `json:"shared"`
}

type apiMeeting struct {
	ID                  int64              `json:"id"`
	FamilyID            int64              `json:"family_id"`
	Kind                holf.MeetingKind   `json:"kind"`
	Status              holf.MeetingStatus `json:"status"`
	StatusNote          string             `json:"status_note"`
	StartsAt            time.Time          `json:"starts_at"`
	Minutes             int                `json:"minutes"`
	Channel             holf.Channel       `json:"channel"`
	Place               string             `json:"place"`
	InterpreterLanguage string             `json:"interpreter_language"`
	// NeedOn is a collaboration meeting's need date (YYYY-MM-DD), "" when none.
	NeedOn       string           `json:"need_on"`
	Late         bool             `json:"late"` // held more than 14 days after its need
	LeadID       *int64           `json:"lead_id"`
	Participants []apiParticipant `json:"participants"`
	FGEVersion   int              `json:"fge_version"`
	Preparation  apiPreparation   `json:"preparation"`
	Execution    apiExecution     `json:"execution"`
	// Reflection is null when none is written, or when the caller may see
	// only that one exists (ReflectionExists).
	Reflection       *apiReflection `json:"reflection"`
	ReflectionExists bool           `json:"reflection_exists"`
	ReflectedAt      *time.Time     `json:"reflected_at"`
	SimilarTo        *int64         `json:"similar_to"`
	Agenda           []apiTopic     `json:"agenda"`
	Stage            holf.Stage     `json:"stage"`
	Version          int64          `json:"version"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

func toAPIMeeting(m holf.Meeting, hidden bool, now time.Time) apiMeeting {
	out := apiMeeting{ID: m.ID, FamilyID: m.FamilyID, Kind: m.Kind, Status: m.Status, StatusNote: m.StatusNote, StartsAt: m.StartsAt.UTC(),
		Minutes: m.Minutes, Channel: m.Channel, Place: m.Place, InterpreterLanguage: m.InterpreterLanguage, LeadID: optID(m.LeadID),
		Participants: []apiParticipant{}, FGEVersion: m.FGEVersion, Late: m.Late(), Agenda: []apiTopic{}, Stage: m.Stage(now), Version: m.Version,
		UpdatedAt: m.UpdatedAt, SimilarTo: optID(m.SimilarTo),
		Preparation: apiPreparation{Purpose: m.Prep.Purpose, MainTopic: m.Prep.MainTopic, SubTopics: m.Prep.SubTopics,
			Forms: nonNil(m.Prep.Forms), Tools: nonNil(m.Prep.Tools), Principles: nonNil(m.Prep.Principles)},
		Execution: apiExecution{Plan: m.Exec.Plan, Questions: m.Exec.Questions}}
	if !m.NeedOn.IsZero() {
		out.NeedOn = m.NeedOn.Format("2006-01-02")
	}
	for _, p := range m.Participants {
		out.Participants = append(out.Participants, apiParticipant{Kind: p.Kind, MemberID: optID(p.MemberID), PersonID: optID(p.PersonID),
			PartnerID: optID(p.PartnerID), Name: p.Name, Attendance: p.Attendance, ChildHeard: p.ChildHeard})
	}
	for _, t := range m.Agenda {
		out.Agenda = append(out.Agenda, apiTopic{ID: t.ID, Proposer: t.Proposer, Title: t.Title, Area: t.Area, GoalID: optID(t.GoalID),
			Priority: t.Priority, Minutes: t.Minutes, Notes: t.Notes, Outcome: t.Outcome, CarriedFrom: optID(t.CarriedFrom)})
	}
	out.ReflectionExists = hidden || !m.Reflection.Empty()
	if !m.ReflectedAt.IsZero() {
		out.ReflectedAt = &m.ReflectedAt
	}
	if !hidden && !m.Reflection.Empty() {
		r := m.Reflection
		out.Reflection = &apiReflection{WhatHappened: r.WhatHappened, Participation: r.Participation, FamilyFeedback: r.FamilyFeedback,
			ToolsWorked: r.ToolsWorked, Open: r.Open, Supervision: r.Supervision, SupervisionTopic: r.SupervisionTopic, Shared: r.Shared}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// fromAPIMeeting sets the writable fields of m from the representation,
// and returns what it could not read.
func fromAPIMeeting(in apiMeeting, m *holf.Meeting) holf.Validation {
	var bad holf.Validation
	m.NeedOn = apiDay(&bad, "need_on", in.NeedOn)
	m.Kind, m.Status, m.StatusNote, m.StartsAt, m.Minutes = in.Kind, in.Status, in.StatusNote, in.StartsAt, in.Minutes
	m.Channel, m.Place, m.InterpreterLanguage, m.LeadID = in.Channel, in.Place, in.InterpreterLanguage, val(in.LeadID)
	m.Participants = nil
	for _, p := range in.Participants {
		m.Participants = append(m.Participants, holf.Participant{Kind: p.Kind, MemberID: val(p.MemberID), PersonID: val(p.PersonID), PartnerID: val(p.PartnerID), Name: p.Name,
			Attendance: p.Attendance, ChildHeard: p.ChildHeard})
	}
	pr := in.Preparation
	m.Prep = holf.Preparation{Purpose: pr.Purpose, MainTopic: pr.MainTopic, SubTopics: pr.SubTopics, Forms: pr.Forms, Tools: pr.Tools, Principles: pr.Principles}
	m.Exec = holf.Execution{Plan: in.Execution.Plan, Questions: in.Execution.Questions}
	m.Reflection = holf.Reflection{}
	if r := in.Reflection; r != nil {
		m.Reflection = holf.Reflection{WhatHappened: r.WhatHappened, Participation: r.Participation, FamilyFeedback: r.FamilyFeedback,
			ToolsWorked: r.ToolsWorked, Open: r.Open, Supervision: r.Supervision, SupervisionTopic: r.SupervisionTopic, Shared: r.Shared}
	}
	m.Agenda = nil
	for _, t := range in.Agenda {
		m.Agenda = append(m.Agenda, holf.AgendaTopic{ID: t.ID, Proposer: t.Proposer, Title: t.Title, Area: t.Area, GoalID: val(t.GoalID),
			Priority: t.Priority, Minutes: t.Minutes, Notes: t.Notes, Outcome: t.Outcome, CarriedFrom: val(t.CarriedFrom)})
	}
	return bad
}

var meetingPatch = patchRules{
	changeable: []string{"kind", "status", "status_note", "starts_at", "minutes", "channel", "place", "interpreter_language", "need_on", "lead_id",
		"participants", "preparation", "execution", "reflection", "agenda"},
	required: []string{"kind", "status", "starts_at", "minutes", "channel", "participants"},
}

func (s *Server) apiMeetings(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	fm, err := s.app.Meetings.List(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	out := make([]apiMeeting, 0, len(fm.Meetings))
	for _, m := range fm.Meetings {
		out = append(out, toAPIMeeting(m, fm.Hidden[m.ID], fm.Now))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiMeeting(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.View(r.Context(), rq.actor, id, mid)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusOK, "meeting", mid, c.Meeting.Version, toAPIMeeting(c.Meeting, c.ReflectionHidden, c.Now))
}

// apiMeetingCreate plans a meeting from its JSON representation (the
// fields a PATCH may set); it answers 201 with the meeting and its ETag.
func (s *Server) apiMeetingCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	if err := s.app.Meetings.Writable(r.Context(), rq.actor, id); err != nil {
		return err
	}
	var in apiMeeting
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m := holf.Meeting{FamilyID: id}
	bad := fromAPIMeeting(in, &m)
	saved, err := s.app.Meetings.Create(r.Context(), rq.actor, m, bad)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/families/"+itoa(int(id))+"/meetings/"+itoa(int(saved.ID)))
	return writeVersioned(w, http.StatusCreated, "meeting", saved.ID, saved.Version, toAPIMeeting(saved, false, s.app.Now()))
}

// apiMeetingPatch changes a meeting by JSON merge patch with If-Match;
// arrays (participants, agenda, check lists) are replaced whole.
func (s *Server) apiMeetingPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.Edit(r.Context(), rq.actor, id, mid, "api")
	if err != nil {
		return err
	}
	if err := ifMatch(r, "meeting", mid, c.Meeting.Version); err != nil {
		return err
	}
	var next apiMeeting
	if _, err := mergePatch(r, toAPIMeeting(c.Meeting, c.ReflectionHidden, c.Now), meetingPatch, &next); err != nil {
		return err
	}
	bad := fromAPIMeeting(next, &holf.Meeting{})
	saved, err := s.app.Meetings.Save(r.Context(), rq.actor, id, mid, c.Meeting.Version, "update", func(m *holf.Meeting) { fromAPIMeeting(next, m) }, bad)
	if err != nil {
		return precondition("meeting", err)
	}
	return writeVersioned(w, http.StatusOK, "meeting", mid, saved.Version, toAPIMeeting(saved, false, s.app.Now()))
}

func (s *Server) apiMeetingDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.Edit(r.Context(), rq.actor, id, mid, "api")
	if err != nil {
		return err
	}
	if err := ifMatch(r, "meeting", mid, c.Meeting.Version); err != nil {
		return err
	}
	if err := s.app.Meetings.Delete(r.Context(), rq.actor, id, mid, c.Meeting.Version); err != nil {
		return precondition("meeting", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiContact struct {
	ID       int64            `json:"id"`
	Kind     holf.ContactKind `json:"kind"`
	MemberID *int64           `json:"member_id"`
	At       time.Time        `json:"at"`
	Minutes  int              `json:"minutes"`
	Note     string           `json:"note"`
	By       string           `json:"by"`
	Version  int64            `json:"version"`
}

func toAPIContact(c holf.Contact) apiContact {
	return apiContact{ID: c.ID, Kind: c.Kind, MemberID: optID(c.MemberID), At: c.At.UTC(), Minutes: c.Minutes, Note: c.Note, By: c.By, Version: c.Version}
}

var contactPatch = patchRules{changeable: []string{"kind", "member_id", "at", "minutes", "note"}, required: []string{"kind", "at"}}

func (s *Server) apiContacts(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	fm, err := s.app.Meetings.List(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	out := make([]apiContact, 0, len(fm.Contacts))
	for _, c := range fm.Contacts {
		out = append(out, toAPIContact(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiContactCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	if err := s.app.Meetings.Writable(r.Context(), rq.actor, id); err != nil {
		return err
	}
	var in apiContact
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.Contacts.Add(r.Context(), rq.actor, holf.Contact{FamilyID: id, Kind: in.Kind, MemberID: val(in.MemberID), At: in.At,
		Minutes: in.Minutes, Note: in.Note}, nil)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusCreated, "contact", c.ID, c.Version, toAPIContact(c))
}

func (s *Server) apiContactPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := s.contactIDs(r)
	if err != nil {
		return err
	}
	_, cur, err := s.app.Contacts.Get(r.Context(), rq.actor, id, cid)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "contact", cid, cur.Version); err != nil {
		return err
	}
	var next apiContact
	if _, err := mergePatch(r, toAPIContact(cur), contactPatch, &next); err != nil {
		return err
	}
	cur.Kind, cur.MemberID, cur.At, cur.Minutes, cur.Note = next.Kind, val(next.MemberID), next.At, next.Minutes, next.Note
	saved, err := s.app.Contacts.Update(r.Context(), rq.actor, cur, nil)
	if err != nil {
		return precondition("contact", err)
	}
	return writeVersioned(w, http.StatusOK, "contact", cid, saved.Version, toAPIContact(saved))
}

func (s *Server) apiContactDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := s.contactIDs(r)
	if err != nil {
		return err
	}
	_, cur, err := s.app.Contacts.Get(r.Context(), rq.actor, id, cid)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "contact", cid, cur.Version); err != nil {
		return err
	}
	if err := s.app.Contacts.Delete(r.Context(), rq.actor, id, cid, cur.Version); err != nil {
		return precondition("contact", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiTimelineItem struct {
	Kind      app.TimelineKind `json:"kind"`
	On        string           `json:"on"`
	At        time.Time        `json:"at"`
	Event     *apiEvent        `json:"event,omitempty"`
	MeetingID *int64           `json:"meeting_id,omitempty"`
	ContactID *int64           `json:"contact_id,omitempty"`
	Members   []int64          `json:"members"`
}

type apiEvent struct {
	Kind    holf.EventKind    `json:"kind"`
	Actor   string            `json:"actor"`
	Details holf.EventDetails `json:"details"`
}

// apiTimeline lists a family's timeline, filtered by ?kind= and ?member=.
func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	rec, err := s.app.Families.Record(r.Context(), rq.actor, id, timelineFilter(r))
	if err != nil {
		return err
	}
	out := make([]apiTimelineItem, 0, len(rec.Timeline))
	for _, it := range rec.Timeline {
		x := apiTimelineItem{Kind: it.Kind, On: it.On.Format("2006-01-02"), At: it.At.UTC(), Members: it.Members}
		if x.Members == nil {
			x.Members = []int64{}
		}
		switch {
		case it.Event != nil:
			x.Event = &apiEvent{Kind: it.Event.Kind, Actor: it.Event.Actor, Details: it.Event.Details}
		case it.Meeting != nil:
			x.MeetingID = &it.Meeting.ID
		case it.Contact != nil:
			x.ContactID = &it.Contact.ID
		}
		out = append(out, x)
	}
	return writeJSON(w, http.StatusOK, out)
}
