package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// Phrase banks for the fictitious mapping and plan content, in the words
// coordinators use in the interim report (seed 003, §6.4): resources first,
// then challenges and the family's own wishes.
var areaText = map[holf.TargetArea]map[string][]string{
	holf.AreaWork: {
		"situation":  {"Mor går på introduksjonsprogrammet og har norskundervisning tre dager i uka.", "Far har vært arbeidsledig i to år etter at kontrakten på lageret gikk ut.", "Mor har arbeidsavklaringspenger og er i arbeidsrettet tiltak.", "Ingen av de voksne er i arbeid. Mor har hatt kortere vikariater som renholder."},
		"resources":  {"Mor har fagbrev som helsefagarbeider fra hjemlandet.", "Far har førerkort klasse C og lang erfaring som sjåfør.", "Mor er svært motivert og har fullført norskkurs på nivå A2.", "Far har erfaring fra butikk og snakker fire språk."},
		"challenges": {"Språket er den største hindringen for jobb.", "Mor har ikke godkjent utdanning i Norge.", "Far har ryggplager som begrenser tunge løft.", "Barnehageplass mangler, så mor kan ikke starte i praksis."},
		"wishes":     {"Mor ønsker å jobbe i barnehage.", "Far vil ha fast jobb som sjåfør.", "Mor vil ta fagbrev i Norge.", "Familien vil klare seg uten sosialhjelp."},
	},
	holf.AreaEconomy: {
		"situation":  {"Familien mottar økonomisk sosialhjelp som supplement til introduksjonsstønad.", "Familien har forbrukslån og betalingsanmerkning.", "Husleien tar over halvparten av inntekten.", "Familien har ikke råd til tannlege eller innboforsikring."},
		"resources":  {"Mor har god oversikt over utgiftene og fører budsjett.", "Familien har ingen gjeld.", "Far har tatt imot økonomisk rådgivning tidligere."},
		"challenges": {"Regningene hoper seg opp mot slutten av måneden.", "Det er lite igjen til klær og fritidsaktiviteter for barna.", "Familien sender penger til slektninger i hjemlandet."},
		"wishes":     {"Familien ønsker hjelp til å sette opp et budsjett.", "Mor vil bli kvitt forbrukslånet.", "De vil ha råd til at barna kan være med på aktiviteter."},
	},
	holf.AreaHousing: {
		"situation":  {"Familien bor i en kommunal treroms leilighet.", "Fem personer bor i en toroms leilighet på det private leiemarkedet.", "Familien har midlertidig bolig og må flytte om fire måneder."},
		"resources":  {"Familien trives i nabolaget og har god kontakt med naboene.", "Skolen ligger rett ved, og barna har venner i nærheten."},
		"challenges": {"Leiligheten er for liten, og barna har ikke egne rom.", "Det er fukt på badet, og huseier svarer ikke.", "Husleien er høy i forhold til inntekten."},
		"wishes":     {"Familien ønsker en større bolig i samme skolekrets.", "De ønsker å kjøpe egen bolig med startlån på sikt."},
	},
	holf.AreaChildren: {
		"situation":  {"Barna går på skolen i nærmiljøet og har det stort sett bra.", "Den yngste har ikke barnehageplass.", "Eldste barn har fått vedtak om spesialundervisning."},
		"resources":  {"Foreldrene er opptatt av at barna skal lykkes på skolen.", "Barna er sosiale og har mange venner.", "Besteforeldre bor i nærheten og hjelper til."},
		"challenges": {"Barna deltar ikke i organiserte fritidsaktiviteter fordi det koster for mye.", "Eldste barn har høyt fravær.", "Foreldrene forstår ikke alltid beskjedene fra skolen."},
		"wishes":     {"Barna ønsker å spille fotball.", "Foreldrene ønsker leksehjelp.", "Familien vil at barna skal få feriere som andre barn."},
	},
	holf.AreaHealth: {
		"situation":  {"Mor har hodepine og søvnproblemer.", "Far er til utredning hos fastlegen for smerter.", "Familien har god helse."},
		"resources":  {"Mor går tur hver dag og er opptatt av sunn mat.", "Familien har god kontakt med fastlegen."},
		"challenges": {"Mor er sliten og bekymret for økonomien.", "Far har vondt i ryggen og sover dårlig."},
		"wishes":     {"Mor ønsker å snakke med noen om hvordan hun har det.", "Far vil få behandling slik at han kan jobbe."},
	},
}

