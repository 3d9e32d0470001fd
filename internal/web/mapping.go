package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

type mappingField struct {
	Key, ID, Label, Value string
	Theirs                string // the saved text, when someone else saved first and it differs
	Conflict              bool
	Error                 string
}

type mappingSection struct {
	Key, Title string
	Help       string
	Updated    time.Time
	Fields     []mappingField
	// Filled counts the fields saved with text; DraftAt is when the
	// caller's draft of the section was kept (zero when none was restored).
	Filled  int
	DraftAt time.Time
	// Error says that this section's form came back (invalid or stale).
	Error bool
}

// Status is where the section stands: not started, begun, or filled in.
func (sec mappingSection) Status() string {
	switch {
	case sec.Filled == 0:
		return "not_started"
	case sec.Filled < len(sec.Fields):
		return "begun"
	}
	return "filled"
}

type mappingPage struct {
	Page
	Review   reviewBox
	Family   holf.Family
	Mapping  holf.Mapping
	Sections []mappingSection
	CanEdit  bool
	formState
	BaseVer   int
	Conflict  bool
	SavedBy   string
	HasFields bool
}

// SectionStatus says where sec stands, for its heading and the contents.
func (p *mappingPage) SectionStatus(sec mappingSection) string {
	if st := sec.Status(); st != "begun" {
		return p.T("mapping.status." + st)
	}
	return p.T("mapping.status.begun", sec.Filled, len(sec.Fields))
}

func fieldID(key string) string { return "f-" + strings.ReplaceAll(key, ".", "-") }

// mappingSections lays out the form for a family: one section per target
// area of its office, one per child, one per parent.
func (s *Server) mappingSections(p *Page, f holf.Family, areas []holf.TargetArea, values map[string]string, updated map[string]time.Time) []mappingSection {
	var out []mappingSection
	field := func(key, label string) mappingField {
		return mappingField{Key: key, ID: fieldID(key), Label: label, Value: values[key]}
	}

	for _, a := range areas {
		sec := mappingSection{Key: "area." + string(a), Title: p.T("area." + string(a)), Help: p.T("area_help." + string(a)), Updated: updated["area."+string(a)]}
		for _, fl := range holf.AreaFields {
			sec.Fields = append(sec.Fields, field(holf.AreaKey(a, fl), p.T("mapping."+fl)))
		}
		out = append(out, sec)
	}
	now := s.app.Now()
	for _, m := range f.Children() {
		key := "child." + strconv.FormatInt(m.ID, 10)
		sec := mappingSection{Key: key, Title: p.T("mapping.child_section", m.Name, m.Age(now)), Updated: updated[key]}
		for _, fl := range holf.ChildFields {
			sec.Fields = append(sec.Fields, field(holf.ChildKey(m.ID, fl), p.T("mapping.child."+fl)))
		}
		out = append(out, sec)
	}
	for _, m := range f.Parents() {
		key := "parent." + strconv.FormatInt(m.ID, 10)
		sec := mappingSection{Key: key, Title: p.T("mapping.parent_section", m.Name), Updated: updated[key]}
		for _, fl := range holf.ParentFields {
			sec.Fields = append(sec.Fields, field(holf.ParentKey(m.ID, fl), p.T("mapping.parent."+fl)))
		}
		out = append(out, sec)
	}
	// Where each section stands, from what is saved.
	for i := range out {
		for _, f := range out[i].Fields {
			if strings.TrimSpace(f.Value) != "" {
				out[i].Filled++
			}
		}
	}
	return out
}

func (s *Server) mappingData(r *http.Request, rq *req, rec app.MappingRecord) mappingPage {
	f := rec.Family
	p := mappingPage{Page: s.page(r, rq, "mapping.title"), Family: f, Mapping: rec.Current, CanEdit: rec.CanEdit}
	p.BaseVer = p.Mapping.Version
	p.Title = s.t(rq, "mapping.heading", f.Name)
	p.Sections = s.mappingSections(&p.Page, f, rec.Areas, p.Mapping.Fields, holf.SectionUpdates(rec.Versions))
	p.HasFields = len(p.Mapping.Fields) > 0
	return p
}

