package web

import (
	"net/http"
	"strconv"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// auditRecordTypes are the kinds of record the audit log names.
var auditRecordTypes = []string{"family", "person", "office", "partner", "study", "respondent", "survey_response", "token"}

// RecordTypes are the filter's choices.
func (p *auditPage) RecordTypes() []string { return auditRecordTypes }

// RecordName names a kind of record, or shows its code.
func (p *auditPage) RecordName(t string) string {
	if k := "record." + t; p.cat.HasKey(p.Lang, k) {
		return p.T(k)
	}
	return t
}

type auditPage struct {
	Page
	Entries    []holf.AuditEvent
	Who        string
	RecordType string
	RecordID   string
	Since      string
	Until      string
	formState
	More int64
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	p := auditPage{Page: s.page(r, rq, "audit.title"), Who: q.Get("actor"), RecordType: q.Get("record_type"),
		RecordID: q.Get("record_id"), Since: q.Get("since"), Until: q.Get("until")}
	aq := app.AuditQuery{Actor: p.Who, RecordType: p.RecordType, RecordID: p.RecordID, Since: p.Since, Until: p.Until, Limit: 101}
	if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil {
		aq.Before = before
	}
	entries, err := s.app.Audit.List(r.Context(), rq.actor, aq)
	if formProblem(err) {
		return s.formError(w, rq, "audit", &p, err, nil)
	}
	if err != nil {
		return err
	}
	if len(entries) == 101 {
		entries = entries[:100]
		p.More = entries[99].Seq
	}
	p.Entries = entries
	return s.render(w, http.StatusOK, "audit", &p)
}
