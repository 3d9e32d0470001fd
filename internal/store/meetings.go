package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

const meetingCols = `m.id, m.family_id, m.kind, m.status, m.status_note, m.starts_at, m.minutes, m.channel, m.place, m.interpreter_language,
	m.lead_id, m.fge_version, m.prep_purpose, m.prep_main_topic, m.prep_sub_topics, m.prep_forms, m.prep_tools, m.prep_principles,
	m.exec_plan, m.exec_questions, m.refl_what, m.refl_participation, m.refl_feedback, m.refl_tools, m.refl_open, m.refl_supervision,
	m.refl_supervision_topic, m.refl_shared, m.reflected_at, m.reflected_by, m.similar_to, m.similarity, m.need_on, m.version, m.created_at, m.updated_at`

func scanMeeting(s scanner) (holf.Meeting, error) {
	var m holf.Meeting
	var forms, tools, principles string
	var supervision, shared int
	err := s.Scan(&m.ID, &m.FamilyID, asText(&m.Kind), asText(&m.Status), &m.StatusNote, asTime(&m.StartsAt), &m.Minutes, asText(&m.Channel),
		&m.Place, &m.InterpreterLanguage, asID(&m.LeadID), &m.FGEVersion, &m.Prep.Purpose, &m.Prep.MainTopic, &m.Prep.SubTopics,
		&forms, &tools, &principles, &m.Exec.Plan, &m.Exec.Questions, &m.Reflection.WhatHappened, &m.Reflection.Participation,
		&m.Reflection.FamilyFeedback, &m.Reflection.ToolsWorked, &m.Reflection.Open, &supervision, &m.Reflection.SupervisionTopic,
		&shared, asTime(&m.ReflectedAt), asID(&m.ReflectedBy), asID(&m.SimilarTo), &m.Similarity, asDate(&m.NeedOn), &m.Version, asTime(&m.CreatedAt), asTime(&m.UpdatedAt))
	m.Prep.Forms, m.Prep.Tools, m.Prep.Principles = splitKeys(forms), splitKeys(tools), splitKeys(principles)
	m.Reflection.Supervision, m.Reflection.Shared = supervision != 0, shared != 0
	return m, err
}

