package app

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Audit is reading and verifying the audit log.
type Audit struct{ *core }

// AuditQuery is an audit filter as a person types it: every door (page,
// API, command line) reads the same fields the same way.
type AuditQuery struct {
	Actor, RecordType, RecordID, Since, Until string
	Before                                    int64 // entries before this sequence number (paging)
	Limit                                     int   // 100 when zero, at most 1000
}

// Filter parses q; times are RFC 3339, YYYY-MM-DDTHH:MM or YYYY-MM-DD in
// Norwegian time.
func (q AuditQuery) Filter() (store.AuditFilter, error) {
	var v holf.Validation
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Actor), RecordType: strings.TrimSpace(q.RecordType), BeforeSeq: q.Before}
	for field, s := range map[string]string{"actor": f.Actor, "record_type": f.RecordType} {
		if n := utf8.RuneCountInString(s); n > 100 {
			v.Add(field, "err.too_long", 100, n)
		}
	}
	if q.RecordID != "" {
		id, err := strconv.ParseInt(q.RecordID, 10, 64)
		if err != nil || id <= 0 {
			v.Add("record_id", "err.number")
		}
		f.RecordID = id
	}
	parse := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, Norway); err == nil {
				return t
			}
		}
		v.Add(field, "err.date")
		return time.Time{}
	}
	f.Since, f.Until = parse("since", q.Since), parse("until", q.Until)
	switch {
	case q.Limit < 0 || q.Limit > 1000:
		v.Add("limit", "err.range", 1, 1000)
	case q.Limit > 0:
		f.Limit = q.Limit
	}
	return f, v.Err()
}

// List returns the entries q selects, newest first.
func (au *Audit) List(ctx context.Context, a *holf.Actor, q AuditQuery) ([]holf.AuditEvent, error) {
	if _, err := decideGlobal(a, policy.AuditView); err != nil {
		return nil, err
	}
	f, err := q.Filter()
	if err != nil {
		return nil, err
	}
	return au.db.ListAudit(ctx, f)
}

// Verify walks the whole chain against the signed checkpoints cps and
// returns the number of intact entries, or an *audit.BrokenError naming
// the first problem.
func (au *Audit) Verify(ctx context.Context, a *holf.Actor, cps []audit.Checkpoint) (int64, error) {
	if _, err := decideGlobal(a, policy.AuditView); err != nil {
		return 0, err
	}
	return au.db.VerifyAudit(ctx, cps)
}

// Checkpoint signs the chain's head now, for the system to keep outside
// the database; ok is false when the head has not moved since last (the
// newest of cps).
func (au *Audit) Checkpoint(ctx context.Context, a *holf.Actor, last []audit.Checkpoint) (audit.Checkpoint, bool, error) {
	if _, err := decideGlobal(a, policy.AuditView); err != nil {
		return audit.Checkpoint{}, false, err
	}
	c, err := au.db.Checkpoint(ctx, last)
	if err != nil {
		return c, false, err
	}
	if n := len(last); n > 0 && last[n-1].Seq == c.Seq && last[n-1].Hash == c.Hash {
		return c, false, nil
	}
	return c, true, nil
}
