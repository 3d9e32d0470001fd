package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

type apiMember struct {
	ID                  int64           `json:"id,omitempty"`
	Role                holf.MemberRole `json:"role"`
	Name                string          `json:"name"`
	BirthYear           int             `json:"birth_year"`
	CountryOfBirth      string          `json:"country_of_birth"`
	Languages           string          `json:"languages"`
	InterpreterNeeded   bool            `json:"interpreter_needed"`
	InterpreterLanguage string          `json:"interpreter_language"`
	LivesAtHome         bool            `json:"lives_at_home"`
}

type apiFamily struct {
	ID                   int64                `json:"id"`
	OfficeID             int64                `json:"office_id"`
	Name                 string               `json:"name"`
	Status               holf.FamilyStatus    `json:"status"`
	PrimaryCoordinatorID int64                `json:"primary_coordinator_id"`
	SecondCoordinatorID  *int64               `json:"second_coordinator_id"`
	ConsentDate          *string              `json:"consent_date"`
	DischargedOn         *string              `json:"discharged_on"`
	DischargeReason      holf.DischargeReason `json:"discharge_reason,omitempty"`
	ReplacesFamilyID     *int64               `json:"replaces_family_id"`
	Notes                string               `json:"notes"`
	Members              []apiMember          `json:"members"`
	Version              int64                `json:"version"`
	UpdatedAt            time.Time            `json:"updated_at"`
}

func optDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toAPIFamily(f holf.Family) apiFamily {
	out := apiFamily{ID: f.ID, OfficeID: f.OfficeID, Name: f.Name, Status: f.Status, PrimaryCoordinatorID: f.PrimaryCoordinatorID,
		SecondCoordinatorID: optID(f.SecondCoordinatorID), ConsentDate: optDate(f.ConsentDate), DischargedOn: optDate(f.DischargedOn),
		DischargeReason: f.DischargeReason, ReplacesFamilyID: optID(f.ReplacesFamilyID), Notes: f.Notes, Version: f.Version,
		UpdatedAt: f.UpdatedAt, Members: []apiMember{}}
	for _, m := range f.Members {
		out.Members = append(out.Members, apiMember(m))
	}
	return out
}

type apiFamilySummary struct {
	ID                   int64             `json:"id"`
	OfficeID             int64             `json:"office_id"`
	Name                 string            `json:"name"`
	Status               holf.FamilyStatus `json:"status"`
	PrimaryCoordinatorID int64             `json:"primary_coordinator_id"`
	Parents              int               `json:"parents"`
	Children             int               `json:"children"`
	InterpreterNeeded    bool              `json:"interpreter_needed"`
	UpdatedAt            time.Time         `json:"updated_at"`
}

