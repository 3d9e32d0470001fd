package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/survey"
)

// choose picks the questionnaire of the served study a page is about.
func (s *Server) choose(r *http.Request, wave, group string) (app.Choice, error) {
	return s.app.Surveys.Choose(r.Context(), s.cfg.Study, wave, group)
}

type trackingLine struct {
	Office    holf.Office
	Manage    bool
	Counts    survey.TrackingRow
	Rate      string
	Remaining int
}

type trackingPage struct {
	Page
	app.Choice
	CanOwn     bool // the caller answers a questionnaire of their own
	Installed  bool
	CanSetup   bool
	CanExport  bool
	Lines      []trackingLine
	Total      trackingLine
	Attrition  *survey.Attrition
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
	p := trackingPage{Page: s.page(r, rq, "survey.title"), CanOwn: policy.Allows(rq.actor, policy.SurveyOwn),
		CanSetup:  policy.Allows(rq.actor, policy.SurveySetup),
		CanExport: policy.Allows(rq.actor, policy.SurveyExport)}
	c, err := s.choose(r, r.URL.Query().Get("wave"), r.URL.Query().Get("group"))
	if holf.ErrorCode(err) == holf.ENotFound {
		return s.render(w, http.StatusOK, "surveys", &p)
	}
	if err != nil {
		return err
	}
	p.Installed = true
	t, err := s.app.Surveys.Track(r.Context(), rq.actor, c)
	if err != nil {
		return err
	}
	p.Choice, p.Attrition, p.FirstWave, p.SecondWave = t.Choice, t.Attrition, t.FirstWave, t.SecondWave
	for _, l := range t.Lines {
		p.Lines = append(p.Lines, trackingLine{Office: l.Office, Manage: l.Manage, Counts: l.Counts,
			Rate: percent(l.Counts.Submitted, l.Counts.Respondents), Remaining: l.Remaining})
	}
	p.Total = trackingLine{Counts: t.Total, Rate: percent(t.Total.Submitted, t.Total.Respondents), Remaining: t.Total.Respondents - t.Total.Submitted}
	return s.render(w, http.StatusOK, "surveys", &p)
}

// AttritionShare is the share of the first wave's respondents in n.
func (p *trackingPage) AttritionShare(n int) string { return percent(n, p.Attrition.First) }

// surveyInstall installs the default study design.
func (s *Server) surveyInstall(w http.ResponseWriter, r *http.Request, rq *req) error {
	st, err := survey.DefaultStudy(s.lib)
	if err != nil {
		return err
	}
	if st.Code != s.cfg.Study {
		return holf.Errorf(holf.EInvalid, "the built-in study is %s, the server serves %s", st.Code, s.cfg.Study)
	}
	if _, err := s.app.Surveys.Install(r.Context(), rq.actor, st); err != nil {
		return err
	}
	http.Redirect(w, r, "/surveys?notice=created", http.StatusSeeOther)
	return nil
}

// officeSurvey opens the office in the path for the questionnaire of wave
// and group.
func (s *Server) officeSurvey(r *http.Request, rq *req, wave, group string) (app.OfficeSurvey, error) {
	id, err := officeID(r)
	if err != nil {
		return app.OfficeSurvey{}, err
	}
	c, err := s.choose(r, wave, group)
	if err != nil {
		return app.OfficeSurvey{}, err
	}
	return s.app.Surveys.Office(r.Context(), rq.actor, id, c)
}

type officeSurveyPage struct {
	Page
	app.Choice
	// HandOut: staff hand out links and type in paper forms (parents);
	// for coordinators the page shows who has answered, nothing more.
	HandOut bool
	Office  holf.Office
	Lines   []app.RespondentLine
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
	sv, err := s.officeSurvey(r, rq, q.Get("wave"), q.Get("group"))
	if err != nil {
		return err
	}
	// A link just issued, shown once (see onceStore).
	if key := q.Get("shown"); key != "" {
		if v, ok := s.once.take(rq.actor.PersonID, key); ok {
			link, code, _ := strings.Cut(v, "\n")
			return s.showSurveyOffice(w, r, rq, sv, link, code)
		}
		return s.showSurveyOffice(w, r, rq, sv, "", "", "survey.shown_gone")
	}
	return s.showSurveyOffice(w, r, rq, sv, "", "")
}