func (s *Server) mappingShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	rec, err := s.app.Mappings.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.mappingData(r, rq, rec)
	// A section just saved is named in the confirmation, and the page
	// returns to it (the redirect's fragment).
	for _, sec := range p.Sections {
		if sec.Key == r.URL.Query().Get("saved") {
			p.Notice = s.t(rq, "mapping.section_saved", sec.Title)
		}
	}
	// What the caller typed and did not save yet, where the section has
	// not changed since.
	drafts, err := s.app.Mappings.Drafts(r.Context(), rq.actor, rec)
	if err != nil {
		return err
	}
	for i := range p.Sections {
		sec := &p.Sections[i]
		d, ok := drafts[sec.Key]
		if !ok {
			continue
		}
		v, err := url.ParseQuery(d.Content)
		if err != nil {
			continue
		}
		sec.DraftAt = d.SavedAt
		for j := range sec.Fields {
			sec.Fields[j].Value = v.Get(sec.Fields[j].Key)
		}
	}
	if p.Review, err = s.formReviews(r, rq, &p.Family, holf.ReviewMapping, p.Family.ID); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "mapping", &p)
}

// mappingSave stores a new version. A stale base version is refused and the
// form comes back with what the user typed and, beside each field someone
// else changed, what is saved now: nothing is lost.
func (s *Server) mappingSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	base := formVersion(r, "base_version")
	if err := r.ParseForm(); err != nil {
		return tooLarge(err)
	}
	// Every field of the form is sent; the use case refuses keys that are
	// not the family's.
	typed := holf.Mapping{FamilyID: id, Version: int(base), Fields: map[string]string{}}
	for k, vs := range r.PostForm {
		if strings.HasPrefix(k, "area.") || strings.HasPrefix(k, "child.") || strings.HasPrefix(k, "parent.") {
			typed.Fields[k] = strings.ReplaceAll(vs[0], "\r\n", "\n")
		}
	}
	_, rec, err := s.app.Mappings.SaveForm(r.Context(), rq.actor, typed)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/mapping?notice=saved", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
		return nil
	}
	return s.mappingAgain(w, r, rq, rec, typed.Fields, "", base, err)
}

// mappingAgain shows the mapping again after err refused a save of section
// ("" for the whole form), from version base: the fields typed keep what
// was typed; a field error is named on its field; after a conflict each
// field someone else changed shows what is saved now beside the typing.
// Nothing typed is lost.
func (s *Server) mappingAgain(w http.ResponseWriter, r *http.Request, rq *req, rec app.MappingRecord, typed map[string]string, section string, base int64, err error) error {
	fields, invalid := s.fieldMessages(rq, err)
	if rec.Family.ID == 0 || !invalid && holf.ErrorCode(err) != holf.EConflict {
		return err
	}
	p := s.mappingData(r, rq, rec)
	saved := rec.Current
	for i := range p.Sections {
		sec := &p.Sections[i]
		if section != "" && sec.Key != section {
			continue
		}
		sec.Error = section != ""
		for j := range sec.Fields {
			fl := &sec.Fields[j]
			fl.Value = typed[fl.Key]
			if theirs := saved.Fields[fl.Key]; !invalid && strings.TrimSpace(theirs) != strings.TrimSpace(fl.Value) {
				fl.Theirs, fl.Conflict = theirs, true
			}
		}
	}
	if invalid {
		p.fail(s.t(rq, "form.fix"), fields)
		for i := range p.Sections {
			for j := range p.Sections[i].Fields {
				p.Sections[i].Fields[j].Error = p.Errors[p.Sections[i].Fields[j].Key]
			}
		}
		p.BaseVer = int(base)
		return s.render(w, http.StatusUnprocessableEntity, "mapping", &p)
	}
	p.Conflict, p.Summary, p.SavedBy = true, s.t(rq, "mapping.conflict"), saved.Actor
	p.SummaryHelp = s.t(rq, "mapping.conflict_help", saved.Actor)
	p.BaseVer = saved.Version
	return s.render(w, http.StatusConflict, "mapping", &p)
}

// sectionForm reads the family and mapping section a section's form posts
// to, and its body.
func sectionForm(r *http.Request) (int64, string, error) {
	id, err := familyID(r)
	if err != nil {
		return 0, "", err
	}
	if err := r.ParseForm(); err != nil {
		return 0, "", tooLarge(err)
	}
	return id, r.PathValue("section"), nil
}

