package demo

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
)

// Meetings and contacts shaped after the trial's case files (seed 003,
// §6.3: one mapping meeting and 7-12 FGE forms per family over a year; §6.4:
// after-reflections often postponed or copied; SMS, calls and parents
// dropping by between meetings).

var purposes = map[holf.MeetingKind][]string{
	holf.MeetingInformation: {"Informere om HOLF og hva familien kan forvente", "Bli kjent og avklare om familien vil være med"},
	holf.MeetingMapping:     {"Kartlegge familiens situasjon, ressurser og ønsker på alle målområdene", "Fortsette kartleggingen og høre barnas stemme"},
	holf.MeetingFollowUp: {"Følge opp arbeidsmålet og avtale neste steg", "Gå gjennom familieplanen og krysse av det som er gjort",
		"Snakke om økonomien og budsjettet for neste måned", "Følge opp søknaden om større bolig", "Planlegge fritidsaktiviteter for barna"},
	holf.MeetingHomeVisit:     {"Se boligsituasjonen og snakke med hele familien hjemme", "Møte barna hjemme og høre hva de ønsker seg"},
	holf.MeetingCollaboration: {"Avklare hvem som gjør hva med skolen og barnevernet", "Samordne oppfølgingen med boligkontoret"},
	holf.MeetingOther:         {"Følge mor til møte hos fastlegen"},
}

var mainTopics = []string{"Arbeid", "Økonomi", "Bolig", "Barnas situasjon", "Helse", "Familieplanen"}

var planLines = []string{"Velkommen – Meny-agenda – hovedtema – oppsummering og neste steg",
	"Kort runde om siden sist – Meny-agenda – familieplanen – avtaler til neste gang",
	"Velkommen med tolk – Meny-agenda – arbeid – økonomi – oppsummering"}

var questionBank = []string{"Hva har gått bra siden sist?", "Hva er viktigst for dere nå?", "Hva trenger du fra meg for å komme videre?",
	"Hvordan har barna det på skolen?", "Hva skal til for at du kan starte i praksis?"}

var agendaBank = []struct {
	Title string
	Area  holf.TargetArea
	By    holf.Proposer
	Notes string
}{
	{"Praksisplass i barnehage", holf.AreaWork, holf.ProposerFamily, "Mor ringer barnehagen innen fredag. Koordinator sender CV til NAV-veilederen."},
	{"Norskkurs", holf.AreaWork, holf.ProposerCoordinator, "Meldt på kurs som starter etter ferien."},
	{"Regning fra strømselskapet", holf.AreaEconomy, holf.ProposerFamily, "Søker om stønad til strøm. Avtale med økonomisk rådgiver."},
	{"Budsjett for neste måned", holf.AreaEconomy, holf.ProposerCoordinator, "Satt opp budsjett sammen. Familien prøver det ut i en måned."},
	{"Søknad om kommunal bolig", holf.AreaHousing, holf.ProposerFamily, "Søknaden er sendt. Koordinator purrer boligkontoret om tre uker."},
	{"Fukt på badet", holf.AreaHousing, holf.ProposerFamily, "Far kontakter huseier skriftlig; koordinator hjelper med brevet."},
	{"Fotball for den eldste", holf.AreaChildren, holf.ProposerFamily, "Fritidskortet dekker kontingenten. Utstyr fra utlånssentralen."},
	{"Leksehjelp", holf.AreaChildren, holf.ProposerFamily, "Skolen har leksehjelp tirsdag og torsdag."},
	{"Søvn og overskudd", holf.AreaHealth, holf.ProposerCoordinator, "Mor bestiller time hos fastlegen."},
}

var reflectionBank = []string{
	"Mor var engasjert og kom selv med forslag på Meny-agendaen. UTU fungerte godt da vi snakket om praksisplass: hun visste mer enn jeg trodde.",
	"Far var stille i starten, men åpnet seg da vi snakket om barna. Jeg brukte åpne spørsmål og oppsummeringer; det ga ro i samtalen.",
	"Vi rakk ikke alt på agendaen. Jeg skulle avgrenset tidligere. Familien ga uttrykk for at det var nyttig å se planen krysset av.",
	"Tolk gjorde samtalen langsommere, men tryggere. Mor sa at hun for første gang forsto hva aktivitetsplikten betyr.",
	"Barna var med den første halvtimen. Det var fint å høre eldstemann selv si at han vil spille fotball – det gir et mål som er hans.",
	"Møtet ble preget av en ny regning. Jeg fulgte familiens tema, og vi satte av siste del til arbeidsmålet slik vi hadde avtalt.",
	"Rolleavklaringen med skolen var nyttig: nå vet mor hvem hun skal kontakte, og jeg slipper å være mellomledd.",
}

