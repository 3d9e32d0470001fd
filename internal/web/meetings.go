package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// Meetings: planning, the FGE form's parts each on a page of its own (one
// thing per page, each saved alone and autosaved as a draft), the Menu
// agenda and its printable sheet, the journal text.

type participantRow struct {
	Key        string // form name suffix: m12, c3, n0
	Name       string
	Role       string
	Checked    bool
	Attendance holf.Attendance
	Child      bool
	Heard      bool
	Colleague  bool
}

type topicRow struct {
	Index int
	T     holf.AgendaTopic
	Link  string // "area:work", "goal:12" or ""
}

type linkOption struct{ Value, Label string }

type meetingPage struct {
	Page
	formState
	Review     reviewBox
	Supervised *holf.SupervisionCase // next steps from supervision for this preparation
	*app.MeetingCase
	New          bool
	Part         string
	Date, Clock  string
	NeedOn       string // a collaboration meeting's need, as typed
	Minutes      string // the duration as typed
	Participants []participantRow
	Topics       []topicRow
	Links        []linkOption
	Conflict     *holf.Meeting
	DraftAt      time.Time // a draft was restored from this instant
	Previous     *holf.Meeting
	Journal      string
	Sheet        menuSheet
}

func (s *Server) meetingPageData(r *http.Request, rq *req, c *app.MeetingCase, part string) *meetingPage {
	p := &meetingPage{Page: s.page(r, rq, "meeting.title"), MeetingCase: c, Part: part}
	m := &c.Meeting
	p.Title = s.t(rq, "meeting.heading", s.t(rq, "meeting.kind."+string(m.Kind)), c.Family.Name)
	if part != "" && part != "view" {
		p.Title = s.t(rq, "meeting.part."+part) + " – " + p.Title
	}
	local := m.StartsAt.In(oslo)
	if !m.StartsAt.IsZero() {
		p.Date, p.Clock = local.Format("2006-01-02"), local.Format("15:04")
	}
	p.Minutes = strconv.Itoa(m.Minutes)
	if !m.NeedOn.IsZero() {
		p.NeedOn = m.NeedOn.Format("2006-01-02")
	}
	p.fillRows()
	for _, a := range c.Office.TargetAreas {
		p.Links = append(p.Links, linkOption{"area:" + string(a), p.T("area." + string(a))})
	}
	for _, g := range c.Plan.Goals {
		p.Links = append(p.Links, linkOption{"goal:" + strconv.FormatInt(g.ID, 10), p.T("meeting.goal_link", g.Title)})
	}
	return p
}

// fillRows lays out the participants form (every member and coordinator,
// ticked when taking part, and the colleagues with two blank rows) and the
// agenda form (the topics and three blank rows).
func (p *meetingPage) fillRows() {
	m := &p.Meeting
	find := func(kind holf.ParticipantKind, id int64) (holf.Participant, bool) {
		for _, x := range m.Participants {
			if x.Kind == kind && (kind == holf.ParticipantMember && x.MemberID == id || kind == holf.ParticipantCoordinator && x.PersonID == id) {
				return x, true
			}
		}
		return holf.Participant{Attendance: holf.AttendanceExpected}, false
	}
	p.Participants = nil
	for _, mb := range p.Family.Members {
		x, ok := find(holf.ParticipantMember, mb.ID)
		p.Participants = append(p.Participants, participantRow{Key: "m" + strconv.FormatInt(mb.ID, 10), Name: mb.Name,
			Role: p.T("member." + string(mb.Role)), Checked: ok, Attendance: x.Attendance, Child: mb.Role == holf.MemberChild, Heard: x.ChildHeard})
	}
	for _, c := range p.Coordinators {
		x, ok := find(holf.ParticipantCoordinator, c.ID)
		p.Participants = append(p.Participants, participantRow{Key: "c" + strconv.FormatInt(c.ID, 10), Name: c.Name,
			Role: p.T("role.coordinator"), Checked: ok, Attendance: x.Attendance})
	}
	n := 0
	for _, x := range m.Participants {
		if x.Kind == holf.ParticipantColleague {
			p.Participants = append(p.Participants, participantRow{Key: "n" + strconv.Itoa(n), Name: x.Name, Checked: true, Attendance: x.Attendance, Colleague: true})
			n++
		}
	}
	for i := 0; i < 2; i++ {
		p.Participants = append(p.Participants, participantRow{Key: "n" + strconv.Itoa(n), Attendance: holf.AttendanceExpected, Colleague: true})
		n++
	}
	p.Topics = nil
	for i, t := range m.Agenda {
		p.Topics = append(p.Topics, topicRow{Index: i, T: t, Link: topicLink(t)})
	}
	for i := 0; i < 3; i++ {
		p.Topics = append(p.Topics, topicRow{Index: len(m.Agenda) + i, T: holf.AgendaTopic{Proposer: holf.ProposerFamily, Outcome: holf.TopicOpen}})
	}
}

