package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/holf-project/holf"
)

// SessionPolicy bounds a session's life.
type SessionPolicy struct {
	Idle     time.Duration // since the last request
	Absolute time.Duration // since login
}

// CreateSession starts a session for personID after a successful login, in
// the same transaction as its audit entry. A previous session of the same
// browser (replacedHash) is ended: the session id changes at every login.
func (db *DB) CreateSession(ctx context.Context, ev holf.AuditEvent, personID int64, idHash, csrf, replacedHash string) error {
	ev.RecordID = personID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if replacedHash != "" {
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, replacedHash); err != nil {
				return 0, fmt.Errorf("end previous session: %w", err)
			}
		}
		now := formatTime(tx.now)
		_, err := tx.exec(ctx, `INSERT INTO sessions (id_hash, person_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
			idHash, personID, csrf, now, now)
		if err != nil {
			return 0, fmt.Errorf("create session: %w", err)
		}
		return personID, nil
	})
}

var errNoSession = &holf.Error{Code: holf.EUnauthorized, Message: "your session has ended; log in again", Key: "err.session_ended"}

// SessionActor resolves a session id hash to its actor. An unknown, idle or
// too-old session, or one of a disabled account, is EUnauthorized and is
// deleted. The session's last-seen time is refreshed at most once a minute.
func (db *DB) SessionActor(ctx context.Context, idHash string, pol SessionPolicy) (*holf.Actor, error) {
	var personID int64
	var csrf, created, seen string
	err := db.queryRow(ctx, `SELECT person_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&personID, &csrf, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", mapErr(err))
	}
	now := db.now()
	if now.Sub(parseTime(seen)) > pol.Idle || now.Sub(parseTime(created)) > pol.Absolute {
		if err := db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
			return err
		}); err != nil {
			return nil, err
		}
		return nil, errNoSession
	}
	a, err := db.actor(ctx, personID)
	if err != nil {
		return nil, err
	}
	a.Via, a.SessionID, a.CSRFToken = "session", idHash, csrf
	if now.Sub(parseTime(seen)) > time.Minute {
		if err := db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, formatTime(now), idHash)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// actor loads an enabled person as an actor; a disabled or missing person is EUnauthorized.
func (db *DB) actor(ctx context.Context, personID int64) (*holf.Actor, error) {
	p, err := getPerson(ctx, db, personID)
	if holf.ErrorCode(err) == holf.ENotFound || err == nil && p.Disabled {
		return nil, &holf.Error{Code: holf.EUnauthorized, Message: "the account is disabled", Key: "err.account_disabled"}
	}
	if err != nil {
		return nil, err
	}
	as, err := db.actorAssignments(ctx, personID)
	if err != nil {
		return nil, err
	}
	return &holf.Actor{PersonID: p.ID, Username: p.Username, Name: p.Name, Assignments: as}, nil
}

// Actor loads person id as an actor: their roles at offices and those
// their supervision groups give them. A disabled account is EUnauthorized.
func (db *DB) Actor(ctx context.Context, id int64) (*holf.Actor, error) { return db.actor(ctx, id) }

// EndSession deletes one session (logout), audited.
func (db *DB) EndSession(ctx context.Context, ev holf.AuditEvent, idHash string) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
		return ev.ActorID, err
	})
}

// CountSessions returns the number of live session rows of a person.
func (db *DB) CountSessions(ctx context.Context, personID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE person_id = ?`, personID).Scan(&n)
	return n, mapErr(err)
}

// CreateToken stores a hashed API token for personID.
func (db *DB) CreateToken(ctx context.Context, ev holf.AuditEvent, personID int64, name, hash string) (holf.Token, error) {
	t := holf.Token{PersonID: personID, Name: name}
	err := db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if _, err := getPerson(ctx, tx, personID); err != nil {
			return 0, err
		}
		id, err := tx.insertID(ctx, `INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, personID, name, hash, formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("create token: %w", err)
		}
		t.ID, t.CreatedAt = id, tx.now
		return id, nil
	})
	return t, err
}

// RevokeToken revokes token id; revoking twice is not an error.
func (db *DB) RevokeToken(ctx context.Context, ev holf.AuditEvent, id int64) error {
	ev.RecordID = id
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, formatTime(tx.now), id)
		if err != nil {
			return 0, fmt.Errorf("revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, holf.NotFound("token", id)
		}
		return id, nil
	})
}

// ListTokens lists a person's tokens (0: everyone's), newest first.
func (db *DB) ListTokens(ctx context.Context, personID int64) ([]holf.Token, error) {
	q := `SELECT id, person_id, name, created_at, last_used_at, revoked_at FROM api_tokens`
	var args []any
	if personID != 0 {
		q += ` WHERE person_id = ?`
		args = append(args, personID)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []holf.Token
	for rows.Next() {
		var t holf.Token
		if err := rows.Scan(&t.ID, &t.PersonID, &t.Name, asTime(&t.CreatedAt), asTime(&t.LastUsed), asTime(&t.RevokedAt)); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

var errBadToken = &holf.Error{Code: holf.EUnauthorized, Message: "the API token is not valid", Key: "err.bad_token"}

// TokenActor resolves a token hash to its actor; a revoked token, or one of a
// disabled account, is EUnauthorized.
func (db *DB) TokenActor(ctx context.Context, hash string) (*holf.Actor, error) {
	var id, personID int64
	var used time.Time
	var revoked bool
	err := db.queryRow(ctx, `SELECT id, person_id, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?`, hash).Scan(&id, &personID, asTime(&used), asSet(&revoked))
	if errors.Is(err, sql.ErrNoRows) || err == nil && revoked {
		return nil, errBadToken
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", mapErr(err))
	}
	a, err := db.actor(ctx, personID)
	if err != nil {
		return nil, err
	}
	a.Via = "token"
	now := db.now()
	if now.Sub(used) > time.Minute {
		if err := db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, formatTime(now), id)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// SetMeta stores a key in the meta table.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM meta WHERE key = ?`, key); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, key, value)
		return err
	})
}

// Meta reads a key from the meta table; "" when absent.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, mapErr(err)
}