// mappingSectionSave stores one section as the next version, the other
// sections as they are saved now. It is refused only when someone changed
// this section meanwhile: the section comes back with what was typed and,
// beside each field they changed, what is saved now.
func (s *Server) mappingSectionSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, section, err := sectionForm(r)
	if err != nil {
		return err
	}
	typed := map[string]string{}
	for k, vs := range r.PostForm {
		if holf.Section(k) == section {
			typed[k] = strings.ReplaceAll(vs[0], "\r\n", "\n")
		}
	}
	base := formVersion(r, "base_version")
	_, rec, err := s.app.Mappings.SaveSection(r.Context(), rq.actor, id, section, int(base), typed)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/mapping?saved=%s#s-%s", id, url.QueryEscape(section), fieldID(section)), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id and an escaped key
		return nil
	}
	return s.mappingAgain(w, r, rq, rec, typed, section, base, err)
}

// mappingSectionDraft keeps what a section's form holds so far (posted by
// the page's script as the user types), or throws it away.
func (s *Server) mappingSectionDraft(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, section, err := sectionForm(r)
	if err != nil {
		return err
	}
	if r.PostForm.Get("discard") == "1" {
		if err := s.app.Mappings.DiscardDraft(r.Context(), rq.actor, id, section); err != nil {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/families/%d/mapping#s-%s", id, fieldID(section)), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	v := url.Values{}
	for k, vs := range r.PostForm {
		if holf.Section(k) == section {
			v[k] = vs
		}
	}
	if err := s.app.Mappings.SaveDraft(r.Context(), rq.actor, id, section, formVersion(r, "base_version"), v.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type mappingVersionLine struct {
	Version  holf.Mapping
	Changes  int
	Sections []string
}

type mappingHistoryPage struct {
	Page
	Family   holf.Family
	Versions []mappingVersionLine
	From, To int
	Diff     []diffLine
	HasDiff  bool
}

type diffLine struct {
	Section, Label string
	Before, After  string
}

// mappingHistory lists the versions, newest first, and shows what changed
// between two of them (?from=&to=; by default the last save).
func (s *Server) mappingHistory(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	rec, err := s.app.Mappings.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f, versions := rec.Family, rec.Versions
	p := mappingHistoryPage{Page: s.page(r, rq, "mapping.history"), Family: f}
	p.Title = s.t(rq, "mapping.history_heading", f.Name)
	labels := map[string][2]string{}
	for _, sec := range s.mappingSections(&p.Page, f, holf.TargetAreas, nil, nil) {
		for _, fl := range sec.Fields {
			labels[fl.Key] = [2]string{sec.Title, fl.Label}
		}
	}
	prev := holf.Mapping{}
	for _, v := range versions {
		changes := holf.DiffMappings(prev, v)
		line := mappingVersionLine{Version: v, Changes: len(changes)}
		for _, c := range changes {
			title := labels[c.Key][0]
			if title == "" {
				title = s.t(rq, "mapping.removed_section")
			}
			if len(line.Sections) == 0 || line.Sections[len(line.Sections)-1] != title {
				line.Sections = append(line.Sections, title)
			}
		}
		p.Versions = append([]mappingVersionLine{line}, p.Versions...)
		prev = v
	}
	if len(versions) > 0 {
		q := r.URL.Query()
		p.To, p.From = len(versions), len(versions)-1
		if n, err := strconv.Atoi(q.Get("to")); err == nil && n >= 1 && n <= len(versions) {
			p.To = n
		}
		if n, err := strconv.Atoi(q.Get("from")); err == nil && n >= 0 && n <= len(versions) {
			p.From = n
		}
		a, b := holf.Mapping{}, versions[p.To-1]
		if p.From > 0 {
			a = versions[p.From-1]
		}
		for _, c := range holf.DiffMappings(a, b) {
			l := labels[c.Key]
			if l[0] == "" {
				l = [2]string{s.t(rq, "mapping.removed_section"), c.Key}
			}
			p.Diff = append(p.Diff, diffLine{Section: l[0], Label: l[1], Before: c.Before, After: c.After})
		}
		p.HasDiff = true
	}
	return s.render(w, http.StatusOK, "mapping_history", &p)
}
