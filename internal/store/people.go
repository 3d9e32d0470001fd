package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/holf-project/holf"
)

const personCols = `p.id, p.username, p.name, p.email, p.disabled_at, p.version, p.created_at, p.updated_at`

func scanPerson(s scanner) (holf.Person, error) {
	var p holf.Person
	err := s.Scan(&p.ID, &p.Username, &p.Name, &p.Email, asSet(&p.Disabled), &p.Version, asTime(&p.CreatedAt), asTime(&p.UpdatedAt))
	return p, err
}

// CreatePerson inserts validated person p with the given password hash
// (empty: no password login until one is set) and its role assignments. It
// checks what only the database knows: the username is free and the
// offices exist.
func (db *DB) CreatePerson(ctx context.Context, ev holf.AuditEvent, p *holf.Person, passwordHash string) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO people (username, name, email, password_hash, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			p.Username, p.Name, p.Email, passwordHash, now, now)
		if err != nil {
			if holf.ErrorCode(mapErr(err)) == holf.EConflict {
				var v holf.Validation
				v.Add("username", "err.username_taken")
				return 0, v.Err()
			}
			return 0, fmt.Errorf("create person: %w", err)
		}
		if err := tx.setAssignments(ctx, id, p.Assignments); err != nil {
			return 0, err
		}
		p.ID, p.Version, p.CreatedAt, p.UpdatedAt = id, 1, parseTime(now), parseTime(now)
		return id, nil
	})
}

func (tx *Tx) setAssignments(ctx context.Context, personID int64, as []holf.Assignment) error {
	if _, err := tx.exec(ctx, `DELETE FROM role_assignments WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("clear roles of person %d: %w", personID, err)
	}
	for _, a := range as {
		var office any
		if a.OfficeID != 0 {
			office = a.OfficeID
		}
		if _, err := tx.exec(ctx, `INSERT INTO role_assignments (person_id, role, office_id) VALUES (?, ?, ?)`, personID, string(a.Role), office); err != nil {
			if holf.ErrorCode(mapErr(err)) == holf.EInvalid {
				var v holf.Validation
				v.Add("roles", "err.office_unknown")
				return v.Err()
			}
			return fmt.Errorf("assign %s to person %d: %w", a.Role, personID, err)
		}
	}
	return nil
}

// UpdatePerson saves name, email and roles if p.Version is current.
func (db *DB) UpdatePerson(ctx context.Context, ev holf.AuditEvent, p *holf.Person) error {
	ev.RecordID = p.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		found := func() error { _, err := getPerson(ctx, tx, p.ID); return err }
		if err := tx.updateVersioned(ctx, "person", p.ID, found, `UPDATE people SET name = ?, email = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, p.Name, p.Email, now, p.ID, p.Version); err != nil {
			return 0, err
		}
		if err := tx.setAssignments(ctx, p.ID, p.Assignments); err != nil {
			return 0, err
		}
		p.Version++
		p.UpdatedAt = parseTime(now)
		return p.ID, nil
	})
}

// SetPassword stores a new password hash and ends the person's sessions, so
// that a changed password locks out whoever knew the old one.
func (db *DB) SetPassword(ctx context.Context, ev holf.AuditEvent, personID int64, hash string) error {
	ev.RecordID = personID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		res, err := tx.exec(ctx, `UPDATE people SET password_hash = ?, version = version + 1, updated_at = ? WHERE id = ?`, hash, formatTime(tx.now), personID)
		if err != nil {
			return 0, fmt.Errorf("set password of person %d: %w", personID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, holf.NotFound("person", personID)
		}
		// A new password ends what the old one opened: sessions and tokens.
		return personID, tx.endAccess(ctx, personID)
	})
}

// SetDisabled disables or re-enables an account. Disabling ends all of the
// person's sessions in the same transaction; their API tokens stop working
// because every token lookup checks the account.
func (db *DB) SetDisabled(ctx context.Context, ev holf.AuditEvent, personID int64, disabled bool) error {
	ev.RecordID = personID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var at any
		if disabled {
			at = formatTime(tx.now)
		}
		res, err := tx.exec(ctx, `UPDATE people SET disabled_at = ?, version = version + 1, updated_at = ? WHERE id = ?`, at, formatTime(tx.now), personID)
		if err != nil {
			return 0, fmt.Errorf("disable person %d: %w", personID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, holf.NotFound("person", personID)
		}
		if disabled {
			if err := tx.endAccess(ctx, personID); err != nil {
				return 0, err
			}
		}
		return personID, nil
	})
}