func topicLink(t holf.AgendaTopic) string {
	switch {
	case t.GoalID != 0:
		return "goal:" + strconv.FormatInt(t.GoalID, 10)
	case t.Area != "":
		return "area:" + string(t.Area)
	}
	return ""
}

// Options the templates offer.
func (p *meetingPage) Kinds() []holf.MeetingKind        { return holf.MeetingKinds }
func (p *meetingPage) Statuses() []holf.MeetingStatus   { return holf.MeetingStatuses }
func (p *meetingPage) Channels() []holf.Channel         { return holf.Channels }
func (p *meetingPage) Attendances() []holf.Attendance   { return holf.Attendances }
func (p *meetingPage) Outcomes() []holf.TopicOutcome    { return holf.TopicOutcomes }
func (p *meetingPage) Has(keys []string, k string) bool { return slices.Contains(keys, k) }

// ItemText is the wording of a check-list item in the page's language.
func (p *meetingPage) ItemText(it holf.FGEItem) string { return it.Text(p.Lang) }

// Who names a participant.
func (p *meetingPage) Who(x holf.Participant) string {
	switch x.Kind {
	case holf.ParticipantMember:
		return p.Member(x.MemberID).Name
	case holf.ParticipantCoordinator:
		return p.Staff[x.PersonID]
	case holf.ParticipantPartner:
		if x.Name != "" {
			return p.PartnerName(x.PartnerID) + " (" + x.Name + ")"
		}
		return p.PartnerName(x.PartnerID)
	}
	return x.Name
}

// PartnerRow is one partner of the office on the participants form.
type PartnerRow struct {
	ID         int64
	Name, Kind string
	Checked    bool
	Contact    string
	Attendance holf.Attendance
}

// PartnerRows lists the office's active partners with the meeting's
// choices, the ones taking part first.
func (p *meetingPage) PartnerRows() []PartnerRow {
	var in, out []PartnerRow
	for _, pa := range p.Partners {
		row := PartnerRow{ID: pa.ID, Name: pa.Name, Kind: p.KindName(pa.Kind), Attendance: holf.AttendanceExpected}
		for _, x := range p.Meeting.Participants {
			if x.Kind == holf.ParticipantPartner && x.PartnerID == pa.ID {
				row.Checked, row.Contact, row.Attendance = true, x.Name, x.Attendance
			}
		}
		switch {
		case row.Checked:
			in = append(in, row)
		case pa.Active:
			out = append(out, row)
		}
	}
	return append(in, out...)
}

// Warnings are the model's gentle limits for a collaboration meeting (seed
// 003, §8.4): few topics, few people, the family there, held soon.
func (p *meetingPage) Warnings() []string {
	m := &p.Meeting
	if len(m.Partners()) == 0 {
		return nil
	}
	var out []string
	if len(m.Agenda) > 5 {
		out = append(out, p.T("collab.many_topics", len(m.Agenda)))
	}
	if len(m.Participants) > 6 {
		out = append(out, p.T("collab.many_people", len(m.Participants)))
	}
	family := false
	for _, x := range m.Participants {
		family = family || x.Kind == holf.ParticipantMember && x.Attendance != holf.AttendanceAbsent
	}
	if !family {
		out = append(out, p.T("collab.no_family"))
	}
	if m.Late() {
		out = append(out, p.T("collab.late", int(m.StartsAt.Sub(m.NeedOn).Hours()/24)))
	}
	return out
}

// StageName translates where a meeting is.
func (p *Page) StageName(s holf.Stage) string { return p.T("meeting.stage." + string(s)) }

// TopicGoal is the title of a topic's goal.
func (p *meetingPage) TopicGoal(t holf.AgendaTopic) string {
	for _, g := range p.Plan.Goals {
		if g.ID == t.GoalID {
			return g.Title
		}
	}
	return ""
}