func splitKeys(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// meetingArgs are the values of the columns a write sets, in the order of
// the INSERT and the UPDATE below.
func meetingArgs(m *holf.Meeting) []any {
	return []any{string(m.Kind), string(m.Status), m.StatusNote, formatTime(m.StartsAt), m.Minutes, string(m.Channel), m.Place,
		m.InterpreterLanguage, nullID(m.LeadID), m.FGEVersion, m.Prep.Purpose, m.Prep.MainTopic, m.Prep.SubTopics,
		strings.Join(m.Prep.Forms, ","), strings.Join(m.Prep.Tools, ","), strings.Join(m.Prep.Principles, ","), m.Exec.Plan, m.Exec.Questions,
		m.Reflection.WhatHappened, m.Reflection.Participation, m.Reflection.FamilyFeedback, m.Reflection.ToolsWorked, m.Reflection.Open,
		boolInt(m.Reflection.Supervision), m.Reflection.SupervisionTopic, boolInt(m.Reflection.Shared), nullTime(m.ReflectedAt),
		nullID(m.ReflectedBy), nullID(m.SimilarTo), m.Similarity, formatDate(m.NeedOn)}
}

const meetingSet = `kind = ?, status = ?, status_note = ?, starts_at = ?, minutes = ?, channel = ?, place = ?, interpreter_language = ?,
	lead_id = ?, fge_version = ?, prep_purpose = ?, prep_main_topic = ?, prep_sub_topics = ?, prep_forms = ?, prep_tools = ?,
	prep_principles = ?, exec_plan = ?, exec_questions = ?, refl_what = ?, refl_participation = ?, refl_feedback = ?, refl_tools = ?,
	refl_open = ?, refl_supervision = ?, refl_supervision_topic = ?, refl_shared = ?, reflected_at = ?, reflected_by = ?, similar_to = ?,
	similarity = ?, need_on = ?`

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// meetingsWhere loads the meetings a WHERE clause on m selects, with their
// participants and agendas: three queries, however many meetings.
func meetingsWhere(ctx context.Context, q querier, where string, args ...any) ([]holf.Meeting, error) {
	ms, err := collect(ctx, q, scanMeeting, `SELECT `+meetingCols+` FROM meetings m WHERE `+where, args...)
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	ids := make([]int64, len(ms))
	index := map[int64]int{}
	for i, m := range ms {
		ids[i], index[m.ID] = m.ID, i
	}
	in := placeholders(len(ids))
	rows, err := q.query(ctx, `SELECT meeting_id, kind, member_id, person_id, name, attendance, child_heard FROM meeting_participants
		WHERE meeting_id IN (`+in+`) ORDER BY meeting_id, position`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load participants: %w", err)
	}
	for rows.Next() {
		var id int64
		var p holf.Participant
		var heard int
		if err := rows.Scan(&id, asText(&p.Kind), asID(&p.MemberID), asID(&p.PersonID), &p.Name, asText(&p.Attendance), &heard); err != nil {
			_ = rows.Close()
			return nil, err
		}
		p.ChildHeard = heard != 0
		ms[index[id]].Participants = append(ms[index[id]].Participants, p)
	}
	if err := rows.Close(); err != nil {
		return nil, mapErr(err)
	}
	rows, err = q.query(ctx, `SELECT meeting_id, partner_id, name, attendance FROM meeting_partners WHERE meeting_id IN (`+in+`)
		ORDER BY meeting_id, partner_id`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load meeting partners: %w", err)
	}
	for rows.Next() {
		var id int64
		p := holf.Participant{Kind: holf.ParticipantPartner}
		if err := rows.Scan(&id, &p.PartnerID, &p.Name, asText(&p.Attendance)); err != nil {
			_ = rows.Close()
			return nil, err
		}
		ms[index[id]].Participants = append(ms[index[id]].Participants, p)
	}
	if err := rows.Close(); err != nil {
		return nil, mapErr(err)
	}
	rows, err = q.query(ctx, `SELECT meeting_id, id, proposer, title, area, goal_id, priority, minutes, notes, outcome, carried_from
		FROM agenda_topics WHERE meeting_id IN (`+in+`) ORDER BY meeting_id, position`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load agendas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t holf.AgendaTopic
		if err := rows.Scan(&id, &t.ID, asText(&t.Proposer), &t.Title, asText(&t.Area), asID(&t.GoalID), &t.Priority, &t.Minutes,
			&t.Notes, asText(&t.Outcome), asID(&t.CarriedFrom)); err != nil {
			return nil, err
		}
		ms[index[id]].Agenda = append(ms[index[id]].Agenda, t)
	}
	return ms, mapErr(rows.Err())
}

// Meetings returns a family's meetings, the earliest first.
func (db *DB) Meetings(ctx context.Context, familyID int64) ([]holf.Meeting, error) {
	return meetingsWhere(ctx, db, `m.family_id = ? ORDER BY m.starts_at, m.id`, familyID)
}

func getMeeting(ctx context.Context, q querier, familyID, id int64) (holf.Meeting, error) {
	ms, err := meetingsWhere(ctx, q, `m.id = ? AND m.family_id = ?`, id, familyID)
	if err != nil {
		return holf.Meeting{}, err
	}
	if len(ms) == 0 {
		return holf.Meeting{}, holf.NotFound("meeting", id)
	}
	return ms[0], nil
}

// Meeting loads one meeting of a family; another family's is not found.
func (db *DB) Meeting(ctx context.Context, familyID, id int64) (holf.Meeting, error) {
	return getMeeting(ctx, db, familyID, id)
}

// CreateMeeting stores a new meeting with its participants and agenda.
func (db *DB) CreateMeeting(ctx context.Context, ev holf.AuditEvent, m *holf.Meeting, by int64) error {
	ev.RecordID = m.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.checkTopicSources(ctx, m); err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		args := append(meetingArgs(m), m.FamilyID, by, now, now)
		id, err := tx.insertID(ctx, `INSERT INTO meetings (kind, status, status_note, starts_at, minutes, channel, place, interpreter_language,
			lead_id, fge_version, prep_purpose, prep_main_topic, prep_sub_topics, prep_forms, prep_tools, prep_principles, exec_plan,
			exec_questions, refl_what, refl_participation, refl_feedback, refl_tools, refl_open, refl_supervision, refl_supervision_topic,
			refl_shared, reflected_at, reflected_by, similar_to, similarity, need_on, family_id, created_by, created_at, updated_at)
			VALUES (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return 0, fmt.Errorf("add meeting: %w", err)
		}
		m.ID, m.Version, m.CreatedAt, m.UpdatedAt = id, 1, tx.now, tx.now
		if err := tx.writeParticipants(ctx, m); err != nil {
			return 0, err
		}
		return m.FamilyID, tx.syncAgenda(ctx, m)
	})
}

// UpdateMeeting saves m if its version is current, with its participants
// and agenda, and clears the drafts of the forms this save replaces.
func (db *DB) UpdateMeeting(ctx context.Context, ev holf.AuditEvent, m *holf.Meeting, clearDrafts []DraftKey) error {
	ev.RecordID = m.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getMeeting(ctx, tx, m.FamilyID, m.ID); return err }
		args := append(meetingArgs(m), formatTime(tx.now), m.ID, m.FamilyID, m.Version)
		if err := tx.updateVersioned(ctx, "meeting", m.ID, found, `UPDATE meetings SET `+meetingSet+`, version = version + 1, updated_at = ?
			WHERE id = ? AND family_id = ? AND version = ?`, args...); err != nil {
			return 0, err
		}
		m.Version++
		m.UpdatedAt = tx.now
		if _, err := tx.exec(ctx, `DELETE FROM meeting_participants WHERE meeting_id = ?`, m.ID); err != nil {
			return 0, err
		}
		if _, err := tx.exec(ctx, `DELETE FROM meeting_partners WHERE meeting_id = ?`, m.ID); err != nil {
			return 0, err
		}
		if err := tx.writeParticipants(ctx, m); err != nil {
			return 0, err
		}
		if err := tx.checkTopicSources(ctx, m); err != nil {
			return 0, err
		}
		if err := tx.syncAgenda(ctx, m); err != nil {
			return 0, err
		}
		return m.FamilyID, tx.clearDrafts(ctx, clearDrafts)
	})
}

// DeleteMeeting removes a meeting made at version; its follow-up tasks stay
// in the plan without it.
func (db *DB) DeleteMeeting(ctx context.Context, ev holf.AuditEvent, familyID, id, version int64) error {
	ev.RecordID = familyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		found := func() error { _, err := getMeeting(ctx, tx, familyID, id); return err }
		return familyID, tx.updateVersioned(ctx, "meeting", id, found, `DELETE FROM meetings WHERE id = ? AND family_id = ? AND version = ?`, id, familyID, version)
	})
}

func (tx *Tx) writeParticipants(ctx context.Context, m *holf.Meeting) error {
	parts, partners := participantRows(m.ID, m)
	if len(parts) > 0 {
		if err := tx.insertRows(ctx, "meeting_participants", participantCols, parts); err != nil {
			return err
		}
	}
	if len(partners) > 0 {
		return tx.insertRows(ctx, "meeting_partners", meetingPartnerCols, partners)
	}
	return nil
}

const (
	participantCols    = "meeting_id, position, kind, member_id, person_id, name, attendance, child_heard, starts_at"
	meetingPartnerCols = "meeting_id, partner_id, name, attendance"
)

// participantRows are the rows of meeting id's people: members and staff
// in meeting_participants, partner services in meeting_partners.
func participantRows(id int64, m *holf.Meeting) (parts, partners [][]any) {
	for _, p := range m.Participants {
		if p.Kind == holf.ParticipantPartner {
			partners = append(partners, []any{id, p.PartnerID, p.Name, string(p.Attendance)})
			continue
		}
		parts = append(parts, []any{id, len(parts) + 1, string(p.Kind), nullID(p.MemberID), nullID(p.PersonID), p.Name, string(p.Attendance),
			boolInt(p.ChildHeard), formatTime(m.StartsAt)})
	}
	return parts, partners
}

// checkTopicSources makes sure, in the writing transaction, that the goals
// and carried topics an agenda refers to belong to the meeting's family.
func (tx *Tx) checkTopicSources(ctx context.Context, m *holf.Meeting) error {
	var v holf.Validation
	for i, t := range m.Agenda {
		if t.GoalID != 0 {
			if _, err := getGoal(ctx, tx, m.FamilyID, t.GoalID); err != nil {
				v.Add(fmt.Sprintf("agenda.%d.goal", i), "err.goal_unknown")
			}
		}
		if t.CarriedFrom != 0 {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM agenda_topics t JOIN meetings m ON m.id = t.meeting_id
				WHERE t.id = ? AND m.family_id = ? AND t.meeting_id <> ?`, t.CarriedFrom, m.FamilyID, m.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				m.Agenda[i].CarriedFrom = 0
			}
		}
	}
	return v.Err()
}

