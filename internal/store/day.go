package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	// Meetings are this week's, those unprepared soon, and those with the
	// reflection outstanding, without their participants and agendas.
	Meetings    []holf.Meeting
	FamilyNames map[int64]string // of the meetings' families
	Due         []DueActivity    // the first MaxDue, by due date
	DueTotal    int              // how many there are in all
	Pulse       []FamilyPulse
	Supervision []SupervisionTopic
}

// MaxDue bounds the due activities the start page lists; the rest are
// counted.
const MaxDue = 100

// familyNames maps the families of meetings ms to their names, in one query.
func familyNames(ctx context.Context, q querier, ms []holf.Meeting) (map[int64]string, error) {
	if len(ms) == 0 {
		return map[int64]string{}, nil
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, m := range ms {
		if !seen[m.FamilyID] {
			seen[m.FamilyID] = true
			ids = append(ids, m.FamilyID)
		}
	}
	names, err := idNames(ctx, q, `SELECT id, name FROM families WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("family names: %w", err)
	}
	return names, nil
}

// idNames runs q, whose rows are (id, name), into a map.
func idNames(ctx context.Context, db querier, q string, args ...any) (map[int64]string, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, mapErr(rows.Err())
}

// unprepared is holf.Preparation.Empty in SQL: beyond this week the start
// page lists only the meetings still to prepare.
const unprepared = `m.prep_purpose = '' AND m.prep_main_topic = '' AND m.prep_sub_topics = '' AND m.prep_forms = '' AND m.prep_tools = ''
	AND m.prep_principles = ''`

// CoordinatorDay loads the start page of coordinator f.PersonID.
func (db *DB) CoordinatorDay(ctx context.Context, f DayFilter) (Day, error) {
	out := Day{FamilyNames: map[int64]string{}}
	in, args, none := inOffices("office_id", f.Offices)
	if none {
		return out, nil
	}
	offices := `SELECT id FROM families WHERE 1 = 1` + in
	mine := `(f.primary_coordinator_id = ? OR f.second_coordinator_id = ?)`
	fin, fargs, _ := inOffices("f.office_id", f.Offices)
	pargs := append([]any{f.PersonID, f.PersonID}, fargs...)
	// The four lists are independent reads: they run side by side on the
	// read pool, so the page waits for the slowest, not for their sum.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Add(4)
	go func() {
		defer wg.Done()
		errs[0] = db.dayMeetings(ctx, f, offices, args, &out)
	}()
	go func() {
		defer wg.Done()
		errs[1] = db.dayDue(ctx, f, mine+fin, pargs, &out)
	}()
	go func() {
		defer wg.Done()
		errs[2] = db.dayPulse(ctx, mine+fin, pargs, &out)
	}()
	go func() {
		defer wg.Done()
		errs[3] = db.daySupervision(ctx, f, fin, fargs, &out)
	}()
	wg.Wait()
	return out, errors.Join(errs...)
}

// dayMeetings loads the coordinator's meetings of the day page, with their
// families' names, into out.Meetings and out.FamilyNames. Three index
// ranges: what the person leads from this week's start to SoonDays ahead,
// what they led with the reflection outstanding, and what they take part
// in this week. The page needs the meetings' own columns only: who took
// part and the agendas are on the meetings' pages.
func (db *DB) dayMeetings(ctx context.Context, f DayFilter, offices string, args []any, out *Day) error {
	weekStart, weekEnd, now, soon := formatTime(f.WeekStart), formatTime(f.WeekEnd), formatTime(f.Now), formatTime(f.Soon)
	margs := append(append([]any{}, args...), f.PersonID, weekStart, later(f.WeekEnd, f.Soon), f.PersonID, now, f.PersonID, weekStart, weekEnd,
		weekStart, weekEnd, now, now, soon)
	ms, err := collect(ctx, db, scanMeeting, `SELECT `+meetingCols+` FROM meetings m WHERE m.family_id IN (`+offices+`)
		AND m.id IN (SELECT id FROM meetings WHERE lead_id = ? AND starts_at >= ? AND starts_at < ?
			UNION SELECT id FROM meetings WHERE lead_id = ? AND reflected_at IS NULL AND status IN ('planned', 'held') AND starts_at < ?
			UNION SELECT meeting_id FROM meeting_participants WHERE person_id = ? AND starts_at >= ? AND starts_at < ?)
		AND (m.starts_at >= ? AND m.starts_at < ?
			OR m.reflected_at IS NULL AND m.status IN ('planned', 'held') AND m.starts_at < ?
			OR m.status = 'planned' AND m.starts_at >= ? AND m.starts_at < ? AND `+unprepared+`)
		ORDER BY m.starts_at, m.id`, margs...)
	if err != nil {
		return fmt.Errorf("coordinator's meetings: %w", err)
	}
	names, err := familyNames(ctx, db, ms)
	out.Meetings, out.FamilyNames = ms, names
	return err
}

// dayDue loads the open activities due by f.Soon of the coordinator's
// families (where), the first MaxDue, and how many there are.
func (db *DB) dayDue(ctx context.Context, f DayFilter, where string, pargs []any, out *Day) error {
	due, err := collect(ctx, db, func(s scanner) (DueActivity, error) {
		var d DueActivity
		a := &d.Activity
		err := s.Scan(&d.FamilyID, &d.FamilyName, &a.ID, &a.GoalID, &a.Title, asText(&a.Responsible), asID(&a.ResponsibleMemberID),
			&a.ResponsibleName, asDate(&a.DueOn), asText(&a.Status), &a.Version)
		a.FamilyID = d.FamilyID
		return d, err
	}, `SELECT f.id, f.name, a.id, a.goal_id, a.title, a.responsible_kind, a.responsible_member_id, a.responsible_name, a.due_on, a.status, a.version
		FROM plan_activities a JOIN families f ON f.id = a.family_id
		WHERE `+where+` AND f.status IN ('recruited', 'active') AND a.status = 'open' AND a.due_on IS NOT NULL AND a.due_on <= ?
		ORDER BY a.due_on, f.name, a.id LIMIT `+fmt.Sprint(MaxDue), append(append([]any{}, pargs...), f.Soon.Format(dateFormat))...)
	if err != nil {
		return fmt.Errorf("coordinator's due activities: %w", err)
	}
	out.Due, out.DueTotal = due, len(due)
	if out.DueTotal < MaxDue {
		return nil
	}
	return db.queryRow(ctx, `SELECT COUNT(*) FROM plan_activities a JOIN families f ON f.id = a.family_id
		WHERE `+where+` AND f.status IN ('recruited', 'active') AND a.status = 'open' AND a.due_on IS NOT NULL AND a.due_on <= ?`,
		append(append([]any{}, pargs...), f.Soon.Format(dateFormat))...).Scan(&out.DueTotal)
}

// dayPulse loads when each of the coordinator's active families was last
// reached and mapped. The last contact is the later of two index range
// maxima; a UNION in the subquery would build a temporary table for every
// family.
func (db *DB) dayPulse(ctx context.Context, where string, pargs []any, out *Day) error {
	pulse, err := collect(ctx, db, func(s scanner) (FamilyPulse, error) {
		var p FamilyPulse
		var met time.Time
		err := s.Scan(&p.FamilyID, &p.FamilyName, asDate(&p.ActiveSince), asTime(&p.LastContact), asTime(&met), asTime(&p.LastMapping))
		if met.After(p.LastContact) {
			p.LastContact = met
		}
		return p, err
	}, `SELECT f.id, f.name, f.consent_date,
			(SELECT MAX(c.at) FROM contacts c WHERE c.family_id = f.id AND c.kind <> 'call_missed'),
			(SELECT MAX(m.starts_at) FROM meetings m WHERE m.family_id = f.id AND m.status = 'held'),
			(SELECT MAX(v.saved_at) FROM mapping_versions v WHERE v.family_id = f.id)
		FROM families f WHERE `+where+` AND f.status = 'active' ORDER BY f.name, f.id`, pargs...)
	if err != nil {
		return fmt.Errorf("coordinator's families: %w", err)
	}
	out.Pulse = pulse
	return nil
}

// daySupervision loads the coordinator's topics for supervision.
func (db *DB) daySupervision(ctx context.Context, f DayFilter, fin string, fargs []any, out *Day) error {
	ts, err := collect(ctx, db, func(s scanner) (SupervisionTopic, error) {
		var t SupervisionTopic
		err := s.Scan(&t.MeetingID, &t.FamilyID, &t.FamilyName, asTime(&t.StartsAt), &t.Topic)
		return t, err
	}, `SELECT m.id, f.id, f.name, m.starts_at, m.refl_supervision_topic FROM meetings m JOIN families f ON f.id = m.family_id
		WHERE m.refl_supervision = 1 AND m.reflected_by = ? AND NOT EXISTS (SELECT 1 FROM supervision_cases sc WHERE sc.meeting_id = m.id)`+fin+`
		ORDER BY m.starts_at DESC, m.id DESC LIMIT 50`, append([]any{f.PersonID}, fargs...)...)
	out.Supervision = ts
	return err
}

func later(a, b time.Time) string {
	if a.After(b) {
		return formatTime(a)
	}
	return formatTime(b)
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
		AND m.id IN (SELECT id FROM meetings WHERE lead_id = ? AND starts_at >= ? UNION SELECT meeting_id FROM meeting_participants WHERE person_id = ? AND starts_at >= ?)
		ORDER BY m.starts_at, m.id LIMIT 2000`, append(args, formatTime(since), personID, formatTime(since), personID, formatTime(since))...)
	if err != nil || len(ms) == 0 {
		return ms, names, err
	}
	names, err = familyNames(ctx, db, ms)
	return ms, names, err
}
