package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// The demo's learning structure: five supervision groups, each led by a
// training-support person with the coordinators of its three offices,
// sessions over the last year with two supervised cases each (mostly about
// work, as seed 003 §7.3 found, some about housing and economy), an
// upcoming session with a case sent, reviews of forms with comments, the
// two action logs and the leaders' monthly follow-ups, some of them missed.
// It is written through the use cases as the people who would write it, so
// that it passes the same rules as their own work.

type topicSpec struct {
	Areas   []holf.TargetArea
	Topic   string
	Problem string
}

var supervisionCaseTopics = []topicSpec{
	{[]holf.TargetArea{holf.AreaWork}, "Mor ønsker arbeid, men har lite norskopplæring bak seg.", "Hvordan finne et første steg mot arbeid som hun selv tror på?"},
	{[]holf.TargetArea{holf.AreaWork}, "Far har vært i tiltak i mange år uten å komme i jobb.", "Hvordan snakke om nye muligheter uten at han mister motet?"},
	{[]holf.TargetArea{holf.AreaWork, holf.AreaEconomy}, "Praksisplass er avtalt, men familien frykter å miste stønad.", "Hvordan forklare hva arbeid betyr for økonomien?"},
	{[]holf.TargetArea{holf.AreaWork}, "Begge foreldrene vil i arbeid, men barnehageplass mangler.", "Hvordan prioritere mellom foreldrenes mål?"},
	{[]holf.TargetArea{holf.AreaWork}, "Mor har fått jobbtilbud på kveldstid.", "Hvordan støtte et valg som familien selv skal ta?"},
	{[]holf.TargetArea{holf.AreaHousing}, "Familien bor trangt og har fått varsel om oppsigelse.", "Hvordan samarbeide med boligkontoret uten å ta over saken?"},
	{[]holf.TargetArea{holf.AreaEconomy}, "Familien har gjeld som vokser, og tar ikke opp post.", "Hvordan ta opp økonomien når det er skam knyttet til den?"},
	{[]holf.TargetArea{holf.AreaChildren}, "Eldste barn vil slutte på fotballen fordi det koster.", "Hvordan få med barnets egen stemme i planen?"},
	{[]holf.TargetArea{holf.AreaWork, holf.AreaChildren}, "Far vil ha jobb, men er redd for hvordan barna får det.", "Hvordan holde hele familien i blikket når målet er arbeid?"},
	{[]holf.TargetArea{holf.AreaHousing, holf.AreaEconomy}, "Husleien tar nesten hele inntekten.", "Hvilke tiltak kan familien selv ta ansvar for?"},
}

var roundNotes = map[holf.Round][]string{
	holf.RoundSuccess:      {"Familien møtte til alle avtaler denne måneden.", "Mor tok selv kontakt med arbeidsgiveren.", "Barna var med og satte egne mål."},
	holf.RoundPresentation: {"Kartlegging ferdig, familieplan med tre mål. Brukt Meny-agenda og UTU.", "Plan revidert etter siste møte; anerkjennelse og rolleavklaring vektlagt."},
	holf.RoundExperience:   {"Flere har erfart at korte, konkrete mål virker bedre.", "To i gruppen har brukt tolk på telefon med godt resultat."},
	holf.RoundPossibility:  {"Invitere arbeidsgiveren til et samarbeidsmøte med familien til stede.", "La mor lede neste møte med sin egen Meny-agenda."},
	holf.RoundSummary:      {"Jeg tar med meg å la familien prioritere selv, og forbereder neste møte med færre temaer.", "Neste møte: start med suksess, avklar roller, ett mål om gangen."},
}

var nextSteps = []string{"Kalle inn til samarbeidsmøte innen 14 dager.", "Bruke Meny-agenda i neste møte og la familien velge tema.", "Avklare med veilederen hvem som følger opp tiltaket."}