// Stage is where the meeting is now.
func (p *meetingPage) Stage() holf.Stage { return p.Meeting.Stage(p.Now) }

// ---- reading the forms ----

// meetingDetails reads the details part (kind, time, place, participants,
// status) from form values v into m.
func meetingDetails(v url.Values, m *holf.Meeting, coordinators []holf.Person, partners []holf.Partner, fam holf.Family) holf.Validation {
	var bad holf.Validation
	m.Kind, m.Status, m.Channel = holf.MeetingKind(v.Get("kind")), holf.MeetingStatus(v.Get("status")), holf.Channel(v.Get("channel"))
	if m.Status == "" {
		m.Status = holf.MeetingPlanned
	}
	m.StatusNote, m.Place = v.Get("status_note"), v.Get("place")
	m.InterpreterLanguage = ""
	if v.Get("interpreter") == "1" {
		m.InterpreterLanguage = v.Get("interpreter_language")
		if strings.TrimSpace(m.InterpreterLanguage) == "" {
			bad.Add("interpreter_language", "err.interpreter_language")
		}
	}
	m.LeadID, _ = strconv.ParseInt(v.Get("lead"), 10, 64)
	m.StartsAt = parseStart(&bad, v.Get("date"), v.Get("time"))
	var nok bool
	if m.NeedOn, nok = parseDay(v.Get("need_on")); !nok {
		bad.Add("need_on", "err.date")
	}
	if n, err := strconv.Atoi(v.Get("minutes")); err == nil {
		m.Minutes = n
	} else {
		m.Minutes = 0
		bad.Add("minutes", "err.number")
	}
	m.Participants = nil
	att := func(key string) holf.Attendance { return holf.Attendance(v.Get("a" + key)) }
	for _, mb := range fam.Members {
		key := "m" + strconv.FormatInt(mb.ID, 10)
		if v.Get("p"+key) == "1" {
			m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantMember, MemberID: mb.ID, Attendance: att(key),
				ChildHeard: v.Get("h"+key) == "1"})
		}
	}
	for _, c := range coordinators {
		key := "c" + strconv.FormatInt(c.ID, 10)
		if v.Get("p"+key) == "1" {
			m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantCoordinator, PersonID: c.ID, Attendance: att(key)})
		}
	}
	for i := 0; i < 20; i++ {
		key := "n" + strconv.Itoa(i)
		if name := strings.TrimSpace(v.Get("name_" + key)); name != "" {
			m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantColleague, Name: name, Attendance: att(key)})
		}
	}
	for _, pa := range partners {
		key := "x" + strconv.FormatInt(pa.ID, 10)
		if v.Get("p"+key) == "1" {
			m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantPartner, PartnerID: pa.ID, Name: v.Get("name_" + key), Attendance: att(key)})
		}
	}
	return bad
}

func meetingPrep(v url.Values, m *holf.Meeting) {
	m.Prep = holf.Preparation{Purpose: v.Get("prep_purpose"), MainTopic: v.Get("prep_main_topic"), SubTopics: v.Get("prep_sub_topics"),
		Forms: v["prep_forms"], Tools: v["prep_tools"], Principles: v["prep_principles"]}
	m.Exec = holf.Execution{Plan: v.Get("exec_plan"), Questions: v.Get("exec_questions")}
}

func meetingReflection(v url.Values, m *holf.Meeting) {
	m.Reflection = holf.Reflection{WhatHappened: v.Get("refl_what"), Participation: v.Get("refl_participation"), FamilyFeedback: v.Get("refl_feedback"),
		ToolsWorked: v.Get("refl_tools"), Open: v.Get("refl_open"), Supervision: v.Get("refl_supervision") == "1",
		SupervisionTopic: v.Get("refl_supervision_topic"), Shared: v.Get("refl_shared") == "1"}
}

