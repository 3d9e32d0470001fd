package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

// The family's action network: who is involved with each member, the
// partners' tasks, collaboration meetings, matters lifted to the leader,
// and the sharing extract for one partner.

type involvementInput struct {
	Member, Partner   int64
	Contact, Role     string
	Since             string
	Kind              string
	Activity, Against int64
	Asked             string
}

type networkPage struct {
	Page
	formState
	app.NetworkView
	Input involvementInput
	// Handling is the escalation whose answer failed, with what was typed.
	Handling        int64
	Answer, Outcome string
}

// MemberName names a member, or the whole family for 0.
func (p *networkPage) MemberName(id int64) string {
	for _, m := range p.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return p.T("network.whole_family")
}

// Involved groups the current involvements by member, the whole family
// first, then the members in order.
func (p *networkPage) Involved() []involvedGroup {
	groups := []involvedGroup{{Member: 0}}
	for _, m := range p.Family.Members {
		groups = append(groups, involvedGroup{Member: m.ID})
	}
	for _, i := range p.Involvements {
		if !i.Active(p.Today) {
			continue
		}
		for g := range groups {
			if groups[g].Member == i.MemberID {
				groups[g].List = append(groups[g].List, i)
			}
		}
	}
	return groups
}

type involvedGroup struct {
	Member int64
	List   []holf.Involvement
}

// Kinds of escalation the form offers.
func (p *networkPage) EscalationKinds() []holf.EscalationKind { return holf.EscalationKinds }

// Overdue reports whether task a is open past its due date.
func (p *networkPage) Overdue(a holf.Activity) bool { return a.Overdue(p.Today) }

// ActivityTitle names activity id of the plan.
func (p *networkPage) ActivityTitle(id int64) string {
	if a, ok := p.Activity(id); ok {
		return a.Title
	}
	return ""
}

// LateDays is how many days after its need a collaboration meeting is held.
func (p *networkPage) LateDays(m holf.Meeting) int {
	return int(m.StartsAt.Sub(m.NeedOn).Hours() / 24)
}

func (s *Server) networkData(r *http.Request, rq *req, v app.NetworkView) *networkPage {
	p := &networkPage{Page: s.page(r, rq, "network.title"), NetworkView: v}
	p.Title = s.t(rq, "network.heading", v.Family.Name)
	p.Input = involvementInput{Since: "", Kind: string(holf.EscalationStalled)}
	if a := formIDQuery(r, "activity"); a != 0 {
		p.Input.Activity = a
	}
	return p
}

func formIDQuery(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return id
}

func (s *Server) networkShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	v, err := s.app.Network.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "network", s.networkData(r, rq, v))
}

// networkFormError shows the network page again with what was typed.
func (s *Server) networkFormError(w http.ResponseWriter, r *http.Request, rq *req, id int64, err error, keep func(*networkPage)) error {
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.Network.View(r.Context(), rq.actor, id)
	if verr != nil {
		return verr
	}
	p := s.networkData(r, rq, v)
	keep(p)
	return s.formError(w, rq, "network", p, err, func() error { return nil })
}

func (s *Server) involvementAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	in := involvementInput{Member: formID(r, "member"), Partner: formID(r, "partner"), Contact: r.PostFormValue("contact_name"),
		Role: r.PostFormValue("role"), Since: r.PostFormValue("since")}
	i := holf.Involvement{FamilyID: id, MemberID: in.Member, PartnerID: in.Partner, ContactName: in.Contact, Role: in.Role}
	var bad holf.Validation
	i.Since = apiDay(&bad, "since", in.Since)
	if _, err = s.app.Network.AddInvolvement(r.Context(), rq.actor, i, bad); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/network?notice=saved#involved", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	return s.networkFormError(w, r, rq, id, err, func(p *networkPage) { p.Input = in })
}

func (s *Server) involvementEnd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, iid, err := familyItem(r, "iid", "involvement")
	if err != nil {
		return err
	}
	if err = s.app.Network.EndInvolvement(r.Context(), rq.actor, id, iid, formVersion(r, "version")); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/network?notice=saved#involved", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	return s.networkFormError(w, r, rq, id, err, func(*networkPage) {})
}

func (s *Server) escalationRaise(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	in := involvementInput{Kind: r.PostFormValue("kind"), Activity: formID(r, "activity"), Against: formID(r, "partner"), Asked: r.PostFormValue("asked")}
	e := holf.Escalation{FamilyID: id, Kind: holf.EscalationKind(in.Kind), ActivityID: in.Activity, PartnerID: in.Against, Asked: in.Asked}
	if _, err = s.app.Network.Raise(r.Context(), rq.actor, e); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/network?notice=escalated#escalations", id), http.StatusSeeOther) // #nosec G710 -- a local path of a parsed id
		return nil
	}
	return s.networkFormError(w, r, rq, id, err, func(p *networkPage) { p.Input = in })
}

func (s *Server) escalationHandle(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, eid, err := familyItem(r, "eid", "escalation")
	if err != nil {
		return err
	}
	answer, outcome := r.PostFormValue("answer"), r.PostFormValue("outcome")
	_, err = s.app.Network.Handle(r.Context(), rq.actor, id, eid, formVersion(r, "version"), answer, outcome, r.PostFormValue("resolve") == "1")
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/families/%d/network?notice=saved#escalation-%d", id, eid), http.StatusSeeOther) // #nosec G710 -- a local path of parsed ids
		return nil
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.app.Network.View(r.Context(), rq.actor, id)
	if verr != nil {
		return verr
	}
	p := s.networkData(r, rq, v)
	p.Handling, p.Answer, p.Outcome = eid, answer, outcome
	return s.formError(w, rq, "network", p, err, func() error { return nil })
}

