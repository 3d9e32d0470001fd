package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/trial"
)

// An office's target list: the families in their draw order, where
// recruiting stands against the target, the import, and the outcome of
// each contact.

type targetsPage struct {
	Page
	formState
	L   app.TargetList
	CSV string // what was pasted, kept on an error
}

// Percent is recruiting's progress against the target.
func (p *targetsPage) Percent() int {
	if p.L.Target == 0 {
		return 0
	}
	return min(100, 100*p.L.Recruited/p.L.Target)
}

func (s *Server) targetsData(r *http.Request, rq *req) (*targetsPage, error) {
	id, err := officeID(r)
	if err != nil {
		return nil, err
	}
	l, err := s.app.Targets.List(r.Context(), rq.actor, id)
	if err != nil {
		return nil, err
	}
	p := &targetsPage{Page: s.page(r, rq, "target.title"), L: l}
	p.Title = s.t(rq, "target.heading", l.Office.Name)
	return p, nil
}

func (s *Server) targetList(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.targetsData(r, rq)
	if err != nil {
		return err
	}
	countNotice(r, &p.Page, "added", "target.imported")
	return s.render(w, http.StatusOK, "targets", p)
}

// countNotice confirms an import by its count, which the redirect after it
// carries as ?param=n: key is the catalog's plural message.
func countNotice(r *http.Request, p *Page, param, key string) {
	if k, err := strconv.Atoi(r.URL.Query().Get(param)); err == nil {
		p.Notice = p.N(key, k)
	}
}

// targetImport adds an uploaded (or pasted) target list; one bad row
// imports nothing, and every problem is named by its line and column.
func (s *Server) targetImport(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	pasted := r.PostFormValue("csv")
	var in io.Reader = strings.NewReader(pasted)
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		in = f
	}
	res, err := s.app.Targets.Import(r.Context(), rq.actor, id, in)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/targets?added=%d", id, res.Added), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	err = csvLineErrors(err)
	p, perr := s.targetsData(r, rq)
	if perr != nil {
		return perr
	}
	p.CSV = pasted
	return s.formError(w, rq, "targets", p, err, noConflictBox)
}

type targetPage struct {
	Page
	formState
	E       app.TargetEntry
	Outcome string
	Note    string
	Reason  string
	Family  string // the family chosen, as sent
}

// Outcomes are the outcomes a coordinator records.
func (p *targetPage) Outcomes() []trial.Recruitment { return trial.Recruitments }

func (s *Server) targetData(r *http.Request, rq *req) (*targetPage, error) {
	office, err := officeID(r)
	if err != nil {
		return nil, err
	}
	tid, err := pathID(r, "tid", "target")
	if err != nil {
		return nil, err
	}
	e, err := s.app.Targets.Entry(r.Context(), rq.actor, office, tid)
	if err != nil {
		return nil, err
	}
	p := &targetPage{Page: s.page(r, rq, "target.record_title"), E: e}
	p.Outcome, p.Note, p.Reason = string(e.Entry.Outcome), e.Entry.OutcomeNote, e.Entry.OutOfOrder
	if e.Entry.FamilyID != 0 {
		p.Family = strconv.FormatInt(e.Entry.FamilyID, 10)
	}
	p.Title = s.t(rq, "target.record_heading", e.Entry.Position, e.Entry.Name)
	return p, nil
}

func (s *Server) targetShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.targetData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "target", p)
}

func (s *Server) targetRecord(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.targetData(r, rq)
	if err != nil {
		return err
	}
	p.Outcome, p.Note, p.Reason, p.Family = r.PostFormValue("outcome"), r.PostFormValue("note"), r.PostFormValue("out_of_order"), r.PostFormValue("family")
	e := p.E.Entry
	_, err = s.app.Targets.Record(r.Context(), rq.actor, e.OfficeID, app.TargetRecord{ID: e.ID, Version: formVersion(r, "version"),
		Outcome: trial.Recruitment(p.Outcome), Note: p.Note, OutOfOrder: p.Reason, FamilyID: formID(r, "family")})
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/targets?notice=saved#target-%d", e.OfficeID, e.ID), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	return s.formError(w, rq, "target", p, err, func() error {
		p.Summary = s.t(rq, "form.conflict")
		return nil
	})
}

// ---- consent to the evaluation ----

type trialConsentPage struct {
	Page
	formState
	C                        app.ConsentPage
	Member, Given, Withdrawn string // as typed
}

// Parents are the family's parents, who may give the consent.
func (p *trialConsentPage) Parents() []holf.Member {
	var out []holf.Member
	for _, m := range p.C.Family.Members {
		if m.Role == holf.MemberParent {
			out = append(out, m)
		}
	}
	return out
}

// MemberName names member id of the family.
func (p *trialConsentPage) MemberName(id int64) string {
	for _, m := range p.C.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}

func (s *Server) trialConsentData(r *http.Request, rq *req) (*trialConsentPage, error) {
	id, err := familyID(r)
	if err != nil {
		return nil, err
	}
	c, err := s.app.Targets.Consent(r.Context(), rq.actor, id)
	if err != nil {
		return nil, err
	}
	p := &trialConsentPage{Page: s.page(r, rq, "trialconsent.title"), C: c}
	p.Title = s.t(rq, "trialconsent.heading", c.Family.Name)
	if c.Has {
		p.Member = strconv.FormatInt(c.Consent.MemberID, 10)
		p.Given = c.Consent.GivenOn.Format("2006-01-02")
		if !c.Consent.WithdrawnOn.IsZero() {
			p.Withdrawn = c.Consent.WithdrawnOn.Format("2006-01-02")
		}
	}
	return p, nil
}

func (s *Server) trialConsentShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialConsentData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trial_consent", p)
}

func (s *Server) trialConsentSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialConsentData(r, rq)
	if err != nil {
		return err
	}
	p.Member, p.Given, p.Withdrawn = r.PostFormValue("member"), r.PostFormValue("given_on"), r.PostFormValue("withdrawn_on")
	var bad holf.Validation
	given, ok := parseDay(p.Given)
	if !ok {
		bad.Add("given_on", "err.date")
	}
	withdrawn, ok := parseDay(p.Withdrawn)
	if !ok {
		bad.Add("withdrawn_on", "err.date")
	}
	c := trial.Consent{FamilyID: p.C.Family.ID, MemberID: formID(r, "member"), GivenOn: given, WithdrawnOn: withdrawn, Version: formVersion(r, "version")}
	if c.Version < 0 {
		c.Version = 0
	}
	if _, err := s.app.Targets.SaveConsent(r.Context(), rq.actor, c, bad); err != nil {
		return s.formError(w, rq, "trial_consent", p, err, func() error { return nil })
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d/trial-consent?notice=saved", p.C.Family.ID), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
	return nil
}