var supervisionTopics = []string{"Hvordan holde fokus når familien vil snakke om alt på en gang",
	"Når mor ikke møter: hvordan komme videre uten å presse", "Samarbeid med skolen når foreldrene er skeptiske",
	"Hvordan bruke IIMA når far er uenig i målet"}

var contactNotes = map[holf.ContactKind][]string{
	holf.ContactSMS:        {"Minnet om møtet på torsdag", "Sendte adressen til boligkontoret", "Mor bekreftet timen", "Gratulerte med jobbintervjuet"},
	holf.ContactCall:       {"Mor ringte om regningen fra strømselskapet", "Avtalte nytt møte", "Far fortalte at søknaden er sendt", "Snakket om skolemøtet"},
	holf.ContactCallMissed: {"", "Ringte om møtet", "Fikk ikke svar, prøver igjen i morgen"},
	holf.ContactDropIn:     {"Mor kom innom med et brev fra Husbanken", "Far ville vise jobbtilbudet", "Kom innom for å låne skriver"},
	holf.ContactDigital:    {"Svarte på melding om aktivitetsplikt", "Sendte oversikt over neste ukes avtaler"},
	holf.ContactEmail:      {"Sendte innkalling til samarbeidsmøte", "Svar fra skolen videresendt til mor"},
	holf.ContactHomeVisit:  {"Kort besøk med søknadsskjema"},
	holf.ContactLetter:     {"Innkalling sendt i posten"},
}

var contactWeights = []struct {
	Kind   holf.ContactKind
	Weight int
}{{holf.ContactSMS, 35}, {holf.ContactCall, 25}, {holf.ContactCallMissed, 15}, {holf.ContactDropIn, 8}, {holf.ContactDigital, 8},
	{holf.ContactEmail, 5}, {holf.ContactHomeVisit, 2}, {holf.ContactLetter, 2}}

func contactKind(rng *rand.Rand) holf.ContactKind {
	n := rng.IntN(100)
	for _, w := range contactWeights {
		if n < w.Weight {
			return w.Kind
		}
		n -= w.Weight
	}
	return holf.ContactSMS
}

func someOf(rng *rand.Rand, items []holf.FGEItem, min, max int) []string {
	var out []string
	for _, i := range rng.Perm(len(items))[:min+rng.IntN(max-min+1)] {
		out = append(out, items[i].Key)
	}
	return out
}

// workingTime moves t to a working day between 09:00 and 15:00 in Norway.
func workingTime(rng *rand.Rand, t time.Time) time.Time {
	l := t.In(app.Norway)
	for l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
		l = l.AddDate(0, 0, 1)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 9+rng.IntN(6), []int{0, 15, 30}[rng.IntN(3)], 0, 0, app.Norway)
}

