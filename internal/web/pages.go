package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

func itoa(n int) string { return strconv.Itoa(n) }

// pathID parses the path wildcard name; an id that cannot exist is the
// same not-found as one that does not, so probing learns nothing.
func pathID(r *http.Request, name, kind string) (int64, error) {
	raw := r.PathValue(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, holf.NotFound(kind, raw)
	}
	return id, nil
}

// formVersion reads the optimistic-locking version a form was rendered
// with; without it a save could silently overwrite someone else's edit.
func formVersion(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	if err != nil {
		return 0, &holf.Error{Code: holf.EInvalid, Message: "the form is missing its version; reload the page", Key: "err.form_version"}
	}
	return v, nil
}

// visibleOffices returns the offices rq's actor may see for act, with a
// lookup by id.
func (s *Server) visibleOffices(r *http.Request, rq *req, act policy.Action) ([]holf.Office, map[int64]holf.Office, error) {
	all, ids := policy.Visible(rq.actor, act)
	f := store.OfficeFilter{IDs: ids}
	if all {
		f.IDs = nil
	}
	offices, err := s.db.ListOffices(r.Context(), f)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]holf.Office, len(offices))
	for _, o := range offices {
		byID[o.ID] = o
	}
	return offices, byID, nil
}

type officeStaff struct {
	Office holf.Office
	Staff  []staffLine
}

type staffLine struct {
	ID    int64
	Name  string
	Roles []holf.Role
	Link  bool
}

type armCount struct {
	Arm     holf.Arm
	Offices int
}

type homePage struct {
	Page
	Roles     []holf.Role
	Offices   []officeStaff
	ShowTrial bool
	Arms      []armCount
	Admin     bool
	People    int
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := homePage{Page: s.page(r, rq, "home.title"), Roles: rq.actor.Roles()}
	ctx := r.Context()
	// Office roles see their own offices and who works there.
	var own []int64
	for _, a := range rq.actor.Assignments {
		if a.OfficeID != 0 && !slices.Contains(own, a.OfficeID) {
			own = append(own, a.OfficeID)
		}
	}
	if len(own) > 0 {
		offices, err := s.db.ListOffices(ctx, store.OfficeFilter{IDs: own})
		if err != nil {
			return err
		}
		staff, err := s.staffByOffice(r, rq, own)
		if err != nil {
			return err
		}
		for _, o := range offices {
			p.Offices = append(p.Offices, officeStaff{Office: o, Staff: staff[o.ID]})
		}
	}
	if policy.Allows(rq.actor, policy.TrialView) {
		p.ShowTrial = true
		offices, err := s.db.ListOffices(ctx, store.OfficeFilter{})
		if err != nil {
			return err
		}
		for _, arm := range holf.Arms {
			n := 0
			for _, o := range offices {
				if o.Arm == arm {
					n++
				}
			}
			p.Arms = append(p.Arms, armCount{Arm: arm, Offices: n})
		}
	}
	if policy.Allows(rq.actor, policy.PersonManage) {
		p.Admin = true
		n, err := s.db.CountPeople(ctx)
		if err != nil {
			return err
		}
		p.People = n
	}
	return s.render(w, http.StatusOK, "home", &p)
}

// staffByOffice lists the staff of the given offices that the actor may list,
// grouped by office, each with their roles there.
func (s *Server) staffByOffice(r *http.Request, rq *req, offices []int64) (map[int64][]staffLine, error) {
	all, visible := policy.Visible(rq.actor, policy.PersonList)
	ids := offices
	if !all {
		ids = slices.DeleteFunc(slices.Clone(offices), func(id int64) bool { return !slices.Contains(visible, id) })
	}
	out := map[int64][]staffLine{}
	if len(ids) == 0 {
		return out, nil
	}
	people, err := s.db.ListPeople(r.Context(), store.PeopleFilter{OfficeIDs: ids})
	if err != nil {
		return nil, err
	}
	for _, pe := range people {
		link := policy.Decide(rq.actor, policy.PersonView, policy.Resource{Kind: "person", Offices: store.PersonOffices(pe)}).Allowed
		for _, oid := range ids {
			var roles []holf.Role
			for _, a := range pe.Assignments {
				if a.OfficeID == oid {
					roles = append(roles, a.Role)
				}
			}
			if len(roles) > 0 {
				out[oid] = append(out[oid], staffLine{ID: pe.ID, Name: pe.Name, Roles: roles, Link: link})
			}
		}
	}
	return out, nil
}

