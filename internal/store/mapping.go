package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
)

// SaveMapping stores m as the next version of the family's mapping, if
// m.Version is still the latest (0 for the first). Empty answers are dropped.
// The save is on the family's timeline and the audit log; its audit entry
// names the version written and holds the digest of its content, so that a
// changed text is found when the log is verified.
func (db *DB) SaveMapping(ctx context.Context, ev holf.AuditEvent, m *holf.Mapping) error {
	fields := map[string]string{}
	for k, v := range m.Fields {
		if v = strings.TrimRight(v, " \t\r\n"); v != "" {
			fields[k] = v
		}
	}
	content, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	ev.RecordID = m.FamilyID
	return db.writeTx(ctx, func(tx *Tx) error {
		var latest int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM mapping_versions WHERE family_id = ?`, m.FamilyID).Scan(&latest); err != nil {
			return fmt.Errorf("read mapping version of family %d: %w", m.FamilyID, err)
		}
		if latest != m.Version {
			return &holf.Error{Code: holf.EConflict, Key: "err.stale", Message: fmt.Sprintf("the mapping of family %d was saved by someone else after you opened it", m.FamilyID)}
		}
		next := latest + 1
		if _, err := tx.exec(ctx, `INSERT INTO mapping_versions (family_id, version, saved_at, actor_id, actor, content) VALUES (?, ?, ?, ?, ?, ?)`,
			m.FamilyID, next, formatTime(tx.now), ev.ActorID, ev.Actor, string(content)); err != nil {
			return fmt.Errorf("save mapping of family %d: %w", m.FamilyID, err)
		}
		if err := tx.addEvent(ctx, m.FamilyID, ev, mappingEvent(next, tx.now)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE families SET updated_at = ? WHERE id = ?`, formatTime(tx.now), m.FamilyID); err != nil {
			return err
		}
		ev.DataRef, ev.DataDigest = mappingRef(m.FamilyID, next), audit.Digest(content)
		if err := tx.appendAudit(ctx, ev); err != nil {
			return err
		}
		m.Version, m.SavedAt, m.ActorID, m.Actor, m.Fields = next, tx.now, ev.ActorID, ev.Actor, fields
		return nil
	})
}

func scanMapping(s scanner) (holf.Mapping, error) {
	var m holf.Mapping
	var saved, content string
	if err := s.Scan(&m.FamilyID, &m.Version, &saved, &m.ActorID, &m.Actor, &content); err != nil {
		return m, err
	}
	m.SavedAt = parseTime(saved)
	if err := json.Unmarshal([]byte(content), &m.Fields); err != nil {
		return m, fmt.Errorf("mapping %d v%d: %w", m.FamilyID, m.Version, err)
	}
	return m, nil
}

const mappingCols = `family_id, version, saved_at, actor_id, actor, content`

// Mapping returns version v of a family's mapping (0: the latest). A family
// with no mapping yet gets an empty version 0, not an error.
func (db *DB) Mapping(ctx context.Context, familyID int64, v int) (holf.Mapping, error) {
	q := `SELECT ` + mappingCols + ` FROM mapping_versions WHERE family_id = ? ORDER BY version DESC LIMIT 1`
	args := []any{familyID}
	if v > 0 {
		q = `SELECT ` + mappingCols + ` FROM mapping_versions WHERE family_id = ? AND version = ?`
		args = append(args, v)
	}
	m, err := scanMapping(db.queryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if v > 0 {
			return holf.Mapping{}, holf.NotFound("mapping version", v)
		}
		return holf.Mapping{FamilyID: familyID, Fields: map[string]string{}}, nil
	}
	if err != nil {
		return m, fmt.Errorf("load mapping of family %d: %w", familyID, mapErr(err))
	}
	return m, nil
}

// MappingVersions returns every version of a family's mapping, oldest first.
func (db *DB) MappingVersions(ctx context.Context, familyID int64) ([]holf.Mapping, error) {
	rows, err := db.query(ctx, `SELECT `+mappingCols+` FROM mapping_versions WHERE family_id = ? ORDER BY version`, familyID)
	if err != nil {
		return nil, fmt.Errorf("load mapping history of family %d: %w", familyID, err)
	}
	defer rows.Close()
	var out []holf.Mapping
	for rows.Next() {
		m, err := scanMapping(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

func mappingEvent(version int, on time.Time) holf.FamilyEvent {
	return holf.FamilyEvent{Kind: holf.EventMapping, On: on, Details: holf.EventDetails{Version: version}}
}
