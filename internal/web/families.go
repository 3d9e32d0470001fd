package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

const purposeCasework = "follow-up of the family (case work)"

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
	b.WriteString(`<tr><th scope="row"><a href="/families/` + id + `">` + esc(row.Family.Name) + `</a></th>`)
	b.WriteString(`<td><span class="status status-` + esc(string(row.Family.Status)) + `">` + esc(row.Status) + `</span></td>`)
	b.WriteString(`<td>` + esc(row.Members) + `</td><td>` + or(row.Interp, "–") + `</td><td>` + esc(row.Coord) + `</td>`)
	if row.Stats.Overdue > 0 {
		b.WriteString(`<td class="num"><a href="/families/` + id + `/plan?view=due" class="late">` + strconv.Itoa(row.Stats.Overdue) + `</a></td>`)
	} else {
		b.WriteString(`<td class="num">0</td>`)
	}
	muted := `<span class="muted">` + esc(notYet) + `</span>`
	b.WriteString(`<td>` + or(row.NextDue, "–") + `</td><td>` + or(row.Mapping, muted) + `</td><td>` + or(row.Plan, muted) + `</td></tr>`)
	return template.HTML(b.String()) // #nosec G203 -- every text above is escaped
}

type caseloadPage struct {
	Page
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
}

// openStatuses are the families still in follow-up, the caseload's default.
var openStatuses = []holf.FamilyStatus{holf.StatusCandidate, holf.StatusRecruited, holf.StatusActive}

func (s *Server) caseload(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	_, offices := policy.Visible(rq.actor, policy.FamilyList)
	p := caseloadPage{Page: s.page(r, rq, "caseload.title"), Statuses: holf.FamilyStatuses, Search: q.Get("q"), Sort: q.Get("sort"),
		CanMine: rq.actor.HasRole(holf.RoleCoordinator), CanRecord: policy.Allows(rq.actor, policy.FamilyManage)}
	// Coordinators start with their own families; leaders and training
	// support with the office's.
	p.Mine = p.CanMine && q.Get("scope") != "office"
	f := store.FamilyFilter{OfficeIDs: offices, Search: p.Search}
	if p.Mine {
		f.CoordinatorID = rq.actor.PersonID
	}
	p.Status = q.Get("status")
	switch st := holf.FamilyStatus(p.Status); {
	case p.Status == "all":
	case st.Valid():
		f.Statuses = []holf.FamilyStatus{st}
	default:
		p.Status, f.Statuses = "open", openStatuses
	}
	rows, err := s.db.Caseload(r.Context(), f, s.db.Now().In(oslo))
	if err != nil {
		return err
	}
	names, err := s.staffNames(r, offices)
	if err != nil {
		return err
	}
	statusLabel := map[holf.FamilyStatus]string{}
	for _, st := range holf.FamilyStatuses {
		statusLabel[st] = p.StatusName(st)
	}
	p.NotYet = p.T("caseload.not_yet")
	p.Counts = map[holf.FamilyStatus]int{}
	for _, c := range rows {
		fam := c.Family
		row := caseloadRow{Family: fam, Stats: c, Parents: c.Parents, Children: c.Children, Interpreter: c.Interpreter}
		for _, id := range []int64{fam.PrimaryCoordinatorID, fam.SecondCoordinatorID} {
			if id != 0 {
				row.Coordinators = append(row.Coordinators, names[id])
			}
		}
		row.Status = statusLabel[fam.Status]
		row.Members = p.T("caseload.members", row.Parents, row.Children)
		row.Interp = strings.Join(row.Interpreter, ", ")
		row.Coord = strings.Join(row.Coordinators, ", ")
		row.NextDue, row.Mapping, row.Plan = formatDate(c.NextDue), formatDateTime(c.MappingUpdated), formatDateTime(c.PlanUpdated)
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

// staffNames maps the ids of the staff at the given offices to their names.
func (s *Server) staffNames(r *http.Request, offices []int64) (map[int64]string, error) {
	return s.db.StaffNames(r.Context(), offices)
}

// ---- one family ----

// loadFamily checks act on the family in the path (by its office, before
// anything else is read) and loads it with its members.
func (s *Server) loadFamily(r *http.Request, rq *req, act policy.Action) (holf.Family, holf.Role, error) {
	id, err := pathID(r, "id", "family")
	if err != nil {
		return holf.Family{}, "", err
	}
	office, err := s.db.FamilyOffice(r.Context(), id)
	if err != nil {
		return holf.Family{}, "", err
	}
	role, err := s.authorize(rq, act, policy.OfficeResource("family", office), "family", id)
	if err != nil {
		return holf.Family{}, "", err
	}
	f, err := s.db.GetFamily(r.Context(), id)
	return f, role, err
}

// viewFamily loads the family in the path for act and records that its
// record is shown (auditAction) before anything is rendered.
func (s *Server) viewFamily(r *http.Request, rq *req, act policy.Action, auditAction string) (holf.Family, error) {
	f, role, err := s.loadFamily(r, rq, act)
	if err != nil {
		return f, err
	}
	return f, s.db.RecordView(r.Context(), rq.auditEvent(role, auditAction, "family", f.ID))
}

type familyPage struct {
	Page
	Family      holf.Family
	Office      holf.Office
	Primary     string
	Second      string
	Events      []holf.FamilyEvent
	CanManage   bool
	Next        []holf.FamilyStatus
	Reasons     []holf.DischargeReason
	Today       string
	Errors      map[string]string
	Summary     string
	Access      []holf.AuditEvent
	ShowAccess  bool
	ReplacedBy  int64
	StatusInput statusInput
}

type statusInput struct {
	To, On, Reason, Note string
}

func (s *Server) familyShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, err := s.viewFamily(r, rq, policy.FamilyView, "family.view")
	if err != nil {
		return err
	}
	p, err := s.familyPageData(r, rq, f)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "family", &p)
}

