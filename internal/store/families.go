package store

import (
	"context"
	"encoding/json"
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

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const familyCols = `f.id, f.office_id, f.name, f.primary_coordinator_id, f.second_coordinator_id, f.status, f.consent_date,
	f.discharged_on, f.discharge_reason, f.replaces_family_id, f.notes, f.version, f.created_at, f.updated_at`

// familyInto is where the columns of familyCols go.
func familyInto(f *holf.Family) []any {
	return []any{&f.ID, &f.OfficeID, &f.Name, asID(&f.PrimaryCoordinatorID), asID(&f.SecondCoordinatorID), asText(&f.Status),
		asDate(&f.ConsentDate), asDate(&f.DischargedOn), asText(&f.DischargeReason), asID(&f.ReplacesFamilyID),
		&f.Notes, &f.Version, asTime(&f.CreatedAt), asTime(&f.UpdatedAt)}
}

func scanFamily(s scanner) (holf.Family, error) {
	var f holf.Family
	err := s.Scan(familyInto(&f)...)
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

// addEvent writes e on family familyID's timeline, by ev's actor. An event
// without a date concerns the day it is recorded.
func (tx *Tx) addEvent(ctx context.Context, familyID int64, ev holf.AuditEvent, e holf.FamilyEvent) error {
	if !e.Kind.Valid() {
		return fmt.Errorf("record event of family %d: unknown kind %q", familyID, e.Kind)
	}
	on := e.On
	if on.IsZero() {
		on = tx.now
	}
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("record %s event of family %d: %w", e.Kind, familyID, err)
	}
	_, err = tx.exec(ctx, `INSERT INTO family_events (family_id, at, on_date, kind, actor_id, actor, details) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		familyID, formatTime(tx.now), on.Format(dateFormat), string(e.Kind), ev.ActorID, ev.Actor, string(details))
	if err != nil {
		return fmt.Errorf("record %s event of family %d: %w", e.Kind, familyID, err)
	}
	return nil
}

func replacedBy(id int64, on time.Time) holf.FamilyEvent {
	return holf.FamilyEvent{Kind: holf.EventReplacedBy, On: on, Details: holf.EventDetails{Family: id}}
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

// CreateFamily stores a new, validated family with its members as a
// candidate (or in the status it carries), records the event on its timeline
// and, when it replaces a discharged family, links the two. It checks what
// only the database knows: the coordinators work at the office, and the
// family replaced is a discharged family of the same office.
func (db *DB) CreateFamily(ctx context.Context, ev holf.AuditEvent, f *holf.Family) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) { return tx.createFamily(ctx, ev, f) })
}

// createFamily is CreateFamily inside tx.
func (tx *Tx) createFamily(ctx context.Context, ev holf.AuditEvent, f *holf.Family) (int64, error) {
	if err := tx.checkCoordinators(ctx, f); err != nil {
		return 0, err
	}
	if f.ReplacesFamilyID != 0 {
		old, err := getFamily(ctx, tx, f.ReplacesFamilyID)
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
	if err := tx.addEvent(ctx, id, ev, holf.FamilyEvent{Kind: holf.EventCreated, Details: holf.EventDetails{Status: f.Status}}); err != nil {
		return 0, err
	}
	if f.ReplacesFamilyID != 0 {
		if err := tx.addEvent(ctx, f.ReplacesFamilyID, ev, replacedBy(id, time.Time{})); err != nil {
			return 0, err
		}
	}
	f.ID, f.Version, f.CreatedAt, f.UpdatedAt = id, 1, parseTime(now), parseTime(now)
	return id, nil
}

// UpdateFamily saves a validated family's name, coordinators, notes and
// members if f.Version is current. Members with an ID are updated, new ones
// added, missing ones removed.
func (db *DB) UpdateFamily(ctx context.Context, ev holf.AuditEvent, f *holf.Family) error {
	ev.RecordID = f.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		cur, err := getFamily(ctx, tx, f.ID)
		if err != nil {
			return 0, err
		}
		f.OfficeID = cur.OfficeID // a family never moves office through an edit
		if err := tx.checkCoordinators(ctx, f); err != nil {
			return 0, err
		}
		if err := tx.updateVersioned(ctx, "family", f.ID, nil, `UPDATE families SET name = ?, primary_coordinator_id = ?, second_coordinator_id = ?, notes = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			f.Name, nullID(f.PrimaryCoordinatorID), nullID(f.SecondCoordinatorID), f.Notes, formatTime(tx.now), f.ID, f.Version); err != nil {
			return 0, err
		}
		oldMembers, err := members(ctx, tx, f.ID)
		if err != nil {
			return 0, err
		}
		if err := tx.saveMembers(ctx, f.ID, f.Members); err != nil {
			return 0, err
		}
		cur.Members = oldMembers
		changes := holf.FamilyEvent{Kind: holf.EventUpdated, Details: holf.EventDetails{Changes: holf.FamilyChanges(cur, *f)}}
		if err := tx.addEvent(ctx, f.ID, ev, changes); err != nil {
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

// ChangeStatus stores next, the family as a validated status change leaves
// it, with the change's event on its timeline, if the family is still at
// version from. The version is compared by the UPDATE itself, so of two
// changes made from the same version exactly one is stored.
func (db *DB) ChangeStatus(ctx context.Context, ev holf.AuditEvent, next *holf.Family, from int64, e holf.FamilyEvent) error {
	ev.RecordID = next.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getFamily(ctx, tx, next.ID); return err }
		if err := tx.updateVersioned(ctx, "family", next.ID, found, `UPDATE families SET status = ?, consent_date = ?, discharged_on = ?, discharge_reason = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(next.Status), formatDate(next.ConsentDate), formatDate(next.DischargedOn), nullString(string(next.DischargeReason)),
			formatTime(tx.now), next.ID, from); err != nil {
			return 0, err
		}
		if err := tx.addEvent(ctx, next.ID, ev, e); err != nil {
			return 0, err
		}
		next.Version, next.UpdatedAt = from+1, tx.now
		return next.ID, nil
	})
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func getFamily(ctx context.Context, q querier, id int64) (holf.Family, error) {
	return one(ctx, q, scanFamily, "family", id, `SELECT `+familyCols+` FROM families f WHERE f.id = ?`, id)
}

// GetFamily loads a family with its members.
func (db *DB) GetFamily(ctx context.Context, id int64) (holf.Family, error) {
	f, err := getFamily(ctx, db, id)
	if err != nil {
		return f, err
	}
	f.Members, err = members(ctx, db, id)
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

func members(ctx context.Context, q querier, familyID int64) ([]holf.Member, error) {
	byFamily, err := membersOf(ctx, q, []int64{familyID})
	return byFamily[familyID], err
}

func membersOf(ctx context.Context, q querier, ids []int64) (map[int64][]holf.Member, error) {
	out := map[int64][]holf.Member{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, `SELECT `+memberCols+` FROM family_members WHERE family_id IN (`+placeholders(len(ids))+`) ORDER BY family_id, position, id`, int64Args(ids)...)
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

// FamilyFilter selects families of a set of offices; the zero set matches
// none, holf.AllOffices() every office (only for callers policy allows that).
type FamilyFilter struct {
	Offices       holf.OfficeSet
	CoordinatorID int64 // primary or second coordinator
	Statuses      []holf.FamilyStatus
	Search        string // in the family's or a member's name
}

// ListFamilies returns matching families with their members, in two queries.
func (db *DB) ListFamilies(ctx context.Context, f FamilyFilter) ([]holf.Family, error) {
	where, args, none := familyWhere(f)
	if none {
		return []holf.Family{}, nil
	}
	q := `SELECT ` + familyCols + ` FROM families f WHERE 1 = 1`
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
	members, err := membersOf(ctx, db, ids)
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

func scanEvent(s scanner) (holf.FamilyEvent, error) {
	var e holf.FamilyEvent
	var at, on, kind, details string
	if err := s.Scan(&e.ID, &e.FamilyID, &at, &on, &kind, &e.ActorID, &e.Actor, &details); err != nil {
		return e, err
	}
	e.At, e.Kind = parseTime(at), holf.EventKind(kind)
	e.On, _ = time.Parse(dateFormat, on)
	if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
		return e, fmt.Errorf("event %d of family %d: details: %w", e.ID, e.FamilyID, err)
	}
	return e, nil
}

// FamilyEvents returns a family's timeline, oldest first.
func (db *DB) FamilyEvents(ctx context.Context, familyID int64) ([]holf.FamilyEvent, error) {
	out, err := collect(ctx, db, scanEvent, `SELECT id, family_id, at, on_date, kind, actor_id, actor, details FROM family_events
		WHERE family_id = ? ORDER BY on_date, at, id`, familyID)
	if err != nil {
		return nil, fmt.Errorf("load timeline of family %d: %w", familyID, err)
	}
	return out, nil
}

// ImportedFamily is a family with its whole history, as demo data or a
// migration from another system brings it.
type ImportedFamily struct {
	Family holf.Family
	Events []holf.FamilyEvent // Kind, On and Details are used
}

// ImportFamilies stores validated families with their final state and
// history in one transaction, each with its audit entry. IDs are set on the
// families.
func (db *DB) ImportFamilies(ctx context.Context, ev holf.AuditEvent, fams []ImportedFamily) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		for i := range fams {
			f := &fams[i].Family
			// A family brought in with its history keeps the day it was
			// registered; the record was last changed now.
			now, created := formatTime(tx.now), formatTime(tx.now)
			if !f.CreatedAt.IsZero() {
				created = formatTime(f.CreatedAt)
			}
			id, err := tx.insertID(ctx, `INSERT INTO families (office_id, name, primary_coordinator_id, second_coordinator_id, status,
				consent_date, discharged_on, discharge_reason, replaces_family_id, notes, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
				f.OfficeID, f.Name, nullID(f.PrimaryCoordinatorID), nullID(f.SecondCoordinatorID), string(f.Status),
				formatDate(f.ConsentDate), formatDate(f.DischargedOn), nullString(string(f.DischargeReason)), nullID(f.ReplacesFamilyID), f.Notes, created, now)
			if err != nil {
				return fmt.Errorf("import family %q: %w", f.Name, err)
			}
			f.ID, f.Version = id, 1
			if err := tx.insertMembers(ctx, id, f.Members); err != nil {
				return err
			}
			for _, e := range fams[i].Events {
				if err := tx.addEvent(ctx, id, ev, e); err != nil {
					return err
				}
			}
			if f.ReplacesFamilyID != 0 {
				if err := tx.addEvent(ctx, f.ReplacesFamilyID, ev, replacedBy(id, f.CreatedAt)); err != nil {
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
	// FirstParent is the first parent's name: two families of one name at
	// an office are told apart by it.
	FirstParent string
}

// Caseload lists families with their caseload figures in one query: each
// figure is a subquery per family that the indexes answer, so the cost is
// one round trip whatever the number of families.
func (db *DB) Caseload(ctx context.Context, f FamilyFilter, today time.Time) ([]CaseloadRow, error) {
	where, wargs, none := familyWhere(f)
	if none {
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
		(SELECT MAX(v.saved_at) FROM mapping_versions v WHERE v.family_id = f.id),
		COALESCE((SELECT m.name FROM family_members m WHERE m.family_id = f.id AND m.role = 'parent' ORDER BY m.position, m.id LIMIT 1), '')
		FROM families f WHERE 1 = 1`
	args := []any{day, day}
	q += where + ` ORDER BY f.name, f.id`
	rows, err := db.query(ctx, q, append(args, wargs...)...)
	if err != nil {
		return nil, fmt.Errorf("caseload: %w", err)
	}
	defer rows.Close()
	out := []CaseloadRow{}
	for rows.Next() {
		var c CaseloadRow
		var interp string
		if err := rows.Scan(append(familyInto(&c.Family), asTime(&c.PlanUpdated), &c.Parents, &c.Children, asText(&interp), &c.Overdue,
			asDate(&c.NextDue), asTime(&c.MappingUpdated), &c.FirstParent)...); err != nil {
			return nil, fmt.Errorf("caseload: %w", err)
		}
		if interp != "" {
			c.Interpreter = strings.Split(interp, ",")
			slices.Sort(c.Interpreter)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// familyWhere turns a filter into AND clauses on families f; none is true
// when the filter can match nothing.
func familyWhere(f FamilyFilter) (q string, args []any, none bool) {
	q, args, none = inOffices("f.office_id", f.Offices)
	if none {
		return "", nil, true
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
	return q, args, false
}
