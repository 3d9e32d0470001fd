package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// study returns the installed study the server serves. An installed study
// never changes (a new design is a new study), so it is loaded once, not on
// every respondent's page; "not installed yet" is not remembered.
func (s *Server) study(r *http.Request) (*store.InstalledStudy, error) {
	if st := s.installed.Load(); st != nil {
		return st, nil
	}
	st, err := s.db.Study(r.Context(), s.lib, s.cfg.Study)
	if err != nil {
		return nil, err
	}
	s.installed.Store(st)
	return st, nil
}

// surveyChoice is the wave and group a survey page is about, from the query
// or the form, defaulting to the first questionnaire.
type surveyChoice struct {
	Waves  []string
	Groups []string
	Wave   string
	Group  string
	Q      store.InstalledQuestionnaire
}

func (s *Server) chooseQuestionnaire(st *store.InstalledStudy, wave, group string) (surveyChoice, error) {
	c := surveyChoice{Groups: []string{survey.GroupParents, survey.GroupCoordinators}}
	for _, w := range st.Study.Waves {
		c.Waves = append(c.Waves, w.Code)
	}
	if wave == "" {
		wave = c.Waves[0]
	}
	if group == "" {
		group = survey.GroupParents
	}
	q, err := st.Questionnaire(wave, group)
	if err != nil {
		return c, &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("the study has no questionnaire for %s at %s", group, wave), Key: "survey.no_questionnaire"}
	}
	c.Wave, c.Group, c.Q = wave, group, q
	return c, nil
}

type trackingLine struct {
	Office    holf.Office
	Manage    bool
	Counts    store.TrackingRow
	Rate      string
	Remaining int
}

type trackingPage struct {
	Page
	surveyChoice
	Installed  bool
	CanSetup   bool
	CanExport  bool
	Lines      []trackingLine
	Total      trackingLine
	Attrition  *store.Attrition
	FirstWave  string
	SecondWave string
}

func percent(n, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.Itoa((200*n+of)/(2*of)) + " %"
}

// surveyOverview counts responses per visible office for one questionnaire
// and shows attrition between the first two waves in the shape of Table 5.
// Counts are not personal data: names are only on the office's own page.
func (s *Server) surveyOverview(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := trackingPage{Page: s.page(r, rq, "survey.title"),
		CanSetup:  policy.Allows(rq.actor, policy.SurveySetup),
		CanExport: policy.Allows(rq.actor, policy.SurveyExport)}
	st, err := s.study(r)
	if holf.ErrorCode(err) == holf.ENotFound {
		return s.render(w, http.StatusOK, "surveys", &p)
	}
	if err != nil {
		return err
	}
	p.Installed = true
	if p.surveyChoice, err = s.chooseQuestionnaire(st, r.URL.Query().Get("wave"), r.URL.Query().Get("group")); err != nil {
		return err
	}
	offices, _, err := s.visibleOffices(r, rq, policy.SurveyTrack)
	if err != nil {
		return err
	}
	ids := make([]int64, len(offices))
	for i, o := range offices {
		ids[i] = o.ID
	}
	rows, err := s.db.Tracking(r.Context(), st.ID, p.Q, ids)
	if err != nil {
		return err
	}
	byOffice := map[int64]store.TrackingRow{}
	for _, t := range rows {
		byOffice[t.OfficeID] = t
	}
	for _, o := range offices {
		if o.Arm == holf.ArmNone && byOffice[o.ID].Respondents == 0 {
			continue
		}
		c := byOffice[o.ID]
		l := trackingLine{Office: o, Counts: c, Rate: percent(c.Submitted, c.Respondents), Remaining: c.Respondents - c.Submitted,
			Manage: policy.Decide(rq.actor, policy.SurveyManage, policy.OfficeResource("office", o.ID)).Allowed}
		p.Lines = append(p.Lines, l)
		t := &p.Total.Counts
		t.Respondents += c.Respondents
		t.Invited += c.Invited
		t.Started += c.Started
		t.Submitted += c.Submitted
		t.Paper += c.Paper
		t.Reminded += c.Reminded
	}
	p.Total.Rate = percent(p.Total.Counts.Submitted, p.Total.Counts.Respondents)
	p.Total.Remaining = p.Total.Counts.Respondents - p.Total.Counts.Submitted
	if len(p.Waves) >= 2 {
		q1, err1 := st.Questionnaire(p.Waves[0], p.Group)
		q2, err2 := st.Questionnaire(p.Waves[1], p.Group)
		if err1 == nil && err2 == nil {
			a, err := s.db.Attrition(r.Context(), q1.ID, q2.ID, ids)
			if err != nil {
				return err
			}
			p.Attrition, p.FirstWave, p.SecondWave = &a, p.Waves[0], p.Waves[1]
		}
	}
	return s.render(w, http.StatusOK, "surveys", &p)
}