// learning builds the learning structure at trial scale.
func (b *builder) learning(ctx context.Context, rng *rand.Rand, ids []int64, specs []officeSpec, now time.Time) error {
	byName := map[string]int64{}
	for id, u := range b.usernames {
		byName[u] = id
	}
	as := func(username string) (*holf.Actor, error) { return b.a.ActAs(ctx, username) }
	pm, err := as("prosjektleder")
	if err != nil {
		return err
	}
	today := b.a.Today()
	for k := 0; k < 5; k++ {
		g := holf.SupervisionGroup{Name: fmt.Sprintf("Veiledningsgruppe %d", k+1), LeaderID: byName[fmt.Sprintf("opplaering%d", k+1)]}
		var offices []int64
		for j := 0; j < 3; j++ {
			office := ids[k*3+j]
			offices = append(offices, office)
			slug := Slug(specs[k*3+j].Name)
			for _, u := range []string{"fk1." + slug, "fk2." + slug} {
				g.Members = append(g.Members, holf.GroupMember{PersonID: byName[u], OfficeID: office})
			}
		}
		g, err := b.a.Learning.SaveGroup(ctx, pm, g)
		if err != nil {
			return fmt.Errorf("demo group %d: %w", k+1, err)
		}
		leader, err := as(b.usernames[g.LeaderID])
		if err != nil {
			return err
		}
		// Three sessions a half-year: six over the year behind, one ahead.
		for s := 0; s < 7; s++ {
			start := time.Date(today.Year(), today.Month(), 10, 9, 0, 0, 0, app.Norway).AddDate(0, -11+2*s, k)
			ss := holf.SupervisionSession{GroupID: g.ID, StartsAt: start, Minutes: 180, Place: "Møterom " + specs[k*3+s%3].Name, Status: holf.SessionPlanned}
			if ss, err = b.a.Learning.SaveSession(ctx, leader, ss, nil); err != nil {
				return fmt.Errorf("demo session: %w", err)
			}
			past := start.Before(now)
			cases := holf.CasesPerSession
			if !past {
				cases = 1 // one form sent so far
			}
			for c := 0; c < cases; c++ {
				m := g.Members[rng.IntN(len(g.Members))]
				fams := b.active[m.OfficeID]
				var fam holf.Family
				for _, f := range fams {
					if f.PrimaryCoordinatorID == m.PersonID || f.SecondCoordinatorID == m.PersonID {
						fam = f
						if rng.IntN(3) == 0 {
							break
						}
					}
				}
				if fam.ID == 0 {
					continue
				}
				author, err := as(b.usernames[m.PersonID])
				if err != nil {
					return err
				}
				t := supervisionCaseTopics[rng.IntN(len(supervisionCaseTopics))]
				sc := holf.SupervisionCase{FamilyID: fam.ID, GroupID: g.ID, SessionID: ss.ID, Areas: t.Areas, Topic: t.Topic, Problem: t.Problem,
					Description: "Familie med to barn, fulgt opp i HOLF siden i fjor.", Process: "Kartlegging og familieplan er på plass; jevnlige møter hjemme og på kontoret.",
					Tools: []string{"menu_agenda", "utu"}, Principles: []string{"acknowledge", "goals"}}
				if rng.IntN(3) == 0 && len(fam.Children()) > 0 {
					sc.MemberID = fam.Children()[0].ID
				} else if ps := fam.Parents(); len(ps) > 0 && rng.IntN(2) == 0 {
					sc.MemberID = ps[0].ID
				}
				sc, err = b.a.Learning.SaveCase(ctx, author, sc, true, true)
				if err != nil {
					return fmt.Errorf("demo supervision case: %w", err)
				}
				if !past {
					continue
				}
				for _, r := range holf.Rounds {
					in := app.RoundInput{Note: pick(rng, roundNotes[r]), Version: sc.Version, Emphasis: holf.MainProcesses[rng.IntN(len(holf.MainProcesses))]}
					if r == holf.RoundSummary {
						in.NextSteps, in.ToFGE = pick(rng, nextSteps), rng.IntN(2) == 0
					}
					if sc, err = b.a.Learning.SaveRound(ctx, leader, g.ID, ss.ID, sc.ID, r, in); err != nil {
						return fmt.Errorf("demo round: %w", err)
					}
				}
			}
			if past {
				ss.Status = holf.SessionHeld
				for _, m := range append([]holf.GroupMember{{PersonID: g.LeaderID}}, g.Members...) {
					ss.Attendance = append(ss.Attendance, holf.SessionAttendance{PersonID: m.PersonID, Attended: rng.IntN(7) != 0})
				}
				if _, err = b.a.Learning.SaveSession(ctx, leader, ss, nil); err != nil {
					return fmt.Errorf("demo attendance: %w", err)
				}
			}
		}
		if err := b.supportWork(ctx, rng, k, offices, specs, byName, today); err != nil {
			return err
		}
	}
	if err := b.leaderWork(ctx, rng, ids, specs, byName, pm, today); err != nil {
		return err
	}
	return b.seminars(ctx, rng, specs, byName, pm, today)
}