var childText = map[string][]string{
	"school":     {}, // by age: see schoolText
	"leisure":    {"Spiller fotball på tirsdager.", "Ingen faste aktiviteter.", "Går på svømming med skolen.", "Vil gjerne begynne på dans."},
	"friends":    {"Har to gode venner i klassen.", "Har få venner og er mye alene.", "Har mange venner i nabolaget."},
	"wellbeing":  {"Virker glad og trygg.", "Blir lett lei seg og sover dårlig.", "Trives godt hjemme og på skolen."},
	"own_wishes": {"Vil ha egen sykkel.", "Ønsker å være med på fotball som vennene.", "Vil bli lege.", "Vil ha et eget rom."},
}

var parentText = map[string][]string{
	"work":   {"Norskkurs på dagtid, ønsker praksisplass.", "Har jobbet som kokk, ønsker seg tilbake til kjøkken.", "Ikke i aktivitet nå, avventer barnehageplass."},
	"health": {"God helse.", "Ryggplager, følges opp av fastlege.", "Søvnvansker og bekymringer."},
}

type activitySpec struct {
	Title  string
	Kind   holf.ResponsibleKind
	Member bool   // a parent is responsible
	Name   string // partner or NAV colleague
}

type goalSpec struct {
	Area       holf.TargetArea
	Title      string
	ForParent  bool
	Subgoal    string
	Activities []activitySpec
}

var goalBank = []goalSpec{
	{holf.AreaWork, "Mor i arbeid innen ett år", true, "Norsk på nivå B1", []activitySpec{
		{"Melde seg på norskkurs", holf.ResponsibleMember, true, ""}, {"Avtale arbeidspraksis i barnehage", holf.ResponsibleNAV, false, "NAV-veileder for arbeid"},
		{"Lage CV sammen med koordinator", holf.ResponsibleCoordinator, false, ""}, {"Søke godkjenning av utdanning", holf.ResponsibleMember, true, ""}}},
	{holf.AreaWork, "Far i fast jobb som sjåfør", true, "", []activitySpec{
		{"Fornye yrkessjåførkompetanse", holf.ResponsibleMember, true, ""}, {"Møte med jobbspesialist", holf.ResponsibleNAV, false, "Jobbspesialist i NAV"},
		{"Søke tre stillinger i måneden", holf.ResponsibleMember, true, ""}}},
	{holf.AreaEconomy, "Oversikt over økonomien og ingen nye inkassokrav", false, "Et budsjett familien selv følger", []activitySpec{
		{"Time hos økonomisk rådgiver", holf.ResponsibleNAV, false, "Økonomisk rådgiver i NAV"}, {"Sette opp budsjett for neste måned", holf.ResponsibleMember, true, ""},
		{"Søke om gjeldsordning", holf.ResponsibleMember, true, ""}}},
	{holf.AreaHousing, "Større bolig i samme skolekrets", false, "", []activitySpec{
		{"Søke kommunal bolig", holf.ResponsibleMember, true, ""}, {"Kontakte boligkontoret om saken", holf.ResponsibleCoordinator, false, ""},
		{"Undersøke startlån", holf.ResponsiblePartner, false, "Boligkontoret i kommunen"}}},
	{holf.AreaChildren, "Barna med på fritidsaktiviteter", false, "", []activitySpec{
		{"Søke om fritidskortet", holf.ResponsibleCoordinator, false, ""}, {"Melde barna på fotball", holf.ResponsibleMember, true, ""},
		{"Avtale utstyr fra utlånssentralen", holf.ResponsiblePartner, false, "Frivilligsentralen"}}},
	{holf.AreaChildren, "Barnehageplass til den yngste", false, "", []activitySpec{
		{"Søke barnehageplass", holf.ResponsibleMember, true, ""}, {"Søke redusert foreldrebetaling", holf.ResponsibleMember, true, ""},
		{"Kontakte barnehagekontoret om prioritering", holf.ResponsibleCoordinator, false, ""}}},
	{holf.AreaHealth, "Mor sover bedre og har mer overskudd", true, "", []activitySpec{
		{"Time hos fastlegen", holf.ResponsibleMember, true, ""}, {"Samtale med psykisk helsetjeneste", holf.ResponsiblePartner, false, "Psykisk helsetjeneste"}}},
}

// household is who a family's texts may speak of: a mother, a father, two
// parents, a child young enough for kindergarten. The demo's members carry
// no gender; the origin name lists tell (makeFamily draws from them).
type household struct {
	mother, father holf.Member
	parents        int
	youngestAge    int
	children       int
}