func (s *Server) showSurveyOffice(w http.ResponseWriter, r *http.Request, rq *req, sv app.OfficeSurvey, link, linkFor string, notice ...string) error {
	lines, err := s.app.Surveys.Respondents(r.Context(), rq.actor, sv)
	if err != nil {
		return err
	}
	p := officeSurveyPage{Page: s.page(r, rq, "survey.office_title"), Choice: sv.Choice, Office: sv.Office, Lines: lines, Link: link, LinkFor: linkFor,
		Counts: map[string]int{}, HandOut: sv.Q.Def.Group == survey.GroupParents}
	p.Title = p.T("survey.office_title") + " – " + sv.Office.Name
	for _, n := range notice {
		p.Notice = p.T(n)
	}
	for _, l := range lines {
		p.Counts[l.Status]++
		if l.NeedReminder {
			p.Counts["remind"]++
		}
	}
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
	sv, err := s.officeSurvey(r, rq, r.PostFormValue("wave"), r.PostFormValue("group"))
	if err != nil {
		return err
	}
	if _, err := s.app.Surveys.Enrol(r.Context(), rq.actor, sv); err != nil {
		return err
	}
	http.Redirect(w, r, surveyOfficeURL(sv.Office.ID, sv.Wave, sv.Group, "enrolled"), http.StatusSeeOther)
	return nil
}

// respondentID reads a respondent's id; one that cannot exist is not found.
func respondentID(raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, holf.NotFound("respondent", raw)
	}
	return id, nil
}

