package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
)

// contentSecurityPolicy allows nothing inline and one script of HOLF's own
// (/static/app.js: autosaving drafts, copying the journal text): every page
// works without it.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !s.cfg.InsecureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		// Everything but static assets may show personal data, so nothing
		// else is cached by browsers or proxies.
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs method, route pattern, status and duration. It logs the
// pattern, never the path or query: those can carry names or ids.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", r.Pattern),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "route", r.Pattern, "panic", fmt.Sprint(v))
				http.Error(w, "Internal server error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the caller from a bearer token or the session
// cookie. No credentials is (nil, nil); bad credentials are EUnauthorized.
func (s *Server) authenticate(r *http.Request) (*holf.Actor, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, &holf.Error{Code: holf.EUnauthorized, Message: "the Authorization header must be 'Bearer <token>'", Key: "err.bad_token"}
		}
		return s.db.TokenActor(r.Context(), auth.HashSecret(strings.TrimSpace(tok)))
	}
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	return s.db.SessionActor(r.Context(), auth.HashSecret(c.Value), s.cfg.Sessions)
}

// Cookies are Secure unless the operator asked for --insecure-cookies (plain
// HTTP from another host, development only); gosec cannot see that.
func (s *Server) setSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- see above
		Name: s.cookie, Value: id, Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure unless --insecure-cookies
		Name: s.cookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode})
}

var errCSRF = &holf.Error{Code: holf.EForbidden, Message: "the form has expired or came from another site; reload the page and try again", Key: "err.csrf"}

func (s *Server) checkFormToken(r *http.Request, a *holf.Actor) error {
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.CSRFToken)) != 1 {
		var mbe *http.MaxBytesError
		if err := r.ParseForm(); errors.As(err, &mbe) {
			return tooLarge(err)
		}
		return errCSRF
	}
	return nil
}

// crossOriginDenied answers requests refused by the Origin/Sec-Fetch-Site check.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	rq := &req{lang: s.language(r), route: &route{}}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		rq.route.api, rq.lang = true, s.apiLanguage(r)
	}
	s.fail(w, r, rq, errCSRF)
}

const langCookie = "holf_lang"

// language picks the page language: the user's explicit choice (cookie),
// otherwise Norwegian bokmål. Browsers' Accept-Language is not used for pages:
// most NAV browsers say English while their users expect Norwegian.
func (s *Server) language(r *http.Request) string {
	choice := ""
	if c, err := r.Cookie(langCookie); err == nil {
		choice = c.Value
	}
	return s.cat.Match(choice, "")
}

// apiLanguage picks the language of API messages: Accept-Language when it
// names a supported language, otherwise English.
func (s *Server) apiLanguage(r *http.Request) string {
	if al := r.Header.Get("Accept-Language"); al != "" {
		return s.cat.Match("", al)
	}
	return "en"
}

func tooLarge(err error) error {
	return &holf.Error{Code: holf.ETooLarge, Message: "the request is too large", Key: "err.too_large", Err: err}
}
