package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

// The learning structure's records: supervision groups, sessions and
// cases, reviews, action logs, monthly follow-ups and seminars.

// actorAssignments loads a person's roles at offices and the roles their
// supervision groups give them, in one statement: a group leader or member
// holds a group-scoped role for that group.
func (db *DB) actorAssignments(ctx context.Context, personID int64) ([]holf.Assignment, error) {
	return collect(ctx, db, func(s scanner) (holf.Assignment, error) {
		var a holf.Assignment
		err := s.Scan(asText(&a.Role), &a.OfficeID, &a.GroupID)
		return a, err
	}, `SELECT role, COALESCE(office_id, 0), 0 FROM role_assignments WHERE person_id = ?
		UNION ALL SELECT 'group_leader', 0, id FROM supervision_groups WHERE leader_id = ?
		UNION ALL SELECT 'group_member', 0, group_id FROM supervision_group_members WHERE person_id = ?
		ORDER BY 1, 2, 3`, personID, personID, personID)
}

// --- groups ---

// GroupFilter restricts Groups: the groups person leads or belongs to
// (0: every group).
type GroupFilter struct {
	Person int64
	IDs    []int64
}

// Groups lists groups with their members, by name, in two statements.
func (db *DB) Groups(ctx context.Context, f GroupFilter) ([]holf.SupervisionGroup, error) {
	where, args := "", []any{}
	if f.Person != 0 {
		where = ` WHERE g.leader_id = ? OR g.id IN (SELECT group_id FROM supervision_group_members WHERE person_id = ?)`
		args = append(args, f.Person, f.Person)
	}
	if len(f.IDs) > 0 {
		where = ` WHERE g.id IN (` + placeholders(len(f.IDs)) + `)`
		args = int64Args(f.IDs)
	}
	gs, err := collect(ctx, db, func(s scanner) (holf.SupervisionGroup, error) {
		var g holf.SupervisionGroup
		err := s.Scan(&g.ID, &g.Name, &g.LeaderID, &g.LeaderName, &g.Version, asTime(&g.CreatedAt))
		return g, err
	}, `SELECT g.id, g.name, g.leader_id, p.name, g.version, g.created_at FROM supervision_groups g JOIN people p ON p.id = g.leader_id`+where+` ORDER BY g.name, g.id`, args...)
	if err != nil || len(gs) == 0 {
		return gs, err
	}
	ids := make([]int64, len(gs))
	at := map[int64]int{}
	for i, g := range gs {
		ids[i], at[g.ID] = g.ID, i
	}
	rows, err := db.query(ctx, `SELECT m.group_id, m.person_id, m.office_id, p.name FROM supervision_group_members m JOIN people p ON p.id = m.person_id
		WHERE m.group_id IN (`+placeholders(len(ids))+`) ORDER BY m.group_id, m.position`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("group members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid int64
		var m holf.GroupMember
		if err := rows.Scan(&gid, &m.PersonID, &m.OfficeID, &m.Name); err != nil {
			return nil, err
		}
		gs[at[gid]].Members = append(gs[at[gid]].Members, m)
	}
	return gs, mapErr(rows.Err())
}

// Group loads group id with its members.
func (db *DB) Group(ctx context.Context, id int64) (holf.SupervisionGroup, error) {
	gs, err := db.Groups(ctx, GroupFilter{IDs: []int64{id}})
	if err != nil {
		return holf.SupervisionGroup{}, err
	}
	if len(gs) == 0 {
		return holf.SupervisionGroup{}, holf.NotFound("supervision group", id)
	}
	return gs[0], nil
}

// SaveGroup creates group g (ID 0) or updates it from its version, with
// its members, in one transaction.
func (db *DB) SaveGroup(ctx context.Context, ev holf.AuditEvent, g *holf.SupervisionGroup) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		if g.ID == 0 {
			id, err := tx.insertID(ctx, `INSERT INTO supervision_groups (name, leader_id, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)`,
				g.Name, g.LeaderID, now, now)
			if err != nil {
				return 0, fmt.Errorf("create group: %w", err)
			}
			g.ID, g.Version, g.CreatedAt = id, 1, tx.now
		} else {
			if err := tx.updateVersioned(ctx, "supervision group", g.ID, nil, `UPDATE supervision_groups SET name = ?, leader_id = ?, version = version + 1,
				updated_at = ? WHERE id = ? AND version = ?`, g.Name, g.LeaderID, now, g.ID, g.Version); err != nil {
				return 0, err
			}
			g.Version++
			if _, err := tx.exec(ctx, `DELETE FROM supervision_group_members WHERE group_id = ?`, g.ID); err != nil {
				return 0, err
			}
		}
		rows := make([][]any, len(g.Members))
		for i, m := range g.Members {
			rows[i] = []any{g.ID, m.PersonID, m.OfficeID, i}
		}
		if len(rows) > 0 {
			if err := tx.insertRows(ctx, "supervision_group_members", "group_id, person_id, office_id, position", rows); err != nil {
				return 0, err
			}
		}
		return g.ID, nil
	})
}