func getPerson(ctx context.Context, q querier, id int64) (holf.Person, error) {
	return one(ctx, q, scanPerson, "person", id, `SELECT `+personCols+` FROM people p WHERE p.id = ?`, id)
}

// GetPerson loads one person with their role assignments.
func (db *DB) GetPerson(ctx context.Context, id int64) (holf.Person, error) {
	p, err := getPerson(ctx, db, id)
	if err != nil {
		return p, err
	}
	as, err := db.assignments(ctx, []int64{id})
	p.Assignments = as[id]
	return p, err
}

// GetPersonByUsername loads one person by username.
func (db *DB) GetPersonByUsername(ctx context.Context, username string) (holf.Person, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM people WHERE username = ?`, username).Scan(&id)
	if err := notFoundIf(err, "person", username); err != nil {
		return holf.Person{}, err
	}
	return db.GetPerson(ctx, id)
}

// Credentials returns what login needs to know about username.
func (db *DB) Credentials(ctx context.Context, username string) (id int64, hash string, disabled bool, err error) {
	var dis sql.NullString
	err = db.queryRow(ctx, `SELECT id, password_hash, disabled_at FROM people WHERE username = ?`, username).Scan(&id, &hash, &dis)
	return id, hash, dis.Valid, notFoundIf(err, "person", username)
}

func (db *DB) assignments(ctx context.Context, ids []int64) (map[int64][]holf.Assignment, error) {
	out := map[int64][]holf.Assignment{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.query(ctx, `SELECT person_id, role, COALESCE(office_id, 0) FROM role_assignments WHERE person_id IN (`+placeholders(len(ids))+`) ORDER BY person_id, role, office_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var a holf.Assignment
		var role string
		if err := rows.Scan(&pid, &role, &a.OfficeID); err != nil {
			return nil, fmt.Errorf("load roles: %w", err)
		}
		a.Role = holf.Role(role)
		out[pid] = append(out[pid], a)
	}
	return out, mapErr(rows.Err())
}

// PeopleFilter restricts ListPeople. Offices keeps people with a role at one
// of those offices; with holf.AllOffices() everyone, including people with
// only global roles, is kept. The zero set keeps nobody.
type PeopleFilter struct {
	Role            holf.Role
	Offices         holf.OfficeSet
	IncludeDisabled bool
}

// ListPeople returns matching people with their assignments, ordered by name,
// in two queries whatever their number.
func (db *DB) ListPeople(ctx context.Context, f PeopleFilter) ([]holf.Person, error) {
	in, inArgs, none := inOffices("ra.office_id", f.Offices)
	if none {
		return []holf.Person{}, nil
	}
	q := `SELECT ` + personCols + ` FROM people p WHERE 1 = 1`
	var args []any
	if !f.IncludeDisabled {
		q += ` AND p.disabled_at IS NULL`
	}
	if f.Role != "" || in != "" {
		q += ` AND EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.person_id = p.id`
		if f.Role != "" {
			q += ` AND ra.role = ?`
			args = append(args, string(f.Role))
		}
		q += in + `)`
		args = append(args, inArgs...)
	}
	q += ` ORDER BY p.name, p.id`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	out := []holf.Person{}
	var ids []int64
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		out = append(out, p)
		ids = append(ids, p.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	// Free the read connection before the second query.
	_ = rows.Close()
	as, err := db.assignments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Assignments = as[out[i].ID]
	}
	return out, nil
}

// CountPeople returns the number of people (for status pages and the demo guard).
func (db *DB) CountPeople(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM people`).Scan(&n)
	return n, mapErr(err)
}

// StaffNames maps the people with a role at any of the offices to their
// names, in one query (pages use it to show who is responsible).
func (db *DB) StaffNames(ctx context.Context, offices holf.OfficeSet) (map[int64]string, error) {
	out := map[int64]string{}
	in, args, none := inOffices("ra.office_id", offices)
	if none {
		return out, nil
	}
	names, err := idNames(ctx, db, `SELECT DISTINCT p.id, p.name FROM people p JOIN role_assignments ra ON ra.person_id = p.id
		WHERE 1 = 1`+in, args...)
	if err != nil {
		return nil, fmt.Errorf("staff names: %w", err)
	}
	return names, nil
}

// endAccess ends every session of a person and revokes their API tokens:
// after a password reset or when an account is disabled, nothing opened
// before stays open.
func (tx *Tx) endAccess(ctx context.Context, personID int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("end sessions of person %d: %w", personID, err)
	}
	if _, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL`, formatTime(tx.now), personID); err != nil {
		return fmt.Errorf("revoke tokens of person %d: %w", personID, err)
	}
	return nil
}
