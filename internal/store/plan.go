package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/holf-project/holf"
)

const goalCols = `id, family_id, parent_id, member_id, area, title, status, achieved_on, version, updated_at`

func scanGoal(s scanner) (holf.Goal, error) {
	var g holf.Goal
	err := s.Scan(&g.ID, &g.FamilyID, asID(&g.ParentID), asID(&g.MemberID), asText(&g.Area), &g.Title, asText(&g.Status),
		asDate(&g.AchievedOn), &g.Version, asTime(&g.UpdatedAt))
	return g, err
}

const activityCols = `id, family_id, goal_id, title, responsible_kind, responsible_member_id, responsible_name, due_on, status, done_on, version, updated_at,
	meeting_id, partner_id`

func scanActivity(s scanner) (holf.Activity, error) {
	var a holf.Activity
	err := s.Scan(&a.ID, &a.FamilyID, &a.GoalID, &a.Title, asText(&a.Responsible), asID(&a.ResponsibleMemberID), &a.ResponsibleName,
		asDate(&a.DueOn), asText(&a.Status), asDate(&a.DoneOn), &a.Version, asTime(&a.UpdatedAt), asID(&a.MeetingID), asID(&a.PartnerID))
	return a, err
}

// Plan loads a family's whole plan in three queries.
func (db *DB) Plan(ctx context.Context, familyID int64) (holf.Plan, error) {
	p := holf.Plan{FamilyID: familyID}
	err := db.queryRow(ctx, `SELECT plan_version, plan_updated_at FROM families WHERE id = ?`, familyID).Scan(&p.Version, asTime(&p.UpdatedAt))
	if err := notFoundIf(err, "family", familyID); err != nil {
		return p, err
	}
	rows, err := db.query(ctx, `SELECT `+goalCols+` FROM plan_goals WHERE family_id = ? ORDER BY position, id`, familyID)
	if err != nil {
		return p, fmt.Errorf("load plan of family %d: %w", familyID, err)
	}
	for rows.Next() {
		g, err := scanGoal(rows)
		if err != nil {
			_ = rows.Close()
			return p, err
		}
		p.Goals = append(p.Goals, g)
	}
	if err := rows.Close(); err != nil {
		return p, mapErr(err)
	}
	rows, err = db.query(ctx, `SELECT `+activityCols+` FROM plan_activities WHERE family_id = ? ORDER BY position, id`, familyID)
	if err != nil {
		return p, fmt.Errorf("load plan of family %d: %w", familyID, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return p, err
		}
		p.Activities = append(p.Activities, a)
	}
	return p, mapErr(rows.Err())
}

// planChanged bumps the plan's version and records the change in the plan's
// history and on the family's timeline.
func (tx *Tx) planChanged(ctx context.Context, familyID int64, ev holf.AuditEvent, kind, item string) error {
	now := formatTime(tx.now)
	if _, err := tx.exec(ctx, `UPDATE families SET plan_version = plan_version + 1, plan_updated_at = ?, updated_at = ? WHERE id = ?`, now, now, familyID); err != nil {
		return fmt.Errorf("bump plan of family %d: %w", familyID, err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO plan_changes (family_id, at, actor_id, actor, kind, item) VALUES (?, ?, ?, ?, ?, ?)`,
		familyID, now, ev.ActorID, ev.Actor, kind, item); err != nil {
		return fmt.Errorf("record plan change: %w", err)
	}
	return tx.addEvent(ctx, familyID, ev, holf.FamilyEvent{Kind: holf.EventPlan, Details: holf.EventDetails{PlanChange: kind, Item: item}})
}

func (tx *Tx) nextPosition(ctx context.Context, table string, familyID int64) (int, error) {
	var n int
	// table is one of two constants of this file, never input.
	err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM `+table+` WHERE family_id = ?`, familyID).Scan(&n) // #nosec G202 -- constant table name
	return n, err
}

// checkParent makes sure a sub-goal's parent is a top-level goal of the same family.
func (tx *Tx) checkParent(ctx context.Context, g *holf.Goal) error {
	if g.ParentID == 0 {
		return nil
	}
	parent, err := scanGoal(tx.queryRow(ctx, `SELECT `+goalCols+` FROM plan_goals WHERE id = ? AND family_id = ?`, g.ParentID, g.FamilyID))
	if err != nil || parent.ParentID != 0 || parent.ID == g.ID {
		var v holf.Validation
		v.Add("parent", "err.parent_goal")
		return v.Err()
	}
	g.Area = parent.Area // a sub-goal belongs to its goal's area
	return nil
}

// AddGoal adds a goal or sub-goal to a family's plan.
func (db *DB) AddGoal(ctx context.Context, ev holf.AuditEvent, g *holf.Goal) error {
	ev.RecordID = g.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkParent(ctx, g); err != nil {
			return 0, err
		}
		pos, err := tx.nextPosition(ctx, "plan_goals", g.FamilyID)
		if err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO plan_goals (family_id, parent_id, member_id, area, title, status, achieved_on, position, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, g.FamilyID, nullID(g.ParentID), nullID(g.MemberID), string(g.Area), g.Title, string(g.Status),
			formatDate(g.AchievedOn), pos, now, now)
		if err != nil {
			return 0, fmt.Errorf("add goal: %w", err)
		}
		g.ID, g.Version, g.UpdatedAt = id, 1, tx.now
		return g.FamilyID, tx.planChanged(ctx, g.FamilyID, ev, holf.PlanGoalAdded, g.Title)
	})
}