// --- sessions ---

// Sessions lists the sessions of groups, the earliest first, with their
// attendance.
func (db *DB) Sessions(ctx context.Context, groups ...int64) ([]holf.SupervisionSession, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	ss, err := collect(ctx, db, func(s scanner) (holf.SupervisionSession, error) {
		var x holf.SupervisionSession
		err := s.Scan(&x.ID, &x.GroupID, asTime(&x.StartsAt), &x.Minutes, &x.Place, asText(&x.Status), &x.Version)
		return x, err
	}, `SELECT id, group_id, starts_at, minutes, place, status, version FROM supervision_sessions WHERE group_id IN (`+placeholders(len(groups))+`)
		ORDER BY starts_at, id`, int64Args(groups)...)
	if err != nil || len(ss) == 0 {
		return ss, err
	}
	at := map[int64]int{}
	for i, s := range ss {
		at[s.ID] = i
	}
	rows, err := db.query(ctx, `SELECT a.session_id, a.person_id, a.attended FROM supervision_attendance a JOIN supervision_sessions s ON s.id = a.session_id
		WHERE s.group_id IN (`+placeholders(len(groups))+`) ORDER BY a.session_id, a.person_id`, int64Args(groups)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var a holf.SessionAttendance
		var n int
		if err := rows.Scan(&sid, &a.PersonID, &n); err != nil {
			return nil, err
		}
		a.Attended = n != 0
		ss[at[sid]].Attendance = append(ss[at[sid]].Attendance, a)
	}
	return ss, mapErr(rows.Err())
}

