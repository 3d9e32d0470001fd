package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/trial"
)

// ---- caseload ----

// caseloadRow is one line of the caseload with every text worked out in Go:
// a coordinator's caseload can hold a few hundred lines, and template
// function calls per cell cost more than the queries.
type caseloadRow struct {
	Family       holf.Family
	Stats        store.CaseloadRow
	Parents      int
	Children     int
	Interpreter  []string
	Coordinators []string
	Status       string
	Members      string
	Interp       string
	Coord        string
	NextDue      string
	Mapping      string
	Plan         string
	HTML         template.HTML // the whole <tr>, built by rowHTML
	CaseLabel    string        // "sak" before the case number
	Office       string        // the office's name, when the list spans several
	OfficeLabel  string
	// Labels are the column headings after the name, for the cards a
	// narrow screen shows instead of the table.
	Labels []string
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// rowHTML writes a caseload row. A caseload can hold hundreds of families,
// and html/template spends about 2 µs on each action; building the row here,
// escaping every text with template.HTMLEscapeString (ids are integers),
// makes the page several times cheaper. TestCaseloadEscapesText guards it.
func (row *caseloadRow) rowHTML(notYet string) template.HTML {
	esc := template.HTMLEscapeString
	or := func(s, alt string) string {
		if s == "" {
			return alt
		}
		return esc(s)
	}
	var b strings.Builder
	id := strconv.FormatInt(row.Family.ID, 10)
	b.WriteString(`<tr><th scope="row"><a href="/families/` + id + `">` + esc(row.Family.Name) + `</a>`)
	// What tells two families of one name apart: the first parent, the case number.
	b.WriteString(`<span class="case-detail">` + esc(firstWord(row.Stats.FirstParent)) + ` · ` + esc(row.CaseLabel) + ` ` + id + `</span></th>`)
	l := row.Labels
	td := func(i int, class string) string {
		if class != "" {
			class = ` class="` + class + `"`
		}
		return `<td` + class + ` data-label="` + esc(l[i]) + `">`
	}
	if row.Office != "" {
		b.WriteString(`<td data-label="` + esc(row.OfficeLabel) + `">` + esc(row.Office) + `</td>`)
	}
	b.WriteString(td(0, "") + `<span class="status status-` + esc(string(row.Family.Status)) + `">` + esc(row.Status) + `</span></td>`)
	b.WriteString(td(1, "") + esc(row.Members) + `</td>` + td(2, "") + or(row.Interp, "–") + `</td>` + td(3, "") + esc(row.Coord) + `</td>`)
	if row.Stats.Overdue > 0 {
		b.WriteString(td(4, "num") + `<a href="/families/` + id + `/plan?view=due" class="late">` + strconv.Itoa(row.Stats.Overdue) + `</a></td>`)
	} else {
		b.WriteString(td(4, "num") + `0</td>`)
	}
	muted := `<span class="muted">` + esc(notYet) + `</span>`
	b.WriteString(td(5, "") + or(row.NextDue, "–") + `</td>` + td(6, "") + or(row.Mapping, muted) + `</td>` + td(7, "") + or(row.Plan, muted) + `</td></tr>`)
	return template.HTML(b.String()) // #nosec G203 -- every text above is escaped
}

type caseloadPage struct {
	Page
	formState
	Rows      []caseloadRow
	Mine      bool
	CanMine   bool
	Status    string
	Search    string
	Sort      string
	Statuses  []holf.FamilyStatus
	CanRecord bool
	Counts    map[holf.FamilyStatus]int
	NotYet    string
	// Offices are the caller's offices when they are several: the filter's
	// choices, and a column of the list.
	Offices []holf.Office
	Office  int64
}

// openStatuses are the families still in follow-up, the caseload's default.
var openStatuses = []holf.FamilyStatus{holf.StatusCandidate, holf.StatusRecruited, holf.StatusActive}

func (s *Server) caseload(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	p := caseloadPage{Page: s.page(r, rq, "caseload.title"), Statuses: holf.FamilyStatuses, Search: q.Get("q"), Sort: q.Get("sort"),
		CanMine: rq.actor.HasRole(holf.RoleCoordinator), CanRecord: policy.Allows(rq.actor, policy.FamilyManage)}
	// Coordinators start with their own families; leaders and training
	// support with the office's.
	p.Mine = p.CanMine && q.Get("scope") != "office"
	fq := app.FamilyQuery{Mine: p.Mine, Search: p.Search}
	// Those who follow several offices (training support) choose one, and
	// see which office each family belongs to.
	offices, err := s.app.Offices.Own(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	officeName := map[int64]string{}
	if len(offices) > 1 {
		p.Offices = offices
		for _, o := range offices {
			officeName[o.ID] = o.Name
		}
		fq.Office, _ = strconv.ParseInt(q.Get("office"), 10, 64)
		p.Office = fq.Office
	}
	p.Status = q.Get("status")
	switch st := holf.FamilyStatus(p.Status); {
	case p.Status == "all":
	case st.Valid():
		fq.Statuses = []holf.FamilyStatus{st}
	default:
		p.Status, fq.Statuses = "open", openStatuses
	}
	cl, err := s.app.Families.Caseload(r.Context(), rq.actor, fq)
	if formProblem(err) {
		return s.formError(w, rq, "caseload", &p, err, nil)
	}
	if err != nil {
		return err
	}
	statusLabel := map[holf.FamilyStatus]string{}
	for _, st := range holf.FamilyStatuses {
		statusLabel[st] = p.StatusName(st)
	}
	p.NotYet = p.T("caseload.not_yet")
	labels := []string{p.T("family.status"), p.T("family.members"), p.T("family.interpreter"), p.T("family.coordinators"), p.T("caseload.overdue"),
		p.T("caseload.next_due"), p.T("caseload.mapping"), p.T("caseload.plan")}
	p.Counts = map[holf.FamilyStatus]int{}
	for _, c := range cl.Rows {
		fam := c.Family
		row := caseloadRow{Family: fam, Stats: c, Parents: c.Parents, Children: c.Children, Interpreter: c.Interpreter}
		for _, id := range []int64{fam.PrimaryCoordinatorID, fam.SecondCoordinatorID} {
			if id != 0 {
				row.Coordinators = append(row.Coordinators, cl.Staff[id])
			}
		}
		row.Status = statusLabel[fam.Status]
		row.Members = p.N("caseload.adults", row.Parents) + ", " + p.N("caseload.children", row.Children)
		row.Interp = strings.Join(row.Interpreter, ", ")
		row.Coord = strings.Join(row.Coordinators, ", ")
		row.NextDue, row.Mapping, row.Plan = formatDate(c.NextDue), formatDateTime(c.MappingUpdated), formatDateTime(c.PlanUpdated)
		row.CaseLabel, row.Labels, row.Office = p.T("caseload.case"), labels, officeName[fam.OfficeID]
		row.OfficeLabel = p.T("family.office")
		row.HTML = row.rowHTML(p.NotYet)
		p.Rows = append(p.Rows, row)
		p.Counts[fam.Status]++
	}
	sortCaseload(p.Rows, p.Sort)
	return s.render(w, http.StatusOK, "caseload", &p)
}

func sortCaseload(rows []caseloadRow, by string) {
	rank := func(st holf.FamilyStatus) int { return slices.Index(holf.FamilyStatuses, st) }
	slices.SortStableFunc(rows, func(a, b caseloadRow) int {
		switch by {
		case "status":
			return rank(a.Family.Status) - rank(b.Family.Status)
		case "updated":
			return b.Family.UpdatedAt.Compare(a.Family.UpdatedAt)
		case "consent":
			return a.Family.ConsentDate.Compare(b.Family.ConsentDate)
		case "overdue":
			return b.Stats.Overdue - a.Stats.Overdue
		case "mapping":
			return a.Stats.MappingUpdated.Compare(b.Stats.MappingUpdated)
		}
		return strings.Compare(strings.ToLower(a.Family.Name), strings.ToLower(b.Family.Name))
	})
}

// familyID is the family in the path.
func familyID(r *http.Request) (int64, error) { return pathID(r, "id", "family") }

type familyPage struct {
	Page
	Cases      []holf.SupervisionCase // supervision of this family, with what came back
	CanPrepare bool
	app.FamilyRecord
	formState
	Reasons     []holf.DischargeReason
	TodayISO    string
	StatusInput statusInput
	Contact     contactForm
}

type statusInput struct {
	To, On, Reason, Note string
}

func (s *Server) familyShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	filter := timelineFilter(r)
	rec, err := s.app.Families.Record(r.Context(), rq.actor, id, filter)
	if err != nil {
		return err
	}
	p := s.familyPage(r, rq, rec)
	if p.Cases, err = s.app.Learning.FamilyCases(r.Context(), rq.actor, id); err != nil {
		return err
	}
	p.CanPrepare = policy.Decide(rq.actor, policy.CasePrepare, policy.FamilyResource("family", rec.Family.OfficeID, id)).Allowed
	return s.render(w, http.StatusOK, "family", &p)
}

// timelineFilter reads the timeline's filter from the query: kind (any
// number) and member.
func timelineFilter(r *http.Request) app.TimelineFilter {
	var f app.TimelineFilter
	for _, k := range r.URL.Query()["kind"] {
		if k != "" {
			f.Kinds = append(f.Kinds, app.TimelineKind(k))
		}
	}
	f.Member, _ = strconv.ParseInt(r.URL.Query().Get("member"), 10, 64)
	return f
}

func (s *Server) familyPage(r *http.Request, rq *req, rec app.FamilyRecord) familyPage {
	p := familyPage{Page: s.page(r, rq, "family.title"), FamilyRecord: rec, Reasons: holf.DischargeReasons,
		TodayISO: rec.Today.Format("2006-01-02")}
	p.Contact = newContactForm(rec.Family, rec.Now)
	p.Title = rec.Family.Name
	return p
}

// EventText describes a timeline event in the page's language, from its
// kind and structured details.
func (p *familyPage) EventText(e holf.FamilyEvent) string {
	d := e.Details
	var msg string
	switch e.Kind {
	case holf.EventCreated:
		return p.T("event.created", strings.ToLower(p.StatusName(d.Status)))
	case holf.EventReplacedBy:
		return p.T("event.replaced_by")
	case holf.EventUpdated:
		if len(d.Changes) == 0 {
			return p.T("event.updated")
		}
		parts := make([]string, 0, len(d.Changes))
		for _, c := range d.Changes {
			if c.Name != "" {
				parts = append(parts, p.T("change."+c.What, c.Name))
			} else {
				parts = append(parts, p.T("change."+c.What))
			}
		}
		return p.T("event.updated") + ": " + strings.Join(parts, "; ")
	case holf.EventMapping:
		return p.T("event.mapping", d.Version)
	case holf.EventPlan:
		return p.T("plan.change."+d.PlanChange, d.Item)
	case holf.EventDischarged:
		msg = p.T("event.discharged", p.ReasonName(d.Reason))
	default:
		msg = p.T("event." + string(e.Kind))
	}
	if d.Note != "" {
		msg += " – " + d.Note
	}
	return msg
}

// StatusName translates a family status.
func (p *Page) StatusName(s holf.FamilyStatus) string { return p.T("status." + string(s)) }

// ReasonName translates a discharge reason.
func (p *Page) ReasonName(r holf.DischargeReason) string { return p.T("reason." + string(r)) }

// statusChange reads a status change from the family page's form; a date
// that is no date is reported with the rest.
func statusChange(id, version int64, in statusInput) (holf.StatusChange, holf.Validation) {
	c := holf.StatusChange{FamilyID: id, Version: version, To: holf.FamilyStatus(in.To), Reason: holf.DischargeReason(in.Reason), Note: in.Note}
	var v holf.Validation
	if in.On != "" {
		on, ok := parseDay(in.On)
		if !ok {
			v.Add("on", "err.date")
		}
		c.On = on
	}
	return c, v
}

func (s *Server) familyStatus(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	version := formVersion(r, "version")
	in := statusInput{To: r.PostFormValue("to"), On: r.PostFormValue("on"), Reason: r.PostFormValue("reason"), Note: r.PostFormValue("note")}
	c, parsed := statusChange(id, version, in)
	_, err = s.app.Families.ChangeStatus(r.Context(), rq.actor, c, parsed)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=saved", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
		return nil
	}
	if !formProblem(err) {
		return err
	}
	// The page comes back with what was typed; showing it again is a view.
	rec, rerr := s.app.Families.Record(r.Context(), rq.actor, id, app.TimelineFilter{})
	if rerr != nil {
		return rerr
	}
	p := s.familyPage(r, rq, rec)
	p.StatusInput = in
	return s.formError(w, rq, "family", &p, err, noConflictBox)
}