// ---- offices ----

type officeListPage struct {
	Page
	Offices   []holf.Office
	CanManage bool
}

func (s *Server) officeList(w http.ResponseWriter, r *http.Request, rq *req) error {
	offices, _, err := s.visibleOffices(r, rq, policy.OfficeList)
	if err != nil {
		return err
	}
	p := officeListPage{Page: s.page(r, rq, "offices.title"), Offices: offices, CanManage: policy.Allows(rq.actor, policy.OfficeManage)}
	return s.render(w, http.StatusOK, "offices", &p)
}

type officePage struct {
	Page
	Office    holf.Office
	Staff     []staffLine
	CanManage bool
}

// loadOffice checks act on the office named in the path, then loads it.
// The check comes first: an office the caller may not see is not looked up.
func (s *Server) loadOffice(r *http.Request, rq *req, act policy.Action) (holf.Office, holf.Role, error) {
	id, err := pathID(r, "id", "office")
	if err != nil {
		return holf.Office{}, "", err
	}
	role, err := s.authorize(rq, act, policy.OfficeResource("office", id), "office", id)
	if err != nil {
		return holf.Office{}, "", err
	}
	o, err := s.db.GetOffice(r.Context(), id)
	return o, role, err
}

func (s *Server) officeShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, _, err := s.loadOffice(r, rq, policy.OfficeView)
	if err != nil {
		return err
	}
	id := o.ID
	staff, err := s.staffByOffice(r, rq, []int64{id})
	if err != nil {
		return err
	}
	p := officePage{Page: s.page(r, rq, "office.title"), Office: o, Staff: staff[id],
		CanManage: policy.Decide(rq.actor, policy.OfficeManage, policy.OfficeResource("office", id)).Allowed}
	p.Title = o.Name
	return s.render(w, http.StatusOK, "office", &p)
}

type officeFormPage struct {
	Page
	formState
	Office   holf.Office
	New      bool
	Conflict *holf.Office
	Arms     []holf.Arm
	Areas    []holf.TargetArea
}

// HasArea reports whether the office form has area a ticked.
func (p *officeFormPage) HasArea(a holf.TargetArea) bool {
	return slices.Contains(p.Office.TargetAreas, a)
}

func (s *Server) officeFormPage(r *http.Request, rq *req, o holf.Office, isNew bool) officeFormPage {
	key := "office.edit"
	if isNew {
		key = "office.new"
	}
	return officeFormPage{Page: s.page(r, rq, key), Office: o, New: isNew, Arms: holf.Arms, Areas: holf.TargetAreas}
}

func (s *Server) officeNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.officeFormPage(r, rq, holf.Office{Arm: holf.ArmNone, TargetAreas: holf.TargetAreas}, true)
	return s.render(w, http.StatusOK, "office_form", &p)
}

func (s *Server) officeEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, _, err := s.loadOffice(r, rq, policy.OfficeManage)
	if err != nil {
		return err
	}
	p := s.officeFormPage(r, rq, o, false)
	return s.render(w, http.StatusOK, "office_form", &p)
}

func officeFromForm(r *http.Request) holf.Office {
	_ = r.ParseForm()
	areas := holf.ParseAreas(strings.Join(r.PostForm["target_areas"], ","))
	if areas == nil {
		areas = []holf.TargetArea{} // none ticked: refused by Validate, not defaulted
	}
	return holf.Office{Name: r.PostFormValue("name"), Municipality: r.PostFormValue("municipality"), Arm: holf.Arm(r.PostFormValue("arm")), TargetAreas: areas}
}