// SaveSession creates session s (ID 0) or updates it from its version,
// with its attendance.
func (db *DB) SaveSession(ctx context.Context, ev holf.AuditEvent, s *holf.SupervisionSession) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		if s.ID == 0 {
			id, err := tx.insertID(ctx, `INSERT INTO supervision_sessions (group_id, starts_at, minutes, place, status, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, s.GroupID, formatTime(s.StartsAt), s.Minutes, s.Place, string(s.Status), now, now)
			if err != nil {
				return 0, fmt.Errorf("create session: %w", err)
			}
			s.ID, s.Version = id, 1
		} else {
			if err := tx.updateVersioned(ctx, "supervision session", s.ID, nil, `UPDATE supervision_sessions SET starts_at = ?, minutes = ?, place = ?,
				status = ?, version = version + 1, updated_at = ? WHERE id = ? AND group_id = ? AND version = ?`, formatTime(s.StartsAt), s.Minutes, s.Place,
				string(s.Status), now, s.ID, s.GroupID, s.Version); err != nil {
				return 0, err
			}
			s.Version++
			if _, err := tx.exec(ctx, `DELETE FROM supervision_attendance WHERE session_id = ?`, s.ID); err != nil {
				return 0, err
			}
		}
		rows := make([][]any, len(s.Attendance))
		for i, a := range s.Attendance {
			rows[i] = []any{s.ID, a.PersonID, boolInt(a.Attended)}
		}
		if len(rows) > 0 {
			if err := tx.insertRows(ctx, "supervision_attendance", "session_id, person_id, attended", rows); err != nil {
				return 0, err
			}
		}
		return s.ID, nil
	})
}

// --- cases ---

const caseCols = `c.id, c.group_id, c.session_id, c.family_id, c.office_id, c.author_id, c.meeting_id, c.member_id, c.concern, c.alias, c.areas,
	c.description, c.topic, c.problem, c.process, c.tools, c.principles, c.fge_version, c.status, c.sent_at, c.note_success, c.note_presentation,
	c.note_experience, c.note_possibility, c.note_summary, c.emphasis, c.next_steps, c.to_fge, c.version, c.created_at, c.updated_at, p.name`

func scanCase(s scanner) (holf.SupervisionCase, error) {
	var c holf.SupervisionCase
	var areas, tools, principles string
	var toFGE int
	n := map[holf.Round]*string{}
	var success, presentation, experience, possibility, summary string
	err := s.Scan(&c.ID, &c.GroupID, asID(&c.SessionID), &c.FamilyID, &c.OfficeID, &c.AuthorID, asID(&c.MeetingID), asID(&c.MemberID),
		asText(&c.Concern), &c.Alias, &areas, &c.Description, &c.Topic, &c.Problem, &c.Process, &tools, &principles, &c.FGEVersion,
		asText(&c.Status), asTime(&c.SentAt), &success, &presentation, &experience, &possibility, &summary, asText(&c.Emphasis),
		&c.NextSteps, &toFGE, &c.Version, asTime(&c.CreatedAt), asTime(&c.UpdatedAt), &c.AuthorName)
	n[holf.RoundSuccess], n[holf.RoundPresentation], n[holf.RoundExperience], n[holf.RoundPossibility], n[holf.RoundSummary] =
		&success, &presentation, &experience, &possibility, &summary
	c.Notes = map[holf.Round]string{}
	for r, p := range n {
		if *p != "" {
			c.Notes[r] = *p
		}
	}
	c.Areas, c.Tools, c.Principles, c.ToFGE = holf.ParseAreas(areas), splitKeys(tools), splitKeys(principles), toFGE != 0
	return c, err
}

// CaseFilter restricts Cases: to groups, to one family, to one author, to
// one session. At least one is set.
type CaseFilter struct {
	Groups  []int64
	Family  int64
	Author  int64
	Session int64
	Offices holf.OfficeSet // with Family 0: cases of these offices
}

// Cases lists supervision cases, the newest first.
func (db *DB) Cases(ctx context.Context, f CaseFilter) ([]holf.SupervisionCase, error) {
	var where []string
	var args []any
	if len(f.Groups) > 0 {
		where = append(where, `c.group_id IN (`+placeholders(len(f.Groups))+`)`)
		args = append(args, int64Args(f.Groups)...)
	}
	if f.Family != 0 {
		where, args = append(where, `c.family_id = ?`), append(args, f.Family)
	}
	if f.Author != 0 {
		where, args = append(where, `c.author_id = ?`), append(args, f.Author)
	}
	if f.Session != 0 {
		where, args = append(where, `c.session_id = ?`), append(args, f.Session)
	}
	if !f.Offices.Empty() && !f.Offices.All() {
		where = append(where, `c.office_id IN (`+placeholders(len(f.Offices.IDs()))+`)`)
		args = append(args, int64Args(f.Offices.IDs())...)
	}
	if len(where) == 0 && !f.Offices.All() {
		return nil, nil
	}
	q := `SELECT ` + caseCols + ` FROM supervision_cases c JOIN people p ON p.id = c.author_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return collect(ctx, db, scanCase, q+` ORDER BY c.created_at DESC, c.id DESC`, args...)
}

// Case loads case id.
func (db *DB) Case(ctx context.Context, id int64) (holf.SupervisionCase, error) {
	return one(ctx, db, scanCase, "supervision case", id, `SELECT `+caseCols+` FROM supervision_cases c JOIN people p ON p.id = c.author_id WHERE c.id = ?`, id)
}

func caseArgs(c *holf.SupervisionCase) []any {
	return []any{nullID(c.SessionID), nullID(c.MemberID), string(c.Concern), joinKeys(c.Areas), c.Description, c.Topic, c.Problem, c.Process,
		strings.Join(c.Tools, ","), strings.Join(c.Principles, ","), c.FGEVersion, string(c.Status), nullTime(c.SentAt),
		c.Notes[holf.RoundSuccess], c.Notes[holf.RoundPresentation], c.Notes[holf.RoundExperience], c.Notes[holf.RoundPossibility],
		c.Notes[holf.RoundSummary], string(c.Emphasis), c.NextSteps, boolInt(c.ToFGE)}
}

// errSessionFull is the error of a third case on one session.
func errSessionFull() error {
	var v holf.Validation
	v.Add("session", "err.session_full", holf.CasesPerSession)
	return v.Err()
}

// SaveCase creates case c (ID 0, given an alias unique in HOLF) or updates
// it from its version. A session takes at most two cases: the slot is
// claimed in the same transaction, and a unique index keeps it so under
// concurrent writes.
func (db *DB) SaveCase(ctx context.Context, ev holf.AuditEvent, c *holf.SupervisionCase) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		slot, err := tx.caseSlot(ctx, c)
		if err != nil {
			return 0, err
		}
		if c.ID == 0 {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM supervision_cases WHERE group_id = ?`, c.GroupID).Scan(&n); err != nil {
				return 0, err
			}
			c.Alias = fmt.Sprintf("G%d-%02d", c.GroupID, n+1)
			args := append([]any{c.GroupID, nullID(slot), c.FamilyID, c.OfficeID, c.AuthorID, nullID(c.MeetingID), c.Alias}, caseArgs(c)...)
			id, err := tx.insertID(ctx, `INSERT INTO supervision_cases (group_id, slot, family_id, office_id, author_id, meeting_id, alias,
				session_id, member_id, concern, areas, description, topic, problem, process, tools, principles, fge_version, status, sent_at,
				note_success, note_presentation, note_experience, note_possibility, note_summary, emphasis, next_steps, to_fge,
				version, created_at, updated_at) VALUES (`+placeholders(len(args))+`, 1, ?, ?)`, append(args, now, now)...)
			if err != nil {
				return 0, fmt.Errorf("create supervision case: %w", err)
			}
			c.ID, c.Version, c.CreatedAt = id, 1, tx.now
			return c.FamilyID, nil
		}
		args := append(caseArgs(c), nullID(slot), now, c.ID, c.Version)
		if err := tx.updateVersioned(ctx, "supervision case", c.ID, nil, `UPDATE supervision_cases SET session_id = ?, member_id = ?, concern = ?,
			areas = ?, description = ?, topic = ?, problem = ?, process = ?, tools = ?, principles = ?, fge_version = ?, status = ?, sent_at = ?,
			note_success = ?, note_presentation = ?, note_experience = ?, note_possibility = ?, note_summary = ?, emphasis = ?, next_steps = ?,
			to_fge = ?, slot = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, args...); err != nil {
			return 0, err
		}
		c.Version++
		return c.FamilyID, nil
	})
}