// meetingAgenda reads the agenda rows; a row without a title is left out
// (the blank rows of the form), unless it has notes, which would be lost.
func meetingAgenda(v url.Values, m *holf.Meeting) holf.Validation {
	var bad holf.Validation
	var out []holf.AgendaTopic
	for i := 0; i < holf.MaxAgendaTopics+3; i++ {
		f := func(name string) string { return v.Get("agenda_" + strconv.Itoa(i) + "_" + name) }
		if f("title") == "" && f("notes") == "" {
			continue
		}
		t := holf.AgendaTopic{Title: f("title"), Proposer: holf.Proposer(f("proposer")), Notes: f("notes"), Outcome: holf.TopicOutcome(f("outcome"))}
		t.ID, _ = strconv.ParseInt(f("id"), 10, 64)
		t.CarriedFrom, _ = strconv.ParseInt(f("carried"), 10, 64)
		field := func(name string) string { return "agenda." + strconv.Itoa(len(out)) + "." + name }
		for name, p := range map[string]*int{"priority": &t.Priority, "minutes": &t.Minutes} {
			if raw := strings.TrimSpace(f(name)); raw != "" {
				n, err := strconv.Atoi(raw)
				if err != nil {
					bad.Add(field(name), "err.number")
				}
				*p = n
			}
		}
		if kind, val, ok := strings.Cut(f("link"), ":"); ok {
			switch kind {
			case "area":
				t.Area = holf.TargetArea(val)
			case "goal":
				t.GoalID, _ = strconv.ParseInt(val, 10, 64)
			}
		}
		out = append(out, t)
	}
	m.Agenda = out
	return bad
}

// readPart reads part of a meeting from form values into m.
func readPart(part string, v url.Values, m *holf.Meeting, c *app.MeetingCase) holf.Validation {
	switch part {
	case app.PartDetails:
		return meetingDetails(v, m, c.Coordinators, c.Partners, c.Family)
	case app.PartPrep:
		meetingPrep(v, m)
	case app.PartAgenda:
		return meetingAgenda(v, m)
	case app.PartReflection:
		meetingReflection(v, m)
	}
	return nil
}

// ---- handlers ----

func meetingIDs(r *http.Request) (int64, int64, error) { return familyItem(r, "mid", "meeting") }

func meetingPart(r *http.Request) (string, error) {
	part := r.PathValue("part")
	if !slices.Contains(app.Parts, part) {
		return "", holf.NotFound("page", part)
	}
	return part, nil
}

func (s *Server) meetingNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.NewMeeting(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	// From the network page: a collaboration meeting, its need registered today.
	if k := holf.MeetingKind(r.URL.Query().Get("kind")); k.Valid() {
		c.Meeting.Kind = k
		if k == holf.MeetingCollaboration {
			c.Meeting.NeedOn = s.app.Today()
		}
	}
	p := s.meetingPageData(r, rq, &c, app.PartDetails)
	p.New = true
	p.Title = s.t(rq, "meeting.new_heading", c.Family.Name)
	return s.render(w, http.StatusOK, "meeting_details", p)
}

func (s *Server) meetingCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.NewMeeting(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	m := holf.Meeting{FamilyID: id}
	parsed := meetingDetails(r.PostForm, &m, c.Coordinators, c.Partners, c.Family)
	saved, err := s.app.Meetings.CreateOverriding(r.Context(), rq.actor, m, parsed, r.PostForm.Get("consent_override"))
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/meetings/%d?notice=created", id, saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	c.Meeting = saved
	p := s.meetingPageData(r, rq, &c, app.PartDetails)
	p.New, p.Title = true, s.t(rq, "meeting.new_heading", c.Family.Name)
	p.Date, p.Clock, p.Minutes, p.NeedOn = r.PostForm.Get("date"), r.PostForm.Get("time"), r.PostForm.Get("minutes"), r.PostForm.Get("need_on")
	return s.formError(w, rq, "meeting_details", p, err, nil)
}

func (s *Server) meetingShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.View(r.Context(), rq.actor, id, mid)
	if err != nil {
		return err
	}
	p := s.meetingPageData(r, rq, &c, "view")
	if p.Review, err = s.formReviews(r, rq, &c.Family, holf.ReviewFGE, mid); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "meeting", p)
}

