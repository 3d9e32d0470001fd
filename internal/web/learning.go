package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

// The learning structure's pages: supervision groups, their sessions and
// the shared screen a session is run on, and the supervisee's form.

type supervisionPage struct {
	Page
	Groups    []app.GroupSummary
	CanManage bool
	CanTopics bool
	Offices   map[int64]string
}

// OfficeNames names the offices of a group's members.
func (p *supervisionPage) OfficeNames(g holf.SupervisionGroup) string {
	var out []string
	for _, id := range g.Offices() {
		out = append(out, p.Offices[id])
	}
	return strings.Join(out, ", ")
}

func (s *Server) supervisionList(w http.ResponseWriter, r *http.Request, rq *req) error {
	gs, err := s.app.Learning.Groups(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := &supervisionPage{Page: s.page(r, rq, "supervision.title"), Groups: gs, Offices: s.app.Learning.OfficeNames(r.Context()),
		CanManage: policy.Decide(rq.actor, policy.GroupManage, policy.Global).Allowed, CanTopics: policy.Allows(rq.actor, policy.TopicStats)}
	return s.render(w, http.StatusOK, "supervision", p)
}

// --- the group form ---

type groupFormPage struct {
	Page
	formState
	Group        holf.SupervisionGroup
	Leaders      []holf.Person
	Coordinators []groupChoice
}

// groupChoice is one coordinator at one office, a possible member.
type groupChoice struct {
	Value, Label string
	Checked      bool
}

func (s *Server) groupForm(r *http.Request, rq *req, g holf.SupervisionGroup) (*groupFormPage, error) {
	p := &groupFormPage{Page: s.page(r, rq, "group.new"), Group: g}
	if g.ID != 0 {
		p.Title = s.t(rq, "group.edit", g.Name)
	}
	var err error
	if p.Leaders, err = s.app.Learning.Leaders(r.Context(), rq.actor); err != nil {
		return nil, err
	}
	cs, err := s.app.Learning.Coordinators(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	names := s.app.Learning.OfficeNames(r.Context())
	for _, c := range cs {
		for _, as := range c.Assignments {
			if as.Role != holf.RoleCoordinator {
				continue
			}
			checked := slices.ContainsFunc(g.Members, func(m holf.GroupMember) bool { return m.PersonID == c.ID && m.OfficeID == as.OfficeID })
			p.Coordinators = append(p.Coordinators, groupChoice{Value: fmt.Sprintf("%d:%d", c.ID, as.OfficeID), Label: c.Name + " (" + names[as.OfficeID] + ")", Checked: checked})
		}
	}
	slices.SortFunc(p.Coordinators, func(a, b groupChoice) int { return strings.Compare(a.Label, b.Label) })
	return p, nil
}

func (s *Server) groupNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.groupForm(r, rq, holf.SupervisionGroup{})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "group_form", p)
}

func (s *Server) groupEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id", "supervision group")
	if err != nil {
		return err
	}
	v, err := s.app.Learning.Group(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.groupForm(r, rq, v.Group)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "group_form", p)
}

func (s *Server) groupSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	g := holf.SupervisionGroup{Name: r.PostFormValue("name"), LeaderID: formID(r, "leader"), Version: formVersion(r, "version")}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id", "supervision group")
		if err != nil {
			return err
		}
		g.ID = id
	}
	for _, v := range r.PostForm["members"] {
		person, office, _ := strings.Cut(v, ":")
		pid, _ := strconv.ParseInt(person, 10, 64)
		oid, _ := strconv.ParseInt(office, 10, 64)
		g.Members = append(g.Members, holf.GroupMember{PersonID: pid, OfficeID: oid})
	}
	saved, err := s.app.Learning.SaveGroup(r.Context(), rq.actor, g)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/supervision/groups/%d?notice=saved", saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of an id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	p, perr := s.groupForm(r, rq, g)
	if perr != nil {
		return perr
	}
	return s.formError(w, rq, "group_form", p, err, noConflictBox)
}

// --- the group page ---

type groupPage struct {
	Page
	formState
	app.GroupPage
	Offices map[int64]string
	Input   sessionInput
	Editing int64 // the session whose form failed
}

type sessionInput struct {
	Date, Time, Minutes, Place string
}

// PersonName names a member or the leader.
func (p *groupPage) PersonName(id int64) string {
	if id == p.Group.LeaderID {
		return p.Group.LeaderName
	}
	if m, ok := p.Group.Member(id); ok {
		return m.Name
	}
	return ""
}