// surveyLink issues a respondent's personal link (or a new one as a
// reminder) and shows it once: only its hash is kept.
func (s *Server) surveyLink(w http.ResponseWriter, r *http.Request, rq *req) error {
	sv, err := s.officeSurvey(r, rq, r.PostFormValue("wave"), r.PostFormValue("group"))
	if err != nil {
		return err
	}
	rid, err := respondentID(r.PostFormValue("respondent"))
	if err != nil {
		return err
	}
	token, err := s.app.Surveys.IssueLink(r.Context(), rq.actor, sv, rid)
	if err != nil {
		return err
	}
	// Shown on the page the redirect leads to, once: a reload there makes
	// no second link.
	key := s.once.put(rq.actor.PersonID, s.publicURL(r)+"/s/"+token+"\n"+r.PostFormValue("code"))
	v := url.Values{"wave": {sv.Choice.Wave}, "group": {sv.Choice.Group}, "shown": {key}}
	http.Redirect(w, r, fmt.Sprintf("/offices/%d/surveys?%s#link", sv.Office.ID, v.Encode()), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
	return nil
}

// publicURL is the address people reach the server at: the configured
// one, else the request's own (links are handed out by staff on the same
// server). A plain-HTTP request gets an http link: a demo on localhost
// serves no TLS.
func (s *Server) publicURL(r *http.Request) string {
	if u := strings.TrimRight(s.cfg.PublicURL, "/"); u != "" {
		return u
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

type paperPage struct {
	Page
	formState
	app.Choice
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
	p, _, rs, err := s.loadPaper(r, rq, r.URL.Query().Get("wave"), r.URL.Query().Get("group"))
	if err != nil {
		return err
	}
	p.Sections = s.paperSections(rq, p.Q, rs.Answers)
	return s.render(w, http.StatusOK, "survey_paper", p)
}

func (s *Server) loadPaper(r *http.Request, rq *req, wave, group string) (*paperPage, app.OfficeSurvey, survey.Response, error) {
	sv, err := s.officeSurvey(r, rq, wave, group)
	if err != nil {
		return nil, sv, survey.Response{}, err
	}
	rid, err := respondentID(r.PathValue("rid"))
	if err != nil {
		return nil, sv, survey.Response{}, err
	}
	rs, err := s.app.Surveys.Paper(r.Context(), rq.actor, sv, rid)
	if err != nil {
		return nil, sv, rs, err
	}
	p := &paperPage{Page: s.page(r, rq, "survey.paper_title"), Choice: sv.Choice, Office: sv.Office, Respondent: rid, Code: rs.RespondentCode, Version: rs.Version}
	return p, sv, rs, nil
}

func (s *Server) paperSections(rq *req, q survey.InstalledQuestionnaire, a survey.Answers) []paperSection {
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
	p, sv, rs, err := s.loadPaper(r, rq, r.PostForm.Get("wave"), r.PostForm.Get("group"))
	if err != nil {
		return err
	}
	version := formVersion(r, "version")
	if version < 0 {
		return errFormVersion
	}
	p.Sections = s.paperSections(rq, p.Q, rs.Answers)
	var changes []survey.AnswerChange
	ok := true
	for i := range p.Sections {
		c, good := s.readAnswers(r, rq, p.Sections[i].Questions)
		changes = append(changes, c...)
		ok = ok && good
	}
	if !ok {
		var all []question
		for _, sec := range p.Sections {
			all = append(all, sec.Questions...)
		}
		p.fail(s.t(rq, "respond.fix"), questionErrors(all))
		return s.render(w, http.StatusUnprocessableEntity, "survey_paper", p)
	}
	submit := r.PostForm.Get("go") == "submit"
	if err := s.app.Surveys.SavePaper(r.Context(), rq.actor, sv, rs, version, changes, submit, rq.lang); err != nil {
		if holf.ErrorCode(err) == holf.EConflict && version != rs.Version {
			// Someone else saved in between: show what is saved now and
			// say so; what this user typed stays in the form.
			p.Summary = s.t(rq, "survey.paper_conflict")
			p.Version = rs.Version
			return s.render(w, http.StatusConflict, "survey_paper", p)
		}
		return err
	}
	if !submit {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/surveys/paper/%d?%s", p.Office.ID, p.Respondent,
			url.Values{"wave": {p.Wave}, "group": {p.Group}, "notice": {"saved"}}.Encode()), http.StatusSeeOther) // #nosec G710 -- built from ids
		return nil
	}
	http.Redirect(w, r, surveyOfficeURL(p.Office.ID, p.Wave, p.Group, "saved"), http.StatusSeeOther)
	return nil
}

// surveyExport hands a researcher one questionnaire's pseudonymised data,
// codebook and scripts as a zip file. The export is audited.
func (s *Server) surveyExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	c, err := s.choose(r, r.URL.Query().Get("wave"), r.URL.Query().Get("group"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ex, err := s.app.Surveys.Export(r.Context(), rq.actor, c, app.ExportOptions{Exact: q.Get("exact") == "1", Reason: q.Get("reason")})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, file := range ex.Files {
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
	w.Header().Set("X-HOLF-K-Anonymity", strconv.Itoa(ex.Disclosure.K))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s_%s_%s.zip", c.Study.Study.Code, c.Wave, c.Group)))
	_, err = buf.WriteTo(w)
	return err
}

type minePage struct {
	Page
	Own []app.OwnQuestionnaire
}

// surveyMine lists a coordinator's own questionnaires: they answer them
// through a link only they get, here.
func (s *Server) surveyMine(w http.ResponseWriter, r *http.Request, rq *req) error {
	own, err := s.app.Surveys.Own(r.Context(), rq.actor)
	if holf.ErrorCode(err) == holf.ENotFound {
		own, err = nil, nil // no study installed yet
	}
	if err != nil {
		return err
	}
	p := minePage{Page: s.page(r, rq, "survey.mine_title"), Own: own}
	return s.render(w, http.StatusOK, "survey_mine", &p)
}

// surveyMineOpen gives the coordinator a fresh link to their own
// questionnaire and takes them straight into it.
func (s *Server) surveyMineOpen(w http.ResponseWriter, r *http.Request, rq *req) error {
	token, err := s.app.Surveys.OpenOwn(r.Context(), rq.actor, formID(r, "questionnaire"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/s/"+url.PathEscape(token), http.StatusSeeOther) // #nosec G710 -- /s/ and an escaped token of our own
	return nil
}
