package store

import (
	"context"
	"fmt"

	"github.com/holf-project/holf"
)

const officeCols = `id, name, municipality, arm, target_areas, version, created_at, updated_at`

func scanOffice(s scanner) (holf.Office, error) {
	var o holf.Office
	var arm, areas, created, updated string
	err := s.Scan(&o.ID, &o.Name, &o.Municipality, &arm, &areas, &o.Version, &created, &updated)
	o.Arm, o.CreatedAt, o.UpdatedAt = holf.Arm(arm), parseTime(created), parseTime(updated)
	o.TargetAreas = holf.ParseAreas(areas)
	return o, err
}

// CreateOffice inserts o and sets its ID, version and times.
func (db *DB) CreateOffice(ctx context.Context, ev holf.AuditEvent, o *holf.Office) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO offices (name, municipality, arm, target_areas, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			o.Name, o.Municipality, string(o.Arm), holf.JoinAreas(o.TargetAreas), now, now)
		if err != nil {
			return 0, fmt.Errorf("create office: %w", err)
		}
		o.ID, o.Version, o.CreatedAt, o.UpdatedAt = id, 1, parseTime(now), parseTime(now)
		return id, nil
	})
}

// UpdateOffice saves o if its Version is still the stored one; otherwise it
// returns EConflict and changes nothing. On success o.Version is advanced.
func (db *DB) UpdateOffice(ctx context.Context, ev holf.AuditEvent, o *holf.Office) error {
	if err := o.Validate(); err != nil {
		return err
	}
	ev.RecordID = o.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		res, err := tx.exec(ctx, `UPDATE offices SET name = ?, municipality = ?, arm = ?, target_areas = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			o.Name, o.Municipality, string(o.Arm), holf.JoinAreas(o.TargetAreas), now, o.ID, o.Version)
		if err != nil {
			return 0, fmt.Errorf("update office %d: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.getOffice(ctx, o.ID); err != nil {
				return 0, err
			}
			return 0, staleVersion("office", o.ID)
		}
		o.Version++
		o.UpdatedAt = parseTime(now)
		return o.ID, nil
	})
}

func staleVersion(kind string, id int64) error {
	return &holf.Error{Code: holf.EConflict, Key: "err.stale",
		Message: fmt.Sprintf("%s %d was changed by someone else after you opened it", kind, id)}
}

func (tx *Tx) getOffice(ctx context.Context, id int64) (holf.Office, error) {
	o, err := scanOffice(tx.queryRow(ctx, `SELECT `+officeCols+` FROM offices WHERE id = ?`, id))
	return o, notFoundIf(err, "office", id)
}

// GetOffice loads one office.
func (db *DB) GetOffice(ctx context.Context, id int64) (holf.Office, error) {
	o, err := scanOffice(db.queryRow(ctx, `SELECT `+officeCols+` FROM offices WHERE id = ?`, id))
	return o, notFoundIf(err, "office", id)
}

// OfficeFilter restricts ListOffices; nil IDs means all offices, an empty
// non-nil slice means none.
type OfficeFilter struct {
	IDs []int64
	Arm holf.Arm
}

// ListOffices returns the matching offices ordered by name.
func (db *DB) ListOffices(ctx context.Context, f OfficeFilter) ([]holf.Office, error) {
	if f.IDs != nil && len(f.IDs) == 0 {
		return []holf.Office{}, nil
	}
	q := `SELECT ` + officeCols + ` FROM offices WHERE 1 = 1`
	var args []any
	if f.IDs != nil {
		q += ` AND id IN (` + placeholders(len(f.IDs)) + `)`
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Arm != "" {
		q += ` AND arm = ?`
		args = append(args, string(f.Arm))
	}
	q += ` ORDER BY name`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list offices: %w", err)
	}
	defer rows.Close()
	out := []holf.Office{}
	for rows.Next() {
		o, err := scanOffice(rows)
		if err != nil {
			return nil, fmt.Errorf("list offices: %w", err)
		}
		out = append(out, o)
	}
	return out, mapErr(rows.Err())
}
