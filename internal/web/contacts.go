package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// The quick contact log: one short form with sensible defaults (a call,
// now, about the first parent, five minutes), on the family page and on a
// page of its own sized for a phone.

// contactForm is the log's form as typed.
type contactForm struct {
	ID      int64
	Version int64
	Kind    holf.ContactKind
	Member  int64
	Date    string
	Time    string
	Minutes string
	Note    string
	Members []holf.Member
	Kinds   []holf.ContactKind
}

func newContactForm(f holf.Family, now time.Time) contactForm {
	c := contactForm{Kind: holf.ContactCall, Minutes: "5", Members: f.Members, Kinds: holf.ContactKinds}
	if ps := f.Parents(); len(ps) > 0 {
		c.Member = ps[0].ID
	}
	local := now.In(oslo)
	c.Date, c.Time = local.Format("2006-01-02"), local.Format("15:04")
	return c
}

func contactFormOf(f holf.Family, ct holf.Contact) contactForm {
	local := ct.At.In(oslo)
	return contactForm{ID: ct.ID, Version: ct.Version, Kind: ct.Kind, Member: ct.MemberID, Date: local.Format("2006-01-02"), Time: local.Format("15:04"),
		Minutes: strconv.Itoa(ct.Minutes), Note: ct.Note, Members: f.Members, Kinds: holf.ContactKinds}
}

// readContact reads the form; what cannot be read is reported with the rest.
func readContact(r *http.Request, f holf.Family) (holf.Contact, contactForm, holf.Validation) {
	in := contactForm{Kind: holf.ContactKind(r.PostFormValue("kind")), Date: r.PostFormValue("date"), Time: r.PostFormValue("time"),
		Minutes: strings.TrimSpace(r.PostFormValue("minutes")), Note: r.PostFormValue("note"), Members: f.Members, Kinds: holf.ContactKinds}
	in.Member, _ = strconv.ParseInt(r.PostFormValue("member"), 10, 64)
	ct := holf.Contact{Kind: in.Kind, MemberID: in.Member, Note: in.Note}
	var bad holf.Validation
	d, dok := parseDay(in.Date)
	clock, cerr := time.Parse("15:04", in.Time)
	switch {
	case in.Date == "":
	case !dok:
		bad.Add("at", "err.date")
	case cerr != nil:
		bad.Add("at", "err.time")
	default:
		ct.At = time.Date(d.Year(), d.Month(), d.Day(), clock.Hour(), clock.Minute(), 0, 0, oslo)
	}
	if in.Minutes != "" {
		n, err := strconv.Atoi(in.Minutes)
		if err != nil {
			bad.Add("minutes", "err.number")
		}
		ct.Minutes = n
	}
	return ct, in, bad
}

type contactPage struct {
	Page
	formState
	Family   holf.Family
	Form     contactForm
	Conflict *holf.Contact
	Journal  string
	CanEdit  bool
}

func (s *Server) contactNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	fam, _, err := s.app.Contacts.NewContact(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := contactPage{Page: s.page(r, rq, "contact.new"), Family: fam, Form: newContactForm(fam, s.app.Now()), CanEdit: true}
	return s.render(w, http.StatusOK, "contact", &p)
}

func (s *Server) contactAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	fam, _, err := s.app.Contacts.NewContact(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	ct, in, parsed := readContact(r, fam)
	ct.FamilyID = id
	if _, err = s.app.Contacts.Add(r.Context(), rq.actor, ct, parsed); err == nil {
		back := fmt.Sprintf("/families/%d?notice=contact_logged#contacts", id)
		if r.PostFormValue("from") == "page" {
			back = fmt.Sprintf("/families/%d/contacts/new?notice=contact_logged", id)
		}
		http.Redirect(w, r, back, http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	p := contactPage{Page: s.page(r, rq, "contact.new"), Family: fam, Form: in, CanEdit: true}
	return s.formError(w, rq, "contact", &p, err, nil)
}

func (s *Server) contactIDs(r *http.Request) (int64, int64, error) {
	return familyItem(r, "cid", "contact")
}

func (s *Server) contactEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := s.contactIDs(r)
	if err != nil {
		return err
	}
	fam, ct, err := s.app.Contacts.Get(r.Context(), rq.actor, id, cid)
	if err != nil {
		return err
	}
	p := contactPage{Page: s.page(r, rq, "contact.edit"), Family: fam, Form: contactFormOf(fam, ct), CanEdit: true}
	p.Journal = contactJournal(&p.Page, fam, ct)
	return s.render(w, http.StatusOK, "contact", &p)
}

func (s *Server) contactUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := s.contactIDs(r)
	if err != nil {
		return err
	}
	fam, cur, err := s.app.Contacts.Get(r.Context(), rq.actor, id, cid)
	if err != nil {
		return err
	}
	ct, in, parsed := readContact(r, fam)
	ct.FamilyID, ct.ID, ct.Version = id, cid, formVersion(r, "version")
	in.ID, in.Version = cid, ct.Version
	if _, err = s.app.Contacts.Update(r.Context(), rq.actor, ct, parsed); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=saved#contacts", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	p := contactPage{Page: s.page(r, rq, "contact.edit"), Family: fam, Form: in, CanEdit: true}
	return s.formError(w, rq, "contact", &p, err, func() error {
		p.Conflict, p.Form.Version = &cur, cur.Version
		return nil
	})
}

func (s *Server) contactDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, cid, err := s.contactIDs(r)
	if err != nil {
		return err
	}
	if err := s.app.Contacts.Delete(r.Context(), rq.actor, id, cid, formVersion(r, "version")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=deleted#contacts", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
	return nil
}

// contactJournal is the one line NAV's journal needs for a contact.
func contactJournal(p *Page, f holf.Family, c holf.Contact) string {
	local := c.At.In(oslo)
	s := local.Format("02.01.2006 15:04") + " – " + p.T("contact.kind."+string(c.Kind))
	for _, m := range f.Members {
		if m.ID == c.MemberID {
			s += " – " + m.Name
		}
	}
	if c.Minutes > 0 {
		s += fmt.Sprintf(" (%d min)", c.Minutes)
	}
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s + "\n"
}

// ContactKindName translates a contact kind.
func (p *Page) ContactKindName(k holf.ContactKind) string { return p.T("contact.kind." + string(k)) }

// MemberName names member id of the family page's family.
func (p *familyPage) MemberName(id int64) string {
	for _, m := range p.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}

// MeetingText describes a meeting on the timeline.
func (p *familyPage) MeetingText(m *holf.Meeting) string {
	var names []string
	for _, x := range m.Participants {
		if x.Kind == holf.ParticipantMember {
			names = append(names, p.MemberName(x.MemberID))
		}
	}
	s := p.T("meeting.kind."+string(m.Kind)) + " (" + p.T("meeting.status."+string(m.Status)) + ")"
	if len(names) > 0 {
		s += " – " + strings.Join(names, ", ")
	}
	return s
}

// ContactText describes a contact on the timeline.
func (p *familyPage) ContactText(c *holf.Contact) string {
	s := p.ContactKindName(c.Kind)
	if n := p.MemberName(c.MemberID); n != "" {
		s += " – " + n
	}
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s
}

// StageOf is where meeting m is now.
func (p *familyPage) StageOf(m holf.Meeting) holf.Stage { return m.Stage(p.Now) }

// KindOn reports whether the timeline filter shows kind k.
func (p *familyPage) KindOn(k app.TimelineKind) bool {
	for _, x := range p.Filter.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// TimelineKinds are the filter's choices.
func (p *familyPage) TimelineKinds() []app.TimelineKind { return app.TimelineKinds }
