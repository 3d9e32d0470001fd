package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

// statusOf is the one table from error codes to HTTP status.
var statusOf = map[string]int{
	holf.EInvalid:              http.StatusBadRequest,
	holf.EUnauthorized:         http.StatusUnauthorized,
	holf.EForbidden:            http.StatusForbidden,
	holf.ENotFound:             http.StatusNotFound,
	holf.EConflict:             http.StatusConflict,
	holf.EPrecondition:         http.StatusPreconditionFailed,
	holf.EPreconditionRequired: http.StatusPreconditionRequired,
	holf.ETooLarge:             http.StatusRequestEntityTooLarge,
	holf.ETooMany:              http.StatusTooManyRequests,
	holf.EUnavailable:          http.StatusServiceUnavailable,
	holf.EInternal:             http.StatusInternalServerError,
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Errors []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// fail renders err for rq's route: problem+json for the API, an error page
// otherwise. Internal errors are logged (no personal data: the route pattern
// and the error chain of our own code) and shown as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *req, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = tooLarge(err)
	}
	code := holf.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var he *holf.Error
	errors.As(err, &he)
	if code == holf.EInvalid && he != nil && len(he.Fields) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("route", r.Pattern), slog.String("error", err.Error()))
	}
	if he != nil && he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((he.RetryAfter+time.Second-1)/time.Second)))
	}
	if status == http.StatusUnauthorized && rq.route != nil && rq.route.api {
		w.Header().Set("WWW-Authenticate", `Bearer realm="holf"`)
	}
	msg := s.errorText(rq, err)
	if rq.route != nil && rq.route.api {
		p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: msg, Code: code}
		if he != nil {
			for _, f := range he.Fields {
				p.Errors = append(p.Errors, problemField{Field: f.Field, Message: s.cat.T(rq.lang, f.Key, f.Args...)})
			}
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	if status == http.StatusUnauthorized {
		s.clearSessionCookie(w)
	}
	s.renderError(w, r, rq, status, msg)
}

// errorText is the message shown for err in rq's language.
func (s *Server) errorText(rq *req, err error) string {
	var he *holf.Error
	if !errors.As(err, &he) || he.Code == holf.EInternal {
		return s.cat.T(rq.lang, "err.internal")
	}
	if he.Key != "" && he.Key != "err.not_found" {
		return s.cat.T(rq.lang, he.Key)
	}
	if he.Code == holf.ENotFound {
		return s.cat.T(rq.lang, "err.not_found")
	}
	if rq.lang == "en" || he.Message == "" {
		return he.Message
	}
	return s.cat.T(rq.lang, "err.generic", he.Message)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	rq := &req{lang: s.language(r), route: &route{}}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		rq.route.api, rq.lang = true, s.apiLanguage(r)
	}
	s.fail(w, r, rq, &holf.Error{Code: holf.ENotFound, Message: "no such page", Key: "err.no_page"})
}