func householdOf(f holf.Family, year int) household {
	h := household{youngestAge: 99}
	women, men := map[string]bool{}, map[string]bool{}
	for _, o := range origins {
		for _, n := range o.Women {
			women[n] = true
		}
		for _, n := range o.Men {
			men[n] = true
		}
	}
	for _, m := range f.Members {
		first := firstName(m.Name)
		switch {
		case m.Role == holf.MemberParent:
			h.parents++
			if women[first] && h.mother.ID == 0 {
				h.mother = m
			} else if men[first] && h.father.ID == 0 {
				h.father = m
			}
		case m.Role == holf.MemberChild:
			h.children++
			h.youngestAge = min(h.youngestAge, year-m.BirthYear)
		}
	}
	return h
}

// fits reports whether text may be said of h: "Mor" needs a mother, "Far" a
// father, "Foreldrene" and "de voksne" two parents, the youngest's
// kindergarten place a child under six, "barna" and "Eldste barn" two
// children.
func (h household) fits(text string) bool {
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("Mor ", "mor ", "Mor.") && h.mother.ID == 0:
		return false
	case has("Far ", "far ") && h.father.ID == 0:
		return false
	case has("Foreldrene", "foreldrene", "de voksne") && h.parents < 2:
		return false
	case has("yngste", "arnehageplass") && h.youngestAge >= 6:
		return false
	case has("Eldste barn", "barna", "Barna") && h.children < 2:
		return false
	}
	return true
}

// pickFor draws a text of bank that fits h, or "" when none does.
func pickFor(rng *rand.Rand, h household, bank []string) string {
	var ok []string
	for _, t := range bank {
		if h.fits(t) {
			ok = append(ok, t)
		}
	}
	if len(ok) == 0 {
		return ""
	}
	return pick(rng, ok)
}

// schoolText is what a child of age does in the day.
func schoolText(rng *rand.Rand, age int) string {
	switch {
	case age < 1:
		return "Er hjemme med foreldrene."
	case age < 6:
		return pick(rng, []string{"Går i barnehage fem dager i uka.", "Har ikke barnehageplass ennå.", "Går i barnehage, trives godt."})
	case age < 13:
		return pick(rng, []string{"Går i " + strconv.Itoa(age-5) + ". klasse og trives.", "Går i " + strconv.Itoa(age-5) + ". klasse, strever med lesing."})
	case age < 16:
		return pick(rng, []string{"Går på ungdomsskolen, strever med matte.", "Går på ungdomsskolen og har gode karakterer."})
	}
	return pick(rng, []string{"Går på videregående, studiespesialisering.", "Har avbrutt videregående og er hjemme."})
}

