package web

import (
	"encoding/csv"
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

// Training support's reviews, the action logs and the leaders' monthly
// follow-up.

// --- reviews ---

// reviewReturn is where a review request comes back to: the form's page.
func reviewReturn(fam int64, kind holf.ReviewKind, record int64) string {
	switch kind {
	case holf.ReviewMapping:
		return fmt.Sprintf("/families/%d/mapping#review", fam)
	case holf.ReviewPlan:
		return fmt.Sprintf("/families/%d/plan#review", fam)
	}
	return fmt.Sprintf("/families/%d/meetings/%d#review", fam, record)
}

func (s *Server) reviewRequest(w http.ResponseWriter, r *http.Request, rq *req) error {
	fam, err := familyID(r)
	if err != nil {
		return err
	}
	kind, record := holf.ReviewKind(r.PostFormValue("kind")), formID(r, "record")
	_, err = s.app.Reviews.Request(r.Context(), rq.actor, fam, kind, record, r.PostFormValue("note"))
	back := reviewReturn(fam, kind, record)
	if err == nil {
		http.Redirect(w, r, addNotice(back, "review_requested"), http.StatusSeeOther) // #nosec G710 -- a local path of ids
		return nil
	}
	if he, ok := holf.AsError(err); ok && he.Code == holf.EInvalid && len(he.Fields) > 0 && he.Fields[0].Key == "err.review_pending" {
		http.Redirect(w, r, addNotice(back, "review_pending"), http.StatusSeeOther) // #nosec G710 -- a local path of ids
		return nil
	}
	return err
}

// addNotice puts a one-time notice on a local address, before its anchor.
func addNotice(path, notice string) string {
	base, anchor, hasAnchor := strings.Cut(path, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if hasAnchor {
		anchor = "#" + anchor
	}
	return base + sep + "notice=" + notice + anchor
}

type reviewsPage struct {
	Page
	Reviews []holf.Review
	Offices map[int64]string
}

// Link is where a review's page is.
func (p *Page) ReviewLink(rv holf.Review) string {
	return fmt.Sprintf("/families/%d/reviews/%d", rv.FamilyID, rv.ID)
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, rq *req) error {
	rs, err := s.app.Reviews.Queue(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "reviews", &reviewsPage{Page: s.page(r, rq, "review.queue"), Reviews: rs, Offices: s.app.Learning.OfficeNames(r.Context())})
}

type reviewPage struct {
	Page
	formState
	app.ReviewPage
	Status   string
	Reason   string
	Comments map[string]string
}

// Sections of the reviewed form.
func (p *reviewPage) Sections() []string { return p.Review.Kind.Sections() }

// ReviewSection names section sec of a form of kind k.
func (p *Page) ReviewSection(k holf.ReviewKind, sec string) string {
	if k == holf.ReviewMapping && sec != "whole" {
		return p.T("area." + sec)
	}
	return p.T("review.section." + sec)
}

type mappingArea struct {
	Area   holf.TargetArea
	Fields []reviewField
}

type reviewField struct{ Key, Value string }

// MappingAreas are the filled fields of the reviewed mapping, by area.
func (p *reviewPage) MappingAreas() []mappingArea {
	var out []mappingArea
	for _, a := range holf.TargetAreas {
		ma := mappingArea{Area: a}
		for _, f := range holf.AreaFields {
			if v := p.Mapping.Fields[holf.AreaKey(a, f)]; v != "" {
				ma.Fields = append(ma.Fields, reviewField{Key: f, Value: v})
			}
		}
		if len(ma.Fields) > 0 {
			out = append(out, ma)
		}
	}
	return out
}

// MemberName names a member of the family.
func (p *reviewPage) MemberName(id int64) string {
	for _, m := range p.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}

func (s *Server) reviewData(r *http.Request, rq *req, v app.ReviewPage) *reviewPage {
	p := &reviewPage{Page: s.page(r, rq, "review.title"), ReviewPage: v, Status: string(v.Review.Status), Reason: v.Review.Reason, Comments: map[string]string{}}
	p.Title = s.t(rq, "review.heading", s.t(rq, "review.kind."+string(v.Review.Kind)), v.Family.Name)
	for _, c := range v.Review.Comments {
		p.Comments[c.Section] = c.Body
	}
	return p
}

func (s *Server) reviewShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	fam, id, err := familyItem(r, "rid", "review")
	if err != nil {
		return err
	}
	v, err := s.app.Reviews.Get(r.Context(), rq.actor, fam, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "review", s.reviewData(r, rq, v))
}

func (s *Server) reviewDecide(w http.ResponseWriter, r *http.Request, rq *req) error {
	fam, id, err := familyItem(r, "rid", "review")
	if err != nil {
		return err
	}
	// The use case checks each section against the form's kind: the form
	// itself is loaded again only to show a problem.
	status, reason := r.PostFormValue("status"), r.PostFormValue("reason")
	var comments []holf.ReviewComment
	typed := map[string]string{}
	for key, vals := range r.PostForm {
		if sec, ok := strings.CutPrefix(key, "comment_"); ok && len(vals) > 0 {
			typed[sec] = vals[0]
			comments = append(comments, holf.ReviewComment{Section: sec, Body: vals[0]})
		}
	}
	slices.SortFunc(comments, func(a, b holf.ReviewComment) int { return strings.Compare(a.Section, b.Section) })
	_, err = s.app.Reviews.Decide(r.Context(), rq.actor, fam, id, formVersion(r, "version"), holf.ReviewStatus(status), reason, comments)
	if err == nil {
		http.Redirect(w, r, "/reviews?notice=saved", http.StatusSeeOther)
		return nil
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.Reviews.Get(r.Context(), rq.actor, fam, id)
	if verr != nil {
		return verr
	}
	p := s.reviewData(r, rq, v)
	p.Status, p.Reason, p.Comments = status, reason, typed
	return s.formError(w, rq, "review", p, err, func() error { return nil })
}

// reviewBox is what a form's page shows of its reviews.
type reviewBox struct {
	Reviews    []holf.Review
	CanRequest bool
	Kind       holf.ReviewKind
	Record     int64
	FamilyID   int64
}

// Open reports whether a request of the form is waiting.
func (b reviewBox) Open() bool {
	for _, r := range b.Reviews {
		if r.Status == holf.ReviewRequested {
			return true
		}
	}
	return false
}

func (s *Server) formReviews(r *http.Request, rq *req, f *holf.Family, kind holf.ReviewKind, record int64) (reviewBox, error) {
	rs, can, err := s.app.Reviews.ForForm(r.Context(), rq.actor, f, kind, record)
	return reviewBox{Reviews: rs, CanRequest: can, Kind: kind, Record: record, FamilyID: f.ID}, err
}

// --- action logs ---

type logsPage struct {
	Page
	formState
	app.LogForm
	Entries   []holf.LogEntry
	Filter    logFilterInput
	Input     logInput
	CanAdd    bool
	ExportURL string
}

type logFilterInput struct {
	Kind, Office, Subject, From, To string
}

type logInput struct {
	Office, Subject, On, Channel, Topic, Minutes, FollowUp string
}

// Channels of contact.
func (p *logsPage) Channels() []holf.Channel { return holf.Channels }

// Kinds of log.
func (p *logsPage) Kinds() []holf.LogKind { return holf.LogKinds }

// TotalMinutes adds up the listed contacts' durations.
func (p *logsPage) TotalMinutes() int {
	n := 0
	for _, e := range p.Entries {
		n += e.Minutes
	}
	return n
}

func readLogFilter(r *http.Request) (logFilterInput, app.LogFilter) {
	q := r.URL.Query()
	in := logFilterInput{Kind: q.Get("kind"), Office: q.Get("office"), Subject: q.Get("subject"), From: q.Get("from"), To: q.Get("to")}
	f := app.LogFilter{Kind: holf.LogKind(in.Kind)}
	f.Office, _ = strconv.ParseInt(in.Office, 10, 64)
	f.Subject, _ = strconv.ParseInt(in.Subject, 10, 64)
	f.From, _ = parseDay(in.From)
	f.To, _ = parseDay(in.To)
	return in, f
}

func (s *Server) logsData(r *http.Request, rq *req) (*logsPage, error) {
	in, f := readLogFilter(r)
	es, err := s.app.Logs.List(r.Context(), rq.actor, f)
	if err != nil {
		return nil, err
	}
	p := &logsPage{Page: s.page(r, rq, "log.title"), Entries: es, Filter: in, Input: logInput{On: s.app.Today().Format("2006-01-02"), Channel: string(holf.ChannelPhone)}}
	p.ExportURL = "/logs/export.csv?" + r.URL.Query().Encode()
	if policy.Allows(rq.actor, policy.LogSupport) || policy.Allows(rq.actor, policy.LogManagement) {
		if p.LogForm, err = s.app.Logs.Form(r.Context(), rq.actor); err != nil {
			return nil, err
		}
		p.CanAdd = true
	}
	return p, nil
}

func (s *Server) logList(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.logsData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "logs", p)
}

func (s *Server) logAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	in := logInput{Office: r.PostFormValue("office"), Subject: r.PostFormValue("subject"), On: r.PostFormValue("on"), Channel: r.PostFormValue("channel"),
		Topic: r.PostFormValue("topic"), Minutes: r.PostFormValue("minutes"), FollowUp: r.PostFormValue("follow_up")}
	var bad holf.Validation
	e := holf.LogEntry{OfficeID: formID(r, "office"), SubjectID: formID(r, "subject"), Channel: holf.Channel(in.Channel), Topic: in.Topic, FollowUp: in.FollowUp}
	e.On = apiDay(&bad, "on", in.On)
	if in.Minutes != "" {
		n, err := strconv.Atoi(in.Minutes)
		if err != nil {
			bad.Add("minutes", "err.log_minutes")
		}
		e.Minutes = n
	}
	if _, err := s.app.Logs.Add(r.Context(), rq.actor, e, bad); err != nil {
		if !formProblem(err) {
			return err
		}
		p, perr := s.logsData(r, rq)
		if perr != nil {
			return perr
		}
		p.Input = in
		return s.formError(w, rq, "logs", p, err, noConflictBox)
	}
	// An intervention noted from an office's fidelity page goes back there.
	back := "/logs"
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/fidelity/offices/") && !strings.ContainsAny(b, "?#\\") && !strings.Contains(b, "//") {
		back = b
	}
	http.Redirect(w, r, addNotice(back, "saved"), http.StatusSeeOther) // #nosec G710 -- a local path checked above
	return nil
}

