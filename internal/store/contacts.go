package store

import (
	"context"
	"fmt"
	"time"

	"github.com/holf-project/holf"
)

const contactCols = `id, family_id, kind, member_id, at, minutes, note, by_id, by_name, version, created_at, updated_at`

func scanContact(s scanner) (holf.Contact, error) {
	var c holf.Contact
	err := s.Scan(&c.ID, &c.FamilyID, asText(&c.Kind), asID(&c.MemberID), asTime(&c.At), &c.Minutes, &c.Note, &c.ByID, &c.By, &c.Version,
		asTime(&c.CreatedAt), asTime(&c.UpdatedAt))
	return c, err
}

// Contacts returns a family's contact log, the earliest first.
func (db *DB) Contacts(ctx context.Context, familyID int64) ([]holf.Contact, error) {
	return collect(ctx, db, scanContact, `SELECT `+contactCols+` FROM contacts WHERE family_id = ? ORDER BY at, id`, familyID)
}

func getContact(ctx context.Context, q querier, familyID, id int64) (holf.Contact, error) {
	return one(ctx, q, scanContact, "contact", id, `SELECT `+contactCols+` FROM contacts WHERE id = ? AND family_id = ?`, id, familyID)
}

// Contact loads one entry of a family's log.
func (db *DB) Contact(ctx context.Context, familyID, id int64) (holf.Contact, error) {
	return getContact(ctx, db, familyID, id)
}

// AddContact writes a new entry of the log.
func (db *DB) AddContact(ctx context.Context, ev holf.AuditEvent, c *holf.Contact) error {
	ev.RecordID = c.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO contacts (family_id, kind, member_id, at, minutes, note, by_id, by_name, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.FamilyID, string(c.Kind), nullID(c.MemberID), formatTime(c.At), c.Minutes, c.Note,
			c.ByID, c.By, now, now)
		if err != nil {
			return 0, fmt.Errorf("add contact: %w", err)
		}
		c.ID, c.Version, c.CreatedAt, c.UpdatedAt = id, 1, tx.now, tx.now
		return c.FamilyID, nil
	})
}

// UpdateContact saves an entry if its version is current.
func (db *DB) UpdateContact(ctx context.Context, ev holf.AuditEvent, c *holf.Contact) error {
	ev.RecordID = c.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getContact(ctx, tx, c.FamilyID, c.ID); return err }
		if err := tx.updateVersioned(ctx, "contact", c.ID, found, `UPDATE contacts SET kind = ?, member_id = ?, at = ?, minutes = ?, note = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND family_id = ? AND version = ?`, string(c.Kind), nullID(c.MemberID),
			formatTime(c.At), c.Minutes, c.Note, formatTime(tx.now), c.ID, c.FamilyID, c.Version); err != nil {
			return 0, err
		}
		c.Version++
		c.UpdatedAt = tx.now
		return c.FamilyID, nil
	})
}

// DeleteContact removes an entry made at version.
func (db *DB) DeleteContact(ctx context.Context, ev holf.AuditEvent, familyID, id, version int64) error {
	ev.RecordID = familyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getContact(ctx, tx, familyID, id); return err }
		return familyID, tx.updateVersioned(ctx, "contact", id, found, `DELETE FROM contacts WHERE id = ? AND family_id = ? AND version = ?`, id, familyID, version)
	})
}

// DraftKey names one person's draft of one form.
type DraftKey struct {
	PersonID int64
	Form     string // e.g. "meeting:12:prep"
}

// Draft is what a form held when it was last autosaved.
type Draft struct {
	DraftKey
	FamilyID    int64
	BaseVersion int64 // the version of the record the form was opened at
	Content     string
	SavedAt     time.Time
}