// Statuses of a session.
func (p *groupPage) Statuses() []holf.SessionStatus { return holf.SessionStatuses }

// Upcoming reports whether session s is still to come.
func (p *groupPage) Upcoming(ss holf.SupervisionSession) bool { return ss.StartsAt.After(p.Now) }

// AreaNames names a case's areas.
func (p *Page) AreaNames(as []holf.TargetArea) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = p.T("area." + string(a))
	}
	return strings.Join(out, ", ")
}

func (s *Server) groupData(r *http.Request, rq *req, v app.GroupPage) *groupPage {
	p := &groupPage{Page: s.page(r, rq, "group.title"), GroupPage: v, Offices: s.app.Learning.OfficeNames(r.Context())}
	p.Title = v.Group.Name
	p.Input = sessionInput{Time: "09:00", Minutes: "180"}
	return p
}

func (s *Server) groupShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id", "supervision group")
	if err != nil {
		return err
	}
	v, err := s.app.Learning.Group(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "group", s.groupData(r, rq, v))
}

func (s *Server) sessionSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	gid, err := pathID(r, "id", "supervision group")
	if err != nil {
		return err
	}
	in := sessionInput{Date: r.PostFormValue("date"), Time: r.PostFormValue("time"), Minutes: r.PostFormValue("minutes"), Place: r.PostFormValue("place")}
	var bad holf.Validation
	ss := holf.SupervisionSession{GroupID: gid, Place: in.Place, Status: holf.SessionStatus(r.PostFormValue("status")), Version: formVersion(r, "version")}
	if ss.Status == "" {
		ss.Status = holf.SessionPlanned
	}
	ss.StartsAt = parseStart(&bad, in.Date, in.Time)
	ss.Minutes, _ = strconv.Atoi(in.Minutes)
	if r.PathValue("sid") != "" {
		if ss.ID, err = pathID(r, "sid", "supervision session"); err != nil {
			return err
		}
		for _, v := range r.PostForm["attended"] {
			pid, _ := strconv.ParseInt(v, 10, 64)
			ss.Attendance = append(ss.Attendance, holf.SessionAttendance{PersonID: pid, Attended: true})
		}
		for _, v := range r.PostForm["expected"] {
			pid, _ := strconv.ParseInt(v, 10, 64)
			if !ss.Attended(pid) {
				ss.Attendance = append(ss.Attendance, holf.SessionAttendance{PersonID: pid})
			}
		}
	}
	saved, err := s.app.Learning.SaveSession(r.Context(), rq.actor, ss, bad)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/supervision/groups/%d?notice=saved#session-%d", gid, saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.Learning.Group(r.Context(), rq.actor, gid)
	if verr != nil {
		return verr
	}
	p := s.groupData(r, rq, v)
	p.Input, p.Editing = in, ss.ID
	return s.formError(w, rq, "group", p, err, noConflictBox)
}

// --- the shared screen ---

type runPage struct {
	Page
	formState
	app.RunPage
	Note      string
	NextSteps string
}

// Rounds lists the rounds.
func (p *runPage) Rounds() []holf.Round { return holf.Rounds }

// Processes lists the main processes.
func (p *runPage) Processes() []holf.MainProcess { return holf.MainProcesses }

// ItemText is a check-list item's wording.
func (p *runPage) ItemText(list, key string) string {
	var items []holf.FGEItem
	if list == "tools" {
		items = p.FGE.Tools
	} else {
		items = p.FGE.Principles
	}
	for _, it := range items {
		if it.Key == key {
			return it.Text(p.Lang)
		}
	}
	return key
}

// RoundLink is the address of round r of case c on the screen.
func (p *runPage) RoundLink(c holf.SupervisionCase, r holf.Round) string {
	return fmt.Sprintf("/supervision/groups/%d/sessions/%d/run?case=%d&round=%s", p.Group.ID, p.Session.ID, c.ID, r)
}

func runIDs(r *http.Request) (gid, sid int64, err error) {
	if gid, err = pathID(r, "id", "supervision group"); err != nil {
		return
	}
	sid, err = pathID(r, "sid", "supervision session")
	return
}

func (s *Server) sessionRun(w http.ResponseWriter, r *http.Request, rq *req) error {
	gid, sid, err := runIDs(r)
	if err != nil {
		return err
	}
	cid, _ := strconv.ParseInt(r.URL.Query().Get("case"), 10, 64)
	v, err := s.app.Learning.Run(r.Context(), rq.actor, gid, sid, cid, holf.Round(r.URL.Query().Get("round")))
	if err != nil {
		return err
	}
	p := &runPage{Page: s.page(r, rq, "run.title"), RunPage: v, Note: v.Case.Notes[v.Round], NextSteps: v.Case.NextSteps}
	p.Title = s.t(rq, "run.heading", v.Case.Alias, s.t(rq, "round."+string(v.Round)))
	return s.render(w, http.StatusOK, "run", p)
}

