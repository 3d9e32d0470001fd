package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

// Consents to share information: the family's records, the form, a
// printable form for signature in plain language, withdrawal as an event.

type consentInput struct {
	Member, Grantor      int64
	Recipients           []int64
	Purpose              string
	Categories           []string
	Actions              []string
	GivenOn, ExpiresOn   string
	Method               string
	Replaces, OldVersion int64
}

type consentsPage struct {
	Page
	formState
	app.ConsentBook
	Input      consentInput
	Show       *holf.Consent // one consent's page
	Print      bool
	ToInform   []int64
	WithdrawOn string
}

// Options the templates offer.
func (p *consentsPage) AllCategories() []holf.ConsentCategory { return holf.ConsentCategories }
func (p *consentsPage) AllActions() []holf.ConsentAction      { return holf.ConsentActions }
func (p *consentsPage) Methods() []holf.ConsentMethod         { return holf.ConsentMethods }

// Status is where consent c stands today.
func (p *consentsPage) Status(c holf.Consent) holf.ConsentStatus { return c.StatusOn(p.Today) }

// MemberName names a member of the family.
func (p *consentsPage) MemberName(id int64) string {
	for _, m := range p.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}

// InputHasRecipient, InputHas: the form's choices as typed.
func (p *consentsPage) InputHasRecipient(id int64) bool {
	return slices.Contains(p.Input.Recipients, id)
}
func (p *consentsPage) InputHas(list []string, k any) bool {
	return slices.Contains(list, fmt.Sprint(k))
}

func (s *Server) consentsPageData(r *http.Request, rq *req, b app.ConsentBook) *consentsPage {
	p := &consentsPage{Page: s.page(r, rq, "consent.title"), ConsentBook: b}
	p.Title = s.t(rq, "consent.heading", b.Family.Name)
	p.Input = consentInput{GivenOn: b.Today.Format("2006-01-02"), ExpiresOn: b.Today.AddDate(1, 0, 0).Format("2006-01-02"), Method: string(holf.MethodPaper),
		Actions: []string{string(holf.ActionDisclose), string(holf.ActionReceive), string(holf.ActionDiscuss)}}
	if ps := b.Family.Parents(); len(ps) > 0 {
		p.Input.Member, p.Input.Grantor = ps[0].ID, ps[0].ID
	}
	p.WithdrawOn = b.Today.Format("2006-01-02")
	return p
}

func (s *Server) consentList(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Consents.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "consents", s.consentsPageData(r, rq, b))
}

func consentFromForm(r *http.Request, familyID int64) (holf.Consent, consentInput, holf.Validation) {
	_ = r.ParseForm()
	v := r.PostForm
	in := consentInput{Purpose: v.Get("purpose"), Categories: v["categories"], Actions: v["actions"], GivenOn: v.Get("given_on"),
		ExpiresOn: v.Get("expires_on"), Method: v.Get("method")}
	in.Member, _ = strconv.ParseInt(v.Get("member"), 10, 64)
	in.Grantor, _ = strconv.ParseInt(v.Get("grantor"), 10, 64)
	in.Replaces, _ = strconv.ParseInt(v.Get("replaces"), 10, 64)
	in.OldVersion = formVersion(r, "version")
	for _, x := range v["recipients"] {
		if id, err := strconv.ParseInt(x, 10, 64); err == nil {
			in.Recipients = append(in.Recipients, id)
		}
	}
	c := holf.Consent{FamilyID: familyID, MemberID: in.Member, GrantorID: in.Grantor, Recipients: in.Recipients, Purpose: in.Purpose,
		Method: holf.ConsentMethod(in.Method)}
	for _, k := range in.Categories {
		c.Categories = append(c.Categories, holf.ConsentCategory(k))
	}
	for _, k := range in.Actions {
		c.Actions = append(c.Actions, holf.ConsentAction(k))
	}
	var bad holf.Validation
	for field, p := range map[string]*time.Time{"given_on": &c.GivenOn, "expires_on": &c.ExpiresOn} {
		d, ok := parseDay(v.Get(field))
		if !ok {
			bad.Add(field, "err.date")
		}
		*p = d
	}
	return c, in, bad
}

func (s *Server) consentAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	c, in, bad := consentFromForm(r, id)
	saved, err := s.app.Consents.Add(r.Context(), rq.actor, c, in.Replaces, in.OldVersion, bad)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/consents/%d?notice=saved", id, saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	b, berr := s.app.Consents.View(r.Context(), rq.actor, id)
	if berr != nil {
		return berr
	}
	p := s.consentsPageData(r, rq, b)
	p.Input = in
	return s.formError(w, rq, "consents", p, err, nil)
}

