package store

import (
	"context"
	"fmt"
	"time"

	"github.com/holf-project/holf"
)

// --- who is involved ---

func scanInvolvement(s scanner) (holf.Involvement, error) {
	var i holf.Involvement
	err := s.Scan(&i.ID, &i.FamilyID, asID(&i.MemberID), &i.PartnerID, &i.ContactName, &i.Role, asDate(&i.Since), asDate(&i.EndedOn), &i.Version)
	return i, err
}

// Involvements lists the services involved with a family.
func (db *DB) Involvements(ctx context.Context, familyID int64) ([]holf.Involvement, error) {
	return collect(ctx, db, scanInvolvement, `SELECT id, family_id, member_id, partner_id, contact_name, role, since, ended_on, version
		FROM involvements WHERE family_id = ? ORDER BY member_id, id`, familyID)
}

// AddInvolvement records that a partner is involved with a family.
func (db *DB) AddInvolvement(ctx context.Context, ev holf.AuditEvent, i *holf.Involvement) error {
	ev.RecordID = i.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.insertID(ctx, `INSERT INTO involvements (family_id, member_id, partner_id, contact_name, role, since, ended_on, version, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`, i.FamilyID, nullID(i.MemberID), i.PartnerID, i.ContactName, i.Role, formatDate(i.Since),
			formatDate(i.EndedOn), formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("add involvement: %w", err)
		}
		i.ID, i.Version = id, 1
		return i.FamilyID, nil
	})
}

// EndInvolvement records the day an involvement ended, from its version.
func (db *DB) EndInvolvement(ctx context.Context, ev holf.AuditEvent, i holf.Involvement) error {
	ev.RecordID = i.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		return i.FamilyID, tx.updateVersioned(ctx, "involvement", i.ID, nil, `UPDATE involvements SET ended_on = ?, version = version + 1
			WHERE id = ? AND family_id = ? AND version = ?`, formatDate(i.EndedOn), i.ID, i.FamilyID, i.Version)
	})
}

// --- escalations ---

const escalationCols = `e.id, e.family_id, e.office_id, e.activity_id, e.partner_id, e.kind, e.asked, e.answer, e.outcome, e.status,
	e.raised_by, e.raised_at, e.resolved_by, e.resolved_at, e.version, f.name`

func scanEscalation(s scanner) (holf.Escalation, error) {
	var e holf.Escalation
	err := s.Scan(&e.ID, &e.FamilyID, &e.OfficeID, asID(&e.ActivityID), asID(&e.PartnerID), asText(&e.Kind), &e.Asked, &e.Answer, &e.Outcome,
		asText(&e.Status), &e.RaisedBy, asTime(&e.RaisedAt), asID(&e.ResolvedBy), asTime(&e.ResolvedAt), &e.Version, &e.FamilyName)
	return e, err
}

// Escalations lists a family's escalations, the newest first.
func (db *DB) Escalations(ctx context.Context, familyID int64) ([]holf.Escalation, error) {
	return collect(ctx, db, scanEscalation, `SELECT `+escalationCols+` FROM escalations e JOIN families f ON f.id = e.family_id
		WHERE e.family_id = ? ORDER BY e.raised_at DESC, e.id DESC`, familyID)
}

// OpenEscalations lists the open escalations of the offices, the oldest
// first, at most limit, with how many there are.
func (db *DB) OpenEscalations(ctx context.Context, offices holf.OfficeSet, limit int) ([]holf.Escalation, int, error) {
	in, args, none := inOffices("e.office_id", offices)
	if none {
		return nil, 0, nil
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM escalations e WHERE e.status = 'open'`+in, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	es, err := collect(ctx, db, scanEscalation, `SELECT `+escalationCols+` FROM escalations e JOIN families f ON f.id = e.family_id
		WHERE e.status = 'open'`+in+` ORDER BY e.raised_at, e.id LIMIT ?`, append(args, limit)...)
	return es, total, err
}

// AddEscalation records an escalation to the office leader.
func (db *DB) AddEscalation(ctx context.Context, ev holf.AuditEvent, e *holf.Escalation) error {
	ev.RecordID = e.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.insertID(ctx, `INSERT INTO escalations (family_id, office_id, activity_id, partner_id, kind, asked, answer, outcome, status,
			raised_by, raised_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, e.FamilyID, e.OfficeID, nullID(e.ActivityID), nullID(e.PartnerID),
			string(e.Kind), e.Asked, e.Answer, e.Outcome, string(e.Status), e.RaisedBy, formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("add escalation: %w", err)
		}
		e.ID, e.Version, e.RaisedAt = id, 1, tx.now
		return e.FamilyID, nil
	})
}