func (s *Server) officeCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	d := policy.Decide(rq.actor, policy.OfficeManage, policy.Global)
	if !d.Allowed {
		return &holf.Error{Code: holf.EForbidden, Message: "not allowed", Key: "err.forbidden"}
	}
	o := officeFromForm(r)
	err := s.db.CreateOffice(r.Context(), rq.auditEvent(d.Role, "office.create", "office", 0), &o)
	if err != nil {
		return s.officeFormError(w, r, rq, o, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/offices/%d?notice=created", o.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) officeUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id", "office")
	if err != nil {
		return err
	}
	role, err := s.authorize(rq, policy.OfficeManage, policy.OfficeResource("office", id), "office", id)
	if err != nil {
		return err
	}
	o := officeFromForm(r)
	o.ID = id
	if o.Version, err = formVersion(r, "version"); err != nil {
		return err
	}
	if err := s.db.UpdateOffice(r.Context(), rq.auditEvent(role, "office.update", "office", id), &o); err != nil {
		return s.officeFormError(w, r, rq, o, false, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/offices/%d?notice=saved", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
	return nil
}

// officeFormError shows the form again with everything typed kept: with
// field messages for invalid input, or beside the stored version when
// someone else saved first.
func (s *Server) officeFormError(w http.ResponseWriter, r *http.Request, rq *req, o holf.Office, isNew bool, err error) error {
	p := s.officeFormPage(r, rq, o, isNew)
	if isNew && holf.ErrorCode(err) == holf.EConflict {
		// The only conflict a new office can meet is its name.
		var v holf.Validation
		v.Add("name", "err.office_name_taken")
		err = v.Err()
	}
	return s.formError(w, rq, "office_form", &p, err, func() error {
		cur, gerr := s.db.GetOffice(r.Context(), o.ID)
		p.Conflict, p.Office.Version = &cur, cur.Version
		return gerr
	})
}

// ---- people ----

type personListPage struct {
	Page
	People    []personLine
	Offices   []holf.Office
	Role      holf.Role
	OfficeID  int64
	Roles     []holf.Role
	CanManage bool
}

type personLine struct {
	Person holf.Person
	Roles  []string
	Link   bool
}

func (s *Server) describeAssignments(p *Page, as []holf.Assignment, offices map[int64]holf.Office) []string {
	var out []string
	for _, a := range as {
		if a.OfficeID == 0 {
			out = append(out, p.RoleName(a.Role))
			continue
		}
		o, ok := offices[a.OfficeID]
		if !ok {
			continue // an office the viewer may not see stays unnamed
		}
		out = append(out, p.RoleName(a.Role)+" – "+o.Name)
	}
	return out
}

func (s *Server) personList(w http.ResponseWriter, r *http.Request, rq *req) error {
	all, ids := policy.Visible(rq.actor, policy.PersonList)
	f := store.PeopleFilter{OfficeIDs: ids, IncludeDisabled: all}
	if all {
		f.OfficeIDs = nil
	}
	p := personListPage{Page: s.page(r, rq, "people.title"), Roles: holf.Roles, CanManage: policy.Allows(rq.actor, policy.PersonManage)}
	if role := holf.Role(r.URL.Query().Get("role")); role.Valid() {
		f.Role, p.Role = role, role
	}
	offices, byID, err := s.visibleOffices(r, rq, policy.PersonList)
	if err != nil {
		return err
	}
	p.Offices = offices
	if oid, err := strconv.ParseInt(r.URL.Query().Get("office"), 10, 64); err == nil && oid > 0 {
		if _, ok := byID[oid]; ok {
			f.OfficeIDs, p.OfficeID = []int64{oid}, oid
		}
	}
	people, err := s.db.ListPeople(r.Context(), f)
	if err != nil {
		return err
	}
	for _, pe := range people {
		p.People = append(p.People, personLine{Person: pe, Roles: s.describeAssignments(&p.Page, pe.Assignments, byID),
			Link: policy.Decide(rq.actor, policy.PersonView, policy.Resource{Kind: "person", Offices: store.PersonOffices(pe)}).Allowed})
	}
	return s.render(w, http.StatusOK, "people", &p)
}

// loadPerson loads a person and checks act on them; invisible people are not found.
func (s *Server) loadPerson(r *http.Request, rq *req, act policy.Action) (holf.Person, holf.Role, error) {
	id, err := pathID(r, "id", "person")
	if err != nil {
		return holf.Person{}, "", err
	}
	pe, err := s.db.GetPerson(r.Context(), id)
	if err != nil {
		return pe, "", err
	}
	role, err := s.authorize(rq, act, policy.Resource{Kind: "person", Offices: store.PersonOffices(pe)}, "person", id)
	return pe, role, err
}

type personPage struct {
	Page
	Person    holf.Person
	Roles     []string
	CanManage bool
	Errors    map[string]string
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	pe, role, err := s.loadPerson(r, rq, policy.PersonView)
	if err != nil {
		return err
	}
	// The record is shown only once its viewing is on the audit log.
	if err := s.db.RecordView(r.Context(), rq.auditEvent(role, "person.view", "person", pe.ID)); err != nil {
		return err
	}
	_, byID, err := s.visibleOffices(r, rq, policy.OfficeList)
	if err != nil {
		return err
	}
	p := personPage{Page: s.page(r, rq, "person.title"), Person: pe,
		CanManage: policy.Decide(rq.actor, policy.PersonManage, policy.Resource{Kind: "person", Offices: store.PersonOffices(pe)}).Allowed}
	p.Title = pe.Name
	p.Roles = s.describeAssignments(&p.Page, pe.Assignments, byID)
	return s.render(w, http.StatusOK, "person", &p)
}

type roleRow struct {
	Index    int
	Role     holf.Role
	OfficeID int64
}

type personFormPage struct {
	Page
	Person  holf.Person
	New     bool
	Rows    []roleRow
	Roles   []holf.Role
	Offices []holf.Office
	formState
	Conflict *holf.Person
}

func (s *Server) personFormPage(r *http.Request, rq *req, pe holf.Person, isNew bool) (personFormPage, error) {
	key := "person.edit"
	if isNew {
		key = "person.new"
	}
	offices, err := s.db.ListOffices(r.Context(), store.OfficeFilter{})
	if err != nil {
		return personFormPage{}, err
	}
	p := personFormPage{Page: s.page(r, rq, key), Person: pe, New: isNew, Roles: holf.Roles, Offices: offices}
	for i, a := range pe.Assignments {
		p.Rows = append(p.Rows, roleRow{Index: i, Role: a.Role, OfficeID: a.OfficeID})
	}
	// Three empty rows: roles are added without JavaScript.
	for i := 0; i < 3; i++ {
		p.Rows = append(p.Rows, roleRow{Index: len(pe.Assignments) + i})
	}
	return p, nil
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.personFormPage(r, rq, holf.Person{}, true)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "person_form", &p)
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	pe, _, err := s.loadPerson(r, rq, policy.PersonManage)
	if err != nil {
		return err
	}
	p, err := s.personFormPage(r, rq, pe, false)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "person_form", &p)
}