// seminars are two national gatherings behind and one ahead, with the
// intervention offices' coordinators' attendance.
func (b *builder) seminars(ctx context.Context, rng *rand.Rand, specs []officeSpec, byName map[string]int64, pm *holf.Actor, today time.Time) error {
	plans := []struct {
		months int
		title  string
		agenda []string
	}{
		{-10, "Oppstartssamling", []string{"HOLF-modellen og veiledningsprinsippene", "Kartleggingsskjemaet i praksis", "Meny-agenda: øvelse i par"}},
		{-4, "Fellessamling høst", []string{"Erfaringer med familieplanen", "Rolleavklaring mot veilederne", "Barnas stemme i oppfølgingen"}},
		{2, "Fellessamling vår", []string{"Samarbeidsmøter og aksjonsnettverk", "Implementeringskvalitet: hva tallene viser"}},
	}
	for _, pl := range plans {
		s := holf.Seminar{Title: pl.title, On: today.AddDate(0, pl.months, 0), Place: "Oslo", Agenda: pl.agenda}
		s, err := b.a.Learning.SaveSeminar(ctx, pm, s, nil)
		if err != nil {
			return fmt.Errorf("demo seminar: %w", err)
		}
		if pl.months > 0 {
			continue
		}
		for i := 0; i < 15; i++ {
			for _, u := range []string{"fk1.", "fk2."} {
				s.Attendance = append(s.Attendance, holf.SessionAttendance{PersonID: byName[u+Slug(specs[i].Name)], Attended: rng.IntN(8) != 0})
			}
		}
		if _, err := b.a.Learning.SaveSeminar(ctx, pm, s, nil); err != nil {
			return fmt.Errorf("demo seminar attendance: %w", err)
		}
	}
	return nil
}