type extractPage struct {
	Page
	app.Extract
}

// MemberName names a member, or the whole family for 0.
func (p *extractPage) MemberName(id int64) string {
	for _, m := range p.Family.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return p.T("network.whole_family")
}

// extract is the printable sharing extract for one partner.
func (s *Server) extract(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	partner := formIDQuery(r, "partner")
	x, err := s.app.Network.Extract(r.Context(), rq.actor, id, partner)
	if err == nil {
		p := &extractPage{Page: s.page(r, rq, "extract.title"), Extract: x}
		p.Title = s.t(rq, "extract.heading", x.Partner.Name)
		return s.render(w, http.StatusOK, "extract", p)
	}
	return s.networkFormError(w, r, rq, id, err, func(*networkPage) {})
}

type apiEscalation struct {
	ID         int64                 `json:"id"`
	FamilyID   int64                 `json:"family_id"`
	ActivityID *int64                `json:"activity_id"`
	PartnerID  *int64                `json:"partner_id"`
	Kind       holf.EscalationKind   `json:"kind"`
	Asked      string                `json:"asked"`
	Answer     string                `json:"answer"`
	Outcome    string                `json:"outcome"`
	Status     holf.EscalationStatus `json:"status"`
	RaisedAt   string                `json:"raised_at"`
	ResolvedAt *string               `json:"resolved_at"`
	Version    int64                 `json:"version"`
}

func toAPIEscalation(e holf.Escalation) apiEscalation {
	out := apiEscalation{ID: e.ID, FamilyID: e.FamilyID, Kind: e.Kind, Asked: e.Asked, Answer: e.Answer, Outcome: e.Outcome, Status: e.Status,
		RaisedAt: e.RaisedAt.UTC().Format("2006-01-02T15:04:05Z"), Version: e.Version, ActivityID: optID(e.ActivityID), PartnerID: optID(e.PartnerID)}
	if !e.ResolvedAt.IsZero() {
		t := e.ResolvedAt.UTC().Format("2006-01-02T15:04:05Z")
		out.ResolvedAt = &t
	}
	return out
}

type apiInvolvement struct {
	ID          int64   `json:"id"`
	MemberID    *int64  `json:"member_id"`
	PartnerID   int64   `json:"partner_id"`
	ContactName string  `json:"contact_name"`
	Role        string  `json:"role"`
	Since       *string `json:"since"`
	EndedOn     *string `json:"ended_on"`
}

type apiNetwork struct {
	Involvements []apiInvolvement `json:"involvements"`
	Escalations  []apiEscalation  `json:"escalations"`
	// CollaborationMeetings are the ids of the meetings with partners.
	CollaborationMeetings []int64 `json:"collaboration_meetings"`
}

// apiNetworkShow is GET /api/v1/families/{id}/network.
func (s *Server) apiNetworkShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	v, err := s.app.Network.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	out := apiNetwork{Involvements: []apiInvolvement{}, Escalations: []apiEscalation{}, CollaborationMeetings: []int64{}}
	for _, i := range v.Involvements {
		ai := apiInvolvement{ID: i.ID, PartnerID: i.PartnerID, ContactName: i.ContactName, Role: i.Role,
			Since: optDate(i.Since), EndedOn: optDate(i.EndedOn)}
		ai.MemberID = optID(i.MemberID)
		out.Involvements = append(out.Involvements, ai)
	}
	for _, e := range v.Escalations {
		out.Escalations = append(out.Escalations, toAPIEscalation(e))
	}
	for _, m := range v.Meetings {
		out.CollaborationMeetings = append(out.CollaborationMeetings, m.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiEscalationRaise is POST /api/v1/families/{id}/escalations.
func (s *Server) apiEscalationRaise(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := familyID(r)
	if err != nil {
		return err
	}
	if err := s.app.Network.Writable(r.Context(), rq.actor, policy.EscalationRaise, id); err != nil {
		return err
	}
	var in apiEscalation
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.app.Network.Raise(r.Context(), rq.actor, holf.Escalation{FamilyID: id, Kind: in.Kind, ActivityID: val(in.ActivityID),
		PartnerID: val(in.PartnerID), Asked: in.Asked})
	if err != nil {
		return err
	}
	return writeVersioned(w, http.StatusCreated, "escalation", e.ID, e.Version, toAPIEscalation(e))
}

// apiEscalationPatch is PATCH /api/v1/families/{id}/escalations/{eid} with
// If-Match, the leader's: {"answer", "outcome", "status": "resolved"}.
func (s *Server) apiEscalationPatch(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, eid, err := familyItem(r, "eid", "escalation")
	if err != nil {
		return err
	}
	v, err := s.app.Network.View(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	cur, err := v.Escalation(eid)
	if err != nil {
		return err
	}
	if err := ifMatch(r, "escalation", eid, cur.Version); err != nil {
		return err
	}
	in := struct {
		Answer  *string                `json:"answer"`
		Outcome *string                `json:"outcome"`
		Status  *holf.EscalationStatus `json:"status"`
	}{}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	answer, outcome := cur.Answer, cur.Outcome
	if in.Answer != nil {
		answer = *in.Answer
	}
	if in.Outcome != nil {
		outcome = *in.Outcome
	}
	resolve := in.Status != nil && *in.Status == holf.EscalationResolved
	e, err := s.app.Network.Handle(r.Context(), rq.actor, id, eid, cur.Version, answer, outcome, resolve)
	if err != nil {
		return precondition("escalation", err)
	}
	return writeVersioned(w, http.StatusOK, "escalation", e.ID, e.Version, toAPIEscalation(e))
}
