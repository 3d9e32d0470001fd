package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/holf-project/holf"
)

const partnerCols = `id, office_id, name, org_number, kind, service, municipality, phone, email, active, checked_on, version, updated_at`

func scanPartner(s scanner) (holf.Partner, error) {
	var p holf.Partner
	var active int
	err := s.Scan(&p.ID, &p.OfficeID, &p.Name, &p.OrgNumber, asText(&p.Kind), &p.Service, &p.Municipality, &p.Phone, &p.Email, &active,
		asDate(&p.CheckedOn), &p.Version, asTime(&p.UpdatedAt))
	p.Active = active != 0
	return p, err
}

// Partners returns an office's actor list, by name, with the contacts: two
// queries.
func (db *DB) Partners(ctx context.Context, office int64) ([]holf.Partner, error) {
	ps, err := db.PartnerEntries(ctx, office)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	return ps, partnerContacts(ctx, db, ps)
}

// PartnerEntries is the actor list without its contact people, for the
// pages that only name and choose partners (a plan, a meeting, consents).
func (db *DB) PartnerEntries(ctx context.Context, office int64) ([]holf.Partner, error) {
	return collect(ctx, db, scanPartner, `SELECT `+partnerCols+` FROM partners WHERE office_id = ? ORDER BY name, id`, office)
}

func partnerContacts(ctx context.Context, q querier, ps []holf.Partner) error {
	index := map[int64]int{}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		index[p.ID], ids[i] = i, p.ID
	}
	rows, err := q.query(ctx, `SELECT partner_id, id, name, role, level, phone, email FROM partner_contacts WHERE partner_id IN (`+
		placeholders(len(ids))+`) ORDER BY partner_id, position`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("load partner contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var c holf.PartnerContact
		if err := rows.Scan(&pid, &c.ID, &c.Name, &c.Role, asText(&c.Level), &c.Phone, &c.Email); err != nil {
			return err
		}
		ps[index[pid]].Contacts = append(ps[index[pid]].Contacts, c)
	}
	return mapErr(rows.Err())
}

func getPartner(ctx context.Context, q querier, office, id int64) (holf.Partner, error) {
	p, err := one(ctx, q, scanPartner, "partner", id, `SELECT `+partnerCols+` FROM partners WHERE id = ? AND office_id = ?`, id, office)
	if err != nil {
		return p, err
	}
	ps := []holf.Partner{p}
	err = partnerContacts(ctx, q, ps)
	return ps[0], err
}

// Partner loads one partner of an office; another office's is not found.
func (db *DB) Partner(ctx context.Context, office, id int64) (holf.Partner, error) {
	return getPartner(ctx, db, office, id)
}