// UpdateGoal saves a goal if its version is current.
func (db *DB) UpdateGoal(ctx context.Context, ev holf.AuditEvent, g *holf.Goal) error {
	ev.RecordID = g.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkParent(ctx, g); err != nil {
			return 0, err
		}
		found := func() error { _, err := getGoal(ctx, tx, g.FamilyID, g.ID); return err }
		if err := tx.updateVersioned(ctx, "goal", g.ID, found, `UPDATE plan_goals SET parent_id = ?, member_id = ?, area = ?, title = ?, status = ?,
			achieved_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND family_id = ? AND version = ?`,
			nullID(g.ParentID), nullID(g.MemberID), string(g.Area), g.Title, string(g.Status),
			formatDate(g.AchievedOn), formatTime(tx.now), g.ID, g.FamilyID, g.Version); err != nil {
			return 0, err
		}
		// Sub-goals follow their goal's area.
		if _, err := tx.exec(ctx, `UPDATE plan_goals SET area = ? WHERE parent_id = ?`, string(g.Area), g.ID); err != nil {
			return 0, err
		}
		g.Version++
		return g.FamilyID, tx.planChanged(ctx, g.FamilyID, ev, holf.PlanGoalUpdated, g.Title)
	})
}

func getGoal(ctx context.Context, q querier, familyID, id int64) (holf.Goal, error) {
	return one(ctx, q, scanGoal, "goal", id, `SELECT `+goalCols+` FROM plan_goals WHERE id = ? AND family_id = ?`, id, familyID)
}

func getActivity(ctx context.Context, q querier, familyID, id int64) (holf.Activity, error) {
	return one(ctx, q, scanActivity, "activity", id, `SELECT `+activityCols+` FROM plan_activities WHERE id = ? AND family_id = ?`, id, familyID)
}

// Goal loads one goal of a family; a goal of another family is not found.
func (db *DB) Goal(ctx context.Context, familyID, id int64) (holf.Goal, error) {
	return getGoal(ctx, db, familyID, id)
}

// Activity loads one activity of a family.
func (db *DB) Activity(ctx context.Context, familyID, id int64) (holf.Activity, error) {
	return getActivity(ctx, db, familyID, id)
}

// AddActivity adds an activity to a goal of the family.
func (db *DB) AddActivity(ctx context.Context, ev holf.AuditEvent, a *holf.Activity) error {
	ev.RecordID = a.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkGoal(ctx, a); err != nil {
			return 0, err
		}
		pos, err := tx.nextPosition(ctx, "plan_activities", a.FamilyID)
		if err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO plan_activities (family_id, goal_id, title, responsible_kind, responsible_member_id, responsible_name,
			due_on, status, done_on, position, version, created_at, updated_at, meeting_id, partner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
			a.FamilyID, a.GoalID, a.Title, string(a.Responsible), nullID(a.ResponsibleMemberID), a.ResponsibleName, formatDate(a.DueOn),
			string(a.Status), formatDate(a.DoneOn), pos, now, now, nullID(a.MeetingID), nullID(a.PartnerID))
		if err != nil {
			return 0, fmt.Errorf("add activity: %w", err)
		}
		a.ID, a.Version, a.UpdatedAt = id, 1, tx.now
		return a.FamilyID, tx.planChanged(ctx, a.FamilyID, ev, holf.PlanActivityAdded, a.Title)
	})
}