func (s *Server) consentShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := familyItem(r, "cid", "consent")
	if err != nil {
		return err
	}
	b, err := s.app.Consents.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	c, err := b.Consent(cid)
	if err != nil {
		return err
	}
	p := s.consentsPageData(r, rq, b)
	p.Show, p.Print = &c, r.URL.Query().Get("print") == "1"
	if st := c.StatusOn(b.Today); st == holf.ConsentWithdrawn || st == holf.ConsentExpired {
		p.ToInform = b.ToInform(c)
	}
	if r.URL.Query().Get("correct") == "1" {
		p.Input = consentInput{Member: c.MemberID, Grantor: c.GrantorID, Recipients: c.Recipients, Purpose: c.Purpose, GivenOn: b.Today.Format("2006-01-02"),
			ExpiresOn: c.ExpiresOn.Format("2006-01-02"), Method: string(c.Method), Replaces: c.ID, OldVersion: c.Version}
		for _, k := range c.Categories {
			p.Input.Categories = append(p.Input.Categories, string(k))
		}
		for _, k := range c.Actions {
			p.Input.Actions = append(p.Input.Actions, string(k))
		}
		p.Show = nil
		return s.render(w, http.StatusOK, "consents", p)
	}
	if p.Print {
		p.Title = s.t(rq, "consent.form_title")
		return s.render(w, http.StatusOK, "consent_print", p)
	}
	return s.render(w, http.StatusOK, "consent", p)
}

func (s *Server) consentWithdraw(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := familyItem(r, "cid", "consent")
	if err != nil {
		return err
	}
	on, ok := parseDay(r.PostFormValue("withdrawn_on"))
	var bad holf.Validation
	if !ok {
		bad.Add("withdrawn_on", "err.date")
	}
	if err = bad.Err(); err == nil {
		_, err = s.app.Consents.Withdraw(r.Context(), rq.actor, id, cid, formVersion(r, "version"), on, r.PostFormValue("withdrawn_how"))
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/consents/%d?notice=saved", id, cid), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	b, berr := s.app.Consents.View(r.Context(), rq.actor, id)
	if berr != nil {
		return berr
	}
	c, cerr := b.Consent(cid)
	if cerr != nil {
		return cerr
	}
	p := s.consentsPageData(r, rq, b)
	p.Show, p.WithdrawOn = &c, r.PostFormValue("withdrawn_on")
	return s.formError(w, rq, "consent", p, err, noConflictBox)
}

type apiConsent struct {
	ID         int64                  `json:"id"`
	MemberID   int64                  `json:"member_id"`
	GrantorID  int64                  `json:"grantor_id"`
	Recipients []int64                `json:"recipients"`
	Purpose    string                 `json:"purpose"`
	Categories []holf.ConsentCategory `json:"categories"`
	Actions    []holf.ConsentAction   `json:"actions"`
	GivenOn    string                 `json:"given_on"`
	ExpiresOn  string                 `json:"expires_on"`
	Method     holf.ConsentMethod     `json:"method"`
	Status     holf.ConsentStatus     `json:"status"`
	Withdrawn  *string                `json:"withdrawn_on"`
	ReplacedBy *int64                 `json:"replaced_by"`
	Version    int64                  `json:"version"`
}

func (s *Server) apiConsents(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Consents.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	out := make([]apiConsent, 0, len(b.Consents))
	for _, c := range b.Consents {
		out = append(out, toAPIConsent(c, b.Today))
	}
	return writeJSON(w, http.StatusOK, out)
}

type apiPartner struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	OrgNumber    string             `json:"organisation_number"`
	Kind         holf.PartnerKind   `json:"kind"`
	Service      string             `json:"service"`
	Municipality string             `json:"municipality"`
	Phone        string             `json:"phone"`
	Email        string             `json:"email"`
	Status       string             `json:"status"`
	CheckedOn    *string            `json:"last_checked"`
	Contacts     []apiPartnerPerson `json:"contacts"`
	Version      int64              `json:"version"`
}

type apiPartnerPerson struct {
	Name  string            `json:"name"`
	Role  string            `json:"title"`
	Level holf.ContactLevel `json:"level"`
	Phone string            `json:"phone"`
	Email string            `json:"email"`
}