// AttritionShare is the share of the first wave's respondents in n.
func (p *trackingPage) AttritionShare(n int) string { return percent(n, p.Attrition.First) }

// surveyInstall installs the default study design.
func (s *Server) surveyInstall(w http.ResponseWriter, r *http.Request, rq *req) error {
	role, err := s.authorize(rq, policy.SurveySetup, policy.Global, "study", s.cfg.Study)
	if err != nil {
		return err
	}
	st, err := survey.DefaultStudy(s.lib)
	if err != nil {
		return err
	}
	if st.Code != s.cfg.Study {
		return holf.Errorf(holf.EInvalid, "the built-in study is %s, the server serves %s", st.Code, s.cfg.Study)
	}
	if _, err := s.db.InstallStudy(r.Context(), rq.auditEvent(role, "study.install", "study", 0), st); err != nil {
		return err
	}
	http.Redirect(w, r, "/surveys?notice=created", http.StatusSeeOther)
	return nil
}

// officeSurvey is what an office's questionnaire page acts on: the office
// (checked for SurveyManage), the installed study and the chosen
// questionnaire.
type officeSurvey struct {
	Office holf.Office
	Role   holf.Role
	Study  *store.InstalledStudy
	surveyChoice
}

func (s *Server) loadOfficeSurvey(r *http.Request, rq *req, wave, group string) (officeSurvey, error) {
	var sv officeSurvey
	var err error
	if sv.Office, sv.Role, err = s.loadOffice(r, rq, policy.SurveyManage); err != nil {
		return sv, err
	}
	if sv.Study, err = s.study(r); err != nil {
		return sv, err
	}
	sv.surveyChoice, err = s.chooseQuestionnaire(sv.Study, wave, group)
	return sv, err
}

type surveyLine struct {
	store.ResponseLine
	Status       string
	NeedReminder bool
}

type officeSurveyPage struct {
	Page
	surveyChoice
	Office  holf.Office
	Lines   []surveyLine
	Link    string // a new link, shown once
	LinkFor string
	Counts  map[string]int
}

// StatusName translates a response status.
func (p *officeSurveyPage) StatusName(st string) string {
	if st == "" {
		st = "none"
	}
	return p.T("survey.status." + st)
}

// surveyOffice lists an office's respondents for one questionnaire with
// where each is, who needs a reminder, and the actions: a personal link, a
// new link as a reminder, or entry from paper.
func (s *Server) surveyOffice(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	sv, err := s.loadOfficeSurvey(r, rq, q.Get("wave"), q.Get("group"))
	if err != nil {
		return err
	}
	return s.showSurveyOffice(w, r, rq, sv, "", "")
}

func (s *Server) showSurveyOffice(w http.ResponseWriter, r *http.Request, rq *req, sv officeSurvey, link, linkFor string) error {
	o, role, c := sv.Office, sv.Role, sv.surveyChoice
	lines, err := s.db.OfficeResponses(r.Context(), sv.Study.ID, c.Q, o.ID)
	if err != nil {
		return err
	}
	// The list names people: it is a view of personal data.
	if err := s.db.RecordView(r.Context(), rq.auditEvent(role, "survey.respondents", "office", o.ID)); err != nil {
		return err
	}
	p := officeSurveyPage{Page: s.page(r, rq, "survey.office_title"), surveyChoice: c, Office: o, Link: link, LinkFor: linkFor, Counts: map[string]int{}}
	p.Title = p.T("survey.office_title") + " – " + o.Name
	now := s.db.Now()
	for _, l := range lines {
		sl := surveyLine{ResponseLine: l, Status: l.Status()}
		// A reminder is due when a link went out more than a week ago (or
		// has expired) and nothing has been submitted.
		last := l.InvitedAt
		if l.RemindedAt.After(last) {
			last = l.RemindedAt
		}
		sl.NeedReminder = l.ResponseID != 0 && l.Mode == "web" && sl.Status != "submitted" &&
			(now.Sub(last) >= 7*24*time.Hour || !now.Before(l.ExpiresAt))
		p.Counts[sl.Status]++
		if sl.NeedReminder {
			p.Counts["remind"]++
		}
		p.Lines = append(p.Lines, sl)
	}
	sort.SliceStable(p.Lines, func(i, j int) bool { return p.Lines[i].NeedReminder && !p.Lines[j].NeedReminder })
	return s.render(w, http.StatusOK, "survey_office", &p)
}

func surveyOfficeURL(officeID int64, wave, group, notice string) string {
	v := url.Values{"wave": {wave}, "group": {group}}
	if notice != "" {
		v.Set("notice", notice)
	}
	return fmt.Sprintf("/offices/%d/surveys?%s", officeID, v.Encode())
}

