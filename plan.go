package holf

import (
	"slices"
	"strings"
	"time"
)

// GoalStatus is where a goal stands.
type GoalStatus string

const (
	GoalOpen     GoalStatus = "open"
	GoalAchieved GoalStatus = "achieved"
	GoalDropped  GoalStatus = "dropped"
)

// GoalStatuses lists the goal statuses.
var GoalStatuses = []GoalStatus{GoalOpen, GoalAchieved, GoalDropped}

// Valid reports whether s is a known goal status.
func (s GoalStatus) Valid() bool { return slices.Contains(GoalStatuses, s) }

// ActivityStatus is where an activity stands.
type ActivityStatus string

const (
	ActivityOpen    ActivityStatus = "open"
	ActivityDone    ActivityStatus = "done"
	ActivityDropped ActivityStatus = "dropped"
)

// ActivityStatuses lists the activity statuses.
var ActivityStatuses = []ActivityStatus{ActivityOpen, ActivityDone, ActivityDropped}

// Valid reports whether s is a known activity status.
func (s ActivityStatus) Valid() bool { return slices.Contains(ActivityStatuses, s) }

// Responsible says who does an activity. The model's role clarity (seed 003,
// §8.1): the coordinator coordinates; a partner service or a NAV colleague
// owns their own tasks; family members own theirs.
type ResponsibleKind string

const (
	ResponsibleMember      ResponsibleKind = "member"
	ResponsibleCoordinator ResponsibleKind = "coordinator"
	ResponsiblePartner     ResponsibleKind = "partner"
	ResponsibleNAV         ResponsibleKind = "nav"
)

// ResponsibleKinds lists the kinds in the order forms show them.
var ResponsibleKinds = []ResponsibleKind{ResponsibleMember, ResponsibleCoordinator, ResponsiblePartner, ResponsibleNAV}

// Valid reports whether k is a known kind.
func (k ResponsibleKind) Valid() bool { return slices.Contains(ResponsibleKinds, k) }

// Goal is a goal or, with a ParentID, a sub-goal of a family's plan.
type Goal struct {
	ID         int64
	FamilyID   int64
	ParentID   int64 // 0 for a goal
	MemberID   int64 // 0 for the whole family
	Area       TargetArea
	Title      string
	Status     GoalStatus
	AchievedOn time.Time
	Version    int64
	UpdatedAt  time.Time
}

// Activity is one task toward a goal.
type Activity struct {
	ID                  int64
	FamilyID            int64
	GoalID              int64
	Title               string
	Responsible         ResponsibleKind
	ResponsibleMemberID int64
	ResponsibleName     string // the partner service or NAV colleague
	// PartnerID is the partner of the office's actor list that owns the
	// activity (ResponsiblePartner): its name is the partner's, and the
	// family's consent must cover telling that partner.
	PartnerID int64
	DueOn     time.Time
	Status    ActivityStatus
	DoneOn    time.Time
	MeetingID int64 // the meeting that agreed it as a follow-up task, 0 when none
	Version   int64
	UpdatedAt time.Time
}

// Overdue reports whether a is open past its due date on day today.
func (a Activity) Overdue(today time.Time) bool {
	return a.Status == ActivityOpen && !a.DueOn.IsZero() && a.DueOn.Before(day(today))
}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Plan is a family's whole plan.
type Plan struct {
	FamilyID   int64
	Version    int64
	UpdatedAt  time.Time
	Goals      []Goal
	Activities []Activity
}

// Progress counts activities: done of those not dropped.
type Progress struct{ Done, Total int }

// Percent is the share done, 0-100.
func (p Progress) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Done * 100 / p.Total
}

// GoalProgress returns the progress of goal id, counting its sub-goals' activities.
func (p *Plan) GoalProgress(id int64) Progress {
	ids := []int64{id}
	for _, g := range p.Goals {
		if g.ParentID == id {
			ids = append(ids, g.ID)
		}
	}
	var pr Progress
	for _, a := range p.Activities {
		if slices.Contains(ids, a.GoalID) && a.Status != ActivityDropped {
			pr.Total++
			if a.Status == ActivityDone {
				pr.Done++
			}
		}
	}
	return pr
}

// AreaProgress returns the progress of each target area.
func (p *Plan) AreaProgress() map[TargetArea]Progress {
	area := map[int64]TargetArea{}
	for _, g := range p.Goals {
		area[g.ID] = g.Area
	}
	out := map[TargetArea]Progress{}
	for _, a := range p.Activities {
		if a.Status == ActivityDropped {
			continue
		}
		pr := out[area[a.GoalID]]
		pr.Total++
		if a.Status == ActivityDone {
			pr.Done++
		}
		out[area[a.GoalID]] = pr
	}
	return out
}

// Stamp dates an achieved goal on day today (the date in Norway) if it has
// no date yet, and clears the date of a goal that is not achieved.
func (g *Goal) Stamp(today time.Time) {
	switch {
	case g.Status != GoalAchieved:
		g.AchievedOn = time.Time{}
	case g.AchievedOn.IsZero():
		g.AchievedOn = day(today)
	}
}