// SaveDraft keeps d, replacing the person's earlier draft of the form. A
// draft is the coordinator's own unsaved typing: it has no audit entry of
// its own; the save that follows has.
func (db *DB) SaveDraft(ctx context.Context, d Draft) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO form_drafts (person_id, form_key, family_id, base_version, content, saved_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (person_id, form_key) DO UPDATE SET family_id = excluded.family_id, base_version = excluded.base_version,
			content = excluded.content, saved_at = excluded.saved_at`, d.PersonID, d.Form, d.FamilyID, d.BaseVersion, d.Content, formatTime(tx.now))
		return err
	})
}

// LoadDraft returns the person's draft of a form; ok is false when there is none.
func (db *DB) LoadDraft(ctx context.Context, k DraftKey) (d Draft, ok bool, err error) {
	d.DraftKey = k
	err = db.queryRow(ctx, `SELECT family_id, base_version, content, saved_at FROM form_drafts WHERE person_id = ? AND form_key = ?`, k.PersonID, k.Form).
		Scan(&d.FamilyID, &d.BaseVersion, &d.Content, asTime(&d.SavedAt))
	if err := notFoundIf(err, "draft", k.Form); err != nil {
		if holf.ErrorCode(err) == holf.ENotFound {
			return d, false, nil
		}
		return d, false, err
	}
	return d, true, nil
}

// DeleteDraft removes a draft (the user threw it away).
func (db *DB) DeleteDraft(ctx context.Context, k DraftKey) error {
	return db.writeTx(ctx, func(tx *Tx) error { return tx.clearDrafts(ctx, []DraftKey{k}) })
}

func (tx *Tx) clearDrafts(ctx context.Context, ks []DraftKey) error {
	for _, k := range ks {
		if _, err := tx.exec(ctx, `DELETE FROM form_drafts WHERE person_id = ? AND form_key = ?`, k.PersonID, k.Form); err != nil {
			return err
		}
	}
	return nil
}

// SetCalendarSecret gives person a new calendar-feed secret (by its hash),
// which revokes the one before; an empty hash just revokes.
func (db *DB) SetCalendarSecret(ctx context.Context, ev holf.AuditEvent, personID int64, hash string) error {
	ev.RecordID = personID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if _, err := tx.exec(ctx, `DELETE FROM calendar_feeds WHERE person_id = ?`, personID); err != nil {
			return 0, err
		}
		if hash == "" {
			return personID, nil
		}
		_, err := tx.exec(ctx, `INSERT INTO calendar_feeds (person_id, secret_hash, created_at) VALUES (?, ?, ?)`, personID, hash, formatTime(tx.now))
		return personID, err
	})
}

// CalendarFeed returns when person's feed was made; ok is false without one.
func (db *DB) CalendarFeed(ctx context.Context, personID int64) (created time.Time, ok bool, err error) {
	err = db.queryRow(ctx, `SELECT created_at FROM calendar_feeds WHERE person_id = ?`, personID).Scan(asTime(&created))
	if err := notFoundIf(err, "calendar feed", personID); err != nil {
		if holf.ErrorCode(err) == holf.ENotFound {
			return created, false, nil
		}
		return created, false, err
	}
	return created, true, nil
}

// CalendarOwner returns the person whose feed secret has hash.
func (db *DB) CalendarOwner(ctx context.Context, hash string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT f.person_id FROM calendar_feeds f JOIN people p ON p.id = f.person_id
		WHERE f.secret_hash = ? AND p.disabled_at IS NULL`, hash).Scan(&id)
	return id, notFoundIf(err, "calendar feed", "")
}

// Drafts returns the person's drafts of the forms whose keys begin with
// prefix (the sections of one family's mapping, say).
func (db *DB) Drafts(ctx context.Context, person int64, prefix string) ([]Draft, error) {
	return collect(ctx, db, func(s scanner) (Draft, error) {
		d := Draft{DraftKey: DraftKey{PersonID: person}}
		err := s.Scan(&d.Form, &d.FamilyID, &d.BaseVersion, &d.Content, asTime(&d.SavedAt))
		return d, err
	}, `SELECT form_key, family_id, base_version, content, saved_at FROM form_drafts
		WHERE person_id = ? AND substr(form_key, 1, ?) = ? ORDER BY form_key`, person, len(prefix), prefix)
}