// syncAgenda makes the stored agenda equal m.Agenda: topics with an id of
// this meeting are updated, new ones inserted, the rest deleted. Ids stay,
// so that a topic carried over keeps pointing at its origin.
func (tx *Tx) syncAgenda(ctx context.Context, m *holf.Meeting) error {
	keep := []int64{}
	for i := range m.Agenda {
		t := &m.Agenda[i]
		if t.ID != 0 {
			res, err := tx.exec(ctx, `UPDATE agenda_topics SET position = ?, proposer = ?, title = ?, area = ?, goal_id = ?, priority = ?,
				minutes = ?, notes = ?, outcome = ?, carried_from = ? WHERE id = ? AND meeting_id = ?`, i+1, string(t.Proposer), t.Title,
				string(t.Area), nullID(t.GoalID), t.Priority, t.Minutes, t.Notes, string(t.Outcome), nullID(t.CarriedFrom), t.ID, m.ID)
			if err != nil {
				return fmt.Errorf("update agenda topic: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				keep = append(keep, t.ID)
				continue
			}
		}
		id, err := tx.insertID(ctx, `INSERT INTO agenda_topics (meeting_id, position, proposer, title, area, goal_id, priority, minutes, notes,
			outcome, carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, i+1, string(t.Proposer), t.Title, string(t.Area),
			nullID(t.GoalID), t.Priority, t.Minutes, t.Notes, string(t.Outcome), nullID(t.CarriedFrom))
		if err != nil {
			return fmt.Errorf("add agenda topic: %w", err)
		}
		t.ID = id
		keep = append(keep, id)
	}
	q, args := `DELETE FROM agenda_topics WHERE meeting_id = ?`, []any{m.ID}
	if len(keep) > 0 {
		q += ` AND id NOT IN (` + placeholders(len(keep)) + `)`
		args = append(args, int64Args(keep)...)
	}
	_, err := tx.exec(ctx, q, args...)
	return err
}

// CarryOver is the agenda topics not reached in the family's latest meeting
// that was held, which have not yet been carried to another meeting.
func (db *DB) CarryOver(ctx context.Context, familyID int64) ([]holf.AgendaTopic, error) {
	return collect(ctx, db, func(s scanner) (holf.AgendaTopic, error) {
		var t holf.AgendaTopic
		err := s.Scan(&t.ID, asText(&t.Proposer), &t.Title, asText(&t.Area), asID(&t.GoalID))
		return t, err
	}, `SELECT t.id, t.proposer, t.title, t.area, t.goal_id FROM agenda_topics t
		WHERE t.outcome = 'not_reached' AND t.meeting_id = (SELECT id FROM meetings WHERE family_id = ? AND status = 'held'
			ORDER BY starts_at DESC, id DESC LIMIT 1)
		AND NOT EXISTS (SELECT 1 FROM agenda_topics c WHERE c.carried_from = t.id)
		ORDER BY t.position`, familyID)
}

// PastReflection is an earlier after-reflection, for the copy check.
type PastReflection struct {
	MeetingID int64
	FamilyID  int64
	StartsAt  time.Time
	Text      holf.Reflection
}

// PastReflections returns up to limit of the newest reflections written in
// family familyID or by person by, other than meeting except's.
func (db *DB) PastReflections(ctx context.Context, familyID, by, except int64, limit int) ([]PastReflection, error) {
	return collect(ctx, db, func(s scanner) (PastReflection, error) {
		var p PastReflection
		err := s.Scan(&p.MeetingID, &p.FamilyID, asTime(&p.StartsAt), &p.Text.WhatHappened, &p.Text.Participation, &p.Text.FamilyFeedback,
			&p.Text.ToolsWorked, &p.Text.Open)
		return p, err
	}, fmt.Sprintf(`SELECT id, family_id, starts_at, refl_what, refl_participation, refl_feedback, refl_tools, refl_open FROM meetings
		WHERE reflected_at IS NOT NULL AND id <> ? AND (family_id = ? OR reflected_by = ?) ORDER BY reflected_at DESC LIMIT %d`, limit),
		except, familyID, by)
}

// ImportedMeeting is a meeting as demo data or a migration brings it, with
// the one of its family's earlier imported meetings whose reflection it
// repeats (SimilarIndex, 1-based in the family's list; 0 none).
type ImportedMeeting struct {
	Meeting      holf.Meeting
	SimilarIndex int
}

// FamilyMeetings is one family's meetings and contacts for import, the
// earliest first.
type FamilyMeetings struct {
	FamilyID int64
	Meetings []ImportedMeeting
	Contacts []holf.Contact
}

// ImportMeetings stores the meetings and contacts of many families in one
// transaction, with one audit entry per family; participants, agendas and
// contacts go in multi-row statements (the national-scale dataset has
// millions of rows).
func (db *DB) ImportMeetings(ctx context.Context, ev holf.AuditEvent, fams []FamilyMeetings) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		var parts, partners, topics, contacts [][]any
		for _, fm := range fams {
			ids := make([]int64, len(fm.Meetings))
			for i, im := range fm.Meetings {
				m := im.Meeting
				if im.SimilarIndex > 0 && im.SimilarIndex <= i {
					m.SimilarTo = ids[im.SimilarIndex-1]
				}
				args := append(meetingArgs(&m), fm.FamilyID, m.LeadID, formatTime(m.CreatedAt), formatTime(m.UpdatedAt))
				id, err := tx.insertID(ctx, `INSERT INTO meetings (kind, status, status_note, starts_at, minutes, channel, place, interpreter_language,
					lead_id, fge_version, prep_purpose, prep_main_topic, prep_sub_topics, prep_forms, prep_tools, prep_principles, exec_plan,
					exec_questions, refl_what, refl_participation, refl_feedback, refl_tools, refl_open, refl_supervision, refl_supervision_topic,
					refl_shared, reflected_at, reflected_by, similar_to, similarity, need_on, family_id, created_by, created_at, updated_at)
					VALUES (`+placeholders(len(args))+`)`, args...)
				if err != nil {
					return fmt.Errorf("import meeting of family %d: %w", fm.FamilyID, err)
				}
				ids[i] = id
				pa, pr := participantRows(id, &m)
				parts, partners = append(parts, pa...), append(partners, pr...)
				for k, t := range m.Agenda {
					topics = append(topics, []any{id, k + 1, string(t.Proposer), t.Title, string(t.Area), nullID(t.GoalID), t.Priority, t.Minutes, t.Notes, string(t.Outcome)})
				}
			}
			for _, c := range fm.Contacts {
				at := formatTime(c.At)
				contacts = append(contacts, []any{fm.FamilyID, string(c.Kind), nullID(c.MemberID), at, c.Minutes, c.Note, c.ByID, c.By, 1, at, at})
			}
			fev := ev
			fev.RecordID = fm.FamilyID
			if err := tx.appendAudit(ctx, fev); err != nil {
				return err
			}
		}
		if len(parts) > 0 {
			if err := tx.insertRows(ctx, "meeting_participants", participantCols, parts); err != nil {
				return err
			}
		}
		if len(partners) > 0 {
			if err := tx.insertRows(ctx, "meeting_partners", meetingPartnerCols, partners); err != nil {
				return err
			}
		}
		if len(topics) > 0 {
			if err := tx.insertRows(ctx, "agenda_topics", "meeting_id, position, proposer, title, area, goal_id, priority, minutes, notes, outcome", topics); err != nil {
				return err
			}
		}
		if len(contacts) > 0 {
			return tx.insertRows(ctx, "contacts", "family_id, kind, member_id, at, minutes, note, by_id, by_name, version, created_at, updated_at", contacts)
		}
		return nil
	})
}
