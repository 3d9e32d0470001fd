package app

import (
	"context"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// The model's working rules the coordinator's day applies.
const (
	// QuietDays: a family not reached for this long is listed (the
	// anchors' "no contact in 30 days").
	QuietDays = 30
	// MappingMonths: a mapping is a living document, reviewed at least
	// this often.
	MappingMonths = 6
)

// MaxDayLines bounds each list of the start page; the rest are counted.
// A coordinator with hundreds of lines needs the caseload, not a longer
// start page.
const MaxDayLines = 25

// DayMeeting is a meeting on the start page, with its family's label.
type DayMeeting struct {
	Meeting holf.Meeting
	Family  string
	Stage   holf.Stage
	// Late is an after-reflection outstanding for more than ReflectDays
	// working days.
	Late bool
}

// DueLine is an open activity due soon or overdue.
type DueLine struct {
	store.DueActivity
	Overdue bool
}

// CoordinatorDay is a coordinator's start page: what to do today and this
// week, each line a link to the place to act.
type CoordinatorDay struct {
	Now, Today     time.Time
	TodayMeetings  []DayMeeting // meetings today
	Week           []DayMeeting // the rest of this week
	Unprepared     []DayMeeting // planned within SoonDays, without preparation
	ReflectionDue  []DayMeeting // over, after-reflection outstanding: the newest MaxDayLines
	ReflectionsDue int          // how many are outstanding in all
	Due            []DueLine
	DueTotal       int                 // all due, of which Due lists the first store.MaxDue
	Quiet          []store.FamilyPulse // active, no contact for QuietDays: the first MaxDayLines
	QuietTotal     int
	Mapping        []store.FamilyPulse // mapping older than MappingMonths (or none): the first MaxDayLines
	MappingTotal   int
	Supervision    []store.SupervisionTopic
	// Consents ending within ExpiringDays, not renewed: ask the family.
	Consents []store.ExpiringConsent
}

// Day is the coordinator's start page. Nil when the caller is no coordinator.
type Day struct{ *core }

// Coordinator loads a's day (audited as a list of the families it names).
func (d *Day) Coordinator(ctx context.Context, a *holf.Actor) (*CoordinatorDay, error) {
	if !policy.Allows(a, policy.DayView) {
		return nil, nil
	}
	now, today := d.now(), d.today()
	local := now.In(Norway)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Norway)
	weekday := (int(dayStart.Weekday()) + 6) % 7 // Monday 0
	weekStart := dayStart.AddDate(0, 0, -weekday)
	f := store.DayFilter{PersonID: a.PersonID, Offices: policy.Visible(a, policy.DayView), Now: now, Today: today,
		WeekStart: weekStart, WeekEnd: weekStart.AddDate(0, 0, 7), Soon: today.AddDate(0, 0, SoonDays)}
	raw, err := d.db.CoordinatorDay(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &CoordinatorDay{Now: now, Today: today}
	tomorrow := dayStart.AddDate(0, 0, 1)
	for _, m := range raw.Meetings {
		dm := DayMeeting{Meeting: m, Family: raw.FamilyNames[m.FamilyID], Stage: m.Stage(now)}
		inWeek := !m.StartsAt.Before(f.WeekStart) && m.StartsAt.Before(f.WeekEnd)
		switch {
		case inWeek && !m.StartsAt.Before(dayStart) && m.StartsAt.Before(tomorrow):
			out.TodayMeetings = append(out.TodayMeetings, dm)
		case inWeek && !m.StartsAt.Before(tomorrow):
			out.Week = append(out.Week, dm)
		}
		switch dm.Stage {
		case holf.StageReflect:
			dm.Late = WorkingDaysBetween(dateIn(m.StartsAt), today) > ReflectDays
			out.ReflectionDue = append(out.ReflectionDue, dm)
		case holf.StagePlanned:
			if m.StartsAt.Before(f.Soon.AddDate(0, 0, 1)) {
				out.Unprepared = append(out.Unprepared, dm)
			}
		}
	}
	out.DueTotal = raw.DueTotal
	for _, x := range raw.Due[:min(len(raw.Due), MaxDayLines)] {
		out.Due = append(out.Due, DueLine{DueActivity: x, Overdue: x.Activity.Overdue(today)})
	}
	quiet := today.AddDate(0, 0, -QuietDays)
	stale := now.AddDate(0, -MappingMonths, 0)
	for _, p := range raw.Pulse {
		last := p.LastContact
		if last.IsZero() {
			last = p.ActiveSince
		}
		if !last.IsZero() && dateIn(last).Before(quiet) || last.IsZero() {
			out.Quiet = append(out.Quiet, p)
		}
		if p.LastMapping.IsZero() && !p.ActiveSince.IsZero() && p.ActiveSince.Before(quiet) || !p.LastMapping.IsZero() && p.LastMapping.Before(stale) {
			out.Mapping = append(out.Mapping, p)
		}
	}
	// The newest outstanding reflections first: those are the ones still
	// worth writing.
	slices.Reverse(out.ReflectionDue)
	out.ReflectionsDue, out.QuietTotal, out.MappingTotal = len(out.ReflectionDue), len(out.Quiet), len(out.Mapping)
	out.ReflectionDue = out.ReflectionDue[:min(len(out.ReflectionDue), MaxDayLines)]
	out.Quiet = out.Quiet[:min(len(out.Quiet), MaxDayLines)]
	out.Mapping = out.Mapping[:min(len(out.Mapping), MaxDayLines)]
	out.Unprepared = out.Unprepared[:min(len(out.Unprepared), MaxDayLines)]
	out.Supervision = raw.Supervision
	if out.Consents, err = d.db.ExpiringConsents(ctx, a.PersonID, f.Offices, today, today.AddDate(0, 0, ExpiringDays), MaxDayLines); err != nil {
		return nil, err
	}
	// The audit entry names the families the page shows, no more.
	var ids []int64
	for _, l := range [][]DayMeeting{out.TodayMeetings, out.Week, out.Unprepared, out.ReflectionDue} {
		for _, m := range l {
			ids = append(ids, m.Meeting.FamilyID)
		}
	}
	for _, x := range out.Due {
		ids = append(ids, x.FamilyID)
	}
	for _, l := range [][]store.FamilyPulse{out.Quiet, out.Mapping} {
		for _, p := range l {
			ids = append(ids, p.FamilyID)
		}
	}
	for _, s := range out.Supervision {
		ids = append(ids, s.FamilyID)
	}
	for _, c := range out.Consents {
		ids = append(ids, c.FamilyID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return out, d.recordList(ctx, a, policy.DayView, "day.view", "family", ids, PurposeCasework)
}

// WorkingDaysBetween counts the working days (Monday to Friday) after day
// from up to and including day to.
func WorkingDaysBetween(from, to time.Time) int {
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// Calendar is a coordinator's personal feed of meetings (iCalendar), behind
// a secret URL they can revoke.
type Calendar struct{ *core }

// FeedStatus says whether a has a feed, and since when.
func (c *Calendar) FeedStatus(ctx context.Context, a *holf.Actor) (bool, time.Time, error) {
	if _, err := c.own(a); err != nil {
		return false, time.Time{}, err
	}
	created, ok, err := c.db.CalendarFeed(ctx, a.PersonID)
	return ok, created, err
}

// Renew gives a a new feed secret, revoking the old one; the secret is
// shown once and only its hash is kept.
func (c *Calendar) Renew(ctx context.Context, a *holf.Actor) (string, error) {
	role, err := c.own(a)
	if err != nil {
		return "", err
	}
	secret := auth.NewSecret(32)
	return secret, c.db.SetCalendarSecret(ctx, event(a, role, "calendar.renew", "person", a.PersonID, PurposeAccount), a.PersonID, auth.HashSecret(secret))
}

// Revoke ends a's feed.
func (c *Calendar) Revoke(ctx context.Context, a *holf.Actor) error {
	role, err := c.own(a)
	if err != nil {
		return err
	}
	return c.db.SetCalendarSecret(ctx, event(a, role, "calendar.revoke", "person", a.PersonID, PurposeAccount), a.PersonID, "")
}

func (c *Calendar) own(a *holf.Actor) (holf.Role, error) {
	for _, as := range a.Assignments {
		if policy.Grants(as.Role, policy.CalendarOwn) != policy.None {
			return as.Role, nil
		}
	}
	return "", Forbidden()
}

// Feed is one fetch of a feed: its owner's meetings from 30 days back.
type Feed struct {
	Owner    holf.Person
	Meetings []holf.Meeting
	Families map[int64]string
}

// Feed answers a calendar client that presents secret (audited as a view
// by the feed's owner, naming the families it shows). An unknown or
// revoked secret is not found.
func (c *Calendar) Feed(ctx context.Context, secret string) (Feed, error) {
	id, err := c.db.CalendarOwner(ctx, auth.HashSecret(secret))
	if err != nil {
		return Feed{}, err
	}
	p, err := c.db.GetPerson(ctx, id)
	if err != nil {
		return Feed{}, err
	}
	a := &holf.Actor{PersonID: p.ID, Username: p.Username, Name: p.Name, Assignments: p.Assignments, Via: "calendar"}
	out := Feed{Owner: p}
	if out.Meetings, out.Families, err = c.db.FeedMeetings(ctx, p.ID, policy.Visible(a, policy.CalendarOwn), c.today().AddDate(0, 0, -30)); err != nil {
		return out, err
	}
	ids := make([]int64, 0, len(out.Families))
	for fid := range out.Families {
		ids = append(ids, fid)
	}
	slices.Sort(ids)
	return out, c.recordList(ctx, a, policy.CalendarOwn, "calendar.feed", "family", ids, PurposeCasework)
}
