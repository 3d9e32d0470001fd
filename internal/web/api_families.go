package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
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
	// StartedOn is written only: the date follow-up started, sent with a
	// move to "active" (the record keeps it on the timeline).
	StartedOn *string     `json:"started_on,omitempty"`
	Notes     string      `json:"notes"`
	Members   []apiMember `json:"members"`
	Version   int64       `json:"version"`
	UpdatedAt time.Time   `json:"updated_at"`
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
// offices, filtered by ?status=, ?q= and ?mine=true.
func (s *Server) apiFamilies(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	fq := app.FamilyQuery{Search: q.Get("q"), Mine: q.Get("mine") == "true"}
	if st := q.Get("status"); st != "" {
		fq.Statuses = []holf.FamilyStatus{holf.FamilyStatus(st)}
	}
	families, err := s.app.Families.List(r.Context(), rq.actor, fq)
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
	id, err := familyID(r)
	if err != nil {
		return err
	}
	f, err := s.app.Families.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusOK, "family", f.ID, f.Version, toAPIFamily(f))
}

// familyPatch says what a merge patch of a family may change; status moves
// come in a patch of their own, with their date and reason.
var (
	familyPatch = patchRules{
		changeable: []string{"name", "notes", "primary_coordinator_id", "second_coordinator_id", "members",
			"status", "consent_date", "discharged_on", "discharge_reason", "started_on"},
		required: []string{"name", "notes", "primary_coordinator_id", "members", "status"},
	}
	statusFields = []string{"status", "consent_date", "discharged_on", "discharge_reason", "started_on"}
)

// apiFamilyPatch applies a JSON merge patch (RFC 7396) to a family. It needs
// If-Match with the current ETag: a stale one is 412, a missing one 428.
func (s *Server) apiFamilyPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	cur, err := s.app.Families.Edit(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "family", cur.ID, cur.Version); err != nil {
		return err
	}
	var next apiFamily
	patch, err := mergePatch(r, toAPIFamily(cur), familyPatch, &next)
	if err != nil {
		return err
	}
	status := 0
	for k := range patch {
		if slices.Contains(statusFields, k) {
			status++
		}
	}
	var saved holf.Family
	switch {
	case status > 0 && status != len(patch):
		return badJSON("change status (with its date and reason) in a patch of its own")
	case status > 0:
		saved, err = s.patchFamilyStatus(r, rq, cur, next)
	default:
		f := cur
		f.Name, f.Notes, f.PrimaryCoordinatorID, f.SecondCoordinatorID = next.Name, next.Notes, next.PrimaryCoordinatorID, 0
		if next.SecondCoordinatorID != nil {
			f.SecondCoordinatorID = *next.SecondCoordinatorID
		}
		f.Members = nil
		for _, m := range next.Members {
			f.Members = append(f.Members, holf.Member(m))
		}
		if _, err = s.app.Families.Update(r.Context(), rq.actor, f, nil); err == nil {
			saved, err = s.app.Families.Get(r.Context(), rq.actor, id)
		}
	}
	if err != nil {
		return precondition("family", err)
	}
	return writeVersioned(w, http.StatusOK, "family", saved.ID, saved.Version, toAPIFamily(saved))
}

// patchFamilyStatus moves a family by the status fields of a patch: with
// "recruited" the consent date, with "active" the date follow-up started
// (started_on), with "discharged" the discharge date and reason. The date
// is required, as on the page: no door substitutes today.
func (s *Server) patchFamilyStatus(r *http.Request, rq *req, cur holf.Family, next apiFamily) (holf.Family, error) {
	field, date := "consent_date", next.ConsentDate
	switch next.Status {
	case holf.StatusActive:
		field, date = "started_on", next.StartedOn
	case holf.StatusDischarged:
		field, date = "discharged_on", next.DischargedOn
	}
	if next.Status == holf.StatusRecruited && optString(date) == optString(optDate(cur.ConsentDate)) {
		date = nil // the consent date of the record is no date for this change
	}
	c := holf.StatusChange{FamilyID: cur.ID, Version: cur.Version, To: next.Status}
	if next.Status == holf.StatusDischarged {
		c.Reason = next.DischargeReason
	}
	var parsed holf.Validation
	if date != nil {
		on, ok := parseDay(*date)
		if !ok || on.IsZero() {
			parsed.Add(field, "err.date")
		}
		c.On = on
	}
	f, err := s.app.Families.ChangeStatus(r.Context(), rq.actor, c, parsed)
	if he, ok := holf.AsError(err); ok && he.Code == holf.EInvalid {
		// The domain names the date "on"; the API calls it by its own name.
		for i := range he.Fields {
			if he.Fields[i].Field == "on" {
				he.Fields[i].Field = field
			}
		}
	}
	return f, err
}

func optString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
