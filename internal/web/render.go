package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zoneinfo database

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/fidelity"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/policy"
)

// templateFS holds the layout, the partials every page may use
// (partials/*.html) and one folder per feature with its pages.
//
//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return time.UTC
	}
	return l
}()

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(oslo).Format("02.01.2006 15:04")
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02.01.2006")
}

var funcs = template.FuncMap{
	"datetime": formatDateTime,
	"isotime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"date":     formatDate,
	"isodate":  func(t time.Time) string { return t.Format("2006-01-02") },
	"join":     strings.Join,
	"inc":      func(i int) int { return i + 1 },
	"fieldid":  FieldID,
	"dec":      func(i int) int { return i - 1 },
	"pct":      func(x float64) float64 { return 100 * x },
	// fig is a value as a figure of its own (a target, to format like one).
	"fig": func(v float64) fidelity.Figure { return fidelity.Figure{Num: v, Den: 1} },
	// take and drop split a long list: the first n lines, and the rest
	// behind a <details> (no script needed).
	"take": func(n int, list any) any { return sliceOf(list, 0, n) },
	"drop": func(n int, list any) any { return sliceOf(list, n, -1) },
	// dict passes several values to a sub-template: (dict "A" x "P" $).
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// sliceOf is list[from:to] (to -1: the end), clamped, for any slice.
func sliceOf(list any, from, to int) any {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return list
	}
	n := v.Len()
	if to < 0 || to > n {
		to = n
	}
	if from > to {
		from = to
	}
	return v.Slice(from, to).Interface()
}

// parseTemplates parses every page with the layout and the partials once,
// at start-up, so a broken template stops the server instead of failing a
// request. A page is named by its file (families/family.html is "family");
// two pages of one name are refused.
func parseTemplates() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	err := fs.WalkDir(templateFS, "templates", func(file string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(file, ".html") {
			return err
		}
		dir, base := path.Split(file)
		if dir == "templates/" || dir == "templates/partials/" {
			return nil
		}
		name := strings.TrimSuffix(base, ".html")
		if _, dup := pages[name]; dup {
			return fmt.Errorf("two templates are named %s", name)
		}
		// A standalone page (a report to save or print) is a whole document
		// of its own, with the partials and without the layout.
		root, files := "layout.html", []string{"templates/layout.html", "templates/partials/*.html", file}
		if dir == "templates/standalone/" {
			root, files = base, []string{file, "templates/partials/*.html"}
		}
		t, err := template.New(root).Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return fmt.Errorf("parse template %s: %w", file, err)
		}
		pages[name] = t
		return nil
	})
	return pages, err
}

// Page is what the layout needs; every page's data embeds it.
type Page struct {
	Lang  string
	Title string
	Actor *holf.Actor
	Nav   []navItem
	CSRF  string
	Path  string
	// Return is where the language switch comes back to: this page with
	// its query (without a one-time notice).
	Return  string
	Notice  string
	Demo    bool
	Version string
	Langs   []langOption
	// Plain pages are for respondents without an account: no menu, and
	// the brand is not a link into the staff application.
	Plain bool
	cat   *i18n.Catalog
}

type navItem struct {
	Href, Label string
	Current     bool
}

type langOption struct {
	Code, Label string
	Current     bool
}

// purposeKeys name the audit purposes in the catalogs.
var purposeKeys = map[string]string{app.PurposeCasework: "purpose.casework", app.PurposeAdmin: "purpose.admin", app.PurposeFollow: "purpose.follow",
	app.PurposeSignIn: "purpose.signin", app.PurposeAccount: "purpose.account", app.PurposeSurvey: "purpose.survey", app.PurposeRespond: "purpose.respond",
	app.PurposeResearch: "purpose.research", app.PurposeCommandLine: "purpose.command_line", app.PurposeLearning: "purpose.learning", app.PurposeTrial: "purpose.trial"}

// PurposeName is an audit entry's purpose in the page's language (a
// purpose of its own, e.g. an import's, as it was written).
func (p *Page) PurposeName(purpose string) string {
	if k, ok := purposeKeys[purpose]; ok {
		return p.T(k)
	}
	return purpose
}