// caseSlot is the slot c takes on its session (1 or 2), keeping the one it
// has; 0 without a session.
func (tx *Tx) caseSlot(ctx context.Context, c *holf.SupervisionCase) (int64, error) {
	if c.SessionID == 0 {
		return 0, nil
	}
	rows, err := tx.query(ctx, `SELECT id, slot FROM supervision_cases WHERE session_id = ?`, c.SessionID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	taken := map[int64]bool{}
	for rows.Next() {
		var id, slot int64
		if err := rows.Scan(&id, &slot); err != nil {
			return 0, err
		}
		if id == c.ID {
			return slot, nil
		}
		taken[slot] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for s := int64(1); s <= holf.CasesPerSession; s++ {
		if !taken[s] {
			return s, nil
		}
	}
	return 0, errSessionFull()
}

// --- reviews ---

// ReviewFilter restricts Reviews. Offices is required; Family, Kind and
// Record narrow to one form, Status to open or decided ones.
type ReviewFilter struct {
	Offices holf.OfficeSet
	Family  int64
	Kind    holf.ReviewKind
	Record  int64
	Status  holf.ReviewStatus
	Limit   int
}

// Reviews lists reviews with their comments, the open ones oldest first,
// then the newest decided.
func (db *DB) Reviews(ctx context.Context, f ReviewFilter) ([]holf.Review, error) {
	in, args, none := inOffices("r.office_id", f.Offices)
	if none {
		return nil, nil
	}
	where := `WHERE 1 = 1` + in
	if f.Family != 0 {
		where, args = where+` AND r.family_id = ?`, append(args, f.Family)
	}
	if f.Kind != "" {
		where, args = where+` AND r.kind = ? AND r.record_id = ?`, append(args, string(f.Kind), f.Record)
	}
	if f.Status != "" {
		where, args = where+` AND r.status = ?`, append(args, string(f.Status))
	}
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rs, err := collect(ctx, db, func(s scanner) (holf.Review, error) {
		var r holf.Review
		err := s.Scan(&r.ID, &r.OfficeID, &r.FamilyID, asText(&r.Kind), &r.RecordID, asText(&r.Status), &r.Note, &r.RequestedBy,
			asTime(&r.RequestedAt), asID(&r.ReviewerID), asTime(&r.ReviewedAt), &r.Reason, &r.Version, &r.FamilyName, &r.Requester, asText(&r.Reviewer))
		return r, err
	}, `SELECT r.id, r.office_id, r.family_id, r.kind, r.record_id, r.status, r.note, r.requested_by, r.requested_at, r.reviewer_id, r.reviewed_at,
		r.reason, r.version, f.name, q.name, v.name FROM reviews r JOIN families f ON f.id = r.family_id JOIN people q ON q.id = r.requested_by
		LEFT JOIN people v ON v.id = r.reviewer_id `+where+`
		ORDER BY CASE WHEN r.status = 'requested' THEN 0 ELSE 1 END, CASE WHEN r.status = 'requested' THEN r.requested_at END,
		r.reviewed_at DESC, r.id DESC`+limit, args...)
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	at := map[int64]int{}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		at[r.ID], ids[i] = i, r.ID
	}
	rows, err := db.query(ctx, `SELECT review_id, section, body FROM review_comments WHERE review_id IN (`+placeholders(len(ids))+`) ORDER BY review_id, section`,
		int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("review comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c holf.ReviewComment
		if err := rows.Scan(&id, &c.Section, &c.Body); err != nil {
			return nil, err
		}
		rs[at[id]].Comments = append(rs[at[id]].Comments, c)
	}
	return rs, mapErr(rows.Err())
}

// RequestReview stores a request for review. A second open request of
// the same form is EConflict (the partial unique index).
func (db *DB) RequestReview(ctx context.Context, ev holf.AuditEvent, r *holf.Review) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.insertID(ctx, `INSERT INTO reviews (office_id, family_id, kind, record_id, status, note, requested_by, requested_at, version)
			VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, 1)`, r.OfficeID, r.FamilyID, string(r.Kind), r.RecordID, r.Note, r.RequestedBy, formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("request review: %w", err)
		}
		r.ID, r.Version, r.Status, r.RequestedAt = id, 1, holf.ReviewRequested, tx.now
		return r.FamilyID, nil
	})
}