// ---- recruit and edit ----

type memberRow struct {
	Index  int
	Member holf.Member
	Year   string // as typed, so a bad year is shown back
}

type familyFormPage struct {
	Page
	Family       holf.Family
	New          bool
	Offices      []holf.Office
	Coordinators []holf.Person
	Discharged   []holf.Family
	Rows         []memberRow
	formState
	Conflict *holf.Family
	// Target is the target-list entry a new family is created from (nil
	// for a family added by hand).
	Target *trial.Target
}

// familyForm builds the form for f; rows holds the member rows as typed.
func (s *Server) familyForm(r *http.Request, rq *req, f holf.Family, rows []memberRow, isNew bool) (familyFormPage, error) {
	key := "family.edit"
	if isNew {
		key = "family.new"
	}
	p := familyFormPage{Page: s.page(r, rq, key), Family: f, New: isNew, Rows: rows}
	opts, err := s.app.Families.Form(r.Context(), rq.actor, isNew)
	if err != nil {
		return p, err
	}
	p.Offices, p.Coordinators, p.Discharged = opts.Offices, opts.Coordinators, opts.Discharged
	if isNew && r.FormValue("target") != "" {
		// From the entry's link (a query) or the form sent back (a post).
		id := func(name string) int64 { n, _ := strconv.ParseInt(r.FormValue(name), 10, 64); return n }
		e, err := s.app.Targets.Entry(r.Context(), rq.actor, id("target_office"), id("target"))
		if err != nil {
			return p, err
		}
		p.Target, p.Family.OfficeID = &e.Entry, e.List.Office.ID
		if len(p.Rows) == 0 {
			// The parent as the list names them, and the family after them.
			p.Rows = []memberRow{{Member: holf.Member{Role: holf.MemberParent, Name: e.Entry.Name, LivesAtHome: true}}}
			if p.Family.Name == "" {
				p.Family.Name = s.t(rq, "family.named", lastName(e.Entry.Name))
			}
		}
	}
	if p.Family.OfficeID == 0 && len(p.Offices) > 0 {
		p.Family.OfficeID = p.Offices[0].ID
	}
	// Empty rows to add members without JavaScript: enough for two parents
	// and four children on a new family, two more when editing.
	extra := 2
	if isNew {
		extra = max(6-len(p.Rows), 2)
	}
	for i := 0; i < extra; i++ {
		role := holf.MemberChild
		if isNew && len(p.Rows) < 2 && i < 2-len(p.Rows) {
			role = holf.MemberParent
		}
		p.Rows = append(p.Rows, memberRow{Index: len(p.Rows), Member: holf.Member{Role: role, LivesAtHome: true}})
	}
	return p, nil
}