// logExport is the filtered log as CSV, for the fidelity work and for
// reports: staff names and offices, never a family.
func (s *Server) logExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	_, f := readLogFilter(r)
	es, err := s.app.Logs.List(r.Context(), rq.actor, f)
	if err != nil {
		return err
	}
	return sendCSV(w, "action-log.csv", func(cw *csv.Writer) {
		_ = cw.Write([]string{"date", "log", "office", "author", "contact", "channel", "minutes", "topic", "follow_up"})
		for _, e := range es {
			_ = cw.Write([]string{e.On.Format("2006-01-02"), string(e.Kind), csvSafe(e.OfficeName), csvSafe(e.AuthorName), csvSafe(e.SubjectName),
				string(e.Channel), strconv.Itoa(e.Minutes), csvSafe(e.Topic), csvSafe(e.FollowUp)})
		}
	})
}

// sendCSV answers with the CSV that write writes, as a download named
// name. Cells of free text go through csvSafe; numbers do not (a negative
// one would be mangled).
func sendCSV(w http.ResponseWriter, name string, write func(*csv.Writer)) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	write(cw)
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

type apiLog struct {
	ID       int64  `json:"id"`
	Log      string `json:"log"`
	Date     string `json:"date"`
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	Author   string `json:"author"`
	Contact  string `json:"contact"`
	Channel  string `json:"channel"`
	Minutes  int    `json:"minutes"`
	Topic    string `json:"topic"`
	FollowUp string `json:"follow_up"`
}

