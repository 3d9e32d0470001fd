package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// The office's actor list: pages, and its CSV shaped after Open Referral
// HSDS 3.0 (one row per contact; an organisation without contacts has one
// row with the contact columns empty).

var hsdsColumns = []string{"organization_name", "organization_number", "kind", "service_name", "municipality", "phone", "email", "status",
	"last_checked", "contact_name", "contact_title", "contact_level", "contact_phone", "contact_email"}

type partnersPage struct {
	Page
	formState
	app.Directory
	Imported int
	CSV      string // the pasted rows, kept after a refused import
}

func (s *Server) partnerList(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	d, err := s.app.Partners.List(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := partnersPage{Page: s.page(r, rq, "partner.list"), Directory: d}
	p.Title = s.t(rq, "partner.list_heading", d.Office.Name)
	if n, err := strconv.Atoi(r.URL.Query().Get("imported")); err == nil {
		p.Imported = n
	}
	return s.render(w, http.StatusOK, "partners", &p)
}

// KindName translates a partner kind.
func (p *Page) KindName(k holf.PartnerKind) string { return p.T("partner.kind." + string(k)) }

type partnerFormPage struct {
	Page
	formState
	Office   holf.Office
	Partner  holf.Partner
	Checked  string
	Kinds    []holf.PartnerKind
	Rows     []holf.PartnerContact // the contacts and two blank rows
	Conflict *holf.Partner
	New      bool
}

func (s *Server) partnerFormData(r *http.Request, rq *req, o holf.Office, pa holf.Partner, isNew bool) partnerFormPage {
	p := partnerFormPage{Page: s.page(r, rq, "partner.edit"), Office: o, Partner: pa, Kinds: holf.PartnerKinds, New: isNew,
		Rows: append(append([]holf.PartnerContact(nil), pa.Contacts...), holf.PartnerContact{Level: holf.LevelOperational}, holf.PartnerContact{Level: holf.LevelOperational})}
	if isNew {
		p.Title = s.t(rq, "partner.new")
	}
	if !pa.CheckedOn.IsZero() {
		p.Checked = pa.CheckedOn.Format("2006-01-02")
	}
	return p
}

func (s *Server) partnerNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	o, err := s.app.Partners.Office(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.partnerFormData(r, rq, o, holf.Partner{OfficeID: id, Kind: holf.PartnerSchool, Active: true, CheckedOn: s.app.Today()}, true)
	return s.render(w, http.StatusOK, "partner_form", &p)
}

// partnerFromForm reads the partner form.
func partnerFromForm(r *http.Request, office int64) (holf.Partner, string, holf.Validation) {
	pa := holf.Partner{OfficeID: office, Name: r.PostFormValue("name"), OrgNumber: r.PostFormValue("org_number"), Kind: holf.PartnerKind(r.PostFormValue("kind")),
		Service: r.PostFormValue("service"), Municipality: r.PostFormValue("municipality"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"),
		Active: r.PostFormValue("active") == "1", Version: formVersion(r, "version")}
	var bad holf.Validation
	checked := r.PostFormValue("checked_on")
	if d, ok := parseDay(checked); ok {
		pa.CheckedOn = d
	} else {
		bad.Add("checked_on", "err.date")
	}
	for i := 0; i < 30; i++ {
		f := func(n string) string { return r.PostFormValue("contact_" + strconv.Itoa(i) + "_" + n) }
		if strings.TrimSpace(f("name")) == "" && f("phone") == "" && f("email") == "" {
			continue
		}
		pa.Contacts = append(pa.Contacts, holf.PartnerContact{Name: f("name"), Role: f("role"), Level: holf.ContactLevel(f("level")), Phone: f("phone"), Email: f("email")})
	}
	return pa, checked, bad
}

func (s *Server) partnerSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	var pid int64
	if r.PathValue("pid") != "" {
		if pid, err = pathID(r, "pid", "partner"); err != nil {
			return err
		}
	}
	pa, checked, bad := partnerFromForm(r, id)
	pa.ID = pid
	var saved holf.Partner
	if err = bad.Err(); err == nil {
		if pid == 0 {
			saved, err = s.app.Partners.Create(r.Context(), rq.actor, pa)
		} else {
			saved, err = s.app.Partners.Update(r.Context(), rq.actor, pa)
		}
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/partners?notice=saved#partner-%d", id, saved.ID), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	// The form shown again is a read of the list's people: audited as one.
	d, derr := s.app.Partners.List(r.Context(), rq.actor, id)
	if derr != nil {
		return derr
	}
	p := s.partnerFormData(r, rq, d.Office, pa, pid == 0)
	p.Checked = checked
	return s.formError(w, rq, "partner_form", &p, err, func() error {
		cur, cerr := s.app.Partners.Get(r.Context(), rq.actor, id, pid)
		p.Conflict, p.Partner.Version = &cur, cur.Version
		return cerr
	})
}

func (s *Server) partnerEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	pid, err := pathID(r, "pid", "partner")
	if err != nil {
		return err
	}
	pa, err := s.app.Partners.Get(r.Context(), rq.actor, id, pid)
	if err != nil {
		return err
	}
	o, err := s.app.Partners.Office(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.partnerFormData(r, rq, o, pa, false)
	return s.render(w, http.StatusOK, "partner_form", &p)
}

// partnerExport writes the office's actor list as HSDS-shaped CSV.
func (s *Server) partnerExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	d, err := s.app.Partners.List(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(hsdsColumns)
	for _, p := range d.Partners {
		status, checked := "inactive", ""
		if p.Active {
			status = "active"
		}
		if !p.CheckedOn.IsZero() {
			checked = p.CheckedOn.Format("2006-01-02")
		}
		org := []string{p.Name, p.OrgNumber, string(p.Kind), p.Service, p.Municipality, p.Phone, p.Email, status, checked}
		if len(p.Contacts) == 0 {
			_ = cw.Write(append(org, "", "", "", "", ""))
		}
		for _, c := range p.Contacts {
			_ = cw.Write(append(append([]string{}, org...), c.Name, c.Role, string(c.Level), c.Phone, c.Email))
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="aktorliste-%d.csv"`, id))
	_, err = w.Write(buf.Bytes())
	return err
}

// csvLineErrors turns an import's problems on "line.N.column" into field
// errors that name the line and column and link to the pasted text.
func csvLineErrors(err error) error {
	if he, ok := holf.AsError(err); ok && he.Code == holf.EInvalid {
		var v holf.Validation
		for _, f := range he.Fields {
			rest, ok := strings.CutPrefix(f.Field, "line.")
			if !ok {
				v.Add("csv", f.Key, f.Args...)
				continue
			}
			line, column, _ := strings.Cut(rest, ".")
			n, _ := strconv.Atoi(line)
			v.Add("csv."+line+"."+column, "err.csv_line", n, column, holf.Term(f.Key))
		}
		return v.Err()
	}
	return err
}

// readHSDS reads an HSDS-shaped CSV into partners, one per organisation
// (rows of one organisation, by name and number, add contacts). Problems
// are named by line and column.
func readHSDS(in io.Reader) ([]holf.Partner, holf.Validation) {
	var bad holf.Validation
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		bad.Add("file", "err.csv_empty")
		return nil, bad
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"organization_name", "kind"} {
		if _, ok := col[need]; !ok {
			bad.Add("file", "err.csv_column", need)
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	var out []holf.Partner
	index := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad.Add("line."+strconv.Itoa(line), "err.csv_row")
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		key := get("organization_name") + "\x00" + get("organization_number")
		i, seen := index[key]
		if !seen {
			p := holf.Partner{Name: get("organization_name"), OrgNumber: get("organization_number"), Kind: holf.PartnerKind(get("kind")),
				Service: get("service_name"), Municipality: get("municipality"), Phone: get("phone"), Email: get("email"), Active: get("status") != "inactive"}
			if st := get("status"); st != "" && st != "active" && st != "inactive" {
				bad.Add("line."+strconv.Itoa(line)+".status", "err.status")
			}
			if d := get("last_checked"); d != "" {
				t, err := time.Parse("2006-01-02", d)
				if err != nil {
					bad.Add("line."+strconv.Itoa(line)+".last_checked", "err.date")
				}
				p.CheckedOn = t
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		if name := get("contact_name"); name != "" {
			out[i].Contacts = append(out[i].Contacts, holf.PartnerContact{Name: name, Role: get("contact_title"), Level: holf.ContactLevel(get("contact_level")),
				Phone: get("contact_phone"), Email: get("contact_email")})
		}
	}
	return out, bad
}

// partnerImport adds the rows of an uploaded CSV: every row is checked,
// and one bad row imports nothing.
func (s *Server) partnerImport(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	var in io.Reader = strings.NewReader(r.PostFormValue("csv"))
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		in = f
	}
	ps, bad := readHSDS(in)
	n, err := s.app.Partners.Import(r.Context(), rq.actor, id, ps, bad)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/offices/%d/partners?notice=saved&imported=%d", id, n), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	err = csvLineErrors(err)
	d, derr := s.app.Partners.List(r.Context(), rq.actor, id)
	if derr != nil {
		return derr
	}
	p := partnersPage{Page: s.page(r, rq, "partner.list"), Directory: d}
	p.Title = s.t(rq, "partner.list_heading", d.Office.Name)
	p.CSV = r.PostFormValue("csv")
	return s.formError(w, rq, "partners", &p, err, nil)
}