// meetingEdit shows one part's form, from the caller's draft when it was
// autosaved after the meeting's last save (and says so).
func (s *Server) meetingEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	part, err := meetingPart(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.Edit(r.Context(), rq.actor, id, mid, part)
	if err != nil {
		return err
	}
	var prev *holf.Meeting
	if part == app.PartPrep {
		if fm, err := s.app.Meetings.List(r.Context(), rq.actor, id); err == nil {
			for i := range fm.Meetings {
				x := fm.Meetings[i]
				if x.ID != mid && x.StartsAt.Before(c.Meeting.StartsAt) && !x.Prep.Empty() {
					prev = &x
				}
			}
		}
	}
	if d := c.Draft; d != nil && d.BaseVersion == c.Meeting.Version && d.SavedAt.After(c.Meeting.UpdatedAt) {
		if v, err := url.ParseQuery(d.Content); err == nil {
			readPart(part, v, &c.Meeting, &c)
			p := s.meetingPageData(r, rq, &c, part)
			p.DraftAt, p.Previous = d.SavedAt, prev
			if part == app.PartDetails {
				p.Date, p.Clock, p.Minutes, p.NeedOn = v.Get("date"), v.Get("time"), v.Get("minutes"), v.Get("need_on")
			}
			return s.render(w, http.StatusOK, "meeting_"+part, p)
		}
	}
	if prev != nil && r.URL.Query().Get("copy") == "previous" {
		// Copied forward from the previous meeting: the form shows it, and
		// nothing is saved until the coordinator saves.
		c.Meeting.Prep, c.Meeting.Exec = prev.Prep, prev.Exec
	}
	p := s.meetingPageData(r, rq, &c, part)
	p.Previous = prev
	if part == app.PartPrep {
		// The next steps a supervision session agreed, when the supervisee
		// chose to carry them into the next preparation.
		cs, err := s.app.Learning.FamilyCases(r.Context(), rq.actor, id)
		if err != nil {
			return err
		}
		if sc, ok := app.ForFGE(cs); ok && sc.UpdatedAt.Before(c.Meeting.StartsAt) {
			p.Supervised = &sc
		}
	}
	return s.render(w, http.StatusOK, "meeting_"+part, p)
}