func (s *Server) sessionRound(w http.ResponseWriter, r *http.Request, rq *req) error {
	gid, sid, err := runIDs(r)
	if err != nil {
		return err
	}
	cid := formID(r, "case")
	round := holf.Round(r.PostFormValue("round"))
	in := app.RoundInput{Note: r.PostFormValue("note"), Emphasis: holf.MainProcess(r.PostFormValue("emphasis")), NextSteps: r.PostFormValue("next_steps"),
		ToFGE: r.PostFormValue("to_fge") == "1", Version: formVersion(r, "version")}
	c, err := s.app.Learning.SaveRound(r.Context(), rq.actor, gid, sid, cid, round, in)
	if err == nil {
		next := fmt.Sprintf("/supervision/groups/%d/sessions/%d/run?case=%d&round=%s&notice=saved", gid, sid, c.ID, round.Next())
		if round.Next() == "" {
			next = fmt.Sprintf("/supervision/groups/%d?notice=saved#session-%d", gid, sid)
		}
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- a local path of ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.Learning.Run(r.Context(), rq.actor, gid, sid, cid, round)
	if verr != nil {
		return verr
	}
	p := &runPage{Page: s.page(r, rq, "run.title"), RunPage: v, Note: in.Note, NextSteps: in.NextSteps}
	p.Title = s.t(rq, "run.heading", v.Case.Alias, s.t(rq, "round."+string(v.Round)))
	return s.formError(w, rq, "run", p, err, func() error {
		p.Note = v.Case.Notes[round]
		return nil
	})
}

// --- the supervisee's form ---

type casePage struct {
	Page
	formState
	app.CaseForm
	Send bool // the warning is about sending
}

// Has reports whether list holds k.
func (p *casePage) Has(list []string, k string) bool { return slices.Contains(list, k) }

// HasArea reports whether the case names area a.
func (p *casePage) HasArea(a holf.TargetArea) bool { return slices.Contains(p.Case.Areas, a) }

// Areas are the office's target areas.
func (p *casePage) Areas() []holf.TargetArea { return holf.TargetAreas }

// ItemText is a check-list item's wording.
func (p *casePage) ItemText(it holf.FGEItem) string { return it.Text(p.Lang) }

// GroupName names the case's group.
func (p *casePage) SessionLabel(ss holf.SupervisionSession) string {
	for _, g := range p.Groups {
		if g.ID == ss.GroupID {
			return g.Name + ", " + formatDateTime(ss.StartsAt)
		}
	}
	return formatDateTime(ss.StartsAt)
}

func (s *Server) caseNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	fam, err := familyID(r)
	if err != nil {
		return err
	}
	cf, err := s.app.Learning.NewCase(r.Context(), rq.actor, fam, formIDQuery(r, "meeting"))
	if err != nil {
		return err
	}
	if len(cf.Groups) > 0 {
		cf.Case.GroupID = cf.Groups[0].ID
	}
	return s.render(w, http.StatusOK, "case_form", s.caseData(r, rq, cf))
}

func (s *Server) caseData(r *http.Request, rq *req, cf app.CaseForm) *casePage {
	p := &casePage{Page: s.page(r, rq, "case.new"), CaseForm: cf}
	if cf.Case.ID != 0 {
		p.Title = s.t(rq, "case.heading", cf.Case.Alias)
	}
	return p
}

func (s *Server) caseEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	_, cid, err := familyItem(r, "cid", "supervision case")
	if err != nil {
		return err
	}
	cf, err := s.app.Learning.EditCase(r.Context(), rq.actor, cid)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "case_form", s.caseData(r, rq, cf))
}

// readCase reads the supervision form.
func readCase(r *http.Request, c *holf.SupervisionCase) {
	c.GroupID, c.SessionID, c.MemberID = formID(r, "group"), formID(r, "session"), formID(r, "member")
	c.Description, c.Topic, c.Problem, c.Process = r.PostFormValue("description"), r.PostFormValue("topic"), r.PostFormValue("problem"), r.PostFormValue("process")
	c.Areas = nil
	for _, a := range r.PostForm["areas"] {
		c.Areas = append(c.Areas, holf.TargetArea(a))
	}
	c.Tools, c.Principles = r.PostForm["tools"], r.PostForm["principles"]
	c.FGEVersion, _ = strconv.Atoi(r.PostFormValue("fge_version"))
	c.Version = formVersion(r, "version")
}

