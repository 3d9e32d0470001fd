package store

import (
	"context"
	"database/sql"
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
	var seq, keyedFrom int64
	var prev string
	if err := tx.queryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, keyed_from`).Scan(&seq, &prev, &keyedFrom); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	ev.Seq = seq
	ev.At = tx.now.UTC().Truncate(time.Microsecond)
	ev.PrevHash = prev
	ev.Hash = audit.Hash(prev, ev)
	if keyedFrom > 0 && seq >= keyedFrom {
		ev.Hash = tx.db.auditKey.MAC(prev, ev)
	}
	if _, err := tx.exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor, role, action, record_type, record_id, purpose,
		record_ids, data_ref, data_digest, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, formatTime(ev.At), ev.ActorID, ev.Actor, string(ev.Role), ev.Action, ev.RecordType, ev.RecordID, ev.Purpose,
		audit.JoinIDs(ev.RecordIDs), ev.DataRef, ev.DataDigest, ev.PrevHash, ev.Hash); err != nil {
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
	q := `SELECT ` + auditCols + ` FROM audit_log`
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

const auditCols = `seq, at, actor_id, actor, role, action, record_type, record_id, purpose, record_ids, data_ref, data_digest, prev_hash, hash`

func scanAudit(s scanner) (holf.AuditEvent, error) {
	var ev holf.AuditEvent
	var ids string
	if err := s.Scan(&ev.Seq, asTime(&ev.At), &ev.ActorID, &ev.Actor, asText(&ev.Role), &ev.Action, &ev.RecordType, &ev.RecordID, &ev.Purpose,
		&ids, &ev.DataRef, &ev.DataDigest, &ev.PrevHash, &ev.Hash); err != nil {
		return ev, fmt.Errorf("scan audit entry: %w", err)
	}
	ev.RecordIDs = audit.SplitIDs(ids)
	return ev, nil
}

// Checkpoint signs the chain's head as it is now, for the caller to keep
// outside the database (audit.AppendCheckpoint). It first checks the chain
// from the newest of the earlier checkpoints cps to the head, so that a
// checkpoint never vouches for a log changed since the last one.
func (db *DB) Checkpoint(ctx context.Context, cps []audit.Checkpoint) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	tx, err := db.read.BeginTx(ctx, db.snapshotOpts())
	if err != nil {
		return c, mapErr(err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&c.Seq, &c.Hash, &c.KeyedFrom); err != nil {
		return c, mapErr(err)
	}
	v := audit.Verifier{Key: db.auditKey, KeyedFrom: c.KeyedFrom, Pinned: map[int64]string{}}
	from := int64(1)
	if n := len(cps); n > 0 {
		last := cps[n-1]
		if !last.Valid(db.auditKey.PublicKey()) {
			return c, &audit.BrokenError{Seq: last.Seq, Reason: "the newest checkpoint is not signed with this database's audit key"}
		}
		v.Pinned[last.Seq], v.KeyedFrom, from = last.Hash, last.KeyedFrom, last.Seq
	}
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT `+auditCols+` FROM audit_log WHERE seq >= ? ORDER BY seq`), from)
	if err != nil {
		return c, mapErr(err)
	}
	defer rows.Close()
	first := true
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return c, err
		}
		if first {
			v.Resume(ev.Seq-1, ev.PrevHash)
			first = false
		}
		if err := v.Next(ev); err != nil {
			return c, err
		}
	}
	if err := rows.Err(); err != nil {
		return c, mapErr(err)
	}
	if err := v.End(c.Seq, c.Hash); err != nil {
		return c, err
	}
	c.At = db.now()
	return db.auditKey.Sign(c), nil
}

// VerifyAudit walks the whole chain in order against the signed
// checkpoints cps (oldest first) and returns the number of intact entries,
// or an *audit.BrokenError naming the first problem: an entry altered,
// inserted, deleted or renumbered; the log truncated or its head rewound
// past a checkpoint; a checkpoint forged; or data a write stored changed
// since (its digest). A log with entries and no checkpoint is not intact:
// nothing outside the database vouches for it.
func (db *DB) VerifyAudit(ctx context.Context, cps []audit.Checkpoint) (int64, error) {
	v := audit.Verifier{Key: db.auditKey, Pinned: map[int64]string{}}
	pub := db.auditKey.PublicKey()
	for i, c := range cps {
		if !c.Valid(pub) {
			return 0, &audit.BrokenError{Seq: c.Seq, Reason: fmt.Sprintf("checkpoint %d is not signed with this database's audit key", i+1)}
		}
		if prev, ok := v.Pinned[c.Seq]; ok && prev != c.Hash {
			return 0, &audit.BrokenError{Seq: c.Seq, Reason: "two checkpoints hold different hashes for one entry"}
		}
		v.Pinned[c.Seq], v.KeyedFrom = c.Hash, c.KeyedFrom
	}
	// One read transaction so the head and entries are a consistent snapshot.
	tx, err := db.read.BeginTx(ctx, db.snapshotOpts())
	if err != nil {
		return 0, mapErr(err)
	}
	defer tx.Rollback()
	var headSeq, keyedFrom int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash, &keyedFrom); err != nil {
		return 0, &audit.BrokenError{Seq: 0, Reason: "audit head missing: " + err.Error()}
	}
	if len(cps) == 0 {
		v.KeyedFrom = keyedFrom
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, mapErr(err)
	}
	defer rows.Close()
	var refs []holf.AuditEvent
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return v.Count, err
		}
		if err := v.Next(ev); err != nil {
			return v.Count, err
		}
		if ev.DataRef != "" {
			refs = append(refs, ev)
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count, mapErr(err)
	}
	if err := v.End(headSeq, headHash); err != nil {
		return v.Count, err
	}
	if len(cps) == 0 && v.Count > 0 {
		return v.Count, &audit.BrokenError{Seq: v.Count, Reason: "no signed checkpoint vouches for the log"}
	}
	for _, ev := range refs {
		if err := db.checkData(ctx, tx, ev); err != nil {
			return v.Count, err
		}
	}
	return v.Count, nil
}

// mappingRef names a saved mapping version, the data of a mapping save.
func mappingRef(familyID int64, version int) string {
	return fmt.Sprintf("mapping_versions/%d/%d", familyID, version)
}

// checkData compares the data an entry's write stored with its digest.
// Mapping versions are never changed after they are saved, so their
// content must still be what was written.
func (db *DB) checkData(ctx context.Context, tx *sql.Tx, ev holf.AuditEvent) error {
	var family int64
	var version int
	if _, err := fmt.Sscanf(ev.DataRef, "mapping_versions/%d/%d", &family, &version); err != nil {
		return &audit.BrokenError{Seq: ev.Seq, Reason: fmt.Sprintf("unknown data reference %q", ev.DataRef)}
	}
	var content string
	err := tx.QueryRowContext(ctx, db.rebind(`SELECT content FROM mapping_versions WHERE family_id = ? AND version = ?`), family, version).Scan(&content)
	if err != nil {
		return &audit.BrokenError{Seq: ev.Seq, Reason: fmt.Sprintf("the mapping version %d of family %d that entry %d wrote is gone", version, family, ev.Seq)}
	}
	if audit.Digest([]byte(content)) != ev.DataDigest {
		return &audit.BrokenError{Seq: ev.Seq, Reason: fmt.Sprintf("mapping version %d of family %d was changed after it was saved", version, family)}
	}
	return nil
}