// DecideReview stores the reviewer's comments and verdict from the
// review's version.
func (db *DB) DecideReview(ctx context.Context, ev holf.AuditEvent, r *holf.Review) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.updateVersioned(ctx, "review", r.ID, nil, `UPDATE reviews SET status = ?, reviewer_id = ?, reviewed_at = ?, reason = ?,
			version = version + 1 WHERE id = ? AND family_id = ? AND version = ?`, string(r.Status), r.ReviewerID, formatTime(tx.now), r.Reason,
			r.ID, r.FamilyID, r.Version); err != nil {
			return 0, err
		}
		r.Version++
		r.ReviewedAt = tx.now
		if _, err := tx.exec(ctx, `DELETE FROM review_comments WHERE review_id = ?`, r.ID); err != nil {
			return 0, err
		}
		rows := make([][]any, len(r.Comments))
		for i, c := range r.Comments {
			rows[i] = []any{r.ID, c.Section, c.Body}
		}
		if len(rows) > 0 {
			if err := tx.insertRows(ctx, "review_comments", "review_id, section, body", rows); err != nil {
				return 0, err
			}
		}
		return r.FamilyID, nil
	})
}

// --- action logs ---

// LogFilter restricts Logs.
type LogFilter struct {
	Kind    holf.LogKind // "" for both
	Offices holf.OfficeSet
	Subject int64
	From    time.Time
	To      time.Time
	Limit   int
}

