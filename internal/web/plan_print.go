package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/holf-project/holf"
)

type printTask struct {
	Title string
	Due   string
	Done  string
}

type printPerson struct {
	Name  string
	Goals []string
	Tasks []printTask
}

type planPrintPage struct {
	Page
	Family      holf.Family
	People      []printPerson
	Coordinator printPerson
	Others      []printPerson
	FamilyGoals []string
	Printed     string
	Langs       []langOption
}

// longDate writes a date the way a letter would: "15. desember 2026".
func (p *Page) longDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.T("print.date", t.Day(), p.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// planPrint is the plan the family can read: plain words, large type, each
// person's tasks with a box to tick and a date, nothing internal. Its
// language is chosen with ?lang= independently of the staff member's own.
func (s *Server) planPrint(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	b, err := s.app.Plans.View(r.Context(), rq.actor, id, "plan.print")
	if err != nil {
		return err
	}
	f, plan := b.Family, b.Plan
	lang := rq.lang
	if l := r.URL.Query().Get("lang"); s.cat.Has(l) {
		lang = l
	}
	prq := *rq
	prq.lang = lang
	p := planPrintPage{Page: s.page(r, &prq, "print.title"), Family: f}
	p.Title = p.T("print.heading", f.Name)
	p.Printed = p.longDate(b.Today)
	for _, code := range s.cat.Languages() {
		p.Langs = append(p.Langs, langOption{Code: code, Label: s.cat.T(code, "lang.name"), Current: code == lang})
	}
	task := func(a holf.Activity) printTask {
		t := printTask{Title: a.Title}
		if !a.DueOn.IsZero() {
			t.Due = p.longDate(a.DueOn)
		}
		if a.Status == holf.ActivityDone {
			t.Done = p.longDate(a.DoneOn)
		}
		return t
	}
	byMember := map[int64]*printPerson{}
	for _, m := range f.Members {
		p.People = append(p.People, printPerson{Name: m.Name})
	}
	for i, m := range f.Members {
		byMember[m.ID] = &p.People[i]
	}
	for _, g := range plan.Goals {
		if g.Status == holf.GoalDropped {
			continue
		}
		if pp, ok := byMember[g.MemberID]; ok {
			pp.Goals = append(pp.Goals, g.Title)
		} else {
			p.FamilyGoals = append(p.FamilyGoals, g.Title)
		}
	}
	p.Coordinator.Name = b.Coordinator
	others := map[string]*printPerson{}
	var otherOrder []string
	for _, a := range plan.Activities {
		if a.Status == holf.ActivityDropped {
			continue
		}
		switch a.Responsible {
		case holf.ResponsibleMember:
			if pp, ok := byMember[a.ResponsibleMemberID]; ok {
				pp.Tasks = append(pp.Tasks, task(a))
			}
		case holf.ResponsibleCoordinator:
			p.Coordinator.Tasks = append(p.Coordinator.Tasks, task(a))
		default:
			if others[a.ResponsibleName] == nil {
				others[a.ResponsibleName] = &printPerson{Name: a.ResponsibleName}
				otherOrder = append(otherOrder, a.ResponsibleName)
			}
			others[a.ResponsibleName].Tasks = append(others[a.ResponsibleName].Tasks, task(a))
		}
	}
	for _, name := range otherOrder {
		p.Others = append(p.Others, *others[name])
	}
	return s.render(w, http.StatusOK, "plan_print", &p)
}
