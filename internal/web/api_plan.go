package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
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
	f, err := s.viewFamily(r, rq, policy.FamilyView, "plan.view")
	if err != nil {
		return err
	}
	plan, err := s.db.Plan(r.Context(), f.ID)
	if err != nil {
		return err
	}
	today := s.db.Now().In(oslo)
	out := apiPlan{FamilyID: f.ID, Version: plan.Version, Goals: []apiGoal{}, Areas: plan.AreaProgress()}
	if !plan.UpdatedAt.IsZero() {
		out.UpdatedAt = &plan.UpdatedAt
	}
	for _, g := range plan.Goals {
		ag := apiGoal{ID: g.ID, ParentID: optID(g.ParentID), MemberID: optID(g.MemberID), Area: g.Area, Title: g.Title, Status: g.Status,
			Progress: plan.GoalProgress(g.ID), Activities: []apiActivity{}}
		for _, a := range plan.Activities {
			if a.GoalID == g.ID {
				ag.Activities = append(ag.Activities, toAPIActivity(a, today))
			}
		}
		out.Goals = append(out.Goals, ag)
	}
	w.Header().Set("ETag", etag("plan", f.ID, plan.Version))
	return writeJSON(w, http.StatusOK, out)
}

// apiActivityPatch changes one activity by JSON merge patch with If-Match on
// the activity's own ETag; checking off is {"status": "done"}.
func (s *Server) apiActivityPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, a, err := s.activityIDs(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	match := r.Header.Get("If-Match")
	if match == "" {
		return &holf.Error{Code: holf.EPreconditionRequired, Message: "send If-Match with the activity's ETag"}
	}
	if match != etag("activity", a.ID, a.Version) {
		return &holf.Error{Code: holf.EPrecondition, Message: "the activity was changed since you read it; read it again"}
	}
	var in struct {
		Title               *string               `json:"title"`
		GoalID              *int64                `json:"goal_id"`
		Responsible         *holf.ResponsibleKind `json:"responsible"`
		ResponsibleMemberID *int64                `json:"responsible_member_id"`
		ResponsibleName     *string               `json:"responsible_name"`
		DueOn               *string               `json:"due_on"`
		Status              *holf.ActivityStatus  `json:"status"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Title != nil {
		a.Title = *in.Title
	}
	if in.GoalID != nil {
		a.GoalID = *in.GoalID
	}
	if in.Responsible != nil {
		a.Responsible = *in.Responsible
	}
	if in.ResponsibleMemberID != nil {
		a.ResponsibleMemberID = *in.ResponsibleMemberID
	}
	if in.ResponsibleName != nil {
		a.ResponsibleName = *in.ResponsibleName
	}
	if in.Status != nil {
		a.Status = *in.Status
	}
	if in.DueOn != nil {
		d, ok := parseDay(*in.DueOn)
		if !ok {
			return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("due_on %q is not YYYY-MM-DD", *in.DueOn)}
		}
		a.DueOn = d
	}
	if err := a.Validate(&f); err != nil {
		return err
	}
	if err := s.db.UpdateActivity(r.Context(), rq.auditEvent(role, "plan.activity_update", "family", f.ID), &a); err != nil {
		if holf.ErrorCode(err) == holf.EConflict {
			return &holf.Error{Code: holf.EPrecondition, Message: "the activity was changed since you read it; read it again", Err: err}
		}
		return err
	}
	saved, err := s.db.Activity(r.Context(), f.ID, a.ID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag("activity", saved.ID, saved.Version))
	return writeJSON(w, http.StatusOK, toAPIActivity(saved, s.db.Now().In(oslo)))
}

type apiMapping struct {
	FamilyID int64             `json:"family_id"`
	Version  int               `json:"version"`
	SavedAt  *time.Time        `json:"saved_at"`
	SavedBy  string            `json:"saved_by,omitempty"`
	Fields   map[string]string `json:"fields"`
}

func (s *Server) apiMappingGet(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, err := s.viewFamily(r, rq, policy.FamilyView, "mapping.view")
	if err != nil {
		return err
	}
	v := 0
	if q := r.URL.Query().Get("version"); q != "" {
		if v, err = strconv.Atoi(q); err != nil || v < 1 {
			return &holf.Error{Code: holf.EInvalid, Message: "version must be a positive whole number"}
		}
	}
	m, err := s.db.Mapping(r.Context(), f.ID, v)
	if err != nil {
		return err
	}
	out := apiMapping{FamilyID: f.ID, Version: m.Version, SavedBy: m.Actor, Fields: m.Fields}
	if !m.SavedAt.IsZero() {
		out.SavedAt = &m.SavedAt
	}
	w.Header().Set("ETag", etag("mapping", f.ID, int64(m.Version)))
	return writeJSON(w, http.StatusOK, out)
}

// apiMappingPut saves a new version of the mapping (the whole document, as
// "fields"). If-Match must carry the ETag of the version it was based on.
func (s *Server) apiMappingPut(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	cur, err := s.db.Mapping(r.Context(), f.ID, 0)
	if err != nil {
		return err
	}
	match := r.Header.Get("If-Match")
	if match == "" {
		return &holf.Error{Code: holf.EPreconditionRequired, Message: "send If-Match with the mapping's ETag"}
	}
	if match != etag("mapping", f.ID, int64(cur.Version)) {
		return &holf.Error{Code: holf.EPrecondition, Message: "the mapping was saved by someone else since you read it; read it again"}
	}
	var in struct {
		Fields map[string]string `json:"fields"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.db.GetOffice(r.Context(), f.OfficeID)
	if err != nil {
		return err
	}
	m := holf.Mapping{FamilyID: f.ID, Version: cur.Version, Fields: in.Fields}
	if err := holf.ValidateMapping(m, &f, o.TargetAreas); err != nil {
		return err
	}
	if err := s.db.SaveMapping(r.Context(), rq.auditEvent(role, "mapping.save", "family", f.ID), &m); err != nil {
		if holf.ErrorCode(err) == holf.EConflict {
			return &holf.Error{Code: holf.EPrecondition, Message: "the mapping was saved by someone else since you read it; read it again", Err: err}
		}
		return err
	}
	w.Header().Set("ETag", etag("mapping", f.ID, int64(m.Version)))
	return writeJSON(w, http.StatusOK, apiMapping{FamilyID: f.ID, Version: m.Version, SavedAt: &m.SavedAt, SavedBy: m.Actor, Fields: m.Fields})
}
