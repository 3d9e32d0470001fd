package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func badJSON(format string, args ...any) error {
	return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf(format, args...)}
}

// decodeJSON reads one JSON value into v, refusing unknown fields, trailing
// data, wrong types, oversized bodies and text no field may hold (broken
// UTF-8, which the decoder would silently replace, and control characters)
// with a message that says which.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != "application/merge-patch+json" {
			return &holf.Error{Code: holf.EInvalid, Message: "send the body as application/json"}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(err)
		}
		return err
	}
	if !utf8.Valid(body) {
		return badJSON("the body is not valid UTF-8")
	}
	if err := decodeStrict(body, v); err != nil {
		return err
	}
	var raw any
	_ = json.Unmarshal(body, &raw)
	var bad []string
	checkJSON(raw, "", &bad)
	if len(bad) > 0 {
		return refuse(bad)
	}
	return nil
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return badJSON("malformed JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			return badJSON("field %q must be %s, not %s", te.Field, te.Type.String(), te.Value)
		case errors.Is(err, io.EOF):
			return badJSON("the request body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return badJSON("malformed JSON: the body ends too early")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return badJSON("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return badJSON("malformed JSON: %v", err)
	}
	if dec.More() {
		return badJSON("the body holds more than one JSON value")
	}
	return nil
}

type apiAssignment struct {
	Role     holf.Role `json:"role"`
	OfficeID int64     `json:"office_id,omitempty"`
}

type apiMeOffice struct {
	ID    int64       `json:"id"`
	Name  string      `json:"name"`
	Roles []holf.Role `json:"roles"`
}