// Stamp dates a done activity on day today (the date in Norway) if it has
// no date yet, and clears the date of one that is not done.
func (a *Activity) Stamp(today time.Time) {
	switch {
	case a.Status != ActivityDone:
		a.DoneOn = time.Time{}
	case a.DoneOn.IsZero():
		a.DoneOn = day(today)
	}
}

// Validate checks a goal against its family.
func (g *Goal) Validate(f *Family, areas []TargetArea) error {
	var v Validation
	g.Title = strings.TrimSpace(g.Title)
	checkText(&v, "title", g.Title, 1, 300)
	if !slices.Contains(areas, g.Area) {
		v.Add("area", "err.area")
	}
	if g.MemberID != 0 && !hasMember(f, g.MemberID) {
		v.Add("member", "err.member_unknown")
	}
	if !g.Status.Valid() {
		v.Add("status", "err.status")
	}
	return v.Err()
}

// ValidateIn checks g as a goal of plan p: its own fields, and its place in
// the plan. The model has two levels, goals and their sub-goals (seed 003,
// §6.1): a sub-goal's parent must be a goal of the same plan that is not
// itself a sub-goal, and a goal that has sub-goals cannot become one (its
// sub-goals and their activities would drop out of the plan). A sub-goal
// belongs to its goal's area.
func (g *Goal) ValidateIn(f *Family, areas []TargetArea, p Plan) error {
	var v Validation
	if g.ParentID != 0 {
		parent, ok := p.goal(g.ParentID)
		switch {
		case !ok || parent.ID == g.ID || parent.ParentID != 0:
			v.Add("parent", "err.parent_goal")
		default:
			g.Area = parent.Area
		}
		for _, x := range p.Goals {
			if g.ID != 0 && x.ParentID == g.ID {
				v.Add("parent", "err.goal_has_subgoals")
				break
			}
		}
	}
	if fe, ok := AsError(g.Validate(f, areas)); ok {
		v = append(v, fe.Fields...)
	}
	return v.Err()
}

func (p Plan) goal(id int64) (Goal, bool) {
	for _, g := range p.Goals {
		if g.ID == id {
			return g, true
		}
	}
	return Goal{}, false
}

// Validate checks an activity against its family.
func (a *Activity) Validate(f *Family) error {
	var v Validation
	a.Title = strings.TrimSpace(a.Title)
	a.ResponsibleName = strings.TrimSpace(a.ResponsibleName)
	checkText(&v, "title", a.Title, 1, 300)
	switch a.Responsible {
	case ResponsibleMember:
		if !hasMember(f, a.ResponsibleMemberID) {
			v.Add("responsible_member", "err.member_unknown")
		}
		a.ResponsibleName, a.PartnerID = "", 0
	case ResponsibleCoordinator:
		a.ResponsibleMemberID, a.ResponsibleName, a.PartnerID = 0, "", 0
	case ResponsiblePartner, ResponsibleNAV:
		if a.Responsible == ResponsibleNAV {
			a.PartnerID = 0
		}
		a.ResponsibleMemberID = 0
		checkText(&v, "responsible_name", a.ResponsibleName, 1, 200)
	default:
		v.Add("responsible", "err.responsible")
	}
	if !a.Status.Valid() {
		v.Add("status", "err.status")
	}
	if !a.DueOn.IsZero() && (a.DueOn.Year() < 2000 || a.DueOn.Year() > 2100) {
		v.Add("due", "err.date_range", 2000, 2100)
	}
	return v.Err()
}

// ValidateIn checks a as an activity of plan p: its own fields, and that
// its goal is one of the plan's.
func (a *Activity) ValidateIn(f *Family, p Plan) error {
	var v Validation
	if _, ok := p.goal(a.GoalID); !ok {
		v.Add("goal", "err.goal_unknown")
	}
	if fe, ok := AsError(a.Validate(f)); ok {
		v = append(v, fe.Fields...)
	}
	return v.Err()
}

func hasMember(f *Family, id int64) bool {
	for _, m := range f.Members {
		if m.ID == id {
			return true
		}
	}
	return false
}

// Kinds of plan change, on the plan's history and the family's timeline.
const (
	PlanGoalAdded       = "goal.added"
	PlanGoalUpdated     = "goal.updated"
	PlanActivityAdded   = "activity.added"
	PlanActivityUpdated = "activity.updated"
	PlanImported        = "imported" // a whole plan brought in (Item: how many items)
)

// PlanActivityStatus is the kind of change that sets an activity's status:
// activity.done, activity.open, activity.dropped.
func PlanActivityStatus(s ActivityStatus) string { return "activity." + string(s) }

// PlanChangeKinds lists every kind of plan change.
func PlanChangeKinds() []string {
	out := []string{PlanGoalAdded, PlanGoalUpdated, PlanActivityAdded, PlanActivityUpdated, PlanImported}
	for _, s := range ActivityStatuses {
		out = append(out, PlanActivityStatus(s))
	}
	return out
}

// PlanChange is one line of a plan's history.
type PlanChange struct {
	At    time.Time
	Actor string
	Kind  string // one of PlanChangeKinds
	Item  string // the goal's or activity's title at the time
}