func rowsOf(ms []holf.Member) []memberRow {
	rows := make([]memberRow, len(ms))
	for i, m := range ms {
		rows[i] = memberRow{Index: i, Member: m, Year: strconv.Itoa(m.BirthYear)}
	}
	return rows
}

// familyFromForm reads the family form. Member rows left blank are skipped;
// the rest are numbered in order so that field errors match the rows shown.
func familyFromForm(r *http.Request) (holf.Family, []memberRow, holf.Validation) {
	var v holf.Validation
	id := func(name string) int64 { return formID(r, name) }
	f := holf.Family{Name: r.PostFormValue("name"), OfficeID: id("office"), PrimaryCoordinatorID: id("primary_coordinator"),
		SecondCoordinatorID: id("second_coordinator"), ReplacesFamilyID: id("replaces"), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	var rows []memberRow
	for i := 0; i < 30; i++ {
		key := func(field string) string { return fmt.Sprintf("member_%d_%s", i, field) }
		if _, ok := r.PostForm[key("role")]; !ok {
			break
		}
		name, year := strings.TrimSpace(r.PostFormValue(key("name"))), strings.TrimSpace(r.PostFormValue(key("birth_year")))
		if name == "" && year == "" {
			continue
		}
		m := holf.Member{ID: id(key("id")), Role: holf.MemberRole(r.PostFormValue(key("role"))), Name: name,
			CountryOfBirth: r.PostFormValue(key("country")), Languages: r.PostFormValue(key("languages")),
			InterpreterNeeded: r.PostFormValue(key("interpreter")) == "on", InterpreterLanguage: r.PostFormValue(key("interpreter_language")),
			LivesAtHome: r.PostFormValue(key("home")) == "on"}
		n := len(rows)
		if y, err := strconv.Atoi(year); err == nil {
			m.BirthYear = y
		} else {
			v.Add(fmt.Sprintf("members.%d.birth_year", n), "err.number")
			m.BirthYear = -1
		}
		rows = append(rows, memberRow{Index: n, Member: m, Year: year})
		f.Members = append(f.Members, m)
	}
	return f, rows, v
}

func (s *Server) familyNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	f := holf.Family{Status: holf.StatusCandidate}
	if rq.actor.HasRole(holf.RoleCoordinator) {
		f.PrimaryCoordinatorID = rq.actor.PersonID
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("replaces"), 10, 64); err == nil {
		f.ReplacesFamilyID = id
	}
	p, err := s.familyForm(r, rq, f, nil, true)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "family_form", &p)
}

