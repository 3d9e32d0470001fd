package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// The demo's action network: each office's actor list of partner services
// with Norwegian names, and at trial scale the families' consents (some
// expired, a few withdrawn), the services involved with them, collaboration
// meetings with partner tasks in the plan, and a stalled task lifted to the
// leader.

var schoolNames = []string{"Haugen", "Bakkeløkka", "Fjellstad", "Sentrum", "Lunden", "Nordby", "Solberg", "Åsen", "Bekkestua", "Furulund"}

// orgNumber draws a fictitious organisation number with a valid check digit.
func orgNumber(rng *rand.Rand) string {
	const digit = "0123456789"
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	for {
		ds := make([]int, 8)
		ds[0] = 8 + rng.IntN(2)
		sum := ds[0] * weights[0]
		for i := 1; i < 8; i++ {
			ds[i] = rng.IntN(10)
			sum += ds[i] * weights[i]
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		out := make([]byte, 0, 9)
		for _, d := range append(ds, check) {
			out = append(out, digit[d])
		}
		return string(out)
	}
}

func (b *builder) person(rng *rand.Rand) string {
	return pick(rng, firstNames) + " " + pick(rng, lastNames)
}

// actorList is an office's partner services, named after its municipality.
func (b *builder) actorList(rng *rand.Rand, municipality string, now time.Time) []holf.Partner {
	checked := func() time.Time {
		if rng.IntN(6) == 0 { // a sixth not checked for over a year: the page reminds
			return now.AddDate(-1, -rng.IntN(6), -1-rng.IntN(20))
		}
		return now.AddDate(0, -rng.IntN(11), -rng.IntN(28))
	}
	contacts := func(roles ...string) []holf.PartnerContact {
		var out []holf.PartnerContact
		for i, r := range roles {
			level := holf.LevelOperational
			if i == len(roles)-1 && len(roles) > 1 {
				level = holf.LevelLeader
			}
			out = append(out, holf.PartnerContact{Name: b.person(rng), Role: r, Level: level, Phone: fmt.Sprintf("4%07d", rng.IntN(10000000)),
				Email: fmt.Sprintf("kontakt%d@demo.holf.invalid", rng.IntN(100000))})
		}
		return out
	}
	s1, s2 := pick(rng, schoolNames), pick(rng, schoolNames)
	for s2 == s1 {
		s2 = pick(rng, schoolNames)
	}
	ps := []holf.Partner{
		{Name: "Barneverntjenesten i " + municipality, Kind: holf.PartnerChildWelfare, Service: "Hjelpetiltak i hjemmet", Contacts: contacts("saksbehandler", "saksbehandler", "avdelingsleder")},
		{Name: s1 + " skole", Kind: holf.PartnerSchool, Service: "Barneskole 1.–7. trinn", Contacts: contacts("kontaktlærer", "sosiallærer", "rektor")},
		{Name: s2 + " ungdomsskole", Kind: holf.PartnerSchool, Service: "Ungdomsskole 8.–10. trinn", Contacts: contacts("rådgiver", "rektor")},
		{Name: s1 + " barnehage", Kind: holf.PartnerKindergarten, Service: "Barnehage", Contacts: contacts("pedagogisk leder", "styrer")},
		{Name: "PPT " + municipality, Kind: holf.PartnerPPT, Service: "Pedagogisk-psykologisk tjeneste", Contacts: contacts("rådgiver", "leder")},
		{Name: "Helsestasjonen i " + municipality, Kind: holf.PartnerHealthStation, Service: "Helsestasjon og skolehelsetjeneste", Contacts: contacts("helsesykepleier", "leder")},
		{Name: municipality + " legesenter", Kind: holf.PartnerGP, Service: "Fastlegekontor", Contacts: contacts("fastlege")},
		{Name: municipality + " DPS", Kind: holf.PartnerDPS, Service: "Poliklinikk for voksne", Contacts: contacts("behandler", "seksjonsleder")},
		{Name: "Boligkontoret i " + municipality, Kind: holf.PartnerHousing, Service: "Kommunale boliger og startlån", Contacts: contacts("boligkonsulent", "leder")},
		{Name: "Flyktningtjenesten i " + municipality, Kind: holf.PartnerRefugee, Service: "Introduksjonsprogrammet", Contacts: contacts("programrådgiver", "enhetsleder")},
		{Name: "Røde Kors " + municipality, Kind: holf.PartnerVoluntary, Service: "Leksehjelp og Fritid for alle", Contacts: contacts("frivilligkoordinator")},
		{Name: "Kirkens Bymisjon", Kind: holf.PartnerVoluntary, Service: "Familiestøtte", Contacts: contacts("familiekontakt")},
		{Name: "NAV Arbeidslivssenter", Kind: holf.PartnerNAVUnit, Service: "Inkluderende arbeidsliv", Contacts: contacts("rådgiver")},
	}
	for i := range ps {
		ps[i].Active, ps[i].CheckedOn = true, checked()
		if ps[i].Kind != holf.PartnerVoluntary {
			ps[i].OrgNumber = orgNumber(rng)
		}
		ps[i].Municipality = municipality
		ps[i].Phone = fmt.Sprintf("%08d", 20000000+rng.IntN(70000000))
	}
	// One entry no longer in use.
	ps = append(ps, holf.Partner{Name: "Prosjekt Familieløft (avsluttet)", Kind: holf.PartnerOther, Municipality: municipality, CheckedOn: now.AddDate(-2, 0, 0)})
	return ps
}

func partnerOf(ps []holf.Partner, k holf.PartnerKind) holf.Partner {
	for _, p := range ps {
		if p.Kind == k {
			return p
		}
	}
	return holf.Partner{}
}

// network adds the actor lists, and at trial scale the families' network.
func (b *builder) network(ctx context.Context, rng *rand.Rand, offices []int64, specs []officeSpec, scale bool, progress func(string, ...any)) error {
	now := b.a.Today() // a date: a list checked today is not checked in the future
	consents := 0
	for i, office := range offices {
		ps := b.actorList(rng, specs[i].Municipality, now)
		if err := b.im.Partners(ctx, b.actor, office, ps, purpose); err != nil {
			return fmt.Errorf("demo actor list of %s: %w", specs[i].Name, err)
		}
		if scale {
			continue
		}
		n, err := b.familyNetworks(ctx, rng, specs[i], office, ps, b.active[office], i)
		if err != nil {
			return fmt.Errorf("demo network of %s: %w", specs[i].Name, err)
		}
		consents += n
	}
	progress("actor lists: %d offices; consents: %d", len(offices), consents)
	return nil
}

// familyNetworks gives an office's families in follow-up their consents
// and the services involved with them (imported in one transaction, each
// checked as its form would be), then, for a few, a collaboration meeting
// with partner tasks, an escalation and a withdrawal written through the
// use cases as their coordinators would: every rule on consent applies.
func (b *builder) familyNetworks(ctx context.Context, rng *rand.Rand, spec officeSpec, office int64, ps []holf.Partner, fams []holf.Family, officeIndex int) (int, error) {
	today := b.a.Today()
	cw, school, health, housing := partnerOf(ps, holf.PartnerChildWelfare), partnerOf(ps, holf.PartnerSchool), partnerOf(ps, holf.PartnerHealthStation),
		partnerOf(ps, holf.PartnerHousing)
	byID := map[int64]*holf.Family{}
	var consents []*holf.Consent
	var involved []holf.Involvement
	// main is each family's consent about its first child, the one the
	// collaboration uses: the renewed one when it expired.
	main := map[int64]*holf.Consent{}
	for k := range fams {
		f := &fams[k]
		byID[f.ID] = f
		parents, children := f.Parents(), f.Children()
		if len(parents) == 0 || len(children) == 0 {
			continue
		}
		parent, child := parents[0], children[0]
		recorder := b.names[f.PrimaryCoordinatorID]
		// Who is involved: the school for school-age children, child
		// welfare for some.
		for _, c := range children {
			if age := today.Year() - c.BirthYear; age >= 6 && age <= 16 {
				involved = append(involved, holf.Involvement{FamilyID: f.ID, MemberID: c.ID, PartnerID: school.ID, ContactName: b.person(rng),
					Role: "kontaktlærer", Since: time.Date(today.Year()-1, 8, 15, 0, 0, 0, 0, time.UTC)})
			}
		}
		if rng.IntN(6) == 0 {
			involved = append(involved, holf.Involvement{FamilyID: f.ID, PartnerID: cw.ID, ContactName: b.person(rng),
				Role: "hjelpetiltak: familieveiledning", Since: f.ConsentDate.AddDate(0, -6, 0)})
		}
		if rng.IntN(3) == 0 {
			continue // no consent to share: most work is with the family itself
		}
		// The consent: for the first child's situation and the plan, with
		// the school and child welfare or the health station.
		given := f.ConsentDate.AddDate(0, 0, 7+rng.IntN(40))
		if given.After(today) {
			given = today
		}
		recipients := []int64{school.ID, cw.ID}
		if rng.IntN(3) == 0 {
			recipients = []int64{school.ID, health.ID}
		}
		c := &holf.Consent{FamilyID: f.ID, MemberID: child.ID, GrantorID: parent.ID, Recipients: recipients,
			Purpose: "Samarbeid om " + firstName(child.Name) + "s skolehverdag og familiens plan", Categories: []holf.ConsentCategory{holf.CategoryChildren, holf.CategoryPlan},
			Actions: []holf.ConsentAction{holf.ActionDisclose, holf.ActionDiscuss}, GivenOn: given, ExpiresOn: given.AddDate(1, 0, 0),
			Method: pick(rng, []holf.ConsentMethod{holf.MethodPaper, holf.MethodPaper, holf.MethodMeeting, holf.MethodDigital}), RecordedBy: recorder}
		if rng.IntN(2) == 0 {
			c.Actions = append(c.Actions, holf.ActionReceive)
		}
		consents, main[f.ID] = append(consents, c), c
		// An expired one is mostly renewed (the rest show as expired).
		if c.ExpiresOn.Before(today) && rng.IntN(4) != 0 {
			r := *c
			r.Recipients, r.Categories, r.Actions = slices.Clone(c.Recipients), slices.Clone(c.Categories), slices.Clone(c.Actions)
			r.GivenOn, r.ExpiresOn = c.ExpiresOn.AddDate(0, 0, -10), c.ExpiresOn.AddDate(1, 0, -10)
			consents, main[f.ID] = append(consents, &r), &r
		}
		if rng.IntN(4) == 0 {
			consents = append(consents, &holf.Consent{FamilyID: f.ID, MemberID: parent.ID, GrantorID: parent.ID, Recipients: []int64{housing.ID},
				Purpose: "Søknad om større kommunal bolig", Categories: []holf.ConsentCategory{holf.CategoryHousing, holf.CategoryEconomy},
				Actions: []holf.ConsentAction{holf.ActionDisclose, holf.ActionReceive}, GivenOn: given, ExpiresOn: given.AddDate(0, 6, 0),
				Method: holf.MethodPaper, RecordedBy: recorder})
		}
	}
	if err := b.im.Network(ctx, b.actor, office, byID, consents, involved, purpose); err != nil {
		return 0, err
	}
	collaborations, withdrawn, escalated := 0, false, false
	for k, f := range fams {
		c := main[f.ID]
		if c == nil || c.StatusOn(today) != holf.ConsentActive || collaborations >= 3 || k%3 != 0 {
			continue
		}
		by, err := b.a.ActAs(ctx, b.usernames[f.PrimaryCoordinatorID])
		if err != nil {
			return len(consents), err
		}
		parent, child := f.Parents()[0], f.Children()[0]
		// A collaboration meeting with the partners the consent covers,
		// and the tasks agreed there in the plan.
		collaborations++
		mid, err := b.collaboration(ctx, rng, by, f, parent, child, *c, today)
		if err != nil {
			return len(consents), fmt.Errorf("collaboration meeting of family %d: %w", f.ID, err)
		}
		tasks, err := b.partnerTasks(ctx, by, f, child, *c, mid, today)
		if err != nil {
			return len(consents), fmt.Errorf("partner tasks of family %d: %w", f.ID, err)
		}
		// In intervention offices, one stalled task is lifted to the leader.
		if !escalated && spec.Arm == holf.ArmIntervention && len(tasks) > 0 {
			escalated = true
			if _, err := b.a.Network.Raise(ctx, by, holf.Escalation{FamilyID: f.ID, Kind: holf.EscalationStalled, ActivityID: tasks[0].ID,
				Asked: "Oppgaven har stått stille siden samarbeidsmøtet. Jeg har purret to ganger uten svar. Kan du ta det opp med lederen der?"}); err != nil {
				return len(consents), err
			}
		}
		// Every fifth office: the consent used is withdrawn, and the
		// partners told are listed for the coordinator.
		if !withdrawn && officeIndex%5 == 0 {
			withdrawn = true
			if _, err := b.a.Consents.Withdraw(ctx, by, f.ID, c.ID, c.Version, today.AddDate(0, 0, -2), "Mor ringte og ville ikke lenger at skolen får opplysninger"); err != nil {
				return len(consents), err
			}
		}
	}
	return len(consents), nil
}

func firstName(name string) string {
	for i, r := range name {
		if r == ' ' {
			return name[:i]
		}
	}
	return name
}

// collaboration records a held collaboration meeting with the consent's
// recipients, its need registered some days before.
func (b *builder) collaboration(ctx context.Context, rng *rand.Rand, by *holf.Actor, f holf.Family, parent, child holf.Member, c holf.Consent, today time.Time) (int64, error) {
	held := today.AddDate(0, 0, -3-rng.IntN(20))
	if held.Before(c.GivenOn) {
		held = c.GivenOn
	}
	at := time.Date(held.Year(), held.Month(), held.Day(), 13, 0, 0, 0, app.Norway)
	// A consent given today: the meeting was this morning, never later today.
	if now := b.a.Now(); at.After(now) {
		at = now.Add(-time.Hour).Truncate(time.Minute)
	}
	m := holf.Meeting{FamilyID: f.ID, Kind: holf.MeetingCollaboration, Status: holf.MeetingHeld, Channel: holf.ChannelOffice, StartsAt: at, Minutes: 60,
		Place: "Møterom 2", LeadID: by.PersonID, NeedOn: held.AddDate(0, 0, -5-rng.IntN(14)),
		Participants: []holf.Participant{{Kind: holf.ParticipantCoordinator, PersonID: by.PersonID, Attendance: holf.AttendanceAttended},
			{Kind: holf.ParticipantMember, MemberID: parent.ID, Attendance: holf.AttendanceAttended},
			{Kind: holf.ParticipantMember, MemberID: child.ID, Attendance: holf.AttendanceAbsent, ChildHeard: true}},
		Prep: holf.Preparation{Purpose: "Bli enige om hvem som gjør hva for " + firstName(child.Name), MainTopic: "Skolehverdagen"},
		Agenda: []holf.AgendaTopic{
			{Proposer: holf.ProposerFamily, Title: "Fravær og oppfølging på skolen", Area: holf.AreaChildren, Priority: 1, Outcome: holf.TopicDiscussed,
				Notes: "Skolen melder fravær til mor samme dag. Kontaktlærer har samtale med " + firstName(child.Name) + " hver uke."},
			{Proposer: holf.ProposerCoordinator, Title: "Fritidsaktivitet", Area: holf.AreaChildren, Priority: 2, Outcome: holf.TopicDiscussed,
				Notes: "Søker fritidskortet; skolen hjelper med påmelding til fotball."},
		}}
	for _, p := range c.Recipients {
		m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantPartner, PartnerID: p, Name: b.person(rng), Attendance: holf.AttendanceAttended})
	}
	if parent.InterpreterNeeded {
		m.InterpreterLanguage = parent.InterpreterLanguage
	}
	saved, err := b.a.Meetings.Create(ctx, by, m, nil)
	return saved.ID, err
}

