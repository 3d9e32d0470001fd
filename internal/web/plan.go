package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
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
	Family    holf.Family
	Plan      holf.Plan
	View      string
	Goals     []goalView
	Areas     []areaProgress
	ByMember  []memberTasks
	Overdue   []activityView
	Upcoming  []activityView
	Changes   []holf.PlanChange
	CanEdit   bool
	AreaOpts  []holf.TargetArea
	TopGoals  []holf.Goal
	NewGoal   holf.Goal
	Errors    map[string]string
	Summary   string
	Coord     string
	Today     time.Time
	PrintLang string
}

// planData builds every view of a family's plan from one load.
func (s *Server) planData(r *http.Request, rq *req, f holf.Family) (planPage, error) {
	ctx := r.Context()
	plan, err := s.db.Plan(ctx, f.ID)
	if err != nil {
		return planPage{}, err
	}
	o, err := s.db.GetOffice(ctx, f.OfficeID)
	if err != nil {
		return planPage{}, err
	}
	names, err := s.staffNames(r, []int64{f.OfficeID})
	if err != nil {
		return planPage{}, err
	}
	p := planPage{Page: s.page(r, rq, "plan.title"), Family: f, Plan: plan, AreaOpts: o.TargetAreas, Coord: names[f.PrimaryCoordinatorID],
		CanEdit: policy.Decide(rq.actor, policy.FamilyManage, policy.OfficeResource("family", f.OfficeID)).Allowed,
		Today:   s.db.Now().In(oslo), NewGoal: holf.Goal{Area: firstArea(o.TargetAreas)}, PrintLang: rq.lang}
	p.Title = s.t(rq, "plan.heading", f.Name)
	member := map[int64]string{}
	for _, m := range f.Members {
		member[m.ID] = m.Name
	}
	goalTitle := map[int64]string{}
	for _, g := range plan.Goals {
		goalTitle[g.ID] = g.Title
	}
	soon := p.Today.AddDate(0, 0, 14)
	view := func(a holf.Activity) activityView {
		v := activityView{Activity: a, Goal: goalTitle[a.GoalID], Overdue: a.Overdue(p.Today)}
		v.Soon = a.Status == holf.ActivityOpen && !a.DueOn.IsZero() && !v.Overdue && !a.DueOn.After(soon)
		switch a.Responsible {
		case holf.ResponsibleMember:
			v.Who = member[a.ResponsibleMemberID]
		case holf.ResponsibleCoordinator:
			v.Who = s.t(rq, "plan.who_coordinator", p.Coord)
		default:
			v.Who = a.ResponsibleName
		}
		return v
	}
	byGoal := map[int64][]activityView{}
	for _, a := range plan.Activities {
		v := view(a)
		byGoal[a.GoalID] = append(byGoal[a.GoalID], v)
		if v.Overdue {
			p.Overdue = append(p.Overdue, v)
		} else if v.Soon {
			p.Upcoming = append(p.Upcoming, v)
		}
	}
	sortByDue := func(vs []activityView) {
		slices.SortStableFunc(vs, func(a, b activityView) int { return a.Activity.DueOn.Compare(b.Activity.DueOn) })
	}
	sortByDue(p.Overdue)
	sortByDue(p.Upcoming)
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
	// Per member: everything one person (or the coordinator, or a partner) has to do.
	order := []string{}
	tasks := map[string][]activityView{}
	for _, m := range f.Members {
		order = append(order, m.Name)
	}
	for _, a := range plan.Activities {
		if a.Status == holf.ActivityDropped {
			continue
		}
		v := view(a)
		if !slices.Contains(order, v.Who) {
			order = append(order, v.Who)
		}
		tasks[v.Who] = append(tasks[v.Who], v)
	}
	for _, who := range order {
		if len(tasks[who]) > 0 {
			sortByDue(tasks[who])
			p.ByMember = append(p.ByMember, memberTasks{Name: who, Tasks: tasks[who]})
		}
	}
	p.Changes, err = s.db.PlanChanges(ctx, f.ID, 20)
	return p, err
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
	f, err := s.viewFamily(r, rq, policy.FamilyView, "plan.view")
	if err != nil {
		return err
	}
	p, err := s.planData(r, rq, f)
	if err != nil {
		return err
	}
	p.View = r.URL.Query().Get("view")
	if p.View != "member" && p.View != "due" {
		p.View = "tree"
	}
	return s.render(w, http.StatusOK, "plan", &p)
}