func (tx *Tx) insertPartner(ctx context.Context, p *holf.Partner) error {
	now := formatTime(tx.now)
	id, err := tx.insertID(ctx, `INSERT INTO partners (office_id, name, org_number, kind, service, municipality, phone, email, active, checked_on,
		version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, p.OfficeID, p.Name, p.OrgNumber, string(p.Kind), p.Service,
		p.Municipality, p.Phone, p.Email, boolInt(p.Active), formatDate(p.CheckedOn), now, now)
	if err != nil {
		return fmt.Errorf("add partner: %w", err)
	}
	p.ID, p.Version, p.UpdatedAt = id, 1, tx.now
	return tx.writeContacts(ctx, p)
}

func (tx *Tx) writeContacts(ctx context.Context, p *holf.Partner) error {
	if _, err := tx.exec(ctx, `DELETE FROM partner_contacts WHERE partner_id = ?`, p.ID); err != nil {
		return err
	}
	if len(p.Contacts) == 0 {
		return nil
	}
	rows := make([][]any, len(p.Contacts))
	for i, c := range p.Contacts {
		rows[i] = []any{p.ID, i + 1, c.Name, c.Role, string(c.Level), c.Phone, c.Email}
	}
	return tx.insertRows(ctx, "partner_contacts", "partner_id, position, name, role, level, phone, email", rows)
}

// CreatePartner adds an entry to an office's actor list.
func (db *DB) CreatePartner(ctx context.Context, ev holf.AuditEvent, p *holf.Partner) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) { return p.ID, tx.insertPartner(ctx, p) })
}

// UpdatePartner saves an entry if its version is current.
func (db *DB) UpdatePartner(ctx context.Context, ev holf.AuditEvent, p *holf.Partner) error {
	ev.RecordID = p.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getPartner(ctx, tx, p.OfficeID, p.ID); return err }
		if err := tx.updateVersioned(ctx, "partner", p.ID, found, `UPDATE partners SET name = ?, org_number = ?, kind = ?, service = ?, municipality = ?,
			phone = ?, email = ?, active = ?, checked_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND office_id = ? AND version = ?`,
			p.Name, p.OrgNumber, string(p.Kind), p.Service, p.Municipality, p.Phone, p.Email, boolInt(p.Active), formatDate(p.CheckedOn),
			formatTime(tx.now), p.ID, p.OfficeID, p.Version); err != nil {
			return 0, err
		}
		p.Version++
		p.UpdatedAt = tx.now
		return p.ID, tx.writeContacts(ctx, p)
	})
}

// ImportPartners adds many entries to an office's actor list in one
// transaction: all or none.
func (db *DB) ImportPartners(ctx context.Context, ev holf.AuditEvent, ps []holf.Partner) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		for i := range ps {
			if err := tx.insertPartner(ctx, &ps[i]); err != nil {
				return 0, err
			}
		}
		return ev.RecordID, nil
	})
}

// PartnerNames maps the office's partners to their names.
func (db *DB) PartnerNames(ctx context.Context, office int64) (map[int64]string, error) {
	return idNames(ctx, db, `SELECT id, name FROM partners WHERE office_id = ?`, office)
}

// --- consents ---

const consentCols = `id, family_id, member_id, grantor_id, recipients, purpose, categories, actions, given_on, expires_on, method,
	withdrawn_on, withdrawn_by, withdrawn_how, invalidated_on, replaced_by, recorded_by, created_at, version`

func scanConsent(s scanner) (holf.Consent, error) {
	var c holf.Consent
	var recipients, categories, actions string
	err := s.Scan(&c.ID, &c.FamilyID, &c.MemberID, &c.GrantorID, &recipients, &c.Purpose, &categories, &actions, asDate(&c.GivenOn),
		asDate(&c.ExpiresOn), asText(&c.Method), asDate(&c.WithdrawnOn), &c.WithdrawnBy, &c.WithdrawnHow, asDate(&c.InvalidatedOn),
		asID(&c.ReplacedBy), &c.RecordedBy, asTime(&c.CreatedAt), &c.Version)
	for _, r := range splitKeys(recipients) {
		var id int64
		if _, err := fmt.Sscan(r, &id); err == nil {
			c.Recipients = append(c.Recipients, id)
		}
	}
	for _, k := range splitKeys(categories) {
		c.Categories = append(c.Categories, holf.ConsentCategory(k))
	}
	for _, k := range splitKeys(actions) {
		c.Actions = append(c.Actions, holf.ConsentAction(k))
	}
	return c, err
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

func joinKeys[T ~string](ks []T) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// Consents returns a family's consent records, the earliest first.
func (db *DB) Consents(ctx context.Context, familyID int64) ([]holf.Consent, error) {
	return collect(ctx, db, scanConsent, `SELECT `+consentCols+` FROM consents WHERE family_id = ? ORDER BY given_on, id`, familyID)
}

func (tx *Tx) insertConsent(ctx context.Context, c *holf.Consent) error {
	id, err := tx.insertID(ctx, `INSERT INTO consents (family_id, member_id, grantor_id, recipients, purpose, categories, actions, given_on, expires_on,
		method, recorded_by, created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, c.FamilyID, c.MemberID, c.GrantorID,
		joinIDs(c.Recipients), c.Purpose, joinKeys(c.Categories), joinKeys(c.Actions), formatDate(c.GivenOn), formatDate(c.ExpiresOn),
		string(c.Method), c.RecordedBy, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("add consent: %w", err)
	}
	c.ID, c.Version, c.CreatedAt = id, 1, tx.now
	return nil
}

// AddConsent records a consent; with replaces set, it is a correction: the
// old record is invalidated in the same transaction, if it is still
// current at version.
func (db *DB) AddConsent(ctx context.Context, ev holf.AuditEvent, c *holf.Consent, replaces, version int64) error {
	ev.RecordID = c.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.insertConsent(ctx, c); err != nil {
			return 0, err
		}
		if replaces != 0 {
			if err := tx.updateVersioned(ctx, "consent", replaces, nil, `UPDATE consents SET invalidated_on = ?, replaced_by = ?, version = version + 1
				WHERE id = ? AND family_id = ? AND version = ? AND invalidated_on IS NULL AND withdrawn_on IS NULL`,
				formatDate(c.GivenOn), c.ID, replaces, c.FamilyID, version); err != nil {
				return 0, err
			}
		}
		return c.FamilyID, nil
	})
}