func (s *Server) caseSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	fam, err := familyID(r)
	if err != nil {
		return err
	}
	c := holf.SupervisionCase{FamilyID: fam, MeetingID: formID(r, "meeting")}
	if r.PathValue("cid") != "" {
		if c.ID, err = pathID(r, "cid", "supervision case"); err != nil {
			return err
		}
	}
	readCase(r, &c)
	send := r.PostFormValue("send") == "1"
	saved, err := s.app.Learning.SaveCase(r.Context(), rq.actor, c, send, r.PostFormValue("acknowledge") == "1")
	if err == nil {
		notice := "saved"
		if send {
			notice = "case_sent"
		}
		http.Redirect(w, r, fmt.Sprintf("/families/%d/supervision/%d?notice=%s", fam, saved.ID, notice), http.StatusSeeOther) // #nosec G710 -- a local path of ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	var cf app.CaseForm
	var ferr error
	if c.ID != 0 {
		cf, ferr = s.app.Learning.EditCase(r.Context(), rq.actor, c.ID)
	} else {
		cf, ferr = s.app.Learning.NewCase(r.Context(), rq.actor, fam, 0)
	}
	if ferr != nil {
		return ferr
	}
	kept := cf.Case
	c.Alias, c.Status = kept.Alias, kept.Status
	if c.ID == 0 {
		c.Status = holf.CaseDraft
	}
	cf.Case = c
	cf.Identifiers = c.Identifiers(&cf.Family)
	p := s.caseData(r, rq, cf)
	p.Send = send
	return s.formError(w, rq, "case_form", p, err, func() error {
		p.Case.Version = kept.Version
		return nil
	})
}

// --- topics across forms ---

type topicsPage struct {
	Page
	app.TopicStats
}

// AreaList is the target areas.
func (p *topicsPage) AreaList() []holf.TargetArea { return holf.TargetAreas }

// ConcernList is who a topic may concern.
func (p *topicsPage) ConcernList() []holf.Concern { return holf.Concerns }

// AreaTotal is the topics about area a over every period.
func (p *topicsPage) AreaTotal(a holf.TargetArea) int {
	n := 0
	for _, m := range p.Areas {
		n += m[string(a)]
	}
	return n
}

// Bar is the width, out of 100, of a bar of n against the largest area.
func (p *topicsPage) Bar(n int) int {
	top := 1
	for _, a := range holf.TargetAreas {
		top = max(top, p.AreaTotal(a))
	}
	return n * 100 / top
}

type barRow struct {
	Label              string
	N, Y, TextY, W, NX int
}

// BarRows are the area chart's bars: 280 units for the largest count.
func (p *topicsPage) BarRows() []barRow {
	out := make([]barRow, len(holf.TargetAreas))
	for i, a := range holf.TargetAreas {
		n := p.AreaTotal(a)
		w := p.Bar(n) * 280 / 100
		out[i] = barRow{Label: p.T("area." + string(a)), N: n, Y: 8 + 28*i, TextY: 21 + 28*i, W: w, NX: 146 + w}
	}
	return out
}

// ChartHeight is the chart's height for its bars.
func (p *topicsPage) ChartHeight() int { return 16 + 28*len(holf.TargetAreas) }

// Period names a half-year "2026-1".
func (p *topicsPage) Period(k string) string {
	y, h, _ := strings.Cut(k, "-")
	if h == "2" {
		return p.T("topics.half_2", y)
	}
	return p.T("topics.half_1", y)
}

// Cell is the count of key in period.
func (p *topicsPage) Cell(m map[string]map[string]int, period, key string) int { return m[period][key] }

func (s *Server) topicStats(w http.ResponseWriter, r *http.Request, rq *req) error {
	st, err := s.app.Learning.Topics(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "topics", &topicsPage{Page: s.page(r, rq, "topics.title"), TopicStats: st})
}

// --- API ---

type apiCase struct {
	ID        int64    `json:"id"`
	Alias     string   `json:"alias"`
	Areas     []string `json:"target_areas"`
	Topic     string   `json:"topic,omitempty"`
	Concern   string   `json:"concerns"`
	Status    string   `json:"status"`
	FamilyID  int64    `json:"family_id,omitempty"`
	Supervise string   `json:"supervisee,omitempty"`
}