func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return n
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
	f, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	g := holf.Goal{FamilyID: f.ID, ParentID: formID(r, "parent"), MemberID: formID(r, "member"), Area: holf.TargetArea(r.PostFormValue("area")),
		Title: r.PostFormValue("title"), Status: holf.GoalOpen}
	o, err := s.db.GetOffice(r.Context(), f.OfficeID)
	if err != nil {
		return err
	}
	if g.ParentID != 0 {
		if parent, err := s.db.Goal(r.Context(), f.ID, g.ParentID); err == nil {
			g.Area = parent.Area
		}
	}
	err = g.Validate(&f, o.TargetAreas)
	if err == nil {
		err = s.db.AddGoal(r.Context(), rq.auditEvent(role, "plan.goal_add", "family", f.ID), &g)
	}
	if err != nil {
		p, perr := s.planData(r, rq, f)
		if perr != nil {
			return perr
		}
		p.View, p.NewGoal = "tree", g
		if fe, ok := s.formErrors(rq, err); ok {
			p.Errors, p.Summary = fe, s.t(rq, "form.fix")
			return s.render(w, http.StatusUnprocessableEntity, "plan", &p)
		}
		return err
	}
	s.planRedirect(w, r, f.ID, "tree")
	return nil
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

func (s *Server) goalFormData(r *http.Request, rq *req, f holf.Family, g holf.Goal) (goalFormPage, error) {
	p := goalFormPage{Page: s.page(r, rq, "plan.edit_goal"), Family: f, Goal: g, Statuses: holf.GoalStatuses}
	o, err := s.db.GetOffice(r.Context(), f.OfficeID)
	if err != nil {
		return p, err
	}
	p.AreaOpts = o.TargetAreas
	plan, err := s.db.Plan(r.Context(), f.ID)
	if err != nil {
		return p, err
	}
	for _, x := range plan.Goals {
		if x.ParentID == 0 && x.ID != g.ID {
			p.TopGoals = append(p.TopGoals, x)
		}
	}
	return p, nil
}

func (s *Server) goalEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, _, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	gid, err := pathID(r, "gid", "goal")
	if err != nil {
		return err
	}
	g, err := s.db.Goal(r.Context(), f.ID, gid)
	if err != nil {
		return err
	}
	p, err := s.goalFormData(r, rq, f, g)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "goal_form", &p)
}

func (s *Server) goalUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	gid, err := pathID(r, "gid", "goal")
	if err != nil {
		return err
	}
	cur, err := s.db.Goal(r.Context(), f.ID, gid)
	if err != nil {
		return err
	}
	g := holf.Goal{ID: gid, FamilyID: f.ID, ParentID: formID(r, "parent"), MemberID: formID(r, "member"), Area: holf.TargetArea(r.PostFormValue("area")),
		Title: r.PostFormValue("title"), Status: holf.GoalStatus(r.PostFormValue("status")), Version: formID(r, "version"), AchievedOn: cur.AchievedOn}
	o, err := s.db.GetOffice(r.Context(), f.OfficeID)
	if err != nil {
		return err
	}
	if g.ParentID != 0 {
		g.Area = cur.Area
	}
	err = g.Validate(&f, o.TargetAreas)
	if err == nil {
		err = s.db.UpdateGoal(r.Context(), rq.auditEvent(role, "plan.goal_update", "family", f.ID), &g)
	}
	if err != nil {
		p, perr := s.goalFormData(r, rq, f, g)
		if perr != nil {
			return perr
		}
		return s.formError(w, rq, "goal_form", &p, err, func() error {
			saved, gerr := s.db.Goal(r.Context(), f.ID, gid)
			p.Conflict, p.Goal.Version = &saved, saved.Version
			return gerr
		})
	}
	s.planRedirect(w, r, f.ID, "tree")
	return nil
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
	formState
	Conflict *holf.Activity
}

func (s *Server) activityFormData(r *http.Request, rq *req, f holf.Family, a holf.Activity, due string, isNew bool) (activityFormPage, error) {
	key := "plan.edit_activity"
	if isNew {
		key = "plan.new_activity"
	}
	p := activityFormPage{Page: s.page(r, rq, key), Family: f, Activity: a, Due: due, New: isNew, Kinds: holf.ResponsibleKinds, Statuses: holf.ActivityStatuses}
	plan, err := s.db.Plan(r.Context(), f.ID)
	if err != nil {
		return p, err
	}
	p.Goals = plan.Goals
	names, err := s.staffNames(r, []int64{f.OfficeID})
	if err != nil {
		return p, err
	}
	p.Coord = names[f.PrimaryCoordinatorID]
	return p, nil
}