// caseContent draws mapping versions and a plan for an active family.
func caseContent(rng *rand.Rand, f holf.Family, since, now time.Time, actorID int64, actor string, areas []holf.TargetArea, scale bool) store.CaseContent {
	c := store.CaseContent{FamilyID: f.ID}
	versions := 1 + rng.IntN(3)
	if scale {
		versions = 1
	}
	h := householdOf(f, now.Year())
	fields := map[string]string{}
	at := since
	for v := 0; v < versions; v++ {
		at = at.Add(time.Duration(7+rng.IntN(40)) * 24 * time.Hour)
		if at.After(now) {
			at = now.Add(-time.Hour)
		}
		next := map[string]string{}
		for k, x := range fields {
			next[k] = x
		}
		for _, a := range areas {
			for _, fl := range holf.AreaFields {
				if v == 0 || rng.IntN(4) == 0 {
					if t := pickFor(rng, h, areaText[a][fl]); t != "" {
						next[holf.AreaKey(a, fl)] = t
					}
				}
			}
		}
		for _, m := range f.Members {
			fls, key, bank := holf.ChildFields, holf.ChildKey, childText
			if m.Role == holf.MemberParent {
				fls, key, bank = holf.ParentFields, holf.ParentKey, parentText
			}
			for _, fl := range fls {
				if v == 0 && rng.IntN(5) > 0 || v > 0 && rng.IntN(6) == 0 {
					t := pickFor(rng, h, bank[fl])
					if m.Role == holf.MemberChild && fl == "school" {
						t = schoolText(rng, now.Year()-m.BirthYear)
					}
					if t != "" {
						next[key(m.ID, fl)] = t
					}
				}
			}
		}
		c.Mappings = append(c.Mappings, holf.Mapping{Version: v + 1, SavedAt: at, ActorID: actorID, Actor: actor, Fields: next})
		fields = next
	}
	// The plan: 2-4 goals from areas the office uses.
	parents := f.Parents()
	c.PlanAt = at.Add(time.Duration(1+rng.IntN(20)) * 24 * time.Hour)
	if c.PlanAt.After(now) {
		c.PlanAt = now.Add(-time.Hour)
	}
	n := 2 + rng.IntN(3)
	if scale {
		n = 4
	}
	used := map[int]bool{}
	for len(c.Goals) < n && len(used) < len(goalBank) {
		k := rng.IntN(len(goalBank))
		spec := goalBank[k]
		if used[k] || !containsArea(areas, spec.Area) {
			used[k] = true
			continue
		}
		used[k] = true
		if !h.fits(spec.Title) {
			continue // no father for the father's goal, no toddler for a kindergarten place
		}
		g := holf.Goal{Area: spec.Area, Title: spec.Title, Status: holf.GoalOpen}
		if spec.ForParent && len(parents) > 0 {
			g.MemberID = parents[0].ID
			switch {
			case strings.HasPrefix(spec.Title, "Far"):
				g.MemberID = h.father.ID
			case strings.HasPrefix(spec.Title, "Mor"):
				g.MemberID = h.mother.ID
			}
		}
		if kids := f.Children(); spec.Area == holf.AreaChildren && !spec.ForParent && len(kids) > 0 {
			g.MemberID = kids[rng.IntN(len(kids))].ID // a goal for one child
		}
		ig := store.ImportedGoal{Goal: g}
		for _, as := range spec.Activities {
			a := holf.Activity{Title: as.Title, Responsible: as.Kind, ResponsibleName: as.Name, Status: holf.ActivityOpen}
			if as.Member {
				// The goal's own parent does their part of it.
				a.ResponsibleMemberID = g.MemberID
				if a.ResponsibleMemberID == 0 {
					a.ResponsibleMemberID = parents[rng.IntN(len(parents))].ID
				}
			}
			a.DueOn = c.PlanAt.AddDate(0, 0, 14+rng.IntN(120)).Truncate(24 * time.Hour)
			switch r := rng.IntN(10); {
			case r < 5 && a.DueOn.Before(now):
				a.Status, a.DoneOn = holf.ActivityDone, a.DueOn.AddDate(0, 0, -rng.IntN(10))
			case r == 9:
				a.Status = holf.ActivityDropped
			}
			ig.Activities = append(ig.Activities, a)
		}
		if scale {
			for len(ig.Activities) < 4 {
				ig.Activities = append(ig.Activities, holf.Activity{Title: "Oppfølgingssamtale", Responsible: holf.ResponsibleCoordinator,
					Status: holf.ActivityOpen, DueOn: c.PlanAt.AddDate(0, 0, 7*len(ig.Activities))})
			}
		}
		if spec.Subgoal != "" {
			ig.Subgoals = append(ig.Subgoals, store.ImportedGoal{Goal: holf.Goal{Area: spec.Area, Title: spec.Subgoal, Status: holf.GoalOpen, MemberID: g.MemberID}})
		}
		c.Goals = append(c.Goals, ig)
	}
	// The mapping is reviewed every four to seven months while the family
	// is followed, mostly on time (trial scale).
	for next := at.AddDate(0, 4+rng.IntN(3), rng.IntN(28)); !scale && next.Before(now); next = next.AddDate(0, 4+rng.IntN(4), rng.IntN(28)) {
		upd := map[string]string{}
		for k, x := range fields {
			upd[k] = x
		}
		a := areas[rng.IntN(len(areas))]
		if t := pickFor(rng, h, areaText[a]["situation"]); t != "" {
			upd[holf.AreaKey(a, "situation")] = t
		}
		c.Mappings = append(c.Mappings, holf.Mapping{Version: len(c.Mappings) + 1, SavedAt: next, ActorID: actorID, Actor: actor, Fields: upd})
		fields = upd
	}
	// The mapping names challenges where the plan sets goals, and in one
	// family in four also where it sets none yet (an incomplete plan).
	if rng.IntN(4) > 0 {
		has := map[holf.TargetArea]bool{}
		for _, g := range c.Goals {
			has[g.Goal.Area] = true
		}
		for _, m := range c.Mappings {
			for _, a := range areas {
				if !has[a] {
					delete(m.Fields, holf.AreaKey(a, "challenges"))
				}
			}
		}
	}
	return c
}

func containsArea(as []holf.TargetArea, a holf.TargetArea) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