type apiSession struct {
	ID       int64     `json:"id"`
	StartsAt time.Time `json:"starts_at"`
	Minutes  int       `json:"minutes"`
	Place    string    `json:"place"`
	Status   string    `json:"status"`
	Attended []int64   `json:"attended"`
	Cases    []apiCase `json:"cases"`
}

type apiGroup struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Leader   string       `json:"leader"`
	Role     string       `json:"your_role"`
	Members  []string     `json:"members"`
	Sessions []apiSession `json:"sessions"`
	Waiting  []apiCase    `json:"waiting_cases"`
}

func toAPICase(c holf.SupervisionCase) apiCase {
	out := apiCase{ID: c.ID, Alias: c.Alias, Topic: c.Topic, Concern: string(c.Concern), Status: string(c.Status), FamilyID: c.FamilyID, Areas: []string{}}
	for _, a := range c.Areas {
		out.Areas = append(out.Areas, string(a))
	}
	if c.FamilyID != 0 {
		out.Supervise = c.AuthorName
	}
	return out
}

// apiGroups is GET /api/v1/supervision-groups: the groups the caller
// leads or belongs to, each session with its cases. A case of another
// office than the caller's carries its alias, areas and topic only.
func (s *Server) apiGroups(w http.ResponseWriter, r *http.Request, rq *req) error {
	gs, err := s.app.Learning.Groups(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	out := make([]apiGroup, 0, len(gs))
	for _, g := range gs {
		ag := apiGroup{ID: g.Group.ID, Name: g.Group.Name, Leader: g.Group.LeaderName, Role: string(g.Role), Members: []string{}, Sessions: []apiSession{}, Waiting: []apiCase{}}
		for _, m := range g.Group.Members {
			ag.Members = append(ag.Members, m.Name)
		}
		for _, ss := range g.Sessions {
			as := apiSession{ID: ss.ID, StartsAt: ss.StartsAt.UTC(), Minutes: ss.Minutes, Place: ss.Place, Status: string(ss.Status), Attended: []int64{}, Cases: []apiCase{}}
			for _, a := range ss.Attendance {
				if a.Attended {
					as.Attended = append(as.Attended, a.PersonID)
				}
			}
			for _, c := range g.Cases {
				if c.SessionID == ss.ID {
					as.Cases = append(as.Cases, toAPICase(c))
				}
			}
			ag.Sessions = append(ag.Sessions, as)
		}
		for _, c := range g.Cases {
			if c.SessionID == 0 {
				ag.Waiting = append(ag.Waiting, toAPICase(c))
			}
		}
		out = append(out, ag)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"groups": out})
}

// --- national seminars ---

type seminarsPage struct {
	Page
	formState
	app.SeminarPage
	Input   seminarInput
	Editing int64
}

type seminarInput struct {
	Title, On, Place, Agenda string
}

// Me is the caller's id, for "you came".
func (p *seminarsPage) Me() int64 { return p.Actor.PersonID }

// AgendaText is a seminar's agenda as typed, one topic a line.
func (p *seminarsPage) AgendaText(s holf.Seminar) string { return strings.Join(s.Agenda, "\n") }

func (s *Server) seminarsData(r *http.Request, rq *req) (*seminarsPage, error) {
	v, err := s.app.Learning.Seminars(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	return &seminarsPage{Page: s.page(r, rq, "seminar.title"), SeminarPage: v}, nil
}

func (s *Server) seminarList(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.seminarsData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "seminars", p)
}

func (s *Server) seminarSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	in := seminarInput{Title: r.PostFormValue("title"), On: r.PostFormValue("on"), Place: r.PostFormValue("place"), Agenda: r.PostFormValue("agenda")}
	var bad holf.Validation
	sm := holf.Seminar{Title: in.Title, Place: in.Place, Agenda: strings.Split(in.Agenda, "\n"), Version: formVersion(r, "version")}
	sm.On = apiDay(&bad, "on", in.On)
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id", "seminar")
		if err != nil {
			return err
		}
		sm.ID = id
		for _, v := range r.PostForm["expected"] {
			pid, _ := strconv.ParseInt(v, 10, 64)
			sm.Attendance = append(sm.Attendance, holf.SessionAttendance{PersonID: pid, Attended: slices.Contains(r.PostForm["attended"], v)})
		}
	}
	saved, err := s.app.Learning.SaveSeminar(r.Context(), rq.actor, sm, bad)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/seminars?notice=saved#seminar-%d", saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of an id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	p, perr := s.seminarsData(r, rq)
	if perr != nil {
		return perr
	}
	p.Input, p.Editing = in, sm.ID
	return s.formError(w, rq, "seminars", p, err, noConflictBox)
}