// GoalLabel shows a goal in a select, sub-goals indented under their goal.
func (p *activityFormPage) GoalLabel(g holf.Goal) string {
	if g.ParentID != 0 {
		return "– " + g.Title
	}
	return g.Title
}

func (s *Server) activityNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, _, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	a := holf.Activity{FamilyID: f.ID, Responsible: holf.ResponsibleMember, Status: holf.ActivityOpen}
	a.GoalID, _ = strconv.ParseInt(r.URL.Query().Get("goal"), 10, 64)
	if ps := f.Parents(); len(ps) > 0 {
		a.ResponsibleMemberID = ps[0].ID
	}
	p, err := s.activityFormData(r, rq, f, a, "", true)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "activity_form", &p)
}

func activityFromForm(r *http.Request, familyID int64) (holf.Activity, string, holf.Validation) {
	var v holf.Validation
	a := holf.Activity{FamilyID: familyID, GoalID: formID(r, "goal"), Title: r.PostFormValue("title"),
		Responsible: holf.ResponsibleKind(r.PostFormValue("responsible")), ResponsibleMemberID: formID(r, "responsible_member"),
		ResponsibleName: r.PostFormValue("responsible_name"), Status: holf.ActivityStatus(r.PostFormValue("status")), Version: formID(r, "version")}
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
	f, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	a, due, v := activityFromForm(r, f.ID)
	if verr := a.Validate(&f); verr != nil {
		v = append(v, verr.(*holf.Error).Fields...)
	}
	err = v.Err()
	if err == nil {
		err = s.db.AddActivity(r.Context(), rq.auditEvent(role, "plan.activity_add", "family", f.ID), &a)
	}
	if err != nil {
		return s.activityFormError(w, r, rq, f, a, due, true, err)
	}
	s.planRedirect(w, r, f.ID, "tree")
	return nil
}

func (s *Server) activityIDs(r *http.Request, rq *req, act policy.Action) (holf.Family, holf.Role, holf.Activity, error) {
	f, role, err := s.loadFamily(r, rq, act)
	if err != nil {
		return f, role, holf.Activity{}, err
	}
	aid, err := pathID(r, "aid", "activity")
	if err != nil {
		return f, role, holf.Activity{}, err
	}
	a, err := s.db.Activity(r.Context(), f.ID, aid)
	return f, role, a, err
}

func (s *Server) activityEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, _, a, err := s.activityIDs(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	due := ""
	if !a.DueOn.IsZero() {
		due = a.DueOn.Format("2006-01-02")
	}
	p, err := s.activityFormData(r, rq, f, a, due, false)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "activity_form", &p)
}

func (s *Server) activityUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, cur, err := s.activityIDs(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	a, due, v := activityFromForm(r, f.ID)
	a.ID, a.DoneOn = cur.ID, cur.DoneOn
	if verr := a.Validate(&f); verr != nil {
		v = append(v, verr.(*holf.Error).Fields...)
	}
	err = v.Err()
	if err == nil {
		err = s.db.UpdateActivity(r.Context(), rq.auditEvent(role, "plan.activity_update", "family", f.ID), &a)
	}
	if err != nil {
		return s.activityFormError(w, r, rq, f, a, due, false, err)
	}
	s.planRedirect(w, r, f.ID, "tree")
	return nil
}

func (s *Server) activityFormError(w http.ResponseWriter, r *http.Request, rq *req, f holf.Family, a holf.Activity, due string, isNew bool, err error) error {
	p, perr := s.activityFormData(r, rq, f, a, due, isNew)
	if perr != nil {
		return perr
	}
	var conflict func() error
	if !isNew {
		conflict = func() error {
			saved, gerr := s.db.Activity(r.Context(), f.ID, a.ID)
			p.Conflict, p.Activity.Version = &saved, saved.Version
			return gerr
		}
	}
	return s.formError(w, rq, "activity_form", &p, err, conflict)
}

// activityStatus checks an activity off, reopens or drops it in one click.
func (s *Server) activityStatus(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, a, err := s.activityIDs(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	to := holf.ActivityStatus(r.PostFormValue("to"))
	if !slices.Contains(holf.ActivityStatuses, to) {
		return &holf.Error{Code: holf.EInvalid, Message: "unknown activity status", Key: "err.status"}
	}
	if _, err := s.db.SetActivityStatus(r.Context(), rq.auditEvent(role, "plan.activity_status", "family", f.ID), f.ID, a.ID, to); err != nil {
		return err
	}
	s.planRedirect(w, r, f.ID, r.PostFormValue("view"))
	return nil
}
