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

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
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
// data, wrong types and oversized bodies with a message that says which.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != "application/merge-patch+json" {
			return &holf.Error{Code: holf.EInvalid, Message: "send the body as application/json"}
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return tooLarge(err)
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
	var ids []int64
	for _, as := range a.Assignments {
		me.Assignments = append(me.Assignments, apiAssignment{Role: as.Role, OfficeID: as.OfficeID})
		if as.OfficeID != 0 {
			ids = append(ids, as.OfficeID)
		}
	}
	if len(ids) > 0 {
		offices, err := s.db.ListOffices(r.Context(), store.OfficeFilter{IDs: ids})
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

func etag(kind string, id, version int64) string {
	return fmt.Sprintf(`"%s-%d-v%d"`, kind, id, version)
}

func (s *Server) apiOffices(w http.ResponseWriter, r *http.Request, rq *req) error {
	offices, _, err := s.visibleOffices(r, rq, policy.OfficeList)
	if err != nil {
		return err
	}
	out := make([]apiOffice, 0, len(offices))
	for _, o := range offices {
		out = append(out, toAPIOffice(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiOffice(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, _, err := s.loadOffice(r, rq, policy.OfficeView)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag("office", o.ID, o.Version))
	return writeJSON(w, http.StatusOK, toAPIOffice(o))
}

type officeInput struct {
	Name         *string `json:"name"`
	Municipality *string `json:"municipality"`
	Arm          *string `json:"arm"`
}

func (in officeInput) apply(o *holf.Office) {
	if in.Name != nil {
		o.Name = *in.Name
	}
	if in.Municipality != nil {
		o.Municipality = *in.Municipality
	}
	if in.Arm != nil {
		o.Arm = holf.Arm(*in.Arm)
	}
}

func (s *Server) apiOfficeCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	d := policy.Decide(rq.actor, policy.OfficeManage, policy.Global)
	if !d.Allowed {
		return &holf.Error{Code: holf.EForbidden, Message: "your role does not give access to this", Key: "err.forbidden"}
	}
	var in officeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var o holf.Office
	in.apply(&o)
	if err := s.db.CreateOffice(r.Context(), rq.auditEvent(d.Role, "office.create", "office", 0), &o); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/offices/%d", o.ID))
	w.Header().Set("ETag", etag("office", o.ID, o.Version))
	return writeJSON(w, http.StatusCreated, toAPIOffice(o))
}

// apiOfficePatch applies a JSON merge patch (RFC 7396). It requires If-Match
// with the current ETag, so that no edit silently overwrites another.
func (s *Server) apiOfficePatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, role, err := s.loadOffice(r, rq, policy.OfficeManage)
	if err != nil {
		return err
	}
	id := o.ID
	match := r.Header.Get("If-Match")
	if match == "" {
		return &holf.Error{Code: holf.EPreconditionRequired, Message: "send If-Match with the ETag you last read"}
	}
	if match != etag("office", o.ID, o.Version) && match != "*" {
		return &holf.Error{Code: holf.EPrecondition, Message: "the office was changed since you read it; read it again"}
	}
	var raw map[string]json.RawMessage
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(r, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		if string(v) == "null" {
			return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("field %q cannot be removed", k)}
		}
	}
	var in officeInput
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.apply(&o)
	if err := s.db.UpdateOffice(r.Context(), rq.auditEvent(role, "office.update", "office", id), &o); err != nil {
		if holf.ErrorCode(err) == holf.EConflict {
			return &holf.Error{Code: holf.EPrecondition, Message: "the office was changed since you read it; read it again", Err: err}
		}
		return err
	}
	w.Header().Set("ETag", etag("office", o.ID, o.Version))
	return writeJSON(w, http.StatusOK, toAPIOffice(o))
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

// toAPIPerson leaves out assignments at offices the viewer cannot see.
func toAPIPerson(p holf.Person, visible func(int64) bool) apiPerson {
	out := apiPerson{ID: p.ID, Username: p.Username, Name: p.Name, Email: p.Email, Disabled: p.Disabled, Version: p.Version,
		Assignments: []apiAssignment{}, Offices: []int64{}}
	for _, a := range p.Assignments {
		if a.OfficeID != 0 && !visible(a.OfficeID) {
			continue
		}
		out.Assignments = append(out.Assignments, apiAssignment{Role: a.Role, OfficeID: a.OfficeID})
	}
	for _, id := range store.PersonOffices(p) {
		if visible(id) {
			out.Offices = append(out.Offices, id)
		}
	}
	return out
}

func (s *Server) visibleFunc(rq *req, act policy.Action) func(int64) bool {
	all, ids := policy.Visible(rq.actor, act)
	set := map[int64]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return func(id int64) bool { return all || set[id] }
}

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request, rq *req) error {
	all, ids := policy.Visible(rq.actor, policy.PersonList)
	f := store.PeopleFilter{OfficeIDs: ids, IncludeDisabled: all}
	if all {
		f.OfficeIDs = nil
	}
	if role := r.URL.Query().Get("role"); role != "" {
		if !holf.Role(role).Valid() {
			return &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("unknown role %q", role)}
		}
		f.Role = holf.Role(role)
	}
	people, err := s.db.ListPeople(r.Context(), f)
	if err != nil {
		return err
	}
	vis := s.visibleFunc(rq, policy.PersonList)
	out := make([]apiPerson, 0, len(people))
	for _, p := range people {
		out = append(out, toAPIPerson(p, vis))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request, rq *req) error {
	pe, role, err := s.loadPerson(r, rq, policy.PersonView)
	if err != nil {
		return err
	}
	if err := s.db.RecordView(r.Context(), rq.auditEvent(role, "person.view", "person", pe.ID)); err != nil {
		return err
	}
	w.Header().Set("ETag", etag("person", pe.ID, pe.Version))
	return writeJSON(w, http.StatusOK, toAPIPerson(pe, s.visibleFunc(rq, policy.PersonView)))
}

type personInput struct {
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	Email       string          `json:"email"`
	Password    string          `json:"password"`
	Assignments []apiAssignment `json:"assignments"`
}

func (s *Server) apiPersonCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	d := policy.Decide(rq.actor, policy.PersonManage, policy.Global)
	if !d.Allowed {
		return &holf.Error{Code: holf.EForbidden, Message: "your role does not give access to this", Key: "err.forbidden"}
	}
	var in personInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pe := holf.Person{Username: in.Username, Name: in.Name, Email: in.Email}
	for _, a := range in.Assignments {
		pe.Assignments = append(pe.Assignments, holf.Assignment{Role: a.Role, OfficeID: a.OfficeID})
	}
	var v holf.Validation
	if err := pe.Validate(); err != nil {
		v = append(v, err.(*holf.Error).Fields...)
	}
	if err := auth.CheckPassword(in.Password, pe.Username); err != nil {
		v = append(v, err.(*holf.Error).Fields...)
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.cfg.Hasher.Hash(in.Password)
	if err != nil {
		return err
	}
	if err := s.db.CreatePerson(r.Context(), rq.auditEvent(d.Role, "person.create", "person", 0), &pe, hash); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(pe.ID, 10))
	return writeJSON(w, http.StatusCreated, toAPIPerson(pe, func(int64) bool { return true }))
}

type AuditEntryJSON struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	Actor      string    `json:"actor"`
	Role       holf.Role `json:"role"`
	Action     string    `json:"action"`
	RecordType string    `json:"record_type"`
	RecordID   int64     `json:"record_id"`
	Purpose    string    `json:"purpose"`
	Hash       string    `json:"hash"`
}

// ToAPIAudit converts an entry to its JSON form (also used by the CLI).
func ToAPIAudit(ev holf.AuditEvent) AuditEntryJSON {
	return AuditEntryJSON{Seq: ev.Seq, At: ev.At, ActorID: ev.ActorID, Actor: ev.Actor, Role: ev.Role, Action: ev.Action,
		RecordType: ev.RecordType, RecordID: ev.RecordID, Purpose: ev.Purpose, Hash: ev.Hash}
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	f, v := ParseAuditFilter(q.Get("actor"), q.Get("record_type"), q.Get("record_id"), q.Get("since"), q.Get("until"))
	if err := v.Err(); err != nil {
		return err
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 1000 {
		f.Limit = n
	}
	entries, err := s.db.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]AuditEntryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, ToAPIAudit(e))
	}
	return writeJSON(w, http.StatusOK, out)
}
