package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/holf-project/holf"
)

type apiActivity struct {
	ID                  int64                `json:"id"`
	GoalID              int64                `json:"goal_id"`
	Title               string               `json:"title"`
	Responsible         holf.ResponsibleKind `json:"responsible"`
	ResponsibleMemberID *int64               `json:"responsible_member_id"`
	ResponsibleName     string               `json:"responsible_name,omitempty"`
	DueOn               *string              `json:"due_on"`
	Status              holf.ActivityStatus  `json:"status"`
	DoneOn              *string              `json:"done_on"`
	Overdue             bool                 `json:"overdue"`
	Version             int64                `json:"version"`
}

type apiGoal struct {
	ID         int64           `json:"id"`
	ParentID   *int64          `json:"parent_id"`
	MemberID   *int64          `json:"member_id"`
	Area       holf.TargetArea `json:"area"`
	Title      string          `json:"title"`
	Status     holf.GoalStatus `json:"status"`
	Progress   holf.Progress   `json:"progress"`
	Activities []apiActivity   `json:"activities"`
}

type apiPlan struct {
	FamilyID  int64                             `json:"family_id"`
	Version   int64                             `json:"version"`
	UpdatedAt *time.Time                        `json:"updated_at"`
	Goals     []apiGoal                         `json:"goals"`
	Areas     map[holf.TargetArea]holf.Progress `json:"progress_by_area"`
}

func toAPIActivity(a holf.Activity, today time.Time) apiActivity {
	return apiActivity{ID: a.ID, GoalID: a.GoalID, Title: a.Title, Responsible: a.Responsible, ResponsibleMemberID: optID(a.ResponsibleMemberID),
		ResponsibleName: a.ResponsibleName, DueOn: optDate(a.DueOn), Status: a.Status, DoneOn: optDate(a.DoneOn), Overdue: a.Overdue(today), Version: a.Version}
}

// apiPlanGet returns the whole plan; its ETag is the plan's version.
func (s *Server) apiPlanGet(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Plans.View(r.Context(), rq.actor, id, "plan.view")
	if err != nil {
		return err
	}
	plan := b.Plan
	out := apiPlan{FamilyID: id, Version: plan.Version, Goals: []apiGoal{}, Areas: plan.AreaProgress()}
	if !plan.UpdatedAt.IsZero() {
		out.UpdatedAt = &plan.UpdatedAt
	}
	for _, g := range plan.Goals {
		ag := apiGoal{ID: g.ID, ParentID: optID(g.ParentID), MemberID: optID(g.MemberID), Area: g.Area, Title: g.Title, Status: g.Status,
			Progress: plan.GoalProgress(g.ID), Activities: []apiActivity{}}
		for _, a := range plan.Activities {
			if a.GoalID == g.ID {
				ag.Activities = append(ag.Activities, toAPIActivity(a, b.Today))
			}
		}
		out.Goals = append(out.Goals, ag)
	}
	return writeVersioned(w, http.StatusOK, "plan", id, plan.Version, out)
}

var activityPatch = patchRules{
	changeable: []string{"title", "goal_id", "responsible", "responsible_member_id", "responsible_name", "due_on", "status"},
	required:   []string{"title", "goal_id", "responsible", "status"},
}

// apiActivityPatch changes one activity by JSON merge patch with If-Match on
// the activity's own ETag; checking off is {"status": "done"}, and
// {"due_on": null} removes the due date.
func (s *Server) apiActivityPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, aid, err := familyItem(r, "aid", "activity")
	if err != nil {
		return err
	}
	a, err := s.app.Plans.Activity(r.Context(), rq.actor, id, aid)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "activity", a.ID, a.Version); err != nil {
		return err
	}
	var next apiActivity
	if _, err := mergePatch(r, toAPIActivity(a, s.app.Today()), activityPatch, &next); err != nil {
		return err
	}
	a.Title, a.GoalID, a.Responsible, a.ResponsibleName, a.Status = next.Title, next.GoalID, next.Responsible, next.ResponsibleName, next.Status
	a.ResponsibleMemberID, a.DueOn = 0, time.Time{}
	if next.ResponsibleMemberID != nil {
		a.ResponsibleMemberID = *next.ResponsibleMemberID
	}
	var parsed holf.Validation
	if next.DueOn != nil {
		d, ok := parseDay(*next.DueOn)
		if !ok {
			parsed.Add("due_on", "err.date")
		}
		a.DueOn = d
	}
	saved, err := s.app.Plans.UpdateActivity(r.Context(), rq.actor, a, parsed)
	if err != nil {
		return precondition("activity", err)
	}
	return writeVersioned(w, http.StatusOK, "activity", saved.ID, saved.Version, toAPIActivity(saved, s.app.Today()))
}

type apiMapping struct {
	FamilyID int64             `json:"family_id"`
	Version  int               `json:"version"`
	SavedAt  *time.Time        `json:"saved_at"`
	SavedBy  string            `json:"saved_by,omitempty"`
	Fields   map[string]string `json:"fields"`
}

func (s *Server) apiMappingGet(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	v := 0
	if q := r.URL.Query().Get("version"); q != "" {
		if v, err = strconv.Atoi(q); err != nil || v < 1 {
			return &holf.Error{Code: holf.EInvalid, Message: "version must be a positive whole number"}
		}
	}
	rec, err := s.app.Mappings.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	m, err := rec.At(v)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusOK, "mapping", id, int64(m.Version), toAPIMapping(id, m))
}

func toAPIMapping(familyID int64, m holf.Mapping) apiMapping {
	out := apiMapping{FamilyID: familyID, Version: m.Version, SavedBy: m.Actor, Fields: m.Fields}
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	if !m.SavedAt.IsZero() {
		out.SavedAt = &m.SavedAt
	}
	return out
}

// apiMappingPut saves a new version of the mapping (the whole document, as
// "fields"). If-Match must carry the ETag of the version it was based on.
func (s *Server) apiMappingPut(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	cur, err := s.app.Mappings.Version(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "mapping", id, int64(cur)); err != nil {
		return err
	}
	var in struct {
		Fields map[string]string `json:"fields"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, _, err := s.app.Mappings.Save(r.Context(), rq.actor, holf.Mapping{FamilyID: id, Version: cur, Fields: in.Fields})
	if err != nil {
		return precondition("mapping", err)
	}
	return writeVersioned(w, http.StatusOK, "mapping", id, int64(m.Version), toAPIMapping(id, m))
}
