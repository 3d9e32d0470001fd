package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
)

// appendAudit adds ev to the chain inside tx. Bumping the single head row
// first takes a row lock in PostgreSQL (SQLite already serialises writers),
// so concurrent appends queue instead of forking the chain.
func (tx *Tx) appendAudit(ctx context.Context, ev holf.AuditEvent) error {
	if ev.Action == "" || ev.RecordType == "" || ev.Purpose == "" || ev.Actor == "" {
		return fmt.Errorf("audit event incomplete: action, record type, purpose and actor are required")
	}
	var seq int64
	var prev string
	if err := tx.queryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	ev.Seq = seq
	ev.At = tx.now.UTC().Truncate(time.Microsecond)
	ev.PrevHash = prev
	ev.Hash = audit.Hash(prev, ev)
	if _, err := tx.exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor, role, action, record_type, record_id, purpose, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, formatTime(ev.At), ev.ActorID, ev.Actor, string(ev.Role), ev.Action, ev.RecordType, ev.RecordID, ev.Purpose, ev.PrevHash, ev.Hash); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, ev.Hash); err != nil {
		return fmt.Errorf("update audit head: %w", err)
	}
	return nil
}

// RecordView appends an audit entry for a read that showed personal data.
// Callers show the data only when this succeeds.
func (db *DB) RecordView(ctx context.Context, ev holf.AuditEvent) error {
	return db.writeTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, ev) })
}

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	ActorID    int64
	Actor      string
	RecordType string
	RecordID   int64
	Since      time.Time
	Until      time.Time
	Limit      int // 100 when zero
	BeforeSeq  int64
}

// ListAudit returns matching entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]holf.AuditEvent, error) {
	var where []string
	var args []any
	if f.ActorID != 0 {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.RecordType != "" {
		where, args = append(where, "record_type = ?"), append(args, f.RecordType)
	}
	if f.RecordID != 0 {
		where, args = append(where, "record_id = ?"), append(args, f.RecordID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, formatTime(f.Until))
	}
	if f.BeforeSeq > 0 {
		where, args = append(where, "seq < ?"), append(args, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT seq, at, actor_id, actor, role, action, record_type, record_id, purpose, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []holf.AuditEvent
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, mapErr(rows.Err())
}

type scanner interface{ Scan(...any) error }

func scanAudit(s scanner) (holf.AuditEvent, error) {
	var ev holf.AuditEvent
	var at, role string
	if err := s.Scan(&ev.Seq, &at, &ev.ActorID, &ev.Actor, &role, &ev.Action, &ev.RecordType, &ev.RecordID, &ev.Purpose, &ev.PrevHash, &ev.Hash); err != nil {
		return ev, fmt.Errorf("scan audit entry: %w", err)
	}
	ev.At, ev.Role = parseTime(at), holf.Role(role)
	return ev, nil
}

// VerifyAudit walks the whole chain in order and returns the number of intact
// entries, or an *audit.BrokenError naming the first broken one.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	// One read transaction so the head and entries are a consistent snapshot.
	tx, err := db.read.BeginTx(ctx, db.snapshotOpts())
	if err != nil {
		return 0, mapErr(err)
	}
	defer tx.Rollback()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, &audit.BrokenError{Seq: 0, Reason: "audit head missing: " + err.Error()}
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor_id, actor, role, action, record_type, record_id, purpose, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, mapErr(err)
	}
	defer rows.Close()
	var v audit.Verifier
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return v.Count, err
		}
		if err := v.Next(ev); err != nil {
			return v.Count, err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count, mapErr(err)
	}
	return v.Count, v.End(headSeq, headHash)
}
