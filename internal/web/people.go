package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

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

// describeAssignments names each role with its office; an office the
// viewer may not see stays unnamed (and the use case has left it out).
func describeAssignments(p *Page, as []holf.Assignment, offices map[int64]holf.Office) []string {
	var out []string
	for _, a := range as {
		if a.OfficeID == 0 {
			out = append(out, p.RoleName(a.Role))
			continue
		}
		o, ok := offices[a.OfficeID]
		if !ok {
			continue
		}
		out = append(out, p.RoleName(a.Role)+" – "+o.Name)
	}
	return out
}

func (s *Server) personList(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := personListPage{Page: s.page(r, rq, "people.title"), Roles: holf.Roles, CanManage: policy.Allows(rq.actor, policy.PersonManage)}
	q := app.PeopleQuery{Disabled: true}
	if role := holf.Role(r.URL.Query().Get("role")); role.Valid() {
		q.Role, p.Role = role, role
	}
	offices, byID, err := s.visibleOffices(r, rq, policy.PersonList)
	if err != nil {
		return err
	}
	p.Offices = offices
	if oid, err := strconv.ParseInt(r.URL.Query().Get("office"), 10, 64); err == nil && oid > 0 {
		if _, ok := byID[oid]; ok {
			q.Office, p.OfficeID = oid, oid
		}
	}
	people, err := s.app.People.List(r.Context(), rq.actor, q)
	if err != nil {
		return err
	}
	for _, pe := range people {
		p.People = append(p.People, personLine{Person: pe, Roles: describeAssignments(&p.Page, pe.Assignments, byID), Link: s.app.People.CanView(rq.actor, pe)})
	}
	return s.render(w, http.StatusOK, "people", &p)
}

type personPage struct {
	Page
	Person    holf.Person
	Roles     []string
	CanManage bool
	formState
}

func (s *Server) personPage(r *http.Request, rq *req, pe holf.Person) (personPage, error) {
	_, byID, err := s.visibleOffices(r, rq, policy.OfficeList)
	if err != nil {
		return personPage{}, err
	}
	p := personPage{Page: s.page(r, rq, "person.title"), Person: pe, CanManage: s.app.People.CanManage(rq.actor, pe)}
	p.Title = pe.Name
	p.Roles = describeAssignments(&p.Page, pe.Assignments, byID)
	return p, nil
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	pe, err := s.app.People.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.personPage(r, rq, pe)
	if err != nil {
		return err
	}
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
	offices, err := s.app.Offices.List(r.Context(), rq.actor, policy.PersonManage)
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
	id, err := personID(r)
	if err != nil {
		return err
	}
	pe, err := s.app.People.Edit(r.Context(), rq.actor, id)
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
	pe, parsed := personFromForm(r)
	pe, err := s.app.People.Create(r.Context(), rq.actor, pe, r.PostFormValue("password"), parsed)
	if err != nil {
		return s.personFormError(w, r, rq, pe, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=created", pe.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	pe, parsed := personFromForm(r)
	pe.ID = id
	pe.Version = formVersion(r, "version")
	if pe, err = s.app.People.Update(r.Context(), rq.actor, pe, parsed); err != nil {
		return s.personFormError(w, r, rq, pe, false, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=saved", pe.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
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
			cur, gerr := s.app.People.Edit(r.Context(), rq.actor, pe.ID)
			p.Conflict, p.Person.Version = &cur, cur.Version
			return gerr
		}
	}
	return s.formError(w, rq, "person_form", &p, err, conflict)
}

func (s *Server) personSetDisabled(w http.ResponseWriter, r *http.Request, rq *req, disabled bool) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	if err := s.app.People.SetDisabled(r.Context(), rq.actor, id, disabled); err != nil {
		return err
	}
	notice := "enabled"
	if disabled {
		notice = "disabled"
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=%s", id, notice), http.StatusSeeOther) // #nosec G710 -- a local path with a constant notice
	return nil
}

func (s *Server) personDisable(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.personSetDisabled(w, r, rq, true)
}

func (s *Server) personEnable(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.personSetDisabled(w, r, rq, false)
}

func (s *Server) personPassword(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	err = s.app.People.SetPassword(r.Context(), rq.actor, id, r.PostFormValue("password"))
	if formProblem(err) {
		pe, gerr := s.app.People.Edit(r.Context(), rq.actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.personPage(r, rq, pe)
		if perr != nil {
			return perr
		}
		return s.formError(w, rq, "person", &p, err, nil)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?notice=password_set", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
	return nil
}