// supportWork is training support k's reviews of its offices' forms and
// its action log.
func (b *builder) supportWork(ctx context.Context, rng *rand.Rand, k int, offices []int64, specs []officeSpec, byName map[string]int64, today time.Time) error {
	ts, err := b.a.ActAs(ctx, fmt.Sprintf("opplaering%d", k+1))
	if err != nil {
		return err
	}
	comments := map[string]string{"work": "Godt beskrevet; få med familiens egne ønsker for endring.", "children": "Hvert barn bør ha sin egen del.",
		"whole": "Kartleggingen gir et godt grunnlag for planen.", "goals": "Målene er konkrete; del gjerne opp i delmål.", "roles": "Tydelig hvem som gjør hva."}
	for j, office := range offices {
		slug := Slug(specs[k*3+j].Name)
		fams := b.active[office]
		for n, u := range []string{"fk1." + slug, "fk2." + slug} {
			coord, err := b.a.ActAs(ctx, u)
			if err != nil {
				return err
			}
			for _, f := range fams {
				if f.PrimaryCoordinatorID != byName[u] {
					continue
				}
				kind := holf.ReviewMapping
				if n == 1 {
					kind = holf.ReviewPlan
				}
				rv, err := b.a.Reviews.Request(ctx, coord, f.ID, kind, f.ID, "Er kartleggingen i tråd med modellen?")
				if err != nil {
					return fmt.Errorf("demo review: %w", err)
				}
				if j == 0 && n == 1 {
					break // one left waiting in the queue
				}
				status, reason := holf.ReviewMeets, ""
				if rng.IntN(3) == 0 {
					status, reason = holf.ReviewNeedsWork, "Barnas situasjon er for lite beskrevet."
				}
				var cs []holf.ReviewComment
				for _, sec := range kind.Sections() {
					if c, ok := comments[sec]; ok {
						cs = append(cs, holf.ReviewComment{Section: sec, Body: c})
					}
				}
				if _, err := b.a.Reviews.Decide(ctx, ts, f.ID, rv.ID, rv.Version, status, reason, cs); err != nil {
					return fmt.Errorf("demo review verdict: %w", err)
				}
				break
			}
			// The action log: contact every month or two over the year.
			for m := 11; m >= 0; m -= 1 + rng.IntN(2) {
				e := holf.LogEntry{OfficeID: office, SubjectID: byName[u], On: today.AddDate(0, -m, -rng.IntN(20)), Channel: []holf.Channel{holf.ChannelPhone, holf.ChannelVideo, holf.ChannelOffice}[rng.IntN(3)],
					Topic:   pick(rng, []string{"Gjennomgang av kartleggingsskjema", "Forberedelse til veiledningsgruppe", "Bruk av FGE-skjemaet", "Rekruttering fra mållisten", "Rolleavklaring med veileder"}),
					Minutes: 15 + 15*rng.IntN(4), FollowUp: pick(rng, []string{"", "Ny samtale om en måned.", "Sender eksempel på familieplan."})}
				if e.On.After(today) {
					e.On = today
				}
				if _, err := b.a.Logs.Add(ctx, ts, e, nil); err != nil {
					return fmt.Errorf("demo action log: %w", err)
				}
			}
		}
	}
	return nil
}

// leaderWork is the leaders' monthly follow-up of the intervention
// offices' coordinators (some months missed, and this month's not yet
// done everywhere) and project management's log of contact with them.
func (b *builder) leaderWork(ctx context.Context, rng *rand.Rand, ids []int64, specs []officeSpec, byName map[string]int64, pm *holf.Actor, today time.Time) error {
	for i := 0; i < 15; i++ {
		slug := Slug(specs[i].Name)
		leader, err := b.a.ActAs(ctx, "leder."+slug)
		if err != nil {
			return err
		}
		for m := 6; m >= 1; m-- {
			if rng.IntN(5) == 0 || m == 1 && i%4 == 0 {
				continue // missed: the overview reminds
			}
			month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -m, 0)
			for _, u := range []string{"fk1." + slug, "fk2." + slug} {
				f := holf.FollowUp{OfficeID: ids[i], CoordinatorID: byName[u], Month: month, RoleClarity: holf.RoleClear,
					Caseload: "Familiene følges opp etter planen.", Challenges: pick(rng, []string{"Mange møter avlyses.", "Tolk er vanskelig å få.", ""}),
					Collaboration: "Godt samarbeid med veilederne på kontoret.", Actions: pick(rng, []string{"Ta opp rolleavklaring på neste personalmøte.", "Sette av tid til etterrefleksjon etter møtene."})}
				if rng.IntN(4) == 0 {
					f.RoleClarity, f.RoleNote = holf.RoleSome, "Har søkt om stønad på vegne av familien."
				}
				if _, err := b.a.FollowUps.Save(ctx, leader, f, nil); err != nil {
					return fmt.Errorf("demo follow-up: %w", err)
				}
			}
		}
		for m := 10; m >= 0; m -= 3 + rng.IntN(2) {
			e := holf.LogEntry{OfficeID: ids[i], SubjectID: byName["leder."+slug], On: today.AddDate(0, -m, -rng.IntN(10)), Channel: holf.ChannelVideo,
				Topic: pick(rng, []string{"Status for rekrutteringen", "Oppfølging av familiekoordinatorene", "Samarbeid med barnevernet", "Implementeringskvalitet"}), Minutes: 30}
			if _, err := b.a.Logs.Add(ctx, pm, e, nil); err != nil {
				return fmt.Errorf("demo management log: %w", err)
			}
		}
	}
	return nil
}
