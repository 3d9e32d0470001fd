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

// CreateOffice inserts validated office o and sets its ID, version and times.
func (db *DB) CreateOffice(ctx context.Context, ev holf.AuditEvent, o *holf.Office) error {
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
// The arm is not saved: only a draw or a correction of the trial sets it.
func (db *DB) UpdateOffice(ctx context.Context, ev holf.AuditEvent, o *holf.Office) error {
	ev.RecordID = o.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		found := func() error { _, err := getOffice(ctx, tx, o.ID); return err }
		if err := tx.updateVersioned(ctx, "office", o.ID, found, `UPDATE offices SET name = ?, municipality = ?, target_areas = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			o.Name, o.Municipality, holf.JoinAreas(o.TargetAreas), now, o.ID, o.Version); err != nil {
			return 0, err
		}
		o.Version++
		o.UpdatedAt = parseTime(now)
		return o.ID, nil
	})
}

func staleVersion(kind string, id int64) error { return holf.Stale(kind, id) }

func getOffice(ctx context.Context, q querier, id int64) (holf.Office, error) {
	return one(ctx, q, scanOffice, "office", id, `SELECT `+officeCols+` FROM offices WHERE id = ?`, id)
}

// GetOffice loads one office.
func (db *DB) GetOffice(ctx context.Context, id int64) (holf.Office, error) {
	return getOffice(ctx, db, id)
}

// OfficeFilter restricts ListOffices to a set of offices (the zero set
// matches none: say holf.AllOffices() for every office) and optionally an arm.
type OfficeFilter struct {
	Offices holf.OfficeSet
	Arm     holf.Arm
}

// ListOffices returns the matching offices ordered by name.
func (db *DB) ListOffices(ctx context.Context, f OfficeFilter) ([]holf.Office, error) {
	in, args, none := inOffices("id", f.Offices)
	if none {
		return []holf.Office{}, nil
	}
	q := `SELECT ` + officeCols + ` FROM offices WHERE 1 = 1` + in
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