func (s *Server) apiPartners(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	d, err := s.app.Partners.List(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	out := make([]apiPartner, 0, len(d.Partners))
	for _, p := range d.Partners {
		ap := apiPartner{ID: p.ID, Name: p.Name, OrgNumber: p.OrgNumber, Kind: p.Kind, Service: p.Service, Municipality: p.Municipality, Phone: p.Phone,
			Email: p.Email, Status: "inactive", CheckedOn: optDate(p.CheckedOn), Contacts: []apiPartnerPerson{}, Version: p.Version}
		if p.Active {
			ap.Status = "active"
		}
		for _, c := range p.Contacts {
			ap.Contacts = append(ap.Contacts, apiPartnerPerson{Name: c.Name, Role: c.Role, Level: c.Level, Phone: c.Phone, Email: c.Email})
		}
		out = append(out, ap)
	}
	return writeJSON(w, http.StatusOK, out)
}

func toAPIConsent(c holf.Consent, today time.Time) apiConsent {
	return apiConsent{ID: c.ID, MemberID: c.MemberID, GrantorID: c.GrantorID, Recipients: c.Recipients, Purpose: c.Purpose,
		Categories: c.Categories, Actions: c.Actions, GivenOn: c.GivenOn.Format("2006-01-02"), ExpiresOn: c.ExpiresOn.Format("2006-01-02"),
		Method: c.Method, Status: c.StatusOn(today), Withdrawn: optDate(c.WithdrawnOn), ReplacedBy: optID(c.ReplacedBy), Version: c.Version}
}

// apiDay reads a YYYY-MM-DD field of a JSON body, naming it when it is none.
func apiDay(bad *holf.Validation, field, s string) time.Time {
	d, ok := parseDay(s)
	if !ok {
		bad.Add(field, "err.date")
	}
	return d
}

// apiConsentAdd is POST /api/v1/families/{id}/consents: a new record, or
// with "replaces" and If-Match on the old one, a correction of it.
func (s *Server) apiConsentAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	if err := s.app.Network.Writable(r.Context(), rq.actor, policy.FamilyManage, id); err != nil {
		return err
	}
	var in struct {
		apiConsent
		Replaces int64 `json:"replaces"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var bad holf.Validation
	c := holf.Consent{FamilyID: id, MemberID: in.MemberID, GrantorID: in.GrantorID, Recipients: in.Recipients, Purpose: in.Purpose,
		Categories: in.Categories, Actions: in.Actions, Method: in.Method,
		GivenOn: apiDay(&bad, "given_on", in.GivenOn), ExpiresOn: apiDay(&bad, "expires_on", in.ExpiresOn)}
	var version int64
	if in.Replaces != 0 {
		b, err := s.app.Consents.View(r.Context(), rq.actor, id)
		if err != nil {
			return err
		}
		old, err := b.Consent(in.Replaces)
		if err != nil {
			return err
		}
		if err := ifMatch(r, "consent", old.ID, old.Version); err != nil {
			return err
		}
		version = old.Version
	}
	saved, err := s.app.Consents.Add(r.Context(), rq.actor, c, in.Replaces, version, bad)
	if err != nil {
		return precondition("consent", err)
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/families/%d/consents", id))
	return writeVersioned(w, http.StatusCreated, "consent", saved.ID, saved.Version, toAPIConsent(saved, s.app.Today()))
}

// apiConsentWithdraw is POST /api/v1/families/{id}/consents/{cid}/withdraw
// with If-Match: {"withdrawn_on", "how"}; it answers with the partners to
// inform.
func (s *Server) apiConsentWithdraw(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := familyItem(r, "cid", "consent")
	if err != nil {
		return err
	}
	if err := s.app.Network.Writable(r.Context(), rq.actor, policy.FamilyManage, id); err != nil {
		return err
	}
	var in struct {
		On  string `json:"withdrawn_on"`
		How string `json:"how"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b, err := s.app.Consents.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	c, err := b.Consent(cid)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "consent", c.ID, c.Version); err != nil {
		return err
	}
	var bad holf.Validation
	on := apiDay(&bad, "withdrawn_on", in.On)
	if err := bad.Err(); err != nil {
		return err
	}
	inform, err := s.app.Consents.Withdraw(r.Context(), rq.actor, id, cid, c.Version, on, in.How)
	if err != nil {
		return precondition("consent", err)
	}
	if inform == nil {
		inform = []int64{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": cid, "status": holf.ConsentWithdrawn, "inform_partners": inform})
}

// apiPartnerAdd is POST /api/v1/offices/{id}/partners.
func (s *Server) apiPartnerAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	if err := s.app.Partners.Writable(rq.actor, id); err != nil {
		return err
	}
	var in apiPartner
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var bad holf.Validation
	p := holf.Partner{OfficeID: id, Name: in.Name, OrgNumber: in.OrgNumber, Kind: in.Kind, Service: in.Service, Municipality: in.Municipality,
		Phone: in.Phone, Email: in.Email, Active: in.Status != "inactive"}
	if in.Status != "" && in.Status != "active" && in.Status != "inactive" {
		bad.Add("status", "err.status")
	}
	if in.CheckedOn != nil {
		p.CheckedOn = apiDay(&bad, "last_checked", *in.CheckedOn)
	}
	for _, c := range in.Contacts {
		p.Contacts = append(p.Contacts, holf.PartnerContact{Name: c.Name, Role: c.Role, Level: c.Level, Phone: c.Phone, Email: c.Email})
	}
	if err := bad.Err(); err != nil {
		return err
	}
	saved, err := s.app.Partners.Create(r.Context(), rq.actor, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/offices/%d/partners", id))
	return writeVersioned(w, http.StatusCreated, "partner", saved.ID, saved.Version, map[string]any{"id": saved.ID, "version": saved.Version})
}