// checkGoal makes sure, in the transaction that writes it, that activity
// a's goal is a goal of its family.
func (tx *Tx) checkGoal(ctx context.Context, a *holf.Activity) error {
	if _, err := getGoal(ctx, tx, a.FamilyID, a.GoalID); err != nil {
		var v holf.Validation
		v.Add("goal", "err.goal_unknown")
		return v.Err()
	}
	if a.MeetingID != 0 {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM meetings WHERE id = ? AND family_id = ?`, a.MeetingID, a.FamilyID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			a.MeetingID = 0
		}
	}
	return nil
}

// UpdateActivity saves an activity if its version is current.
func (db *DB) UpdateActivity(ctx context.Context, ev holf.AuditEvent, a *holf.Activity) error {
	ev.RecordID = a.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkGoal(ctx, a); err != nil {
			return 0, err
		}
		found := func() error { _, err := getActivity(ctx, tx, a.FamilyID, a.ID); return err }
		if err := tx.updateVersioned(ctx, "activity", a.ID, found, `UPDATE plan_activities SET goal_id = ?, title = ?, responsible_kind = ?,
			responsible_member_id = ?, responsible_name = ?, partner_id = ?, due_on = ?, status = ?, done_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND family_id = ? AND version = ?`,
			a.GoalID, a.Title, string(a.Responsible), nullID(a.ResponsibleMemberID), a.ResponsibleName, nullID(a.PartnerID), formatDate(a.DueOn),
			string(a.Status), formatDate(a.DoneOn), formatTime(tx.now), a.ID, a.FamilyID, a.Version); err != nil {
			return 0, err
		}
		a.Version++
		return a.FamilyID, tx.planChanged(ctx, a.FamilyID, ev, holf.PlanActivityUpdated, a.Title)
	})
}

// SetActivityStatus checks an activity off (or reopens or drops it) in one
// action, dated on day today. It needs no version from the caller: setting
// a status never overwrites other edits.
func (db *DB) SetActivityStatus(ctx context.Context, ev holf.AuditEvent, familyID, id int64, status holf.ActivityStatus, today time.Time) (holf.Activity, error) {
	var out holf.Activity
	ev.RecordID = familyID
	err := db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		a, err := getActivity(ctx, tx, familyID, id)
		if err != nil {
			return 0, err
		}
		if a.Status == status {
			out = a
			return familyID, nil
		}
		a.Status, a.DoneOn = status, time.Time{}
		a.Stamp(today)
		// The version read above is checked again by the UPDATE itself, so
		// that two people checking the same activity off at once record it once.
		if err := tx.updateVersioned(ctx, "activity", id, nil, `UPDATE plan_activities SET status = ?, done_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, string(status), formatDate(a.DoneOn), formatTime(tx.now), id, a.Version); err != nil {
			return 0, err
		}
		a.Version++
		out = a
		return familyID, tx.planChanged(ctx, familyID, ev, holf.PlanActivityStatus(status), a.Title)
	})
	return out, err
}