// Logs lists action-log entries, the newest first.
func (db *DB) Logs(ctx context.Context, f LogFilter) ([]holf.LogEntry, error) {
	in, args, none := inOffices("l.office_id", f.Offices)
	if none {
		return nil, nil
	}
	where := `WHERE 1 = 1` + in
	if f.Kind != "" {
		where, args = where+` AND l.kind = ?`, append(args, string(f.Kind))
	}
	if f.Subject != 0 {
		where, args = where+` AND l.subject_id = ?`, append(args, f.Subject)
	}
	if !f.From.IsZero() {
		where, args = where+` AND l.on_date >= ?`, append(args, formatDate(f.From))
	}
	if !f.To.IsZero() {
		where, args = where+` AND l.on_date <= ?`, append(args, formatDate(f.To))
	}
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return collect(ctx, db, func(s scanner) (holf.LogEntry, error) {
		var e holf.LogEntry
		err := s.Scan(&e.ID, asText(&e.Kind), &e.AuthorID, &e.OfficeID, &e.SubjectID, asDate(&e.On), asText(&e.Channel), &e.Topic, &e.Minutes,
			&e.FollowUp, &e.Version, &e.AuthorName, &e.SubjectName, &e.OfficeName)
		return e, err
	}, `SELECT l.id, l.kind, l.author_id, l.office_id, l.subject_id, l.on_date, l.channel, l.topic, l.minutes, l.follow_up, l.version,
		a.name, s.name, o.name FROM action_logs l JOIN people a ON a.id = l.author_id JOIN people s ON s.id = l.subject_id
		JOIN offices o ON o.id = l.office_id `+where+` ORDER BY l.on_date DESC, l.id DESC`+limit, args...)
}