// UpdateEscalation saves the leader's answer and outcome from e.Version;
// resolving it stamps who and when.
func (db *DB) UpdateEscalation(ctx context.Context, ev holf.AuditEvent, e *holf.Escalation) error {
	ev.RecordID = e.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var resolvedBy, resolvedAt any
		if e.Status == holf.EscalationResolved {
			resolvedBy, resolvedAt = e.ResolvedBy, formatTime(tx.now)
		}
		if err := tx.updateVersioned(ctx, "escalation", e.ID, nil, `UPDATE escalations SET answer = ?, outcome = ?, status = ?, resolved_by = ?,
			resolved_at = ?, version = version + 1 WHERE id = ? AND family_id = ? AND version = ?`, e.Answer, e.Outcome, string(e.Status),
			resolvedBy, resolvedAt, e.ID, e.FamilyID, e.Version); err != nil {
			return 0, err
		}
		e.Version++
		if e.Status == holf.EscalationResolved {
			e.ResolvedAt = tx.now
		}
		return e.FamilyID, nil
	})
}

// --- sharing extracts ---

// RecordExtract notes that a sharing extract under consent was given to
// partner, in the audit entry's transaction.
func (db *DB) RecordExtract(ctx context.Context, ev holf.AuditEvent, familyID, partnerID, consentID, actorID int64) error {
	ev.RecordID = familyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		_, err := tx.exec(ctx, `INSERT INTO share_extracts (family_id, partner_id, consent_id, actor_id, at) VALUES (?, ?, ?, ?, ?)`,
			familyID, partnerID, consentID, actorID, formatTime(tx.now))
		return familyID, err
	})
}

// ExpiringConsent is a consent of a coordinator's family that ends soon
// and has not been renewed.
type ExpiringConsent struct {
	FamilyID   int64
	FamilyName string
	ConsentID  int64
	MemberName string
	ExpiresOn  time.Time
}

// ExpiringConsents lists the consents of person's families (as first or
// second coordinator, at offices) that are in force and end between today
// and until, with no later consent for the same member: the first limit,
// the soonest first.
func (db *DB) ExpiringConsents(ctx context.Context, person int64, offices holf.OfficeSet, today, until time.Time, limit int) ([]ExpiringConsent, error) {
	in, args, none := inOffices("f.office_id", offices)
	if none {
		return nil, nil
	}
	args = append([]any{person, person, formatDate(today), formatDate(until)}, args...)
	return collect(ctx, db, func(s scanner) (ExpiringConsent, error) {
		var e ExpiringConsent
		err := s.Scan(&e.FamilyID, &e.FamilyName, &e.ConsentID, &e.MemberName, asDate(&e.ExpiresOn))
		return e, err
	}, `SELECT f.id, f.name, c.id, m.name, c.expires_on FROM consents c JOIN families f ON f.id = c.family_id
		JOIN family_members m ON m.id = c.member_id
		WHERE (f.primary_coordinator_id = ? OR f.second_coordinator_id = ?) AND c.withdrawn_on IS NULL AND c.invalidated_on IS NULL
		AND c.expires_on >= ? AND c.expires_on <= ?`+in+`
		AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.family_id = c.family_id AND n.member_id = c.member_id AND n.id <> c.id
			AND n.withdrawn_on IS NULL AND n.invalidated_on IS NULL AND n.expires_on > c.expires_on)
		ORDER BY c.expires_on, c.id LIMIT ?`, append(args, limit)...)
}

// ImportNetwork adds consents and involvements (the demo's) in one
// transaction; the consents get their ids.
func (db *DB) ImportNetwork(ctx context.Context, ev holf.AuditEvent, cs []*holf.Consent, is []holf.Involvement) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		for _, c := range cs {
			if err := tx.insertConsent(ctx, c); err != nil {
				return 0, err
			}
		}
		if len(is) == 0 {
			return 0, nil
		}
		rows := make([][]any, len(is))
		now := formatTime(tx.now)
		for k, i := range is {
			rows[k] = []any{i.FamilyID, nullID(i.MemberID), i.PartnerID, i.ContactName, i.Role, formatDate(i.Since), formatDate(i.EndedOn), 1, now}
		}
		return 0, tx.insertRows(ctx, "involvements", "family_id, member_id, partner_id, contact_name, role, since, ended_on, version, created_at", rows)
	})
}

// CoordinatorCounts counts an office's families by their first
// coordinator and status: coordinator id → status → count.
func (db *DB) CoordinatorCounts(ctx context.Context, office int64) (map[int64]map[holf.FamilyStatus]int, error) {
	out := map[int64]map[holf.FamilyStatus]int{}
	rows, err := db.query(ctx, `SELECT primary_coordinator_id, status, COUNT(*) FROM families WHERE office_id = ? GROUP BY primary_coordinator_id, status`, office)
	if err != nil {
		return nil, fmt.Errorf("families per coordinator: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st holf.FamilyStatus
		var n int
		if err := rows.Scan(asID(&id), asText(&st), &n); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[holf.FamilyStatus]int{}
		}
		out[id][st] = n
	}
	return out, mapErr(rows.Err())
}