// PlanChanges returns the plan's history, newest first.
func (db *DB) PlanChanges(ctx context.Context, familyID int64, limit int) ([]holf.PlanChange, error) {
	rows, err := db.query(ctx, fmt.Sprintf(`SELECT at, actor, kind, item FROM plan_changes WHERE family_id = ? ORDER BY at DESC, id DESC LIMIT %d`, limit), familyID)
	if err != nil {
		return nil, fmt.Errorf("load plan history of family %d: %w", familyID, err)
	}
	defer rows.Close()
	var out []holf.PlanChange
	for rows.Next() {
		var c holf.PlanChange
		var at string
		if err := rows.Scan(&at, &c.Actor, &c.Kind, &c.Item); err != nil {
			return nil, err
		}
		c.At = parseTime(at)
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// ImportedGoal is a goal with its sub-goals and activities, as demo data or
// a migration brings it. Member ids refer to the family's stored members.
type ImportedGoal struct {
	Goal       holf.Goal
	Activities []holf.Activity
	Subgoals   []ImportedGoal
}

// CaseContent is a family's mapping versions and plan, for import.
type CaseContent struct {
	FamilyID int64
	Mappings []holf.Mapping // oldest first; SavedAt and Actor are kept
	Goals    []ImportedGoal
	PlanAt   time.Time // when the plan was last changed
}

// ImportCaseContent stores mappings and plans of many families in one
// transaction, with one audit entry per family.
func (db *DB) ImportCaseContent(ctx context.Context, ev holf.AuditEvent, cs []CaseContent) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		for _, c := range cs {
			for i, m := range c.Mappings {
				content, err := json.Marshal(m.Fields)
				if err != nil {
					return err
				}
				if _, err := tx.exec(ctx, `INSERT INTO mapping_versions (family_id, version, saved_at, actor_id, actor, content) VALUES (?, ?, ?, ?, ?, ?)`,
					c.FamilyID, i+1, formatTime(m.SavedAt), m.ActorID, m.Actor, string(content)); err != nil {
					return fmt.Errorf("import mapping of family %d: %w", c.FamilyID, err)
				}
				if err := tx.addEvent(ctx, c.FamilyID, ev, mappingEvent(i+1, m.SavedAt)); err != nil {
					return err
				}
			}
			pos, items := 0, 0
			var acts []holf.Activity
			var insert func(g ImportedGoal, parent int64) error
			insert = func(ig ImportedGoal, parent int64) error {
				g := ig.Goal
				pos++
				id, err := tx.insertID(ctx, `INSERT INTO plan_goals (family_id, parent_id, member_id, area, title, status, achieved_on, position, version, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.FamilyID, nullID(parent), nullID(g.MemberID), string(g.Area), g.Title, string(g.Status),
					formatDate(g.AchievedOn), pos, formatTime(c.PlanAt), formatTime(c.PlanAt))
				if err != nil {
					return fmt.Errorf("import goal of family %d: %w", c.FamilyID, err)
				}
				items++
				for _, a := range ig.Activities {
					a.GoalID = id
					acts = append(acts, a)
				}
				for _, sub := range ig.Subgoals {
					if err := insert(sub, id); err != nil {
						return err
					}
				}
				return nil
			}
			for _, g := range c.Goals {
				if err := insert(g, 0); err != nil {
					return err
				}
			}
			// Activities go in multi-row statements: the national-scale
			// dataset has millions of them.
			rows := make([][]any, len(acts))
			at := formatTime(c.PlanAt)
			for i, a := range acts {
				rows[i] = []any{c.FamilyID, a.GoalID, a.Title, string(a.Responsible), nullID(a.ResponsibleMemberID), a.ResponsibleName,
					formatDate(a.DueOn), string(a.Status), formatDate(a.DoneOn), i + 1, 1, at, at}
			}
			if err := tx.insertRows(ctx, "plan_activities", `family_id, goal_id, title, responsible_kind, responsible_member_id, responsible_name,
				due_on, status, done_on, position, version, created_at, updated_at`, rows); err != nil {
				return fmt.Errorf("import activities of family %d: %w", c.FamilyID, err)
			}
			items += len(acts)
			if items > 0 {
				if _, err := tx.exec(ctx, `UPDATE families SET plan_version = ?, plan_updated_at = ? WHERE id = ?`, items, formatTime(c.PlanAt), c.FamilyID); err != nil {
					return err
				}
				if _, err := tx.exec(ctx, `INSERT INTO plan_changes (family_id, at, actor_id, actor, kind, item) VALUES (?, ?, ?, ?, ?, ?)`,
					c.FamilyID, formatTime(c.PlanAt), ev.ActorID, ev.Actor, holf.PlanImported, fmt.Sprint(items)); err != nil {
					return err
				}
			}
			fev := ev
			fev.RecordID = c.FamilyID
			if err := tx.appendAudit(ctx, fev); err != nil {
				return err
			}
		}
		return nil
	})
}