// AddLog stores an action-log entry.
func (db *DB) AddLog(ctx context.Context, ev holf.AuditEvent, e *holf.LogEntry) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.insertID(ctx, `INSERT INTO action_logs (kind, author_id, office_id, subject_id, on_date, channel, topic, minutes, follow_up,
			version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, string(e.Kind), e.AuthorID, e.OfficeID, e.SubjectID, formatDate(e.On),
			string(e.Channel), e.Topic, e.Minutes, e.FollowUp, formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("add log entry: %w", err)
		}
		e.ID, e.Version = id, 1
		return id, nil
	})
}

// --- monthly follow-up ---

// FollowUps lists an office's follow-ups, optionally of one coordinator,
// the newest month first.
func (db *DB) FollowUps(ctx context.Context, offices holf.OfficeSet, coordinator int64, limit int) ([]holf.FollowUp, error) {
	in, args, none := inOffices("f.office_id", offices)
	if none {
		return nil, nil
	}
	where := `WHERE 1 = 1` + in
	if coordinator != 0 {
		where, args = where+` AND f.coordinator_id = ?`, append(args, coordinator)
	}
	return collect(ctx, db, func(s scanner) (holf.FollowUp, error) {
		var f holf.FollowUp
		err := s.Scan(&f.ID, &f.OfficeID, &f.CoordinatorID, &f.LeaderID, asDate(&f.Month), &f.Caseload, &f.Challenges, asText(&f.RoleClarity),
			&f.RoleNote, &f.Collaboration, &f.Support, &f.Actions, &f.Version, asTime(&f.CreatedAt), &f.LeaderName)
		return f, err
	}, `SELECT f.id, f.office_id, f.coordinator_id, f.leader_id, f.month, f.caseload, f.challenges, f.role_clarity, f.role_note, f.collaboration,
		f.support, f.actions, f.version, f.created_at, p.name FROM follow_ups f JOIN people p ON p.id = f.leader_id `+where+`
		ORDER BY f.month DESC, f.id DESC LIMIT ?`, append(args, max(limit, 1))...)
}

// SaveFollowUp stores a new follow-up (ID 0) or updates one from its
// version. A second follow-up of the same coordinator and month is
// EConflict.
func (db *DB) SaveFollowUp(ctx context.Context, ev holf.AuditEvent, f *holf.FollowUp) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		if f.ID == 0 {
			id, err := tx.insertID(ctx, `INSERT INTO follow_ups (office_id, coordinator_id, leader_id, month, caseload, challenges, role_clarity,
				role_note, collaboration, support, actions, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
				f.OfficeID, f.CoordinatorID, f.LeaderID, formatDate(f.Month), f.Caseload, f.Challenges, string(f.RoleClarity), f.RoleNote,
				f.Collaboration, f.Support, f.Actions, now, now)
			if err != nil {
				return 0, fmt.Errorf("add follow-up: %w", err)
			}
			f.ID, f.Version, f.CreatedAt = id, 1, tx.now
			return id, nil
		}
		if err := tx.updateVersioned(ctx, "follow-up", f.ID, nil, `UPDATE follow_ups SET caseload = ?, challenges = ?, role_clarity = ?, role_note = ?,
			collaboration = ?, support = ?, actions = ?, leader_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND office_id = ? AND version = ?`,
			f.Caseload, f.Challenges, string(f.RoleClarity), f.RoleNote, f.Collaboration, f.Support, f.Actions, f.LeaderID, now, f.ID, f.OfficeID,
			f.Version); err != nil {
			return 0, err
		}
		f.Version++
		return f.ID, nil
	})
}

// CoordinatorLoad is what a leader's overview shows of one coordinator's
// work at an office: counts only, no family.
type CoordinatorLoad struct {
	Overdue     int // open activities past their due date
	Outstanding int // meetings held or past with no after-reflection
	LastContact time.Time
}

