package store

import (
	"context"
	"fmt"
	"time"

	"github.com/holf-project/holf"
)

// DayFilter selects what a coordinator's start page shows: the person's
// own families and meetings, at offices where they may see families.
type DayFilter struct {
	PersonID int64
	Offices  holf.OfficeSet
	Now      time.Time // the instant
	Today    time.Time // today's date in Norway
	// WeekStart and WeekEnd bound "this week" (instants).
	WeekStart, WeekEnd time.Time
	// Soon is how far ahead due activities and unprepared meetings count.
	Soon time.Time
}

// DueActivity is an open activity of one of the coordinator's families.
type DueActivity struct {
	FamilyID   int64
	FamilyName string
	Activity   holf.Activity
}

// FamilyPulse is when one of the coordinator's active families was last
// in touch and last mapped.
type FamilyPulse struct {
	FamilyID    int64
	FamilyName  string
	ActiveSince time.Time // the consent date
	LastContact time.Time // the newest contact that reached them or meeting held; zero when none
	LastMapping time.Time // zero when never mapped
}

// SupervisionTopic is a topic a coordinator marked in an after-reflection
// to take to supervision.
type SupervisionTopic struct {
	MeetingID  int64
	FamilyID   int64
	FamilyName string
	StartsAt   time.Time
	Topic      string
}

// Day is everything a coordinator's start page lists, in a bounded number
// of queries whatever the caseload.
type Day struct {
	Meetings    []holf.Meeting   // this week's, unprepared soon, and reflections outstanding
	FamilyNames map[int64]string // of the meetings' families
	Due         []DueActivity
	Pulse       []FamilyPulse
	Supervision []SupervisionTopic
}

// CoordinatorDay loads the start page of coordinator f.PersonID.
func (db *DB) CoordinatorDay(ctx context.Context, f DayFilter) (Day, error) {
	out := Day{FamilyNames: map[int64]string{}}
	in, args, none := inOffices("office_id", f.Offices)
	if none {
		return out, nil
	}
	offices := `SELECT id FROM families WHERE 1 = 1` + in
	var err error
	margs := append(append([]any{}, args...), f.PersonID, f.PersonID, formatTime(f.WeekStart), formatTime(f.WeekEnd), formatTime(f.Now),
		formatTime(f.Now), formatTime(f.Soon))
	out.Meetings, err = meetingsWhere(ctx, db, `m.family_id IN (`+offices+`)
		AND (m.lead_id = ? OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.person_id = ?))
		AND (m.starts_at >= ? AND m.starts_at < ?
			OR m.reflected_at IS NULL AND m.status IN ('planned', 'held') AND m.starts_at < ?
			OR m.status = 'planned' AND m.starts_at >= ? AND m.starts_at < ?)
		ORDER BY m.starts_at, m.id`, margs...)
	if err != nil {
		return out, fmt.Errorf("coordinator's meetings: %w", err)
	}
	mine := `(f.primary_coordinator_id = ? OR f.second_coordinator_id = ?)`
	fin, fargs, _ := inOffices("f.office_id", f.Offices)
	rows, err := db.query(ctx, `SELECT f.id, f.name FROM families f WHERE f.id IN (SELECT family_id FROM meetings m WHERE m.lead_id = ?
		OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.person_id = ?))`+fin,
		append([]any{f.PersonID, f.PersonID}, fargs...)...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			_ = rows.Close()
			return out, err
		}
		out.FamilyNames[id] = name
	}
	if err := rows.Close(); err != nil {
		return out, mapErr(err)
	}
	pargs := append([]any{f.PersonID, f.PersonID}, fargs...)
	out.Due, err = collect(ctx, db, func(s scanner) (DueActivity, error) {
		var d DueActivity
		a := &d.Activity
		err := s.Scan(&d.FamilyID, &d.FamilyName, &a.ID, &a.GoalID, &a.Title, asText(&a.Responsible), asID(&a.ResponsibleMemberID),
			&a.ResponsibleName, asDate(&a.DueOn), asText(&a.Status), &a.Version)
		a.FamilyID = d.FamilyID
		return d, err
	}, `SELECT f.id, f.name, a.id, a.goal_id, a.title, a.responsible_kind, a.responsible_member_id, a.responsible_name, a.due_on, a.status, a.version
		FROM plan_activities a JOIN families f ON f.id = a.family_id
		WHERE `+mine+fin+` AND f.status IN ('recruited', 'active') AND a.status = 'open' AND a.due_on IS NOT NULL AND a.due_on <= ?
		ORDER BY a.due_on, f.name, a.id`, append(pargs, f.Soon.Format(dateFormat))...)
	if err != nil {
		return out, fmt.Errorf("coordinator's due activities: %w", err)
	}
	out.Pulse, err = collect(ctx, db, func(s scanner) (FamilyPulse, error) {
		var p FamilyPulse
		err := s.Scan(&p.FamilyID, &p.FamilyName, asDate(&p.ActiveSince), asTime(&p.LastContact), asTime(&p.LastMapping))
		return p, err
	}, `SELECT f.id, f.name, f.consent_date,
			(SELECT MAX(x.at) FROM (SELECT c.at FROM contacts c WHERE c.family_id = f.id AND c.kind <> 'call_missed'
				UNION ALL SELECT m.starts_at FROM meetings m WHERE m.family_id = f.id AND m.status = 'held') x),
			(SELECT MAX(v.saved_at) FROM mapping_versions v WHERE v.family_id = f.id)
		FROM families f WHERE `+mine+fin+` AND f.status = 'active' ORDER BY f.name, f.id`, pargs...)
	if err != nil {
		return out, fmt.Errorf("coordinator's families: %w", err)
	}
	out.Supervision, err = collect(ctx, db, func(s scanner) (SupervisionTopic, error) {
		var t SupervisionTopic
		err := s.Scan(&t.MeetingID, &t.FamilyID, &t.FamilyName, asTime(&t.StartsAt), &t.Topic)
		return t, err
	}, `SELECT m.id, f.id, f.name, m.starts_at, m.refl_supervision_topic FROM meetings m JOIN families f ON f.id = m.family_id
		WHERE m.refl_supervision = 1 AND (m.reflected_by = ? OR m.reflected_by IS NULL AND m.lead_id = ?)`+fin+`
		ORDER BY m.starts_at DESC, m.id DESC LIMIT 50`, pargs...)
	return out, err
}

// FeedMeetings returns the meetings a coordinator leads or takes part in
// from since on, for their calendar feed, with their families' names.
func (db *DB) FeedMeetings(ctx context.Context, personID int64, offices holf.OfficeSet, since time.Time) ([]holf.Meeting, map[int64]string, error) {
	names := map[int64]string{}
	in, args, none := inOffices("office_id", offices)
	if none {
		return nil, names, nil
	}
	ms, err := meetingsWhere(ctx, db, `m.family_id IN (SELECT id FROM families WHERE 1 = 1`+in+`) AND m.starts_at >= ?
		AND (m.lead_id = ? OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.person_id = ?))
		ORDER BY m.starts_at, m.id LIMIT 2000`, append(args, formatTime(since), personID, personID)...)
	if err != nil || len(ms) == 0 {
		return ms, names, err
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.FamilyID)
	}
	rows, err := db.query(ctx, `SELECT id, name FROM families WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, nil, err
		}
		names[id] = name
	}
	return ms, names, mapErr(rows.Err())
}
