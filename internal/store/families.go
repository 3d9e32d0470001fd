package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

const dateFormat = "2006-01-02"

func formatDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(dateFormat)
}

func parseDate(ns sql.NullString) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(dateFormat, ns.String)
	return t
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const familyCols = `f.id, f.office_id, f.name, f.primary_coordinator_id, f.second_coordinator_id, f.status, f.consent_date,
	f.discharged_on, f.discharge_reason, f.replaces_family_id, f.notes, f.version, f.created_at, f.updated_at`

func scanFamily(s scanner) (holf.Family, error) {
	var f holf.Family
	var primary, second, replaces sql.NullInt64
	var status, created, updated string
	var consent, discharged, reason sql.NullString
	err := s.Scan(&f.ID, &f.OfficeID, &f.Name, &primary, &second, &status, &consent, &discharged, &reason, &replaces,
		&f.Notes, &f.Version, &created, &updated)
	f.PrimaryCoordinatorID, f.SecondCoordinatorID, f.ReplacesFamilyID = primary.Int64, second.Int64, replaces.Int64
	f.Status, f.DischargeReason = holf.FamilyStatus(status), holf.DischargeReason(reason.String)
	f.ConsentDate, f.DischargedOn = parseDate(consent), parseDate(discharged)
	f.CreatedAt, f.UpdatedAt = parseTime(created), parseTime(updated)
	return f, err
}