// CoordinatorLoads counts, per first coordinator of an office's families,
// the overdue activities and the outstanding after-reflections: two
// grouped statements whatever the number of families.
func (db *DB) CoordinatorLoads(ctx context.Context, office int64, today time.Time, now time.Time) (map[int64]*CoordinatorLoad, error) {
	out := map[int64]*CoordinatorLoad{}
	get := func(id int64) *CoordinatorLoad {
		if out[id] == nil {
			out[id] = &CoordinatorLoad{}
		}
		return out[id]
	}
	rows, err := db.query(ctx, `SELECT f.primary_coordinator_id, COUNT(*) FROM plan_activities a JOIN families f ON f.id = a.family_id
		WHERE f.office_id = ? AND f.status IN ('recruited', 'active') AND a.status = 'open' AND a.due_on IS NOT NULL AND a.due_on < ?
		GROUP BY f.primary_coordinator_id`, office, formatDate(today))
	if err != nil {
		return nil, fmt.Errorf("overdue per coordinator: %w", err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(asID(&id), &n); err != nil {
			_ = rows.Close()
			return nil, err
		}
		get(id).Overdue = n
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.query(ctx, `SELECT m.lead_id, COUNT(*) FROM meetings m JOIN families f ON f.id = m.family_id
		WHERE f.office_id = ? AND m.reflected_at IS NULL AND m.status IN ('planned', 'held') AND m.starts_at < ? GROUP BY m.lead_id`, office, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("outstanding reflections per coordinator: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(asID(&id), &n); err != nil {
			return nil, err
		}
		get(id).Outstanding = n
	}
	return out, mapErr(rows.Err())
}

// FamilyNames names families ids.
func (db *DB) FamilyNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	if len(ids) == 0 {
		return map[int64]string{}, nil
	}
	return idNames(ctx, db, `SELECT id, name FROM families WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
}

// Seminars lists the seminars, the latest first, with their attendance.
func (db *DB) Seminars(ctx context.Context) ([]holf.Seminar, error) {
	ss, err := collect(ctx, db, func(s scanner) (holf.Seminar, error) {
		var x holf.Seminar
		var agenda string
		err := s.Scan(&x.ID, &x.Title, asDate(&x.On), &x.Place, &agenda, &x.Version)
		if agenda != "" {
			x.Agenda = strings.Split(agenda, "\n")
		}
		return x, err
	}, `SELECT id, title, held_on, place, agenda, version FROM seminars ORDER BY held_on DESC, id DESC`)
	if err != nil || len(ss) == 0 {
		return ss, err
	}
	at := map[int64]int{}
	for i, s := range ss {
		at[s.ID] = i
	}
	rows, err := db.query(ctx, `SELECT seminar_id, person_id, attended FROM seminar_attendance ORDER BY seminar_id, person_id`)
	if err != nil {
		return nil, fmt.Errorf("seminar attendance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a holf.SessionAttendance
		var n int
		if err := rows.Scan(&id, &a.PersonID, &n); err != nil {
			return nil, err
		}
		a.Attended = n != 0
		if i, ok := at[id]; ok {
			ss[i].Attendance = append(ss[i].Attendance, a)
		}
	}
	return ss, mapErr(rows.Err())
}

// SaveSeminar creates seminar s (ID 0) or updates it from its version,
// with its attendance.
func (db *DB) SaveSeminar(ctx context.Context, ev holf.AuditEvent, s *holf.Seminar) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		agenda := strings.Join(s.Agenda, "\n")
		if s.ID == 0 {
			id, err := tx.insertID(ctx, `INSERT INTO seminars (title, held_on, place, agenda, version, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
				s.Title, formatDate(s.On), s.Place, agenda, formatTime(tx.now))
			if err != nil {
				return 0, fmt.Errorf("create seminar: %w", err)
			}
			s.ID, s.Version = id, 1
		} else {
			if err := tx.updateVersioned(ctx, "seminar", s.ID, nil, `UPDATE seminars SET title = ?, held_on = ?, place = ?, agenda = ?,
				version = version + 1 WHERE id = ? AND version = ?`, s.Title, formatDate(s.On), s.Place, agenda, s.ID, s.Version); err != nil {
				return 0, err
			}
			s.Version++
			if _, err := tx.exec(ctx, `DELETE FROM seminar_attendance WHERE seminar_id = ?`, s.ID); err != nil {
				return 0, err
			}
		}
		rows := make([][]any, len(s.Attendance))
		for i, a := range s.Attendance {
			rows[i] = []any{s.ID, a.PersonID, boolInt(a.Attended)}
		}
		if len(rows) > 0 {
			if err := tx.insertRows(ctx, "seminar_attendance", "seminar_id, person_id, attended", rows); err != nil {
				return 0, err
			}
		}
		return s.ID, nil
	})
}