// ActionName is an audit action in words, or its code when the catalog
// has no words for it.
func (p *Page) ActionName(action string) string {
	if k := "audit.action." + action; p.cat.HasKey(p.Lang, k) {
		return p.T(k)
	}
	return action
}

// ActorLabel is who made a record: a person's user name, or the system
// for the command line and the demo ("cli:demo").
func (p *Page) ActorLabel(actor string) string {
	if op, ok := strings.CutPrefix(actor, "cli:"); ok {
		return p.T("actor.system", op)
	}
	return actor
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// N translates counted key for n into the page's language, in the plural
// form the language uses for n.
func (p *Page) N(key string, n int, args ...any) string { return p.cat.N(p.Lang, key, n, args...) }

// RoleName translates a role.
func (p *Page) RoleName(r holf.Role) string { return p.T("role." + string(r)) }

// ArmName translates a trial arm.
func (p *Page) ArmName(a holf.Arm) string { return p.T("arm." + string(a)) }

// notices are the messages a redirect may ask a page to show (?notice=…):
// only known keys are shown, so a link cannot put text on a page.
var notices = map[string]bool{"saved": true, "created": true, "disabled": true, "enabled": true, "password_set": true, "logged_out": true, "session_ended": true, "saved_later": true, "link_issued": true, "enrolled": true, "deleted": true, "contact_logged": true, "escalated": true, "case_sent": true, "review_requested": true, "review_pending": true}

func (s *Server) page(r *http.Request, rq *req, titleKey string) Page {
	p := Page{Lang: rq.lang, cat: s.cat, Actor: rq.actor, Path: r.URL.Path, Demo: s.cfg.Demo, Version: s.cfg.Version}
	p.Title = p.T(titleKey)
	p.Return = r.URL.Path
	if q := r.URL.Query(); reading(r) && len(q) > 0 {
		q.Del("notice")
		if enc := q.Encode(); enc != "" {
			p.Return += "?" + enc
		}
	}
	if n := r.URL.Query().Get("notice"); notices[n] {
		p.Notice = p.T("notice." + n)
	}
	for _, code := range s.cat.Languages() {
		p.Langs = append(p.Langs, langOption{Code: code, Label: s.cat.T(code, "lang.name"), Current: code == rq.lang})
	}
	if a := rq.actor; a != nil {
		p.CSRF = a.CSRFToken
		add := func(act policy.Action, href, key string) {
			if policy.Allows(a, act) {
				cur := r.URL.Path == href || href != "/" && strings.HasPrefix(r.URL.Path, href+"/")
				p.Nav = append(p.Nav, navItem{Href: href, Label: p.T(key), Current: cur})
			}
		}
		add(policy.ViewStart, "/", "nav.home")
		add(policy.FamilyList, "/families", "nav.families")
		add(policy.OfficeList, "/offices", "nav.offices")
		add(policy.PersonList, "/people", "nav.people")
		add(policy.SurveyTrack, "/surveys", "nav.surveys")
		add(policy.GroupView, "/supervision", "nav.supervision")
		add(policy.ReviewGive, "/reviews", "nav.reviews")
		add(policy.LogView, "/logs", "nav.logs")
		add(policy.FollowUpView, "/follow-ups", "nav.followups")
		add(policy.FidelityView, "/fidelity", "nav.fidelity")
		add(policy.TrialView, "/trial", "nav.trial")
		add(policy.FidelityOwn, "/fidelity/mine", "nav.fidelity_mine")
		add(policy.AuditView, "/audit", "nav.audit")
	}
	return p
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

type errorPage struct {
	Page
	Status  int
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, rq *req, status int, msg string) {
	p := errorPage{Page: s.page(r, rq, "error.title"), Status: status, Message: msg}
	// A respondent's link has no account behind it: no way to sign in.
	p.Plain = strings.HasPrefix(r.URL.Path, "/s/")
	if err := s.render(w, status, "error", &p); err != nil {
		http.Error(w, msg, status)
	}
}

// fieldMessages turns field errors into translated messages, in the order
// they were found.
func (s *Server) fieldMessages(rq *req, err error) ([]fieldMessage, bool) {
	he, ok := holf.AsError(err)
	if !ok || he.Code != holf.EInvalid || len(he.Fields) == 0 {
		return nil, false
	}
	out := make([]fieldMessage, len(he.Fields))
	for i, f := range he.Fields {
		out[i] = fieldMessage{Field: f.Field, Message: s.cat.T(rq.lang, f.Key, f.Args...), Label: s.fieldLabel(rq.lang, f.Field)}
	}
	return out, true
}

// fieldLabel names a field for the error summary, so that each line says
// which field it is about: "members.1.name" is "field.members.name" with
// the row's number (2).
func (s *Server) fieldLabel(lang, field string) string {
	var parts []string
	var nums []any
	for _, p := range strings.Split(field, ".") {
		if n, err := strconv.Atoi(p); err == nil {
			nums = append(nums, n+1)
			continue
		}
		parts = append(parts, p)
	}
	key := "field." + strings.Join(parts, ".")
	if !s.cat.HasKey(lang, key) {
		return ""
	}
	return s.cat.T(lang, key, nums...)
}

func (s *Server) static(w http.ResponseWriter, r *http.Request, rq *req) error {
	name := r.PathValue("file")
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		return &holf.Error{Code: holf.ENotFound, Message: "no such file", Key: "err.no_page"}
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b) // #nosec G705 -- an embedded asset, not user input
	return err
}

// favicon answers browsers that ask for /favicon.ico whatever the page says.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request, _ *req) error {
	http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	return nil
}