// checkCoordinators makes sure the family's coordinators are coordinators of its office.
func (tx *Tx) checkCoordinators(ctx context.Context, f *holf.Family) error {
	var v holf.Validation
	for field, id := range map[string]int64{"primary_coordinator": f.PrimaryCoordinatorID, "second_coordinator": f.SecondCoordinatorID} {
		if id == 0 {
			continue
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM role_assignments ra JOIN people p ON p.id = ra.person_id
			WHERE ra.person_id = ? AND ra.role = 'coordinator' AND ra.office_id = ? AND p.disabled_at IS NULL`, id, f.OfficeID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			v.Add(field, "err.not_coordinator_here")
		}
	}
	return v.Err()
}

func (tx *Tx) addEvent(ctx context.Context, familyID int64, ev holf.AuditEvent, kind string, on time.Time, detail string) error {
	if on.IsZero() {
		on = tx.now
	}
	_, err := tx.exec(ctx, `INSERT INTO family_events (family_id, at, on_date, kind, actor_id, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		familyID, formatTime(tx.now), on.Format(dateFormat), kind, ev.ActorID, ev.Actor, detail)
	if err != nil {
		return fmt.Errorf("record %s event of family %d: %w", kind, familyID, err)
	}
	return nil
}

func (tx *Tx) insertMembers(ctx context.Context, familyID int64, ms []holf.Member) error {
	for i := range ms {
		m := &ms[i]
		id, err := tx.insertID(ctx, `INSERT INTO family_members (family_id, role, name, birth_year, country_of_birth, languages,
			interpreter_needed, interpreter_language, lives_at_home, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			familyID, string(m.Role), m.Name, m.BirthYear, m.CountryOfBirth, m.Languages, boolInt(m.InterpreterNeeded),
			m.InterpreterLanguage, boolInt(m.LivesAtHome), i)
		if err != nil {
			return fmt.Errorf("add member to family %d: %w", familyID, err)
		}
		m.ID = id
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateFamily stores a new family with its members as a candidate (or in
// the status it carries), records the event on its timeline and, when it
// replaces a discharged family, links the two.
func (db *DB) CreateFamily(ctx context.Context, ev holf.AuditEvent, f *holf.Family) error {
	if err := f.Validate(db.now()); err != nil {
		return err
	}
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkCoordinators(ctx, f); err != nil {
			return 0, err
		}
		if f.ReplacesFamilyID != 0 {
			old, err := tx.getFamily(ctx, f.ReplacesFamilyID)
			if err != nil {
				return 0, err
			}
			if old.OfficeID != f.OfficeID || old.Status != holf.StatusDischarged {
				var v holf.Validation
				v.Add("replaces", "err.replace_discharged")
				return 0, v.Err()
			}
		}
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO families (office_id, name, primary_coordinator_id, second_coordinator_id, status,
			consent_date, replaces_family_id, notes, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			f.OfficeID, f.Name, nullID(f.PrimaryCoordinatorID), nullID(f.SecondCoordinatorID), string(f.Status),
			formatDate(f.ConsentDate), nullID(f.ReplacesFamilyID), f.Notes, now, now)
		if err != nil {
			return 0, fmt.Errorf("create family: %w", err)
		}
		if err := tx.insertMembers(ctx, id, f.Members); err != nil {
			return 0, err
		}
		if err := tx.addEvent(ctx, id, ev, "created", time.Time{}, string(f.Status)); err != nil {
			return 0, err
		}
		if f.ReplacesFamilyID != 0 {
			if err := tx.addEvent(ctx, f.ReplacesFamilyID, ev, "replaced_by", time.Time{}, fmt.Sprint(id)); err != nil {
				return 0, err
			}
		}
		f.ID, f.Version, f.CreatedAt, f.UpdatedAt = id, 1, parseTime(now), parseTime(now)
		return id, nil
	})
}

// UpdateFamily saves name, coordinators, notes and members if f.Version is
// current. Members with an ID are updated, new ones added, missing ones removed.
func (db *DB) UpdateFamily(ctx context.Context, ev holf.AuditEvent, f *holf.Family) error {
	if err := f.Validate(db.now()); err != nil {
		return err
	}
	ev.RecordID = f.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		cur, err := tx.getFamily(ctx, f.ID)
		if err != nil {
			return 0, err
		}
		f.OfficeID = cur.OfficeID // a family never moves office through an edit
		if err := tx.checkCoordinators(ctx, f); err != nil {
			return 0, err
		}
		res, err := tx.exec(ctx, `UPDATE families SET name = ?, primary_coordinator_id = ?, second_coordinator_id = ?, notes = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			f.Name, nullID(f.PrimaryCoordinatorID), nullID(f.SecondCoordinatorID), f.Notes, formatTime(tx.now), f.ID, f.Version)
		if err != nil {
			return 0, fmt.Errorf("update family %d: %w", f.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, staleVersion("family", f.ID)
		}
		oldMembers, err := tx.membersTx(ctx, f.ID)
		if err != nil {
			return 0, err
		}
		if err := tx.saveMembers(ctx, f.ID, f.Members); err != nil {
			return 0, err
		}
		cur.Members = oldMembers
		if err := tx.addEvent(ctx, f.ID, ev, "updated", time.Time{}, strings.Join(familyChanges(cur, *f), ",")); err != nil {
			return 0, err
		}
		f.Version++
		f.UpdatedAt = tx.now
		f.Status, f.ConsentDate, f.DischargedOn, f.DischargeReason = cur.Status, cur.ConsentDate, cur.DischargedOn, cur.DischargeReason
		return f.ID, nil
	})
}

func (tx *Tx) saveMembers(ctx context.Context, familyID int64, ms []holf.Member) error {
	keep := []any{familyID}
	for i := range ms {
		m := &ms[i]
		if m.ID == 0 {
			continue
		}
		res, err := tx.exec(ctx, `UPDATE family_members SET role = ?, name = ?, birth_year = ?, country_of_birth = ?, languages = ?,
			interpreter_needed = ?, interpreter_language = ?, lives_at_home = ?, position = ? WHERE id = ? AND family_id = ?`,
			string(m.Role), m.Name, m.BirthYear, m.CountryOfBirth, m.Languages, boolInt(m.InterpreterNeeded), m.InterpreterLanguage,
			boolInt(m.LivesAtHome), i, m.ID, familyID)
		if err != nil {
			return fmt.Errorf("update member %d: %w", m.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return holf.NotFound("member", m.ID)
		}
		keep = append(keep, m.ID)
	}
	q := `DELETE FROM family_members WHERE family_id = ?`
	if len(keep) > 1 {
		q += ` AND id NOT IN (` + placeholders(len(keep)-1) + `)`
	}
	if _, err := tx.exec(ctx, q, keep...); err != nil {
		return fmt.Errorf("remove members of family %d: %w", familyID, err)
	}
	for i := range ms {
		if ms[i].ID != 0 {
			continue
		}
		if err := tx.insertMembers(ctx, familyID, ms[i:i+1]); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE family_members SET position = ? WHERE id = ?`, i, ms[i].ID); err != nil {
			return err
		}
	}
	return nil
}

// StatusChange moves a family along candidate → recruited → active →
// discharged. On is the date it concerns (consent or discharge).
type StatusChange struct {
	FamilyID int64
	Version  int64
	To       holf.FamilyStatus
	On       time.Time
	Reason   holf.DischargeReason
	Note     string
}

// ChangeStatus applies c if the family's version is current and the move is allowed.
func (db *DB) ChangeStatus(ctx context.Context, ev holf.AuditEvent, c StatusChange) (holf.Family, error) {
	var out holf.Family
	ev.RecordID = c.FamilyID
	err := db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		f, err := tx.getFamily(ctx, c.FamilyID)
		if err != nil {
			return 0, err
		}
		if f.Version != c.Version {
			return 0, staleVersion("family", f.ID)
		}
		var v holf.Validation
		if !f.Status.CanMove(c.To) {
			v.Add("status", "err.status_move", string(f.Status), string(c.To))
		}
		if c.On.IsZero() {
			v.Add("on", "err.required")
		} else if c.On.After(tx.now.AddDate(0, 0, 1)) {
			v.Add("on", "err.date_future")
		}
		if c.To == holf.StatusDischarged && !c.Reason.Valid() {
			v.Add("reason", "err.required")
		}
		if len(c.Note) > 1000 {
			v.Add("note", "err.too_long", 1000, len(c.Note))
		}
		if err := v.Err(); err != nil {
			return 0, err
		}
		switch c.To {
		case holf.StatusRecruited:
			f.ConsentDate = c.On
		case holf.StatusDischarged:
			f.DischargedOn, f.DischargeReason = c.On, c.Reason
		}
		_, err = tx.exec(ctx, `UPDATE families SET status = ?, consent_date = ?, discharged_on = ?, discharge_reason = ?,
			version = version + 1, updated_at = ? WHERE id = ?`,
			string(c.To), formatDate(f.ConsentDate), formatDate(f.DischargedOn), nullString(string(f.DischargeReason)), formatTime(tx.now), f.ID)
		if err != nil {
			return 0, fmt.Errorf("change status of family %d: %w", f.ID, err)
		}
		detail := string(c.To)
		if c.Reason != "" && c.To == holf.StatusDischarged {
			detail += ":" + string(c.Reason)
		}
		if c.Note != "" {
			detail += " – " + strings.TrimSpace(c.Note)
		}
		if err := tx.addEvent(ctx, f.ID, ev, string(c.To), c.On, detail); err != nil {
			return 0, err
		}
		f.Status, f.Version = c.To, f.Version+1
		out = f
		return f.ID, nil
	})
	if err != nil {
		return out, err
	}
	out.Members, err = db.members(ctx, out.ID)
	return out, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (tx *Tx) getFamily(ctx context.Context, id int64) (holf.Family, error) {
	f, err := scanFamily(tx.queryRow(ctx, `SELECT `+familyCols+` FROM families f WHERE f.id = ?`, id))
	return f, notFoundIf(err, "family", id)
}

// GetFamily loads a family with its members.
func (db *DB) GetFamily(ctx context.Context, id int64) (holf.Family, error) {
	f, err := scanFamily(db.queryRow(ctx, `SELECT `+familyCols+` FROM families f WHERE f.id = ?`, id))
	if err := notFoundIf(err, "family", id); err != nil {
		return f, err
	}
	f.Members, err = db.members(ctx, id)
	return f, err
}

// FamilyOffice returns only the office of a family: what an authorisation
// check needs before anything else is loaded.
func (db *DB) FamilyOffice(ctx context.Context, id int64) (int64, error) {
	var office int64
	err := db.queryRow(ctx, `SELECT office_id FROM families WHERE id = ?`, id).Scan(&office)
	return office, notFoundIf(err, "family", id)
}

const memberCols = `id, family_id, role, name, birth_year, country_of_birth, languages, interpreter_needed, interpreter_language, lives_at_home`

func scanMember(s scanner) (int64, holf.Member, error) {
	var m holf.Member
	var familyID int64
	var role string
	var interp, home int
	err := s.Scan(&m.ID, &familyID, &role, &m.Name, &m.BirthYear, &m.CountryOfBirth, &m.Languages, &interp, &m.InterpreterLanguage, &home)
	m.Role, m.InterpreterNeeded, m.LivesAtHome = holf.MemberRole(role), interp != 0, home != 0
	return familyID, m, err
}

func (db *DB) members(ctx context.Context, familyID int64) ([]holf.Member, error) {
	byFamily, err := db.membersOf(ctx, []int64{familyID})
	return byFamily[familyID], err
}

func (db *DB) membersOf(ctx context.Context, ids []int64) (map[int64][]holf.Member, error) {
	out := map[int64][]holf.Member{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.query(ctx, `SELECT `+memberCols+` FROM family_members WHERE family_id IN (`+placeholders(len(ids))+`) ORDER BY family_id, position, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		fid, m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("load members: %w", err)
		}
		out[fid] = append(out[fid], m)
	}
	return out, mapErr(rows.Err())
}

// FamilyFilter selects families. OfficeIDs nil means every office (only for
// callers policy allows that); an empty slice means none.
type FamilyFilter struct {
	OfficeIDs     []int64
	CoordinatorID int64 // primary or second coordinator
	Statuses      []holf.FamilyStatus
	Search        string // in the family's or a member's name
}

// ListFamilies returns matching families with their members, in two queries.
func (db *DB) ListFamilies(ctx context.Context, f FamilyFilter) ([]holf.Family, error) {
	if f.OfficeIDs != nil && len(f.OfficeIDs) == 0 {
		return []holf.Family{}, nil
	}
	q := `SELECT ` + familyCols + ` FROM families f WHERE 1 = 1`
	where, args := familyWhere(f)
	q += where
	q += ` ORDER BY f.name, f.id`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list families: %w", err)
	}
	defer rows.Close()
	out := []holf.Family{}
	var ids []int64
	for rows.Next() {
		fam, err := scanFamily(rows)
		if err != nil {
			return nil, fmt.Errorf("list families: %w", err)
		}
		out = append(out, fam)
		ids = append(ids, fam.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	_ = rows.Close()
	members, err := db.membersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Members = members[out[i].ID]
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FamilyEvents returns a family's timeline, oldest first.
func (db *DB) FamilyEvents(ctx context.Context, familyID int64) ([]holf.FamilyEvent, error) {
	rows, err := db.query(ctx, `SELECT id, family_id, at, on_date, kind, actor_id, actor, detail FROM family_events WHERE family_id = ? ORDER BY on_date, at, id`, familyID)
	if err != nil {
		return nil, fmt.Errorf("load timeline of family %d: %w", familyID, err)
	}
	defer rows.Close()
	var out []holf.FamilyEvent
	for rows.Next() {
		var e holf.FamilyEvent
		var at, on string
		if err := rows.Scan(&e.ID, &e.FamilyID, &at, &on, &e.Kind, &e.ActorID, &e.Actor, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		e.On, _ = time.Parse(dateFormat, on)
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// ImportedFamily is a family with its whole history, as demo data or a
// migration from another system brings it.
type ImportedFamily struct {
	Family holf.Family
	Events []holf.FamilyEvent // Kind, On and Detail are used
}

// ImportFamilies stores families with their final state and history in one
// transaction, each with its audit entry. IDs are set on the families.
func (db *DB) ImportFamilies(ctx context.Context, ev holf.AuditEvent, fams []ImportedFamily) error {
	for i := range fams {
		if err := fams[i].Family.Validate(db.now()); err != nil {
			return fmt.Errorf("family %q: %w", fams[i].Family.Name, err)
		}
	}
	return db.writeTx(ctx, func(tx *Tx) error {
		for i := range fams {
			f := &fams[i].Family
			now := formatTime(tx.now)
			id, err := tx.insertID(ctx, `INSERT INTO families (office_id, name, primary_coordinator_id, second_coordinator_id, status,
				consent_date, discharged_on, discharge_reason, replaces_family_id, notes, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
				f.OfficeID, f.Name, nullID(f.PrimaryCoordinatorID), nullID(f.SecondCoordinatorID), string(f.Status),
				formatDate(f.ConsentDate), formatDate(f.DischargedOn), nullString(string(f.DischargeReason)), nullID(f.ReplacesFamilyID), f.Notes, now, now)
			if err != nil {
				return fmt.Errorf("import family %q: %w", f.Name, err)
			}
			f.ID, f.Version = id, 1
			if err := tx.insertMembers(ctx, id, f.Members); err != nil {
				return err
			}
			for _, e := range fams[i].Events {
				if err := tx.addEvent(ctx, id, ev, e.Kind, e.On, e.Detail); err != nil {
					return err
				}
			}
			if f.ReplacesFamilyID != 0 {
				if err := tx.addEvent(ctx, f.ReplacesFamilyID, ev, "replaced_by", f.CreatedAt, fmt.Sprint(id)); err != nil {
					return err
				}
			}
			fev := ev
			fev.RecordID = id
			if err := tx.appendAudit(ctx, fev); err != nil {
				return err
			}
		}
		return nil
	})
}

// CaseloadRow is one family of a caseload with what the list shows about it.
type CaseloadRow struct {
	Family         holf.Family // without members
	Parents        int
	Children       int
	Interpreter    []string  // languages members need an interpreter for
	Overdue        int       // open activities past their due date
	NextDue        time.Time // the next open activity's due date from today
	MappingUpdated time.Time
	PlanUpdated    time.Time
}

// Caseload lists families with their caseload figures in one query: each
// figure is a subquery per family that the indexes answer, so the cost is
// one round trip whatever the number of families.
func (db *DB) Caseload(ctx context.Context, f FamilyFilter, today time.Time) ([]CaseloadRow, error) {
	if f.OfficeIDs != nil && len(f.OfficeIDs) == 0 {
		return []CaseloadRow{}, nil
	}
	agg := `GROUP_CONCAT(DISTINCT m.interpreter_language)`
	if db.dialect == Postgres {
		agg = `STRING_AGG(DISTINCT m.interpreter_language, ',')`
	}
	day := today.Format(dateFormat)
	q := `SELECT ` + familyCols + `, f.plan_updated_at,
		(SELECT COUNT(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'parent'),
		(SELECT COUNT(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'child'),
		(SELECT ` + agg + ` FROM family_members m WHERE m.family_id = f.id AND m.interpreter_needed = 1),
		(SELECT COUNT(*) FROM plan_activities a WHERE a.family_id = f.id AND a.status = 'open' AND a.due_on < ?),
		(SELECT MIN(a.due_on) FROM plan_activities a WHERE a.family_id = f.id AND a.status = 'open' AND a.due_on >= ?),
		(SELECT MAX(v.saved_at) FROM mapping_versions v WHERE v.family_id = f.id)
		FROM families f WHERE 1 = 1`
	args := []any{day, day}
	where, wargs := familyWhere(f)
	q += where + ` ORDER BY f.name, f.id`
	rows, err := db.query(ctx, q, append(args, wargs...)...)
	if err != nil {
		return nil, fmt.Errorf("caseload: %w", err)
	}
	defer rows.Close()
	out := []CaseloadRow{}
	for rows.Next() {
		var c CaseloadRow
		var primary, second, replaces sql.NullInt64
		var status, created, updated string
		var consent, discharged, reason, planUpd, interp, next, mapped sql.NullString
		fm := &c.Family
		if err := rows.Scan(&fm.ID, &fm.OfficeID, &fm.Name, &primary, &second, &status, &consent, &discharged, &reason, &replaces,
			&fm.Notes, &fm.Version, &created, &updated, &planUpd, &c.Parents, &c.Children, &interp, &c.Overdue, &next, &mapped); err != nil {
			return nil, fmt.Errorf("caseload: %w", err)
		}
		fm.PrimaryCoordinatorID, fm.SecondCoordinatorID, fm.ReplacesFamilyID = primary.Int64, second.Int64, replaces.Int64
		fm.Status, fm.DischargeReason = holf.FamilyStatus(status), holf.DischargeReason(reason.String)
		fm.ConsentDate, fm.DischargedOn = parseDate(consent), parseDate(discharged)
		fm.CreatedAt, fm.UpdatedAt = parseTime(created), parseTime(updated)
		c.PlanUpdated, c.MappingUpdated, c.NextDue = nullTime(planUpd), nullTime(mapped), parseDate(next)
		if interp.Valid && interp.String != "" {
			c.Interpreter = strings.Split(interp.String, ",")
			slices.Sort(c.Interpreter)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

func (tx *Tx) membersTx(ctx context.Context, familyID int64) ([]holf.Member, error) {
	rows, err := tx.query(ctx, `SELECT `+memberCols+` FROM family_members WHERE family_id = ? ORDER BY position, id`, familyID)
	if err != nil {
		return nil, fmt.Errorf("load members of family %d: %w", familyID, err)
	}
	defer rows.Close()
	var out []holf.Member
	for rows.Next() {
		_, m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// familyChanges names what an edit changed, for the family's history:
// name, coordinators, notes, and members added, removed or changed (by name).
func familyChanges(before, after holf.Family) []string {
	var out []string
	if before.Name != after.Name {
		out = append(out, "name")
	}
	if before.PrimaryCoordinatorID != after.PrimaryCoordinatorID || before.SecondCoordinatorID != after.SecondCoordinatorID {
		out = append(out, "coordinators")
	}
	if before.Notes != after.Notes {
		out = append(out, "notes")
	}
	old := map[int64]holf.Member{}
	for _, m := range before.Members {
		old[m.ID] = m
	}
	seen := map[int64]bool{}
	for _, m := range after.Members {
		o, ok := old[m.ID]
		switch {
		case m.ID == 0 || !ok:
			out = append(out, "member_added:"+m.Name)
		case o != m:
			out = append(out, "member_changed:"+m.Name)
		}
		seen[m.ID] = true
	}
	for _, m := range before.Members {
		if !seen[m.ID] {
			out = append(out, "member_removed:"+m.Name)
		}
	}
	return out
}

// familyWhere turns a filter into AND clauses on families f.
func familyWhere(f FamilyFilter) (string, []any) {
	var q string
	var args []any
	if f.OfficeIDs != nil {
		q += ` AND f.office_id IN (` + placeholders(len(f.OfficeIDs)) + `)`
		for _, id := range f.OfficeIDs {
			args = append(args, id)
		}
	}
	if f.CoordinatorID != 0 {
		q += ` AND (f.primary_coordinator_id = ? OR f.second_coordinator_id = ?)`
		args = append(args, f.CoordinatorID, f.CoordinatorID)
	}
	if len(f.Statuses) > 0 {
		q += ` AND f.status IN (` + placeholders(len(f.Statuses)) + `)`
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		like := "%" + strings.ToLower(escapeLike(s)) + "%"
		q += ` AND (LOWER(f.name) LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM family_members m WHERE m.family_id = f.id AND LOWER(m.name) LIKE ? ESCAPE '\'))`
		args = append(args, like, like)
	}
	return q, args
}