// apiLogs is GET /api/v1/action-logs with the page's filters.
func (s *Server) apiLogs(w http.ResponseWriter, r *http.Request, rq *req) error {
	_, f := readLogFilter(r)
	es, err := s.app.Logs.List(r.Context(), rq.actor, f)
	if err != nil {
		return err
	}
	out := make([]apiLog, len(es))
	for i, e := range es {
		out[i] = apiLog{ID: e.ID, Log: string(e.Kind), Date: e.On.Format("2006-01-02"), OfficeID: e.OfficeID, Office: e.OfficeName, Author: e.AuthorName,
			Contact: e.SubjectName, Channel: string(e.Channel), Minutes: e.Minutes, Topic: e.Topic, FollowUp: e.FollowUp}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

type apiReview struct {
	ID        int64             `json:"id"`
	FamilyID  int64             `json:"family_id"`
	OfficeID  int64             `json:"office_id"`
	Form      string            `json:"form"`
	RecordID  int64             `json:"record_id"`
	Status    string            `json:"status"`
	Requested time.Time         `json:"requested_at"`
	Reason    string            `json:"reason,omitempty"`
	Comments  map[string]string `json:"comments"`
}

// apiReviews is GET /api/v1/reviews: the review queue and the last
// verdicts of the caller's offices.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request, rq *req) error {
	rs, err := s.app.Reviews.Queue(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	out := make([]apiReview, len(rs))
	for i, x := range rs {
		out[i] = apiReview{ID: x.ID, FamilyID: x.FamilyID, OfficeID: x.OfficeID, Form: string(x.Kind), RecordID: x.RecordID, Status: string(x.Status),
			Requested: x.RequestedAt.UTC(), Reason: x.Reason, Comments: map[string]string{}}
		for _, c := range x.Comments {
			out[i].Comments[c.Section] = c.Body
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"reviews": out})
}

// --- monthly follow-up ---

type followUpPage struct {
	Page
	formState
	app.Overview
	Input followUpInput
}

type followUpInput struct {
	Coordinator                                                     int64
	Month, Caseload, Challenges, RoleClarity, RoleNote, Collab, Sup string
	Actions                                                         string
}

// Clarities are the choices of role clarity.
func (p *followUpPage) Clarities() []holf.RoleClarity { return holf.RoleClarities }

// CoordinatorName names a coordinator of the office.
func (p *followUpPage) CoordinatorName(id int64) string {
	for _, r := range p.Rows {
		if r.Person.ID == id {
			return r.Person.Name
		}
	}
	return ""
}

// MonthName is "november 2026".
func (p *Page) MonthName(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// followUps sends a leader to the overview of their (first) office.
func (s *Server) followUps(w http.ResponseWriter, r *http.Request, rq *req) error {
	ids := policy.Visible(rq.actor, policy.FollowUpView).IDs()
	if len(ids) == 0 {
		return app.Forbidden()
	}
	http.Redirect(w, r, fmt.Sprintf("/offices/%d/follow-ups", ids[0]), http.StatusSeeOther) // #nosec G710 -- a local path of an id
	return nil
}

func (s *Server) followUpData(r *http.Request, rq *req, v app.Overview) *followUpPage {
	p := &followUpPage{Page: s.page(r, rq, "followup.title"), Overview: v, Input: followUpInput{Month: v.Month.Format("2006-01"), RoleClarity: string(holf.RoleClear)}}
	p.Title = s.t(rq, "followup.heading", v.Office.Name)
	p.Input.Coordinator = formIDQuery(r, "coordinator")
	return p
}

func (s *Server) followUpShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	v, err := s.app.FollowUps.Overview(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "followups", s.followUpData(r, rq, v))
}

func (s *Server) followUpSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	in := followUpInput{Coordinator: formID(r, "coordinator"), Month: r.PostFormValue("month"), Caseload: r.PostFormValue("caseload"),
		Challenges: r.PostFormValue("challenges"), RoleClarity: r.PostFormValue("role_clarity"), RoleNote: r.PostFormValue("role_note"),
		Collab: r.PostFormValue("collaboration"), Sup: r.PostFormValue("support"), Actions: r.PostFormValue("actions")}
	var bad holf.Validation
	f := holf.FollowUp{OfficeID: id, CoordinatorID: in.Coordinator, Caseload: in.Caseload, Challenges: in.Challenges, RoleClarity: holf.RoleClarity(in.RoleClarity),
		RoleNote: in.RoleNote, Collaboration: in.Collab, Support: in.Sup, Actions: in.Actions}
	if in.Month != "" {
		m, err := time.Parse("2006-01", in.Month)
		if err != nil {
			bad.Add("month", "err.month")
		}
		f.Month = m
	}
	if _, err = s.app.FollowUps.Save(r.Context(), rq.actor, f, bad); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/follow-ups?notice=saved", id), http.StatusSeeOther) // #nosec G710 -- a local path of an id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.FollowUps.Overview(r.Context(), rq.actor, id)
	if verr != nil {
		return verr
	}
	p := s.followUpData(r, rq, v)
	p.Input = in
	return s.formError(w, rq, "followups", p, err, noConflictBox)
}

type followUpMinePage struct {
	Page
	FollowUps []holf.FollowUp
}

func (s *Server) followUpMine(w http.ResponseWriter, r *http.Request, rq *req) error {
	fs, err := s.app.FollowUps.Mine(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "followups_mine", &followUpMinePage{Page: s.page(r, rq, "followup.mine"), FollowUps: fs})
}

// sendBytes sends a download made in memory, with its type and name.
func sendBytes(w http.ResponseWriter, name, contentType string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err := w.Write(b)
	return err
}
