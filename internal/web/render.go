package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zoneinfo database

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/policy"
)

//go:embed templates/*.html
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
	// dict passes several values to a sub-template: (dict "A" x "P" $).
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// parseTemplates parses every page with the layout once, at start-up, so a
// broken template stops the server instead of failing a request.
func parseTemplates() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", e.Name(), err)
		}
		pages[name] = t
	}
	return pages, nil
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
var notices = map[string]bool{"saved": true, "created": true, "disabled": true, "enabled": true, "password_set": true, "logged_out": true, "session_ended": true, "saved_later": true, "link_issued": true, "enrolled": true}

func (s *Server) page(r *http.Request, rq *req, titleKey string) Page {
	p := Page{Lang: rq.lang, cat: s.cat, Actor: rq.actor, Path: r.URL.Path, Demo: s.cfg.Demo, Version: s.cfg.Version}
	p.Title = p.T(titleKey)
	p.Return = r.URL.Path
	if q := r.URL.Query(); r.Method == http.MethodGet && len(q) > 0 {
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
	if err := s.render(w, status, "error", &p); err != nil {
		http.Error(w, msg, status)
	}
}

// formErrors turns field errors into translated messages per field.
func (s *Server) formErrors(rq *req, err error) (map[string]string, bool) {
	he, ok := holf.AsError(err)
	if !ok || he.Code != holf.EInvalid || len(he.Fields) == 0 {
		return nil, false
	}
	m := map[string]string{}
	for _, f := range he.Fields {
		if _, dup := m[f.Field]; !dup {
			m[f.Field] = s.cat.T(rq.lang, f.Key, f.Args...)
		}
	}
	return m, true
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
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b) // #nosec G705 -- an embedded asset, not user input
	return err
}

// formState is the error state every form page carries; templates read
// .Errors (per field) and .Summary.
type formState struct {
	Errors  map[string]string
	Summary string
}

func (f *formState) form() *formState { return f }

type formPager interface{ form() *formState }

// formError shows a form again after err, keeping what the user typed (it is
// already in p): field problems answer 422; a stale version answers 409
// after conflict has put what is saved now beside the user's text. Any
// other error is returned for the usual error page.
func (s *Server) formError(w http.ResponseWriter, rq *req, name string, p formPager, err error, conflict func() error) error {
	if fe, ok := s.formErrors(rq, err); ok {
		p.form().Errors, p.form().Summary = fe, s.t(rq, "form.fix")
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