// personFromForm reads a person and their role rows. Rows with no role are
// ignored; an unparsable office is reported on the roles field.
func personFromForm(r *http.Request) (holf.Person, holf.Validation) {
	pe := holf.Person{Username: r.PostFormValue("username"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
	var v holf.Validation
	for i := 0; i < 200; i++ {
		role := r.PostFormValue(fmt.Sprintf("role_%d", i))
		office := r.PostFormValue(fmt.Sprintf("office_%d", i))
		if _, present := r.PostForm[fmt.Sprintf("role_%d", i)]; !present {
			break
		}
		if role == "" {
			continue
		}
		a := holf.Assignment{Role: holf.Role(role)}
		if office != "" {
			id, err := strconv.ParseInt(office, 10, 64)
			if err != nil {
				v.Add("roles", "err.office_unknown")
				continue
			}
			a.OfficeID = id
		}
		pe.Assignments = append(pe.Assignments, a)
	}
	return pe, v
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	d := policy.Decide(rq.actor, policy.PersonManage, policy.Global)
	if !d.Allowed {
		return &holf.Error{Code: holf.EForbidden, Message: "not allowed", Key: "err.forbidden"}
	}
	pe, v := personFromForm(r)
	password := r.PostFormValue("password")
	err := pe.Validate()
	if fe, ok := err.(*holf.Error); ok {
		v = append(v, fe.Fields...)
	}
	if perr := auth.CheckPassword(password, pe.Username); perr != nil {
		v = append(v, perr.(*holf.Error).Fields...)
	}
	if err := v.Err(); err != nil {
		return s.personFormError(w, r, rq, pe, true, err)
	}
	hash, err := s.cfg.Hasher.Hash(password)
	if err != nil {
		return err
	}
	if err := s.db.CreatePerson(r.Context(), rq.auditEvent(d.Role, "person.create", "person", 0), &pe, hash); err != nil {
		return s.personFormError(w, r, rq, pe, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=created", pe.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	cur, role, err := s.loadPerson(r, rq, policy.PersonManage)
	if err != nil {
		return err
	}
	pe, v := personFromForm(r)
	pe.ID, pe.Username = cur.ID, cur.Username
	if pe.Version, err = formVersion(r, "version"); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return s.personFormError(w, r, rq, pe, false, err)
	}
	if err := s.db.UpdatePerson(r.Context(), rq.auditEvent(role, "person.update", "person", pe.ID), &pe); err != nil {
		return s.personFormError(w, r, rq, pe, false, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=saved", pe.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) personFormError(w http.ResponseWriter, r *http.Request, rq *req, pe holf.Person, isNew bool, err error) error {
	p, perr := s.personFormPage(r, rq, pe, isNew)
	if perr != nil {
		return perr
	}
	var conflict func() error
	if !isNew {
		conflict = func() error {
			cur, gerr := s.db.GetPerson(r.Context(), pe.ID)
			p.Conflict, p.Person.Version = &cur, cur.Version
			return gerr
		}
	}
	return s.formError(w, rq, "person_form", &p, err, conflict)
}

func (s *Server) personSetDisabled(w http.ResponseWriter, r *http.Request, rq *req, disabled bool) error {
	pe, role, err := s.loadPerson(r, rq, policy.PersonManage)
	if err != nil {
		return err
	}
	if disabled && pe.ID == rq.actor.PersonID {
		return &holf.Error{Code: holf.EInvalid, Message: "you cannot disable your own account", Key: "err.disable_self"}
	}
	action, notice := "person.enable", "enabled"
	if disabled {
		action, notice = "person.disable", "disabled"
	}
	if err := s.db.SetDisabled(r.Context(), rq.auditEvent(role, action, "person", pe.ID), pe.ID, disabled); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=%s", pe.ID, notice), http.StatusSeeOther) // #nosec G710 -- a local path with a constant notice
	return nil
}

func (s *Server) personDisable(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.personSetDisabled(w, r, rq, true)
}

func (s *Server) personEnable(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.personSetDisabled(w, r, rq, false)
}

func (s *Server) personPassword(w http.ResponseWriter, r *http.Request, rq *req) error {
	pe, role, err := s.loadPerson(r, rq, policy.PersonManage)
	if err != nil {
		return err
	}
	password := r.PostFormValue("password")
	if err := auth.CheckPassword(password, pe.Username); err != nil {
		fe, _ := s.formErrors(rq, err)
		_, byID, lerr := s.visibleOffices(r, rq, policy.OfficeList)
		if lerr != nil {
			return lerr
		}
		p := personPage{Page: s.page(r, rq, "person.title"), Person: pe, CanManage: true, Errors: fe}
		p.Title = pe.Name
		p.Roles = s.describeAssignments(&p.Page, pe.Assignments, byID)
		return s.render(w, http.StatusUnprocessableEntity, "person", &p)
	}
	hash, err := s.cfg.Hasher.Hash(password)
	if err != nil {
		return err
	}
	if err := s.db.SetPassword(r.Context(), rq.auditEvent(role, "person.set_password", "person", pe.ID), pe.ID, hash); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=password_set", pe.ID), http.StatusSeeOther)
	return nil
}

// ---- audit ----

type auditPage struct {
	Page
	Entries    []holf.AuditEvent
	Who        string
	RecordType string
	RecordID   string
	Since      string
	Until      string
	Errors     map[string]string
	More       int64
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	p := auditPage{Page: s.page(r, rq, "audit.title"), Who: q.Get("actor"), RecordType: q.Get("record_type"),
		RecordID: q.Get("record_id"), Since: q.Get("since"), Until: q.Get("until"), Errors: map[string]string{}}
	f, v := ParseAuditFilter(q.Get("actor"), q.Get("record_type"), q.Get("record_id"), q.Get("since"), q.Get("until"))
	if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil {
		f.BeforeSeq = before
	}
	status := http.StatusOK
	if len(v) > 0 {
		for _, fe := range v {
			p.Errors[fe.Field] = s.t(rq, fe.Key, fe.Args...)
		}
		status = http.StatusUnprocessableEntity
	} else {
		f.Limit = 101
		entries, err := s.db.ListAudit(r.Context(), f)
		if err != nil {
			return err
		}
		if len(entries) == 101 {
			entries = entries[:100]
			p.More = entries[99].Seq
		}
		p.Entries = entries
	}
	return s.render(w, status, "audit", &p)
}

// ParseAuditFilter reads the audit filter fields shared by page, API and CLI.
func ParseAuditFilter(actor, recordType, recordID, since, until string) (store.AuditFilter, holf.Validation) {
	var v holf.Validation
	f := store.AuditFilter{Actor: strings.TrimSpace(actor), RecordType: strings.TrimSpace(recordType)}
	if recordID != "" {
		id, err := strconv.ParseInt(recordID, 10, 64)
		if err != nil || id <= 0 {
			v.Add("record_id", "err.number")
		}
		f.RecordID = id
	}
	parse := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, oslo); err == nil {
				return t
			}
		}
		v.Add(field, "err.date")
		return time.Time{}
	}
	f.Since, f.Until = parse("since", since), parse("until", until)
	return f, v
}