type apiMe struct {
	ID          int64           `json:"id"`
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	Roles       []holf.Role     `json:"roles"`
	Offices     []apiMeOffice   `json:"offices"`
	Assignments []apiAssignment `json:"assignments"`
	Via         string          `json:"authenticated_by"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, rq *req) error {
	a := rq.actor
	me := apiMe{ID: a.PersonID, Username: a.Username, Name: a.Name, Roles: a.Roles(), Offices: []apiMeOffice{}, Assignments: []apiAssignment{}, Via: a.Via}
	for _, as := range a.Assignments {
		me.Assignments = append(me.Assignments, apiAssignment{Role: as.Role, OfficeID: as.OfficeID})
	}
	offices, err := s.app.Offices.Own(r.Context(), a)
	if err != nil {
		return err
	}
	for _, o := range offices {
		mo := apiMeOffice{ID: o.ID, Name: o.Name}
		for _, as := range a.Assignments {
			if as.OfficeID == o.ID {
				mo.Roles = append(mo.Roles, as.Role)
			}
		}
		me.Offices = append(me.Offices, mo)
	}
	return writeJSON(w, http.StatusOK, me)
}

type apiOffice struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Municipality string    `json:"municipality"`
	Arm          holf.Arm  `json:"arm"`
	Version      int64     `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toAPIOffice(o holf.Office) apiOffice {
	return apiOffice{ID: o.ID, Name: o.Name, Municipality: o.Municipality, Arm: o.Arm, Version: o.Version, UpdatedAt: o.UpdatedAt}
}

func (s *Server) apiOffices(w http.ResponseWriter, r *http.Request, rq *req) error {
	offices, err := s.app.Offices.List(r.Context(), rq.actor, policy.OfficeList)
	if err != nil {
		return err
	}
	out := make([]apiOffice, 0, len(offices))
	for _, o := range offices {
		out = append(out, toAPIOffice(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

func officeID(r *http.Request) (int64, error) { return pathID(r, "id", "office") }

func (s *Server) apiOffice(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	o, err := s.app.Offices.Get(r.Context(), rq.actor, policy.OfficeView, id)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusOK, "office", o.ID, o.Version, toAPIOffice(o))
}

// officeInput is an office as the API takes it; areas are optional (the
// office keeps its own, or gets the default ones). The arm is read only:
// the trial's draw sets it, and a request that names another is refused.
type officeInput struct {
	Name         string            `json:"name"`
	Municipality string            `json:"municipality"`
	Arm          holf.Arm          `json:"arm,omitempty"`
	TargetAreas  []holf.TargetArea `json:"target_areas,omitempty"`
}

func (in officeInput) office(o holf.Office) holf.Office {
	o.Name, o.Municipality = in.Name, in.Municipality
	if in.TargetAreas != nil {
		o.TargetAreas = in.TargetAreas
	}
	return o
}

var officePatch = patchRules{changeable: []string{"name", "municipality"}, required: []string{"name", "municipality"}}

func (s *Server) apiOfficeCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	var in officeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Arm != "" && in.Arm != holf.ArmNone {
		return holf.Validation{{Field: "arm", Key: "trial.err.arm_by_draw"}}.Err()
	}
	o, err := s.app.Offices.Create(r.Context(), rq.actor, in.office(holf.Office{}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/offices/%d", o.ID))
	return writeVersioned(w, http.StatusCreated, "office", o.ID, o.Version, toAPIOffice(o))
}

// apiOfficePatch applies a JSON merge patch (RFC 7396). It requires If-Match
// with the current ETag, so that no edit silently overwrites another.
func (s *Server) apiOfficePatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	o, err := s.app.Offices.Get(r.Context(), rq.actor, policy.OfficeManage, id)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "office", o.ID, o.Version); err != nil {
		return err
	}
	cur := toAPIOffice(o)
	in := officeInput{Name: cur.Name, Municipality: cur.Municipality}
	var next apiOffice
	if _, err := mergePatch(r, cur, officePatch, &next); err != nil {
		return err
	}
	in.Name, in.Municipality = next.Name, next.Municipality
	o, err = s.app.Offices.Update(r.Context(), rq.actor, in.office(o))
	if err != nil {
		return precondition("office", err)
	}
	return writeVersioned(w, http.StatusOK, "office", o.ID, o.Version, toAPIOffice(o))
}

type apiPerson struct {
	ID          int64           `json:"id"`
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	Email       string          `json:"email,omitempty"`
	Disabled    bool            `json:"disabled"`
	Assignments []apiAssignment `json:"assignments"`
	Offices     []int64         `json:"offices"`
	Version     int64           `json:"version"`
}

// toAPIPerson shows a person with the assignments the use case left in:
// those at offices the viewer may see.
func toAPIPerson(p holf.Person) apiPerson {
	out := apiPerson{ID: p.ID, Username: p.Username, Name: p.Name, Email: p.Email, Disabled: p.Disabled, Version: p.Version,
		Assignments: []apiAssignment{}, Offices: []int64{}}
	for _, a := range p.Assignments {
		out.Assignments = append(out.Assignments, apiAssignment{Role: a.Role, OfficeID: a.OfficeID})
	}
	out.Offices = append(out.Offices, p.OfficeIDs()...)
	return out
}

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := app.PeopleQuery{Role: holf.Role(r.URL.Query().Get("role")), Disabled: true}
	people, err := s.app.People.List(r.Context(), rq.actor, q)
	if err != nil {
		return err
	}
	out := make([]apiPerson, 0, len(people))
	for _, p := range people {
		out = append(out, toAPIPerson(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func personID(r *http.Request) (int64, error) { return pathID(r, "id", "person") }

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	pe, err := s.app.People.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusOK, "person", pe.ID, pe.Version, toAPIPerson(pe))
}

type personInput struct {
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	Email       string          `json:"email"`
	Password    string          `json:"password"`
	Assignments []apiAssignment `json:"assignments"`
}

func (s *Server) apiPersonCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	var in personInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pe := holf.Person{Username: in.Username, Name: in.Name, Email: in.Email}
	for _, a := range in.Assignments {
		pe.Assignments = append(pe.Assignments, holf.Assignment{Role: a.Role, OfficeID: a.OfficeID})
	}
	pe, err := s.app.People.Create(r.Context(), rq.actor, pe, in.Password, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(pe.ID, 10))
	return writeVersioned(w, http.StatusCreated, "person", pe.ID, pe.Version, toAPIPerson(pe))
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	aq := app.AuditQuery{Actor: q.Get("actor"), RecordType: q.Get("record_type"), RecordID: q.Get("record_id"), Since: q.Get("since"), Until: q.Get("until")}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		aq.Limit = n
	}
	entries, err := s.app.Audit.List(r.Context(), rq.actor, aq)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []holf.AuditEvent{}
	}
	return writeJSON(w, http.StatusOK, entries)
}