// partnerTasks adds the tasks agreed in meeting mid to the plan, owned by
// the consent's recipients, under a goal for the child.
func (b *builder) partnerTasks(ctx context.Context, by *holf.Actor, f holf.Family, child holf.Member, c holf.Consent, mid int64, today time.Time) ([]holf.Activity, error) {
	g, err := b.a.Plans.AddGoal(ctx, by, holf.Goal{FamilyID: f.ID, MemberID: child.ID, Area: holf.AreaChildren, Title: firstName(child.Name) + " trives og møter på skolen",
		Status: holf.GoalOpen})
	if err != nil {
		return nil, err
	}
	titles := []string{"Melde fravær til mor samme dag", "Følge opp søknaden om hjelpetiltak"}
	var out []holf.Activity
	for i, p := range c.Recipients {
		x := holf.Activity{FamilyID: f.ID, GoalID: g.ID, Title: titles[i%len(titles)], Responsible: holf.ResponsiblePartner, PartnerID: p,
			DueOn: today.AddDate(0, 0, -7+14*i), Status: holf.ActivityOpen}
		saved, err := b.a.Meetings.AddFollowUp(ctx, by, mid, x, nil, "")
		if err != nil {
			return out, fmt.Errorf("task %s: %w", strconv.Quote(x.Title), err)
		}
		out = append(out, saved)
	}
	return out, nil
}