func (s *Server) familyCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, rows, parsed := familyFromForm(r)
	var err error
	if r.PostFormValue("target") != "" {
		f, err = s.app.Targets.CreateFamily(r.Context(), rq.actor, formID(r, "target_office"), formID(r, "target"), formVersion(r, "target_version"), f, parsed)
	} else {
		f, err = s.app.Families.Create(r.Context(), rq.actor, f, parsed)
	}
	if err != nil {
		return s.familyFormError(w, r, rq, f, rows, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=created", f.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from a new id
	return nil
}

func (s *Server) familyEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	f, err := s.app.Families.Edit(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.familyForm(r, rq, f, rowsOf(f.Members), false)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "family_form", &p)
}

func (s *Server) familyUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	f, rows, parsed := familyFromForm(r)
	f.ID = id
	f.Version = formVersion(r, "version")
	f, err = s.app.Families.Update(r.Context(), rq.actor, f, parsed)
	if err != nil {
		return s.familyFormError(w, r, rq, f, rows, false, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=saved", f.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
	return nil
}

func (s *Server) familyFormError(w http.ResponseWriter, r *http.Request, rq *req, f holf.Family, rows []memberRow, isNew bool, err error) error {
	p, perr := s.familyForm(r, rq, f, rows, isNew)
	if perr != nil {
		return perr
	}
	var conflict func() error
	if p.Target != nil {
		// The entry changed since the form was opened: the form comes back
		// as typed, against the entry as it is now.
		conflict = func() error {
			p.Summary = s.t(rq, "form.conflict")
			return nil
		}
	}
	if !isNew {
		conflict = func() error {
			cur, gerr := s.app.Families.Edit(r.Context(), rq.actor, f.ID)
			p.Conflict, p.Family.Version = &cur, cur.Version
			return gerr
		}
	}
	return s.formError(w, rq, "family_form", &p, err, conflict)
}

// FieldError returns the message for a member field, for the template.
func (p *familyFormPage) FieldError(i int, field string) string {
	return p.Errors[fmt.Sprintf("members.%d.%s", i, field)]
}

// FieldID is the id of a member field's input, the target of summary links.
func FieldID(field string) string {
	if strings.HasPrefix(field, "area.") || strings.HasPrefix(field, "child.") || strings.HasPrefix(field, "parent.") {
		return fieldID(field)
	}
	if rest, ok := strings.CutPrefix(field, "agenda."); ok {
		i, f, _ := strings.Cut(rest, ".")
		return "agenda_" + i + "_" + f
	}
	if strings.HasPrefix(field, "participants.") {
		return "participants"
	}
	if strings.HasPrefix(field, "csv.") {
		return "csv"
	}
	if rest, ok := strings.CutPrefix(field, "contacts."); ok {
		i, f, _ := strings.Cut(rest, ".")
		return "contact_" + i + "_" + f
	}
	if rest, ok := strings.CutPrefix(field, "members."); ok {
		i, f, _ := strings.Cut(rest, ".")
		return "member_" + i + "_" + f // the inputs of a member row are named so
	}
	return field
}

// lastName is the last word of a name as a list gives it.
func lastName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}
