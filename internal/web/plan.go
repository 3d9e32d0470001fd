package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

type activityView struct {
	Activity holf.Activity
	Who      string
	Goal     string
	Overdue  bool
	Soon     bool
}

type goalView struct {
	Goal       holf.Goal
	Member     string
	Progress   holf.Progress
	Activities []activityView
	Subgoals   []goalView
}

type areaProgress struct {
	Area     holf.TargetArea
	Progress holf.Progress
}

type memberTasks struct {
	Name  string
	Tasks []activityView
}

type planPage struct {
	Page
	Review   reviewBox
	Family   holf.Family
	Plan     holf.Plan
	View     string
	Goals    []goalView
	Areas    []areaProgress
	ByMember []memberTasks
	Overdue  []activityView
	Upcoming []activityView
	Changes  []holf.PlanChange
	CanEdit  bool
	AreaOpts []holf.TargetArea
	TopGoals []holf.Goal
	NewGoal  holf.Goal
	formState
	Coord     string
	Today     time.Time
	PrintLang string
	// Changed is the activity just checked off or reopened: the page
	// returns to it and confirms it there.
	Changed int64
}

// planData builds every view of a family's plan from one board.
func (s *Server) planData(r *http.Request, rq *req, b app.Board) planPage {
	f, plan, o := b.Family, b.Plan, b.Office
	p := planPage{Page: s.page(r, rq, "plan.title"), Family: f, Plan: plan, AreaOpts: o.TargetAreas, Coord: b.Coordinator,
		CanEdit: b.CanEdit, Today: b.Today, NewGoal: holf.Goal{Area: firstArea(o.TargetAreas)}, PrintLang: rq.lang, Changes: b.Changes}
	p.Title = s.t(rq, "plan.heading", f.Name)
	member := map[int64]string{}
	for _, m := range f.Members {
		member[m.ID] = m.Name
	}
	goalTitle := map[int64]string{}
	for _, g := range plan.Goals {
		goalTitle[g.ID] = g.Title
	}
	who := func(r app.Responsible) string {
		if r.Kind == holf.ResponsibleCoordinator {
			return s.t(rq, "plan.who_coordinator", r.Name)
		}
		return r.Name
	}
	view := func(a holf.Activity) activityView {
		return activityView{Activity: a, Goal: goalTitle[a.GoalID], Overdue: b.Overdue(a), Soon: b.Soon(a), Who: who(b.Who(a))}
	}
	byGoal := map[int64][]activityView{}
	var overdue, upcoming []holf.Activity
	for _, a := range plan.Activities {
		v := view(a)
		byGoal[a.GoalID] = append(byGoal[a.GoalID], v)
		if v.Overdue {
			overdue = append(overdue, a)
		} else if v.Soon {
			upcoming = append(upcoming, a)
		}
	}
	app.SortByDue(overdue)
	app.SortByDue(upcoming)
	for _, a := range overdue {
		p.Overdue = append(p.Overdue, view(a))
	}
	for _, a := range upcoming {
		p.Upcoming = append(p.Upcoming, view(a))
	}
	gv := func(g holf.Goal) goalView {
		v := goalView{Goal: g, Member: member[g.MemberID], Progress: plan.GoalProgress(g.ID), Activities: byGoal[g.ID]}
		if g.MemberID == 0 {
			v.Member = s.t(rq, "plan.whole_family")
		}
		return v
	}
	for _, g := range plan.Goals {
		if g.ParentID != 0 {
			continue
		}
		p.TopGoals = append(p.TopGoals, g)
		v := gv(g)
		for _, sub := range plan.Goals {
			if sub.ParentID == g.ID {
				v.Subgoals = append(v.Subgoals, gv(sub))
			}
		}
		p.Goals = append(p.Goals, v)
	}
	prog := plan.AreaProgress()
	for _, a := range holf.TargetAreas {
		if pr, ok := prog[a]; ok || slices.Contains(o.TargetAreas, a) {
			p.Areas = append(p.Areas, areaProgress{Area: a, Progress: pr})
		}
	}
	// Per person: everything one member (or the coordinator, or a partner) has to do.
	for _, g := range b.ByResponsible() {
		mt := memberTasks{Name: who(g.Who)}
		for _, a := range g.Tasks {
			mt.Tasks = append(mt.Tasks, view(a))
		}
		p.ByMember = append(p.ByMember, mt)
	}
	return p
}

func firstArea(as []holf.TargetArea) holf.TargetArea {
	if len(as) == 0 {
		return holf.AreaWork
	}
	return as[0]
}

// ChangeText describes a plan change in the page's language.
func (p *planPage) ChangeText(c holf.PlanChange) string { return p.T("plan.change."+c.Kind, c.Item) }

func (s *Server) planShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Plans.View(r.Context(), rq.actor, id, "plan.view")
	if err != nil {
		return err
	}
	p := s.planData(r, rq, b)
	p.View = r.URL.Query().Get("view")
	if p.View != "member" && p.View != "due" {
		p.View = "tree"
	}
	p.Changed = formIDQuery(r, "changed")
	if p.Review, err = s.formReviews(r, rq, &p.Family, holf.ReviewPlan, p.Family.ID); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "plan", &p)
}