// WithdrawConsent records a withdrawal on consent id, once.
func (db *DB) WithdrawConsent(ctx context.Context, ev holf.AuditEvent, c holf.Consent) error {
	ev.RecordID = c.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		return c.FamilyID, tx.updateVersioned(ctx, "consent", c.ID, nil, `UPDATE consents SET withdrawn_on = ?, withdrawn_by = ?, withdrawn_how = ?,
			version = version + 1 WHERE id = ? AND family_id = ? AND version = ? AND withdrawn_on IS NULL AND invalidated_on IS NULL`,
			formatDate(c.WithdrawnOn), c.WithdrawnBy, c.WithdrawnHow, c.ID, c.FamilyID, c.Version)
	})
}

// ConsentOverride is a use of information without a covering consent.
type ConsentOverride struct {
	ID         int64
	FamilyID   int64
	FamilyName string
	PartnerID  int64
	Action     holf.ConsentAction
	Category   holf.ConsentCategory
	Reason     string
	Actor      string
	At         string
}

type overridesKey struct{}

type pendingOverrides struct {
	ev      holf.AuditEvent
	actorID int64
	list    []ConsentOverride
}

// WithOverrides carries emergency overrides of consent to the write they
// allow: the next audited write records them in its own transaction, each
// with its audit entry ev, so that an override exists exactly when the use
// it allowed does.
func WithOverrides(ctx context.Context, ev holf.AuditEvent, actorID int64, os []ConsentOverride) context.Context {
	return context.WithValue(ctx, overridesKey{}, &pendingOverrides{ev: ev, actorID: actorID, list: os})
}

func (tx *Tx) writeOverrides(ctx context.Context) error {
	p, _ := ctx.Value(overridesKey{}).(*pendingOverrides)
	if p == nil {
		return nil
	}
	for _, o := range p.list {
		if _, err := tx.exec(ctx, `INSERT INTO consent_overrides (family_id, partner_id, action, category, reason, actor_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			o.FamilyID, o.PartnerID, string(o.Action), string(o.Category), o.Reason, p.actorID, o.Actor, formatTime(tx.now)); err != nil {
			return fmt.Errorf("record consent override: %w", err)
		}
		ev := p.ev
		ev.RecordID = o.FamilyID
		if err := tx.appendAudit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// Overrides lists the overrides of the offices' families since since, the newest first.
func (db *DB) Overrides(ctx context.Context, offices holf.OfficeSet, since string) ([]ConsentOverride, error) {
	in, args, none := inOffices("f.office_id", offices)
	if none {
		return nil, nil
	}
	return collect(ctx, db, func(s scanner) (ConsentOverride, error) {
		var o ConsentOverride
		err := s.Scan(&o.ID, &o.FamilyID, &o.FamilyName, &o.PartnerID, asText(&o.Action), asText(&o.Category), &o.Reason, &o.Actor, &o.At)
		return o, err
	}, `SELECT o.id, o.family_id, f.name, o.partner_id, o.action, o.category, o.reason, o.actor, o.at FROM consent_overrides o
		JOIN families f ON f.id = o.family_id WHERE o.at >= ?`+in+` ORDER BY o.at DESC LIMIT 100`, append([]any{since}, args...)...)
}

// Shared lists the partners that have been told about a family: owners of
// its plan activities, partners in its meetings, and those given a sharing
// extract.
func (db *DB) Shared(ctx context.Context, familyID int64) ([]int64, error) {
	return collect(ctx, db, func(s scanner) (int64, error) {
		var id int64
		err := s.Scan(&id)
		return id, err
	}, `SELECT partner_id FROM plan_activities WHERE family_id = ? AND partner_id IS NOT NULL
		UNION SELECT mp.partner_id FROM meeting_partners mp JOIN meetings m ON m.id = mp.meeting_id WHERE m.family_id = ?
		UNION SELECT partner_id FROM share_extracts WHERE family_id = ?
		ORDER BY 1`, familyID, familyID, familyID)
}