func (s *Server) familyPageData(r *http.Request, rq *req, f holf.Family) (familyPage, error) {
	ctx := r.Context()
	p := familyPage{Page: s.page(r, rq, "family.title"), Family: f, Reasons: holf.DischargeReasons,
		Today: s.db.Now().In(oslo).Format("2006-01-02")}
	p.Title = f.Name
	res := policy.OfficeResource("family", f.OfficeID)
	p.CanManage = policy.Decide(rq.actor, policy.FamilyManage, res).Allowed
	for _, st := range holf.FamilyStatuses {
		if f.Status.CanMove(st) {
			p.Next = append(p.Next, st)
		}
	}
	o, err := s.db.GetOffice(ctx, f.OfficeID)
	if err != nil {
		return p, err
	}
	p.Office = o
	names, err := s.staffNames(r, []int64{f.OfficeID})
	if err != nil {
		return p, err
	}
	p.Primary, p.Second = names[f.PrimaryCoordinatorID], names[f.SecondCoordinatorID]
	p.Events, err = s.db.FamilyEvents(ctx, f.ID)
	if err != nil {
		return p, err
	}
	for _, e := range p.Events {
		if e.Kind == "replaced_by" {
			p.ReplacedBy, _ = strconv.ParseInt(e.Detail, 10, 64)
		}
	}
	if policy.Decide(rq.actor, policy.FamilyAccess, res).Allowed {
		p.ShowAccess = true
		p.Access, err = s.db.ListAudit(ctx, store.AuditFilter{RecordType: "family", RecordID: f.ID, Limit: 50})
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// EventText describes a timeline event in the page's language.
func (p *familyPage) EventText(e holf.FamilyEvent) string {
	switch e.Kind {
	case "created":
		return p.T("event.created", strings.ToLower(p.T("status."+e.Detail)))
	case "replaced_by":
		return p.T("event.replaced_by")
	case "updated":
		if e.Detail == "" {
			return p.T("event.updated")
		}
		var parts []string
		for _, c := range strings.Split(e.Detail, ",") {
			kind, name, hasName := strings.Cut(c, ":")
			if hasName {
				parts = append(parts, p.T("change."+kind, name))
			} else {
				parts = append(parts, p.T("change."+kind))
			}
		}
		return p.T("event.updated") + ": " + strings.Join(parts, "; ")
	case "mapping":
		return p.T("event.mapping", e.Detail)
	case "plan":
		kind, item, _ := strings.Cut(e.Detail, "|")
		return p.T("plan.change."+kind, item)
	case string(holf.StatusDischarged):
		reason, note, _ := strings.Cut(strings.TrimPrefix(e.Detail, "discharged:"), " – ")
		msg := p.T("event.discharged", p.T("reason."+reason))
		if note != "" {
			msg += " – " + note
		}
		return msg
	}
	_, note, _ := strings.Cut(e.Detail, " – ")
	msg := p.T("event." + e.Kind)
	if note != "" {
		msg += " – " + note
	}
	return msg
}

// StatusName translates a family status.
func (p *Page) StatusName(s holf.FamilyStatus) string { return p.T("status." + string(s)) }

// ReasonName translates a discharge reason.
func (p *Page) ReasonName(r holf.DischargeReason) string { return p.T("reason." + string(r)) }

func (s *Server) familyStatus(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	in := statusInput{To: r.PostFormValue("to"), On: r.PostFormValue("on"), Reason: r.PostFormValue("reason"), Note: r.PostFormValue("note")}
	version, err := formVersion(r, "version")
	if err != nil {
		return err
	}
	c := store.StatusChange{FamilyID: f.ID, Version: version, To: holf.FamilyStatus(in.To), Reason: holf.DischargeReason(in.Reason), Note: strings.TrimSpace(in.Note)}
	var v holf.Validation
	if in.On != "" {
		on, err := time.ParseInLocation("2006-01-02", in.On, time.UTC)
		if err != nil {
			v.Add("on", "err.date")
		}
		c.On = on
	}
	err = v.Err()
	if err == nil {
		_, err = s.db.ChangeStatus(r.Context(), rq.auditEvent(role, "family.status", "family", f.ID), c)
	}
	if err != nil {
		p, perr := s.familyPageData(r, rq, f)
		if perr != nil {
			return perr
		}
		p.StatusInput = in
		if fe, ok := s.formErrors(rq, err); ok {
			p.Errors, p.Summary = fe, s.t(rq, "form.fix")
			return s.render(w, http.StatusUnprocessableEntity, "family", &p)
		}
		if holf.ErrorCode(err) == holf.EConflict {
			p.Summary = s.t(rq, "form.conflict")
			return s.render(w, http.StatusConflict, "family", &p)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=saved", f.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed id
	return nil
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
}

// familyForm builds the form for f; rows holds the member rows as typed.
func (s *Server) familyForm(r *http.Request, rq *req, f holf.Family, rows []memberRow, isNew bool) (familyFormPage, error) {
	key := "family.edit"
	if isNew {
		key = "family.new"
	}
	p := familyFormPage{Page: s.page(r, rq, key), Family: f, New: isNew, Rows: rows}
	ctx := r.Context()
	_, manage := policy.Visible(rq.actor, policy.FamilyManage)
	offices, err := s.db.ListOffices(ctx, store.OfficeFilter{IDs: manage})
	if err != nil {
		return p, err
	}
	p.Offices = offices
	if p.Family.OfficeID == 0 && len(offices) > 0 {
		p.Family.OfficeID = offices[0].ID
	}
	p.Coordinators, err = s.db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, OfficeIDs: manage})
	if err != nil {
		return p, err
	}
	if isNew {
		p.Discharged, err = s.db.ListFamilies(ctx, store.FamilyFilter{OfficeIDs: manage, Statuses: []holf.FamilyStatus{holf.StatusDischarged}})
		if err != nil {
			return p, err
		}
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
	f, rows, v := familyFromForm(r)
	f.Status = holf.StatusCandidate
	d := policy.Decide(rq.actor, policy.FamilyManage, policy.OfficeResource("family", f.OfficeID))
	if !d.Allowed {
		v.Add("office", "err.office_unknown")
	}
	err := v.Err()
	if err == nil {
		err = s.db.CreateFamily(r.Context(), rq.auditEvent(d.Role, "family.create", "family", 0), &f)
	} else if verr := f.Validate(s.db.Now()); verr != nil {
		// Report every problem at once, not only the unparsable ones.
		err = (append(v, verr.(*holf.Error).Fields...)).Err()
	}
	if err != nil {
		return s.familyFormError(w, r, rq, f, rows, true, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/families/%d?notice=created", f.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from a new id
	return nil
}

func (s *Server) familyEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, err := s.viewFamily(r, rq, policy.FamilyManage, "family.view")
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
	cur, role, err := s.loadFamily(r, rq, policy.FamilyManage)
	if err != nil {
		return err
	}
	f, rows, v := familyFromForm(r)
	f.ID, f.OfficeID, f.Status, f.ReplacesFamilyID = cur.ID, cur.OfficeID, cur.Status, cur.ReplacesFamilyID
	if f.Version, err = formVersion(r, "version"); err != nil {
		return err
	}
	err = v.Err()
	if err == nil {
		err = s.db.UpdateFamily(r.Context(), rq.auditEvent(role, "family.update", "family", f.ID), &f)
	} else if verr := f.Validate(s.db.Now()); verr != nil {
		err = (append(v, verr.(*holf.Error).Fields...)).Err()
	}
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
	if !isNew {
		conflict = func() error {
			cur, gerr := s.db.GetFamily(r.Context(), f.ID)
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
	if rest, ok := strings.CutPrefix(field, "members."); ok {
		i, f, _ := strings.Cut(rest, ".")
		return fmt.Sprintf("member_%s_%s", i, map[string]string{"birth_year": "birth_year", "name": "name", "interpreter_language": "interpreter_language", "role": "role", "languages": "languages"}[f])
	}
	return field
}
