package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

// visibleOffices returns the offices rq's actor may see for act, with a
// lookup by id.
func (s *Server) visibleOffices(r *http.Request, rq *req, act policy.Action) ([]holf.Office, map[int64]holf.Office, error) {
	offices, err := s.app.Offices.List(r.Context(), rq.actor, act)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]holf.Office, len(offices))
	for _, o := range offices {
		byID[o.ID] = o
	}
	return offices, byID, nil
}

type officeListPage struct {
	Page
	Offices   []holf.Office
	CanManage bool
	Figures   map[int64]app.OfficeFigures
	Waves     []string // the questionnaire's waves, for the answer columns
}

// Discharged counts office id's families whose follow-up ended.
func (p *officeListPage) Discharged(id int64) int {
	return p.Figures[id].Families[holf.StatusDischarged]
}

// Following counts office id's families in follow-up (recruited or active).
func (p *officeListPage) Following(id int64) int {
	f := p.Figures[id].Families
	return f[holf.StatusRecruited] + f[holf.StatusActive]
}

func (s *Server) officeList(w http.ResponseWriter, r *http.Request, rq *req) error {
	offices, _, err := s.visibleOffices(r, rq, policy.OfficeList)
	if err != nil {
		return err
	}
	p := officeListPage{Page: s.page(r, rq, "offices.title"), Offices: offices, CanManage: policy.Allows(rq.actor, policy.OfficeManage)}
	// What each office's work amounts to, as counts: the county governor's
	// and project management's overview, and every leader's own line.
	if p.Figures, p.Waves, err = s.app.Offices.Figures(r.Context(), offices); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "offices", &p)
}

type officePage struct {
	Page
	Office    holf.Office
	Staff     []app.StaffLine
	CanManage bool
	Partners  bool // the caller may see the office's actor list
	Targets   bool // and its target list
	// Loads are the families per coordinator, for those who may list them.
	Loads []app.CoordinatorLoad
}

// LoadStatuses are the columns of the families-per-coordinator table.
func (p *officePage) LoadStatuses() []holf.FamilyStatus { return holf.FamilyStatuses }

// loadOffice decides act on the office named in the path, then loads it.
func (s *Server) loadOffice(r *http.Request, rq *req, act policy.Action) (holf.Office, error) {
	id, err := officeID(r)
	if err != nil {
		return holf.Office{}, err
	}
	return s.app.Offices.Get(r.Context(), rq.actor, act, id)
}

func (s *Server) officeShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, err := s.loadOffice(r, rq, policy.OfficeView)
	if err != nil {
		return err
	}
	staff, err := s.app.People.Staff(r.Context(), rq.actor, o.ID)
	if err != nil {
		return err
	}
	loads, err := s.app.Offices.Loads(r.Context(), rq.actor, o.ID)
	if err != nil {
		return err
	}
	p := officePage{Page: s.page(r, rq, "office.title"), Office: o, Staff: staff[o.ID], CanManage: s.app.Offices.CanManage(rq.actor, o.ID),
		Partners: policy.Decide(rq.actor, policy.PartnerView, policy.OfficeResource("office", o.ID)).Allowed, Loads: loads,
		Targets: policy.Decide(rq.actor, policy.TargetView, policy.OfficeResource("office", o.ID)).Allowed}
	p.Title = o.Name
	return s.render(w, http.StatusOK, "office", &p)
}

type officeFormPage struct {
	Page
	formState
	Office   holf.Office
	New      bool
	Conflict *holf.Office
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
	return officeFormPage{Page: s.page(r, rq, key), Office: o, New: isNew, Areas: holf.TargetAreas}
}

func (s *Server) officeNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.officeFormPage(r, rq, holf.Office{Arm: holf.ArmNone, TargetAreas: slices.Clone(holf.TargetAreas)}, true)
	return s.render(w, http.StatusOK, "office_form", &p)
}

func (s *Server) officeEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, err := s.loadOffice(r, rq, policy.OfficeManage)
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
	return holf.Office{Name: r.PostFormValue("name"), Municipality: r.PostFormValue("municipality"), TargetAreas: areas}
}

func (s *Server) officeCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, err := s.app.Offices.Create(r.Context(), rq.actor, officeFromForm(r))
	if err != nil {
		return s.officeFormError(w, r, rq, o, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/offices/%d?notice=created", o.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) officeUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	o := officeFromForm(r)
	o.ID = id
	o.Version = formVersion(r, "version")
	if o, err = s.app.Offices.Update(r.Context(), rq.actor, o); err != nil {
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
		cur, gerr := s.app.Offices.Get(r.Context(), rq.actor, policy.OfficeManage, o.ID)
		p.Conflict, p.Office.Version = &cur, cur.Version
		return gerr
	})
}