// surveyEnrol gives every eligible person of the office a respondent code.
func (s *Server) surveyEnrol(w http.ResponseWriter, r *http.Request, rq *req) error {
	sv, err := s.loadOfficeSurvey(r, rq, r.PostFormValue("wave"), r.PostFormValue("group"))
	if err != nil {
		return err
	}
	o := sv.Office
	if _, err := s.db.EnrolRespondents(r.Context(), rq.auditEvent(sv.Role, "survey.enrol", "office", o.ID), sv.Study.ID, o.ID, sv.Group); err != nil {
		return err
	}
	http.Redirect(w, r, surveyOfficeURL(o.ID, sv.Wave, sv.Group, "enrolled"), http.StatusSeeOther)
	return nil
}

// respondentOf checks that the respondent in the form or path belongs to
// the office; another office's respondent answers as missing.
func (s *Server) respondentOf(r *http.Request, st *store.InstalledStudy, officeID int64, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, holf.NotFound("respondent", raw)
	}
	office, _, err := s.db.RespondentOffice(r.Context(), st.ID, id)
	if err != nil {
		return 0, err
	}
	if office != officeID {
		return 0, holf.NotFound("respondent", id)
	}
	return id, nil
}

// surveyLink issues a respondent's personal link (or a new one as a
// reminder) and shows it once: only its hash is kept.
func (s *Server) surveyLink(w http.ResponseWriter, r *http.Request, rq *req) error {
	sv, err := s.loadOfficeSurvey(r, rq, r.PostFormValue("wave"), r.PostFormValue("group"))
	if err != nil {
		return err
	}
	role, c := sv.Role, sv.surveyChoice
	rid, err := s.respondentOf(r, sv.Study, sv.Office.ID, r.PostFormValue("respondent"))
	if err != nil {
		return err
	}
	token := auth.NewSecret(32)
	expires := s.db.Now().AddDate(0, 0, c.Q.Def.ValidDays)
	if _, err := s.db.IssueLink(r.Context(), rq.auditEvent(role, "survey.link", "respondent", rid), c.Q.ID, rid, auth.HashSecret(token), expires); err != nil {
		return err
	}
	link := s.publicURL(r) + "/s/" + token
	return s.showSurveyOffice(w, r, rq, sv, link, r.PostFormValue("code"))
}

