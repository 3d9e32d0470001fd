package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
)

type loginPage struct {
	Page
	formState
	Username string
	Next     string
}

// safeNext keeps a redirect after sign-in (or a language switch) on this
// site: only an absolute path of this origin is taken, anything else is the
// start page. The raw value must begin with exactly one slash and hold no
// control character or backslash (browsers read "/\t/evil" and "/\\evil"
// as another host), and must parse as a path with no scheme, host or user.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, rq *req) error {
	if rq.actor != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	p := loginPage{Page: s.page(r, rq, "login.title"), Next: safeNext(r.URL.Query().Get("next"))}
	return s.render(w, http.StatusOK, "login", &p)
}

// login checks the throttle, then the password, then the account state, and
// starts a new session. Unknown users and wrong passwords get the same answer
// and the same work (a dummy hash), so usernames cannot be probed.
func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	username := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	password := r.PostFormValue("password")
	p := loginPage{Page: s.page(r, rq, "login.title"), Username: username, Next: safeNext(r.PostFormValue("next"))}
	var mbe *http.MaxBytesError
	if err := r.ParseForm(); errors.As(err, &mbe) {
		return tooLarge(err)
	}
	var missing []fieldMessage
	if username == "" {
		missing = append(missing, fieldMessage{Field: "username", Message: s.t(rq, "err.required")})
	}
	if password == "" {
		missing = append(missing, fieldMessage{Field: "password", Message: s.t(rq, "err.required")})
	}
	if len(missing) > 0 {
		p.fail(s.t(rq, "login.fix"), missing)
		return s.render(w, http.StatusUnprocessableEntity, "login", &p)
	}
	if len(username) > 100 {
		username = username[:100]
	}
	// The attempt is decided and counted as a failure in one step, before
	// the password is checked: parallel guesses cannot all pass the limit.
	rules := s.loginRules(username, s.clientAddress(r))
	wait, err := s.db.Attempt(ctx, store.LoginThrottle, rules)
	if err != nil {
		return err
	}
	if wait > 0 {
		retryAfter(w, wait)
		if wait < time.Minute {
			p.Summary = s.cat.N(rq.lang, "login.throttled_seconds", int((wait+time.Second-1)/time.Second))
		} else {
			p.Summary = s.cat.N(rq.lang, "login.throttled", int((wait+time.Minute-1)/time.Minute))
		}
		return s.render(w, http.StatusTooManyRequests, "login", &p)
	}
	id, hash, disabled, err := s.db.Credentials(ctx, username)
	if err != nil && holf.ErrorCode(err) != holf.ENotFound {
		return err
	}
	var verr error
	if err := s.hashing.do(ctx, func() error { verr = s.cfg.Hasher.Verify(hash, password); return nil }); err != nil {
		if he, ok := holf.AsError(err); ok && he.Code == holf.ETooMany {
			retryAfter(w, he.RetryAfter)
			p.Summary = s.t(rq, "login.busy")
			return s.render(w, http.StatusServiceUnavailable, "login", &p)
		}
		return err
	}
	if verr != nil {
		if !errors.Is(verr, auth.ErrMismatch) {
			s.log.Error("stored password hash unusable", "person_id", id, "error", verr.Error())
		}
		p.Summary = s.t(rq, "login.wrong")
		return s.render(w, http.StatusUnauthorized, "login", &p)
	}
	// Signed in: this account's failures are forgotten (the address's stay).
	if err := s.db.Clear(ctx, store.LoginThrottle, rules[0].Key, rules[1].Key); err != nil {
		return err
	}
	if disabled {
		p.Summary = s.t(rq, "err.account_disabled")
		return s.render(w, http.StatusForbidden, "login", &p)
	}
	if err := s.startSession(w, r, id, username, "password"); err != nil {
		return err
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther) // #nosec G710 -- p.Next passed safeNext
	return nil
}

// startSession is the one way a browser becomes signed in, whatever proved
// who it is. Password login calls it after verifying the password; single
// sign-on (OIDC) is meant to call it from its callback handler after it has
// validated the ID token and mapped the subject to a person. It ends the
// browser's previous session, so the session id changes at every login.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, personID int64, username, method string) error {
	var replaced string
	if c, err := r.Cookie(s.cookie); err == nil && c.Value != "" {
		replaced = auth.HashSecret(c.Value)
	}
	sid := auth.NewSecret(32)
	ev := holf.AuditEvent{ActorID: personID, Actor: username, Action: "session.login." + method, RecordType: "person", Purpose: purposeSignIn}
	if err := s.db.CreateSession(r.Context(), ev, personID, auth.HashSecret(sid), auth.NewSecret(32), replaced); err != nil {
		return err
	}
	s.setSessionCookie(w, sid)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *req) error {
	if rq.actor.Via == "session" {
		ev := rq.auditEvent("", "session.logout", "person", rq.actor.PersonID)
		if err := s.db.EndSession(r.Context(), ev, rq.actor.SessionID); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?notice=logged_out", http.StatusSeeOther)
	return nil
}

func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, rq *req) error {
	lang := r.PostFormValue("lang")
	if !s.cat.Has(lang) {
		return &holf.Error{Code: holf.EInvalid, Message: "unknown language", Key: "err.language"}
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure unless --insecure-cookies
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: !s.cfg.InsecureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostFormValue("return")), http.StatusSeeOther) // #nosec G710 -- safeNext keeps it on this site
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, rq *req) error {
	w.Header().Set("Content-Type", "application/json")
	if err := s.db.Ping(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return json.NewEncoder(w).Encode(map[string]string{"status": "unavailable"})
	}
	return json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": s.cfg.Version})
}