// familyMeetings draws one family's meetings and contacts from since (the
// consent date) to end, led by coordinator lead; now is the demo's clock.
// drift: the after-reflections of the last six months are mostly late or
// missing, as at an office drifting from the model.
func familyMeetings(rng *rand.Rand, f holf.Family, since, end, now time.Time, lead int64, leadName string, areas []holf.TargetArea, scale, drift bool) store.FamilyMeetings {
	out := store.FamilyMeetings{FamilyID: f.ID}
	cat := holf.CurrentFGE()
	parents, children := f.Parents(), f.Children()
	interp := ""
	for _, p := range parents {
		if p.InterpreterNeeded {
			interp = p.InterpreterLanguage
		}
	}
	lastReflection, lastIndex := "", 0
	add := func(kind holf.MeetingKind, at time.Time) {
		m := holf.Meeting{FamilyID: f.ID, Kind: kind, Status: holf.MeetingHeld, Channel: holf.ChannelOffice, StartsAt: at, Minutes: []int{45, 60, 60, 90}[rng.IntN(4)],
			LeadID: lead, FGEVersion: cat.Version, InterpreterLanguage: interp}
		if kind == holf.MeetingHomeVisit {
			m.Channel = holf.ChannelHome
		} else if rng.IntN(12) == 0 {
			m.Channel = holf.ChannelPhone
		}
		future := at.After(now)
		if future {
			m.Status = holf.MeetingPlanned
		} else if r := rng.IntN(100); r < 7 {
			m.Status, m.StatusNote = holf.MeetingMissed, "Mor møtte ikke og svarte ikke på telefon."
		} else if r < 12 {
			m.Status, m.StatusNote = holf.MeetingCancelled, "Avlyst: barna var syke."
		} else if r < 14 {
			m.Status, m.StatusNote = holf.MeetingPostponed, "Utsatt en uke etter ønske fra familien."
		}
		attendance := holf.AttendanceExpected
		if m.Status == holf.MeetingHeld {
			attendance = holf.AttendanceAttended
		}
		for i, p := range parents {
			if i == 0 || rng.IntN(3) > 0 {
				m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantMember, MemberID: p.ID, Attendance: attendance})
			}
		}
		if m.Status == holf.MeetingMissed {
			for i := range m.Participants {
				m.Participants[i].Attendance = holf.AttendanceAbsent
			}
		}
		if kind == holf.MeetingMapping || kind == holf.MeetingHomeVisit || rng.IntN(6) == 0 {
			for _, c := range children {
				if rng.IntN(2) == 0 {
					m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantMember, MemberID: c.ID, Attendance: attendance, ChildHeard: m.Status == holf.MeetingHeld})
				}
			}
		}
		m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantCoordinator, PersonID: lead, Attendance: attendance})
		if kind == holf.MeetingCollaboration {
			m.Participants = append(m.Participants, holf.Participant{Kind: holf.ParticipantColleague, Name: pick(rng, []string{"Kari Berg, arbeidsveileder", "Jon Dahl, økonomisk rådgiver"}), Attendance: attendance})
		}
		// Most meetings are prepared; a few planned ones are not yet.
		if rng.IntN(10) < 9 && !(future && rng.IntN(3) == 0) {
			m.Prep = holf.Preparation{Purpose: pick(rng, purposes[kind]), MainTopic: pick(rng, mainTopics),
				Tools: someOf(rng, cat.Tools, 1, 3), Principles: someOf(rng, cat.Principles, 1, 3), Forms: someOf(rng, cat.Forms, 0, 2)}
			if !scale {
				m.Exec = holf.Execution{Plan: pick(rng, planLines), Questions: pick(rng, questionBank) + "\n" + pick(rng, questionBank)}
			}
		}
		// The Menu agenda, in most meetings held.
		if !scale && m.Status != holf.MeetingCancelled && rng.IntN(10) < 6 {
			for k, i := range rng.Perm(len(agendaBank))[:2+rng.IntN(3)] {
				a := agendaBank[i]
				if !containsArea(areas, a.Area) {
					continue
				}
				t := holf.AgendaTopic{Proposer: a.By, Title: a.Title, Area: a.Area, Priority: k + 1, Minutes: []int{10, 15, 20}[rng.IntN(3)], Outcome: holf.TopicOpen}
				if m.Status == holf.MeetingHeld {
					t.Outcome, t.Notes = holf.TopicDiscussed, a.Notes
					if k > 1 && rng.IntN(3) == 0 {
						t.Outcome, t.Notes = holf.TopicNotReached, ""
					}
				}
				m.Agenda = append(m.Agenda, t)
			}
		}
		// After-reflections: most written within days, some missing, some copied.
		im := store.ImportedMeeting{}
		if m.Status == holf.MeetingHeld {
			// Outstanding mostly for recent meetings: old ones were caught up with.
			outstanding := 5
			if now.Sub(at) < 30*24*time.Hour {
				outstanding = 35
			}
			drifted := drift && now.Sub(at) < 183*24*time.Hour
			if drifted {
				outstanding = 45
			}
			switch r := rng.IntN(100); {
			case r < outstanding:
				// outstanding
			case r < outstanding+15 && lastReflection != "":
				m.Reflection.Open = strings.Replace(lastReflection, "i dag", "denne gangen", 1)
				im.SimilarIndex = lastIndex
				m.Similarity = holf.Similarity(m.Reflection.Open, lastReflection)
			default:
				if rng.IntN(3) == 0 {
					m.Reflection = holf.Reflection{WhatHappened: pick(rng, reflectionBank), FamilyFeedback: "Familien sa at møtet var nyttig.",
						ToolsWorked: "Meny-agenda ga familien ordet først."}
				} else {
					m.Reflection.Open = pick(rng, reflectionBank)
				}
				if rng.IntN(12) == 0 {
					m.Reflection.Supervision, m.Reflection.SupervisionTopic = true, pick(rng, supervisionTopics)
				}
				m.Reflection.Shared = rng.IntN(5) == 0
			}
			if !m.Reflection.Empty() {
				late := time.Duration(1+rng.IntN(96)) * time.Hour
				if drifted && rng.IntN(4) > 0 {
					late = time.Duration(6*24+rng.IntN(10*24)) * time.Hour // a week or two after
				}
				m.ReflectedAt = earlier(m.End().Add(late), now.Add(-time.Minute))
				m.ReflectedBy = lead
				lastReflection, lastIndex = m.Reflection.Text(), len(out.Meetings)+1
				if im.SimilarIndex == 0 {
					m.Similarity = 0
				}
			}
		}
		m.CreatedAt = at.AddDate(0, 0, -7-rng.IntN(14))
		if m.CreatedAt.After(now) {
			m.CreatedAt = now.Add(-time.Hour)
		}
		m.UpdatedAt = earlier(m.End().Add(time.Hour), now.Add(-time.Minute))
		if m.UpdatedAt.Before(m.CreatedAt) {
			m.UpdatedAt = m.CreatedAt
		}
		if !m.ReflectedAt.IsZero() && m.UpdatedAt.Before(m.ReflectedAt) {
			m.UpdatedAt = m.ReflectedAt
		}
		im.Meeting = m
		out.Meetings = append(out.Meetings, im)
	}
	at := workingTime(rng, since.Add(-3*24*time.Hour))
	add(holf.MeetingInformation, at)
	at = workingTime(rng, since.AddDate(0, 0, 7+rng.IntN(14)))
	if at.Before(end) {
		add(holf.MeetingMapping, at)
	}
	gap := 21 + rng.IntN(21) // 7-12 meetings a year
	if scale {
		gap = 90
	}
	quiet := rng.IntN(10) == 0 // a family nobody has reached for a while
	stop := end
	if quiet && end.Equal(now) {
		stop = now.AddDate(0, 0, -35-rng.IntN(20))
	}
	for at = workingTime(rng, at.AddDate(0, 0, gap)); at.Before(stop); at = workingTime(rng, at.AddDate(0, 0, gap-5+rng.IntN(10))) {
		kind := holf.MeetingFollowUp
		switch r := rng.IntN(100); {
		case r < 15:
			kind = holf.MeetingHomeVisit
		case r < 25:
			kind = holf.MeetingCollaboration
		}
		add(kind, at)
	}
	// Active families have their next meeting planned.
	if end.Equal(now) && !quiet {
		add(holf.MeetingFollowUp, workingTime(rng, now.AddDate(0, 0, 1+rng.IntN(13))))
	}
	// Contacts between meetings: a few a month.
	perMonth := 2 + rng.IntN(5)
	if scale {
		perMonth = 1
	}
	for d := since; d.Before(stop); d = d.AddDate(0, 1, 0) {
		for i := 0; i < perMonth; i++ {
			t := workingTime(rng, d.AddDate(0, 0, rng.IntN(28)))
			if !t.Before(stop) || t.After(now) {
				continue
			}
			k := contactKind(rng)
			c := holf.Contact{FamilyID: f.ID, Kind: k, At: t, Note: pick(rng, contactNotes[k]), ByID: lead, By: leadName}
			if len(parents) > 0 && rng.IntN(5) > 0 {
				c.MemberID = parents[rng.IntN(len(parents))].ID
			}
			switch k {
			case holf.ContactCall:
				c.Minutes = 5 + rng.IntN(16)
			case holf.ContactDropIn, holf.ContactHomeVisit:
				c.Minutes = 10 + rng.IntN(21)
			case holf.ContactSMS, holf.ContactDigital, holf.ContactEmail:
				c.Minutes = 1 + rng.IntN(3)
			}
			out.Contacts = append(out.Contacts, c)
		}
	}
	return out
}