// publicURL is the address respondents reach the server at, from the
// request: links are handed out by staff on the same server.
func (s *Server) publicURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil && s.cfg.InsecureCookies {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

type paperPage struct {
	Page
	formState
	surveyChoice
	Office     holf.Office
	Respondent int64
	Code       string
	Version    int64
	Sections   []paperSection
}

type paperSection struct {
	Title     string
	Questions []question
}

// paperForm shows every question of a questionnaire on one page, for a
// coordinator typing in a parent's paper questionnaire.
func (s *Server) paperForm(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, rs, err := s.loadPaper(r, rq, r.URL.Query().Get("wave"), r.URL.Query().Get("group"))
	if err != nil {
		return err
	}
	p.Sections = s.paperSections(rq, p.Q, rs.Answers)
	return s.render(w, http.StatusOK, "survey_paper", p)
}

func (s *Server) loadPaper(r *http.Request, rq *req, wave, group string) (*paperPage, store.Response, error) {
	var rs store.Response
	sv, err := s.loadOfficeSurvey(r, rq, wave, group)
	if err != nil {
		return nil, rs, err
	}
	o, role, c := sv.Office, sv.Role, sv.surveyChoice
	rid, err := s.respondentOf(r, sv.Study, o.ID, r.PathValue("rid"))
	if err != nil {
		return nil, rs, err
	}
	rs, err = s.db.FindResponse(r.Context(), c.Q.ID, rid)
	switch {
	case holf.ErrorCode(err) == holf.ENotFound:
		rs = store.Response{RespondentID: rid, Answers: survey.Answers{}}
		if rs.RespondentCode, err = s.db.RespondentCode(r.Context(), rid); err != nil {
			return nil, rs, err
		}
	case err != nil:
		return nil, rs, err
	}
	if err := s.db.RecordView(r.Context(), rq.auditEvent(role, "survey.paper_view", "respondent", rid)); err != nil {
		return nil, rs, err
	}
	if !rs.SubmittedAt.IsZero() {
		return nil, rs, &holf.Error{Code: holf.EConflict, Message: "this questionnaire has been submitted and cannot be changed", Key: "err.survey_submitted"}
	}
	p := &paperPage{Page: s.page(r, rq, "survey.paper_title"), surveyChoice: c, Office: o, Respondent: rid, Code: rs.RespondentCode, Version: rs.Version}
	return p, rs, nil
}

func (s *Server) paperSections(rq *req, q store.InstalledQuestionnaire, a survey.Answers) []paperSection {
	var out []paperSection
	n := 1
	// Pages never mix instruments: consecutive pages of one instrument make
	// one section.
	for _, pg := range q.Def.Pages(s.lib) {
		if pg.First {
			out = append(out, paperSection{Title: localText(rq.lang, pg.Instrument.Name)})
		}
		sec := &out[len(out)-1]
		sec.Questions = append(sec.Questions, s.buildQuestions(rq.lang, pg.Questions, n, a)...)
		n += len(pg.Questions)
	}
	return out
}

// paperSave stores what the coordinator typed and, when asked, submits it
// as a paper response entered by them.
func (s *Server) paperSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := r.ParseForm(); err != nil {
		return tooLarge(err)
	}
	p, rs, err := s.loadPaper(r, rq, r.PostForm.Get("wave"), r.PostForm.Get("group"))
	if err != nil {
		return err
	}
	version, err := formVersion(r, "version")
	if err != nil {
		return err
	}
	p.Sections = s.paperSections(rq, p.Q, rs.Answers)
	var changes []store.AnswerChange
	ok := true
	for i := range p.Sections {
		c, good := s.readAnswers(r, rq, p.Sections[i].Questions)
		changes = append(changes, c...)
		ok = ok && good
	}
	if !ok {
		p.Summary = s.t(rq, "respond.fix")
		p.Errors = map[string]string{}
		for _, sec := range p.Sections {
			for _, q := range sec.Questions {
				if q.Error != "" {
					p.Errors[q.Field] = q.Error
				}
			}
		}
		return s.render(w, http.StatusUnprocessableEntity, "survey_paper", p)
	}
	role := policy.Decide(rq.actor, policy.SurveyManage, policy.OfficeResource("office", p.Office.ID)).Role
	ctx := r.Context()
	if rs.ID == 0 {
		if rs.ID, err = s.db.PaperResponse(ctx, rq.auditEvent(role, "survey.paper_open", "respondent", rs.RespondentID), p.Q.ID, rs.RespondentID); err != nil {
			return err
		}
	}
	if err := s.db.SaveAnswers(ctx, rq.auditEvent(role, "survey.paper_answer", "survey_response", rs.ID), rs.ID, version, changes); err != nil {
		if holf.ErrorCode(err) == holf.EConflict && version != rs.Version {
			// Someone else saved in between: show what is saved now and
			// say so; what this user typed stays in the form.
			p.Summary = s.t(rq, "survey.paper_conflict")
			p.Version = rs.Version
			return s.render(w, http.StatusConflict, "survey_paper", p)
		}
		return err
	}
	if r.PostForm.Get("go") != "submit" {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/surveys/paper/%d?%s", p.Office.ID, p.Respondent,
			url.Values{"wave": {p.Wave}, "group": {p.Group}, "notice": {"saved"}}.Encode()), http.StatusSeeOther) // #nosec G710 -- built from ids
		return nil
	}
	saved, err := s.db.GetResponse(ctx, rs.ID)
	if err != nil {
		return err
	}
	scores, err := p.Q.Def.Score(s.lib, saved.Answers)
	if err != nil {
		return fmt.Errorf("score response %d: %w", rs.ID, err)
	}
	sub := store.Submission{ResponseID: rs.ID, Mode: "paper", Lang: rq.lang, EnteredBy: rq.actor.PersonID, Scores: scores}
	if err := s.db.SubmitResponse(ctx, rq.auditEvent(role, "survey.paper_submit", "survey_response", rs.ID), sub); err != nil {
		return err
	}
	http.Redirect(w, r, surveyOfficeURL(p.Office.ID, p.Wave, p.Group, "saved"), http.StatusSeeOther)
	return nil
}

// surveyExport hands a researcher one questionnaire's pseudonymised data,
// codebook and scripts as a zip file. The export is audited.
func (s *Server) surveyExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	role, err := s.authorize(rq, policy.SurveyExport, policy.Global, "export", "survey")
	if err != nil {
		return err
	}
	st, err := s.study(r)
	if err != nil {
		return err
	}
	c, err := s.chooseQuestionnaire(st, r.URL.Query().Get("wave"), r.URL.Query().Get("group"))
	if err != nil {
		return err
	}
	rows, err := s.db.ExportResponses(r.Context(), c.Q.ID)
	if err != nil {
		return err
	}
	files, err := s.lib.Export(st.Study, c.Q.Def, rows)
	if err != nil {
		return holf.Errorf(holf.EConflict, "%v", err)
	}
	if err := s.db.RecordView(r.Context(), rq.auditEvent(role, "survey.export", "questionnaire", c.Q.ID)); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, file := range files {
		f, err := zw.Create(file.Name)
		if err != nil {
			return err
		}
		if _, err := f.Write(file.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s_%s_%s.zip", st.Study.Code, c.Wave, c.Group)))
	_, err = buf.WriteTo(w)
	return err
}