func (s *Server) meetingSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	part, err := meetingPart(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.Edit(r.Context(), rq.actor, id, mid, part)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	var parsed holf.Validation
	saved, err := s.app.Meetings.SaveOverriding(r.Context(), rq.actor, id, mid, formVersion(r, "version"), part, func(m *holf.Meeting) {
		parsed = readPart(part, r.PostForm, m, &c)
	}, nil, r.PostForm.Get("consent_override"))
	if err == nil && len(parsed) == 0 {
		target := fmt.Sprintf("/families/%d/meetings/%d?notice=saved", id, mid)
		if part == app.PartAgenda && r.PostForm.Get("more") == "1" {
			target = fmt.Sprintf("/families/%d/meetings/%d/agenda?notice=saved#agenda_%d_title", id, mid, len(saved.Agenda))
		}
		http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if err == nil {
		err = parsed.Err()
	}
	if !formProblem(err) {
		return err
	}
	// The form comes back as typed, with what is saved now beside it on a conflict.
	typed := c.Meeting
	readPart(part, r.PostForm, &typed, &c)
	cur := c.Meeting
	c.Meeting = typed
	c.Meeting.Version = formVersion(r, "version")
	p := s.meetingPageData(r, rq, &c, part)
	if part == app.PartDetails {
		p.Date, p.Clock, p.Minutes, p.NeedOn = r.PostForm.Get("date"), r.PostForm.Get("time"), r.PostForm.Get("minutes"), r.PostForm.Get("need_on")
	}
	return s.formError(w, rq, "meeting_"+part, p, err, func() error {
		saved.Reflection = cur.Reflection
		if c.ReflectionHidden {
			saved.Reflection = holf.Reflection{}
		}
		p.Conflict = &saved
		p.Meeting.Version = saved.Version
		return nil
	})
}

// meetingDraft keeps what the form holds so far (posted by the page's
// script as the coordinator types); it answers 204.
func (s *Server) meetingDraft(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	part, err := meetingPart(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := url.Values{}
	for k, vs := range r.PostForm {
		if k != "csrf" && k != "version" {
			v[k] = vs
		}
	}
	if r.PostForm.Get("discard") == "1" {
		if err := s.app.Meetings.DiscardDraft(r.Context(), rq.actor, id, mid, part); err != nil {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/families/%d/meetings/%d/%s", id, mid, part), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids and a known part
		return nil
	}
	if err := s.app.Meetings.SaveDraft(r.Context(), rq.actor, id, mid, formVersion(r, "version"), part, v.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) meetingDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	if err := s.app.Meetings.Delete(r.Context(), rq.actor, id, mid, formVersion(r, "version")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=deleted", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
	return nil
}

func (s *Server) meetingJournal(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.View(r.Context(), rq.actor, id, mid)
	if err != nil {
		return err
	}
	p := s.meetingPageData(r, rq, &c, "journal")
	p.Title = s.t(rq, "journal.title") + " – " + p.Title
	p.Journal = meetingJournal(&p.Page, &c)
	return s.render(w, http.StatusOK, "journal", p)
}

func (s *Server) meetingMenu(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, mid, err := meetingIDs(r)
	if err != nil {
		return err
	}
	c, err := s.app.Meetings.View(r.Context(), rq.actor, id, mid)
	if err != nil {
		return err
	}
	if !c.ModelTools {
		return holf.ModelOnly()
	}
	p := s.meetingPageData(r, rq, &c, "menu")
	p.Title = s.t(rq, "menu.title") + " – " + c.Family.Name
	p.Sheet = drawMenuSheet(c.Meeting.Agenda, p.T("menu.sheet_foot"))
	return s.render(w, http.StatusOK, "menu_sheet", p)
}

// ---- the journal text ----

// meetingJournal is a plain-text summary of a meeting for NAV's own
// journal systems, so that nothing is typed twice (seed 003, §6.4). The
// after-reflection is internal and never part of it.
func meetingJournal(p *Page, c *app.MeetingCase) string {
	m := &c.Meeting
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + ": " + value + "\n")
		}
	}
	local := m.StartsAt.In(oslo)
	b.WriteString(p.T("meeting.kind."+string(m.Kind)) + " – " + c.Family.Name + "\n")
	line(p.T("journal.when"), p.T("journal.when_value", local.Format("02.01.2006"), local.Format("15:04"), m.End().In(oslo).Format("15:04"), m.Minutes))
	where := p.T("channel." + string(m.Channel))
	if m.Place != "" {
		where += ", " + m.Place
	}
	line(p.T("meeting.channel"), where)
	line(p.T("journal.status"), p.T("meeting.status."+string(m.Status))+suffix(m.StatusNote))
	var who []string
	for _, x := range m.Participants {
		name := ""
		switch x.Kind {
		case holf.ParticipantMember:
			name = c.Member(x.MemberID).Name
			if x.ChildHeard {
				name += " (" + p.T("meeting.child_heard_short") + ")"
			}
		case holf.ParticipantCoordinator:
			name = c.Staff[x.PersonID] + ", " + p.T("role.coordinator")
		default:
			name = x.Name
		}
		if m.Status == holf.MeetingHeld {
			name += " – " + p.T("attendance."+string(x.Attendance))
		}
		who = append(who, name)
	}
	line(p.T("meeting.participants"), strings.Join(who, "; "))
	if m.InterpreterLanguage != "" {
		line(p.T("meeting.interpreter"), m.InterpreterLanguage)
	}
	line(p.T("fge.purpose"), m.Prep.Purpose)
	line(p.T("fge.main_topic"), m.Prep.MainTopic)
	if len(m.Agenda) > 0 {
		b.WriteString("\n" + p.T("menu.agreed") + ":\n")
		topics := slices.Clone(m.Agenda)
		slices.SortStableFunc(topics, func(a, b holf.AgendaTopic) int { return prio(a) - prio(b) })
		for i, t := range topics {
			fmt.Fprintf(&b, "%d. %s", i+1, t.Title)
			if t.Minutes > 0 {
				fmt.Fprintf(&b, " (%d min)", t.Minutes)
			}
			if t.Outcome == holf.TopicNotReached {
				b.WriteString(" – " + p.T("outcome.not_reached"))
			}
			b.WriteString("\n")
			if t.Notes != "" {
				b.WriteString("   " + strings.ReplaceAll(t.Notes, "\n", "\n   ") + "\n")
			}
		}
	}
	if len(c.FollowUps) > 0 {
		b.WriteString("\n" + p.T("meeting.follow_ups") + ":\n")
		for _, a := range c.FollowUps {
			b.WriteString("- " + a.Title)
			if !a.DueOn.IsZero() {
				b.WriteString(" (" + p.T("journal.due", a.DueOn.Format("02.01.2006")) + ")")
			}
			b.WriteString("\n")
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func prio(t holf.AgendaTopic) int {
	if t.Priority == 0 {
		return 1 << 20
	}
	return t.Priority
}

func suffix(note string) string {
	if note == "" {
		return ""
	}
	return " – " + note
}