func (s *Server) planRedirect(w http.ResponseWriter, r *http.Request, familyID int64, view string) {
	target := fmt.Sprintf("/families/%d/plan?notice=saved", familyID)
	if view == "member" || view == "due" {
		target += "&view=" + view
	}
	http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id and a fixed view
}

// goalAdd adds a goal or sub-goal from the form on the plan page.
func (s *Server) goalAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	g := holf.Goal{FamilyID: id, ParentID: formID(r, "parent"), MemberID: formID(r, "member"), Area: holf.TargetArea(r.PostFormValue("area")),
		Title: r.PostFormValue("title"), Status: holf.GoalOpen}
	g, err = s.app.Plans.AddGoal(r.Context(), rq.actor, g)
	if err == nil {
		s.planRedirect(w, r, id, "tree")
		return nil
	}
	if !formProblem(err) {
		return err
	}
	// The plan comes back with the goal as typed.
	b, berr := s.app.Plans.Edit(r.Context(), rq.actor, id)
	if berr != nil {
		return berr
	}
	p := s.planData(r, rq, b)
	p.View, p.NewGoal = "tree", g
	return s.formError(w, rq, "plan", &p, err, nil)
}

type goalFormPage struct {
	Page
	Family   holf.Family
	Goal     holf.Goal
	AreaOpts []holf.TargetArea
	TopGoals []holf.Goal
	Statuses []holf.GoalStatus
	formState
	Conflict *holf.Goal
}

func (s *Server) goalFormData(r *http.Request, rq *req, b app.Board, g holf.Goal) goalFormPage {
	p := goalFormPage{Page: s.page(r, rq, "plan.edit_goal"), Family: b.Family, Goal: g, Statuses: holf.GoalStatuses, AreaOpts: b.Office.TargetAreas}
	for _, x := range b.Plan.Goals {
		if x.ParentID == 0 && x.ID != g.ID {
			p.TopGoals = append(p.TopGoals, x)
		}
	}
	return p
}

// planItem reads the family and the plan item (gid or aid) of the path and
// opens the plan for a change.
func (s *Server) planItem(r *http.Request, rq *req, name, kind string) (app.Board, int64, error) {
	id, item, err := familyItem(r, name, kind)
	if err != nil {
		return app.Board{}, 0, err
	}
	b, err := s.app.Plans.Edit(r.Context(), rq.actor, id)
	return b, item, err
}

func (s *Server) goalEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	b, gid, err := s.planItem(r, rq, "gid", "goal")
	if err != nil {
		return err
	}
	g, err := b.Goal(gid)
	if err != nil {
		return err
	}
	p := s.goalFormData(r, rq, b, g)
	return s.render(w, http.StatusOK, "goal_form", &p)
}

func (s *Server) goalUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, gid, err := familyItem(r, "gid", "goal")
	if err != nil {
		return err
	}
	g := holf.Goal{ID: gid, FamilyID: id, ParentID: formID(r, "parent"), MemberID: formID(r, "member"), Area: holf.TargetArea(r.PostFormValue("area")),
		Title: r.PostFormValue("title"), Status: holf.GoalStatus(r.PostFormValue("status")), Version: formVersion(r, "version")}
	g, err = s.app.Plans.UpdateGoal(r.Context(), rq.actor, g)
	if err == nil {
		s.planRedirect(w, r, id, "tree")
		return nil
	}
	b, berr := s.app.Plans.Edit(r.Context(), rq.actor, id)
	if berr != nil {
		return berr
	}
	p := s.goalFormData(r, rq, b, g)
	return s.formError(w, rq, "goal_form", &p, err, func() error {
		saved, gerr := b.Goal(gid)
		p.Conflict, p.Goal.Version = &saved, saved.Version
		return gerr
	})
}

type activityFormPage struct {
	Page
	Family   holf.Family
	Activity holf.Activity
	Due      string
	New      bool
	Goals    []holf.Goal
	Kinds    []holf.ResponsibleKind
	Statuses []holf.ActivityStatus
	Coord    string
	Partners []holf.Partner
	formState
	Conflict *holf.Activity
}

func (s *Server) activityFormData(r *http.Request, rq *req, b app.Board, a holf.Activity, due string, isNew bool) activityFormPage {
	key := "plan.edit_activity"
	if isNew {
		key = "plan.new_activity"
	}
	return activityFormPage{Page: s.page(r, rq, key), Family: b.Family, Activity: a, Due: due, New: isNew, Kinds: holf.ResponsibleKinds,
		Statuses: holf.ActivityStatuses, Goals: b.Plan.Goals, Coord: b.Coordinator, Partners: b.Partners}
}

// GoalLabel shows a goal in a select, sub-goals indented under their goal.
func (p *activityFormPage) GoalLabel(g holf.Goal) string {
	if g.ParentID != 0 {
		return "– " + g.Title
	}
	return g.Title
}

