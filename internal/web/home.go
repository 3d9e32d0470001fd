package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

type officeStaff struct {
	Office holf.Office
	Staff  []app.StaffLine
}

type homePage struct {
	Page
	Roles     []holf.Role
	Offices   []officeStaff
	ShowTrial bool
	Arms      []app.ArmCount
	Admin     bool
	People    int
	Day       *app.CoordinatorDay
	Overrides []store.ConsentOverride // a leader's: uses of information without consent
	// A leader's open escalations: the oldest MaxOpenEscalations, of EscalationsTotal.
	Escalations      []holf.Escalation
	EscalationsTotal int
	// Released is when the trial's results were released to the caller
	// (zero before).
	Released time.Time
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := homePage{Page: s.page(r, rq, "home.title"), Roles: rq.actor.Roles()}
	ctx := r.Context()
	day, err := s.app.Day.Coordinator(ctx, rq.actor)
	if err != nil {
		return err
	}
	p.Day = day
	if p.Overrides, err = s.app.Consents.Overrides(ctx, rq.actor); err != nil {
		return err
	}
	if p.Escalations, p.EscalationsTotal, err = s.app.Network.Open(ctx, rq.actor); err != nil {
		return err
	}
	// Office roles see their own offices and who works there.
	offices, err := s.app.Offices.Own(ctx, rq.actor)
	if err != nil {
		return err
	}
	ids := make([]int64, len(offices))
	for i, o := range offices {
		ids[i] = o.ID
	}
	// A coordinator's start page is the day's work; who works at the
	// office is one click away on the office's page.
	staff := map[int64][]app.StaffLine{}
	if p.Day == nil {
		if staff, err = s.app.People.Staff(ctx, rq.actor, ids...); err != nil {
			return err
		}
	}
	for _, o := range offices {
		p.Offices = append(p.Offices, officeStaff{Office: o, Staff: staff[o.ID]})
	}
	// The trial's results, once the study has released them to the
	// offices' staff (researchers and project management reach them from
	// the trial page).
	if !policy.Allows(rq.actor, policy.TrialResults) {
		if p.Released, err = s.app.Trial.Released(ctx, rq.actor); err != nil {
			return err
		}
	}
	if policy.Allows(rq.actor, policy.TrialView) {
		p.ShowTrial = true
		if p.Arms, err = s.app.Offices.Arms(ctx, rq.actor); err != nil {
			return err
		}
	}
	if policy.Allows(rq.actor, policy.PersonManage) {
		p.Admin = true
		if p.People, err = s.db.CountPeople(ctx); err != nil {
			return err
		}
	}
	return s.render(w, http.StatusOK, "home", &p)
}

// The start page's lines are built here rather than by nested templates:
// a national caseload lists some hundred of them, and html/template's
// reflection on every action cost more than the page's queries. Every
// text is escaped; ids are integers.

func (p *homePage) link(href, text string) string {
	return `<a href="` + href + `">` + template.HTMLEscapeString(text) + `</a>`
}

// MeetingLine is a meeting of today or this week.
func (p *homePage) MeetingLine(m app.DayMeeting) template.HTML {
	href := "/families/" + strconv.FormatInt(m.Meeting.FamilyID, 10) + "/meetings/" + strconv.FormatInt(m.Meeting.ID, 10)
	s := p.link(href, formatDateTime(m.Meeting.StartsAt)+" – "+p.T("meeting.kind."+string(m.Meeting.Kind))+", "+m.Family) +
		` <span class="stage stage-` + template.HTMLEscapeString(string(m.Stage)) + `">` + template.HTMLEscapeString(p.StageName(m.Stage)) + `</span>`
	return template.HTML(s) // #nosec G203 -- every text is escaped
}

// ReflectionLine is an after-reflection to write.
func (p *homePage) ReflectionLine(m app.DayMeeting) template.HTML {
	href := "/families/" + strconv.FormatInt(m.Meeting.FamilyID, 10) + "/meetings/" + strconv.FormatInt(m.Meeting.ID, 10) + "/reflection"
	s := `<li>` + p.link(href, p.T("day.write_reflection", m.Family)) + ` <span class="muted">` + formatDateTime(m.Meeting.StartsAt) + `</span>`
	if m.Late {
		s += ` <span class="late">` + template.HTMLEscapeString(p.T("day.late")) + `</span>`
	}
	return template.HTML(s + `</li>`) // #nosec G203 -- every text is escaped
}

// DueLine is a plan activity due or overdue.
func (p *homePage) DueLine(d app.DueLine) template.HTML {
	href := "/families/" + strconv.FormatInt(d.FamilyID, 10) + "/plan?view=due#activity-" + strconv.FormatInt(d.Activity.ID, 10)
	s := `<li>` + p.link(href, d.Activity.Title) + ` <span class="muted">` + template.HTMLEscapeString(d.FamilyName) + `</span> – `
	if d.Overdue {
		s += `<span class="late">` + template.HTMLEscapeString(p.T("day.overdue", formatDate(d.Activity.DueOn))) + `</span>`
	} else {
		s += template.HTMLEscapeString(p.T("day.due_on", formatDate(d.Activity.DueOn)))
	}
	return template.HTML(s + `</li>`) // #nosec G203 -- every text is escaped
}