// apiFamilies lists the families the caller may see: those of their own
// offices, filtered by ?status= and ?q=.
func (s *Server) apiFamilies(w http.ResponseWriter, r *http.Request, rq *req) error {
	_, offices := policy.Visible(rq.actor, policy.FamilyList)
	f := store.FamilyFilter{OfficeIDs: offices, Search: r.URL.Query().Get("q")}
	if st := r.URL.Query().Get("status"); st != "" {
		if !holf.FamilyStatus(st).Valid() {
			return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("unknown status %q", st)}
		}
		f.Statuses = []holf.FamilyStatus{holf.FamilyStatus(st)}
	}
	if r.URL.Query().Get("mine") == "true" {
		f.CoordinatorID = rq.actor.PersonID
	}
	families, err := s.db.ListFamilies(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiFamilySummary, 0, len(families))
	for _, fam := range families {
		out = append(out, apiFamilySummary{ID: fam.ID, OfficeID: fam.OfficeID, Name: fam.Name, Status: fam.Status,
			PrimaryCoordinatorID: fam.PrimaryCoordinatorID, Parents: len(fam.Parents()), Children: len(fam.Children()),
			InterpreterNeeded: fam.NeedsInterpreter(), UpdatedAt: fam.UpdatedAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiFamily(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, err := s.viewFamily(r, rq, policy.FamilyView, "family.view")
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag("family", f.ID, f.Version))
	return writeJSON(w, http.StatusOK, toAPIFamily(f))
}

// familyPatchable lists the fields a merge patch may change; status moves
// come with their date and reason.
var familyPatchable = []string{"name", "notes", "primary_coordinator_id", "second_coordinator_id", "members",
	"status", "consent_date", "discharged_on", "discharge_reason"}

// apiFamilyPatch applies a JSON merge patch (RFC 7396) to a family. It needs
// If-Match with the current ETag: a stale one is 412, a missing one 428.
func (s *Server) apiFamilyPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	cur, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	match := r.Header.Get("If-Match")
	if match == "" {
		return &holf.Error{Code: holf.EPreconditionRequired, Message: "send If-Match with the ETag you last read"}
	}
	if match != etag("family", cur.ID, cur.Version) {
		return &holf.Error{Code: holf.EPrecondition, Message: "the family was changed since you read it; read it again"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(r, &patch); err != nil {
		return err
	}
	statusFields := 0
	for k := range patch {
		if !slices.Contains(familyPatchable, k) {
			return badJSON("field %q cannot be changed (changeable: %s)", k, strings.Join(familyPatchable, ", "))
		}
		if k == "status" || k == "consent_date" || k == "discharged_on" || k == "discharge_reason" {
			statusFields++
		}
	}
	if statusFields > 0 {
		if statusFields != len(patch) {
			return badJSON("change status (with its date and reason) in a patch of its own")
		}
		return s.patchFamilyStatus(w, r, rq, cur, role, patch)
	}
	// Merge the patch into the current representation, then decode strictly.
	doc := toAPIFamily(cur)
	base, _ := json.Marshal(doc)
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(base, &merged)
	for k, v := range patch {
		if string(v) == "null" {
			if k != "second_coordinator_id" {
				return badJSON("field %q cannot be removed", k)
			}
		}
		merged[k] = v
	}
	mb, _ := json.Marshal(merged)
	var next apiFamily
	r.Body = io.NopCloser(bytes.NewReader(mb))
	r.Header.Set("Content-Type", "application/json")
	if err := decodeJSON(r, &next); err != nil {
		return err
	}
	f := cur
	f.Name, f.Notes, f.PrimaryCoordinatorID = next.Name, next.Notes, next.PrimaryCoordinatorID
	f.SecondCoordinatorID = 0
	if next.SecondCoordinatorID != nil {
		f.SecondCoordinatorID = *next.SecondCoordinatorID
	}
	f.Members = nil
	for _, m := range next.Members {
		f.Members = append(f.Members, holf.Member(m))
	}
	if err := s.db.UpdateFamily(r.Context(), rq.auditEvent(role, "family.update", "family", f.ID), &f); err != nil {
		if holf.ErrorCode(err) == holf.EConflict {
			return &holf.Error{Code: holf.EPrecondition, Message: "the family was changed since you read it; read it again", Err: err}
		}
		return err
	}
	saved, err := s.db.GetFamily(r.Context(), f.ID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag("family", saved.ID, saved.Version))
	return writeJSON(w, http.StatusOK, toAPIFamily(saved))
}

func (s *Server) patchFamilyStatus(w http.ResponseWriter, r *http.Request, rq *req, cur holf.Family, role holf.Role, patch map[string]json.RawMessage) error {
	var in struct {
		Status          holf.FamilyStatus    `json:"status"`
		ConsentDate     string               `json:"consent_date"`
		DischargedOn    string               `json:"discharged_on"`
		DischargeReason holf.DischargeReason `json:"discharge_reason"`
	}
	b, _ := json.Marshal(patch)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c := store.StatusChange{FamilyID: cur.ID, Version: cur.Version, To: in.Status, Reason: in.DischargeReason}
	date := in.ConsentDate
	if in.Status == holf.StatusDischarged {
		date = in.DischargedOn
	}
	if date == "" {
		c.On = s.db.Now()
	} else {
		on, err := time.Parse("2006-01-02", date)
		if err != nil {
			return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("date %q is not YYYY-MM-DD", date)}
		}
		c.On = on
	}
	f, err := s.db.ChangeStatus(r.Context(), rq.auditEvent(role, "family.status", "family", cur.ID), c)
	if err != nil {
		if holf.ErrorCode(err) == holf.EConflict {
			return &holf.Error{Code: holf.EPrecondition, Message: "the family was changed since you read it; read it again", Err: err}
		}
		return err
	}
	w.Header().Set("ETag", etag("family", f.ID, f.Version))
	return writeJSON(w, http.StatusOK, toAPIFamily(f))
}