func (s *Server) activityNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Plans.Edit(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	a := holf.Activity{FamilyID: id, Responsible: holf.ResponsibleMember, Status: holf.ActivityOpen}
	a.GoalID, _ = strconv.ParseInt(r.URL.Query().Get("goal"), 10, 64)
	a.MeetingID, _ = strconv.ParseInt(r.URL.Query().Get("meeting"), 10, 64)
	if ps := b.Family.Parents(); len(ps) > 0 {
		a.ResponsibleMemberID = ps[0].ID
	}
	p := s.activityFormData(r, rq, b, a, "", true)
	return s.render(w, http.StatusOK, "activity_form", &p)
}

func activityFromForm(r *http.Request, familyID int64) (holf.Activity, string, holf.Validation) {
	var v holf.Validation
	a := holf.Activity{FamilyID: familyID, GoalID: formID(r, "goal"), Title: r.PostFormValue("title"),
		Responsible: holf.ResponsibleKind(r.PostFormValue("responsible")), ResponsibleMemberID: formID(r, "responsible_member"),
		ResponsibleName: r.PostFormValue("responsible_name"), Status: holf.ActivityStatus(r.PostFormValue("status")), Version: formVersion(r, "version"),
		MeetingID: formID(r, "meeting"), PartnerID: formID(r, "responsible_partner")}
	if a.Responsible != holf.ResponsiblePartner {
		a.PartnerID = 0
	}
	if a.Status == "" {
		a.Status = holf.ActivityOpen
	}
	due := strings.TrimSpace(r.PostFormValue("due"))
	if d, ok := parseDay(due); ok {
		a.DueOn = d
	} else {
		v.Add("due", "err.date")
	}
	return a, due, v
}

func (s *Server) activityAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	a, due, parsed := activityFromForm(r, id)
	if a.MeetingID != 0 {
		// A follow-up task agreed in a meeting: back to the meeting.
		mid := a.MeetingID
		if a, err = s.app.Meetings.AddFollowUp(r.Context(), rq.actor, mid, a, parsed, r.PostFormValue("consent_override")); err != nil {
			return s.activityFormError(w, r, rq, a, due, true, err)
		}
		http.Redirect(w, r, fmt.Sprintf("/families/%d/meetings/%d?notice=saved", id, mid), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if a, err = s.app.Plans.AddActivityOverriding(r.Context(), rq.actor, a, parsed, r.PostFormValue("consent_override")); err != nil {
		return s.activityFormError(w, r, rq, a, due, true, err)
	}
	s.planRedirect(w, r, id, "tree")
	return nil
}

func (s *Server) activityEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	b, aid, err := s.planItem(r, rq, "aid", "activity")
	if err != nil {
		return err
	}
	a, err := b.Activity(aid)
	if err != nil {
		return err
	}
	due := ""
	if !a.DueOn.IsZero() {
		due = a.DueOn.Format("2006-01-02")
	}
	p := s.activityFormData(r, rq, b, a, due, false)
	return s.render(w, http.StatusOK, "activity_form", &p)
}

func (s *Server) activityUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, aid, err := familyItem(r, "aid", "activity")
	if err != nil {
		return err
	}
	a, due, parsed := activityFromForm(r, id)
	a.ID = aid
	if a, err = s.app.Plans.UpdateActivityOverriding(r.Context(), rq.actor, a, parsed, r.PostFormValue("consent_override")); err != nil {
		return s.activityFormError(w, r, rq, a, due, false, err)
	}
	s.planRedirect(w, r, id, "tree")
	return nil
}

// activityFormError shows the activity form again with what was typed; the
// plan it needs is loaded again, which records the view.
func (s *Server) activityFormError(w http.ResponseWriter, r *http.Request, rq *req, a holf.Activity, due string, isNew bool, err error) error {
	if holf.ErrorCode(err) != holf.EInvalid && holf.ErrorCode(err) != holf.EConflict {
		return err
	}
	b, berr := s.app.Plans.Edit(r.Context(), rq.actor, a.FamilyID)
	if berr != nil {
		return berr
	}
	p := s.activityFormData(r, rq, b, a, due, isNew)
	var conflict func() error
	if !isNew {
		conflict = func() error {
			saved, gerr := b.Activity(a.ID)
			p.Conflict, p.Activity.Version = &saved, saved.Version
			return gerr
		}
	}
	return s.formError(w, rq, "activity_form", &p, err, conflict)
}

// activityStatus checks an activity off, reopens or drops it in one click.
func (s *Server) activityStatus(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, aid, err := familyItem(r, "aid", "activity")
	if err != nil {
		return err
	}
	if _, err := s.app.Plans.SetActivityStatus(r.Context(), rq.actor, id, aid, holf.ActivityStatus(r.PostFormValue("to"))); err != nil {
		return err
	}
	// Back to the same activity, confirmed beside it: a plan is long.
	target := fmt.Sprintf("/families/%d/plan?changed=%d", id, aid)
	if v := r.PostFormValue("view"); v == "member" || v == "due" {
		target += "&view=" + v
	}
	http.Redirect(w, r, target+fmt.Sprintf("#activity-%d", aid), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids and a fixed view
	return nil
}
