package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/i18n"
)

type printTask struct {
	Title string
	Who   string
	Due   string
	Done  string
}

// printGoal is a goal with its sub-goals and their tasks, kept together
// as the plan is built: who does what stays beside what it is for.
type printGoal struct {
	Title    string
	For      string // the member it is for; "" for the whole family
	Tasks    []printTask
	Subgoals []printGoal
}

type planPrintPage struct {
	Page
	Family  holf.Family
	Goals   []printGoal
	Contact app.Contact
	Printed string
	// FrameLangs are the languages the frame can be printed in.
	FrameLangs []langOption
	// WordsLang is the language the plan's own words are written in, named
	// when the frame is printed in another.
	WordsLang string
	// FrameLang and Dir are the language and direction of the plan's frame.
	FrameLang, Dir string
	cat            *i18n.Catalog
}

// F translates a key of the plan's frame into its language.
func (p *planPrintPage) F(key string, args ...any) string {
	return p.cat.Frame(p.FrameLang, key, args...)
}

// frameDate writes a date in the frame's language, as a letter would.
func (p *planPrintPage) frameDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.F("print.date", t.Day(), p.F("month."+strconv.Itoa(int(t.Month()))), t.Year())
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
	// A language with a full catalog prints the whole page in it; one
	// with only the plan's frame (Somali, Arabic, Tigrinya, Dari) keeps
	// the staff member's language around the plan itself.
	lang := rq.lang
	l := r.URL.Query().Get("lang")
	if s.cat.Has(l) {
		lang = l
	}
	frame := lang
	if slices.Contains(s.cat.FrameLanguages(), l) {
		frame = l
	}
	prq := *rq
	prq.lang = lang
	p := planPrintPage{Page: s.page(r, &prq, "print.title"), Family: f, FrameLang: frame, Dir: s.cat.Dir(frame), cat: s.cat}
	p.Title = p.F("print.heading", f.Name)
	p.Printed = p.frameDate(b.Today)
	for _, code := range s.cat.FrameLanguages() {
		p.FrameLangs = append(p.FrameLangs, langOption{Code: code, Label: s.cat.Frame(code, "lang.name"), Current: code == frame})
	}
	if p.Contact, err = s.app.Plans.CoordinatorContact(r.Context(), rq.actor, id); err != nil {
		return err
	}
	// The goals and tasks are the family's and the coordinator's own
	// words, written in Norwegian: only the frame is translated.
	if frame != "nb" {
		p.WordsLang = p.F("print.words_nb")
	}
	names := map[int64]string{}
	for _, m := range f.Members {
		names[m.ID] = m.Name
	}
	who := func(a holf.Activity) string {
		switch a.Responsible {
		case holf.ResponsibleMember:
			return names[a.ResponsibleMemberID]
		case holf.ResponsibleCoordinator:
			return p.F("print.by_coordinator", b.Coordinator)
		}
		return a.ResponsibleName
	}
	tasks := map[int64][]printTask{}
	for _, a := range plan.Activities {
		if a.Status == holf.ActivityDropped {
			continue
		}
		t := printTask{Title: a.Title, Who: who(a)}
		if !a.DueOn.IsZero() {
			t.Due = p.frameDate(a.DueOn)
		}
		if a.Status == holf.ActivityDone {
			t.Done = p.frameDate(a.DoneOn)
		}
		tasks[a.GoalID] = append(tasks[a.GoalID], t)
	}
	index := map[int64]int{}
	for _, g := range plan.Goals {
		if g.Status == holf.GoalDropped || g.ParentID != 0 {
			continue
		}
		index[g.ID] = len(p.Goals)
		p.Goals = append(p.Goals, printGoal{Title: g.Title, For: names[g.MemberID], Tasks: tasks[g.ID]})
	}
	for _, g := range plan.Goals {
		if g.Status == holf.GoalDropped || g.ParentID == 0 {
			continue
		}
		if i, ok := index[g.ParentID]; ok {
			p.Goals[i].Subgoals = append(p.Goals[i].Subgoals, printGoal{Title: g.Title, For: names[g.MemberID], Tasks: tasks[g.ID]})
		}
	}
	return s.render(w, http.StatusOK, "plan_print", &p)
}