// formState is the error state every form page carries; templates read
// .Errors (per field) and .Summary.
type formState struct {
	Errors  map[string]string
	Summary string
	// SummaryHelp is a line under the summary's title (what to do next).
	SummaryHelp string
	// Override is the consent override's reason as typed.
	Override string
	order    []string // the fields in error, in the order found
	labels   map[string]string
}

func (f *formState) form() *formState { return f }

// fieldMessage is one line of the error summary: the field's label (when
// the catalog names it) and what is wrong.
type fieldMessage struct{ Field, Message, Label string }

// ErrorList is the summary's lines in the order the errors were found,
// which is the form's order, as the summary must follow the page.
func (f *formState) ErrorList() []fieldMessage {
	out := make([]fieldMessage, 0, len(f.Errors))
	seen := map[string]bool{}
	for _, k := range f.order {
		if m, ok := f.Errors[k]; ok && !seen[k] {
			out, seen[k] = append(out, fieldMessage{Field: k, Message: m, Label: f.labels[k]}), true
		}
	}
	rest := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, fieldMessage{Field: k, Message: f.Errors[k], Label: f.labels[k]})
	}
	return out
}

// fail sets the form's errors from messages given in the form's order and
// its summary to key.
func (f *formState) fail(summary string, fields []fieldMessage) {
	f.Summary, f.Errors, f.order, f.labels = summary, map[string]string{}, nil, map[string]string{}
	for _, fm := range fields {
		if _, dup := f.Errors[fm.Field]; !dup {
			f.Errors[fm.Field], f.labels[fm.Field] = fm.Message, fm.Label
			f.order = append(f.order, fm.Field)
		}
	}
}

type formPager interface{ form() *formState }

// formProblem reports whether err is one a form answers itself: fields to
// fix, or a change someone else made first.
func formProblem(err error) bool {
	he, ok := holf.AsError(err)
	return ok && (he.Code == holf.EInvalid && len(he.Fields) > 0 || he.Code == holf.EConflict)
}

// noConflictBox is formError's conflict step for a page that shows the
// saved state anyway (it was loaded afresh): nothing more to load.
func noConflictBox() error { return nil }

// formError shows a form again after err, keeping what the user typed (it is
// already in p): field problems answer 422; a stale version answers 409
// after conflict has put what is saved now beside the user's text. Any
// other error is returned for the usual error page.
func (s *Server) formError(w http.ResponseWriter, rq *req, name string, p formPager, err error, conflict func() error) error {
	p.form().Override = rq.override
	if fields, ok := s.fieldMessages(rq, err); ok {
		p.form().fail(s.t(rq, "form.fix"), fields)
		return s.render(w, http.StatusUnprocessableEntity, name, p)
	}
	if conflict != nil && holf.ErrorCode(err) == holf.EConflict {
		if cerr := conflict(); cerr != nil {
			return cerr
		}
		p.form().Summary = s.t(rq, "form.conflict")
		return s.render(w, http.StatusConflict, name, p)
	}
	return err
}
