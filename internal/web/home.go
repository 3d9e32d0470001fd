package web

import (
	"net/http"

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
	staff, err := s.app.People.Staff(ctx, rq.actor, ids...)
	if err != nil {
		return err
	}
	for _, o := range offices {
		p.Offices = append(p.Offices, officeStaff{Office: o, Staff: staff[o.ID]})
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
