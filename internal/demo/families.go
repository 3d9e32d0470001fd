package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// origin is a country of birth with names and languages typical of the
// families in the trial (seed 003, §2: 80 % of parents born abroad, most
// often in Somalia, Iraq, Eritrea and Afghanistan; many need interpreters).
type origin struct {
	Country, Language      string
	Women, Men, Surnames   []string
	Weight, InterpreterPct int
}

var origins = []origin{
	{"Somalia", "somali", []string{"Amina", "Hodan", "Faadumo", "Sahra", "Ifrah", "Hibo", "Nimco"}, []string{"Abdi", "Mohamed", "Hassan", "Abdirahman", "Yusuf"}, []string{"Ali", "Hassan", "Abdi", "Farah", "Warsame", "Osman", "Jama"}, 24, 55},
	{"Irak", "arabisk", []string{"Zainab", "Noor", "Rana", "Huda", "Layla"}, []string{"Ahmed", "Ali", "Karim", "Haidar", "Omar"}, []string{"Al-Hassani", "Jabbar", "Kadhim", "Saleh", "Hussein"}, 12, 45},
	{"Eritrea", "tigrinja", []string{"Selam", "Helen", "Senait", "Mebrat", "Saba"}, []string{"Yonas", "Daniel", "Tesfay", "Samuel", "Dawit"}, []string{"Tesfamariam", "Gebremedhin", "Haile", "Berhane", "Kidane"}, 12, 60},
	{"Afghanistan", "dari", []string{"Fatima", "Maryam", "Zahra", "Shabnam", "Parwana"}, []string{"Ahmad", "Mohammad", "Farid", "Jawad", "Ali"}, []string{"Ahmadi", "Rahimi", "Hosseini", "Noori", "Sultani"}, 10, 55},
	{"Syria", "arabisk", []string{"Rasha", "Lina", "Dima", "Hala", "Reem"}, []string{"Khaled", "Ammar", "Firas", "Bassel", "Samer"}, []string{"Haddad", "Khalil", "Mansour", "Darwish", "Hamdan"}, 10, 60},
	{"Pakistan", "urdu", []string{"Ayesha", "Sana", "Nazia", "Rubina"}, []string{"Imran", "Tariq", "Asif", "Bilal"}, []string{"Khan", "Iqbal", "Butt", "Malik"}, 5, 20},
	{"Polen", "polsk", []string{"Anna", "Katarzyna", "Agnieszka", "Magdalena"}, []string{"Piotr", "Tomasz", "Marek", "Paweł"}, []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik"}, 4, 35},
	{"Etiopia", "amharisk", []string{"Tigist", "Meron", "Bethlehem"}, []string{"Abebe", "Getachew", "Solomon"}, []string{"Tadesse", "Bekele", "Alemu"}, 3, 50},
	{"Norge", "norsk", []string{"Kari", "Linda", "Hanne", "Marianne", "Camilla", "Ida", "Silje"}, []string{"Thomas", "Kristian", "Jon", "Geir", "Marius"}, []string{"Hansen", "Olsen", "Larsen", "Nilsen", "Berg", "Johansen", "Haugen"}, 20, 0},
}

var childNames = []string{"Ayaan", "Sumaya", "Ilham", "Yasin", "Adam", "Sara", "Maryam", "Emma", "Nora", "Ali", "Omar", "Lina",
	"Noah", "Jonas", "Leah", "Hamza", "Ibrahim", "Selma", "Mikael", "Filip", "Elias", "Aisha", "Zara", "Idris", "Sofie", "Amir"}

var statusNotes = map[holf.DischargeReason][]string{
	holf.ReasonCompleted: {"Mor i fast jobb, familien klarer seg selv.", "Målene i familieplanen er nådd."},
	holf.ReasonWithdrew:  {"Familien ønsket ikke videre oppfølging.", "Far mente det ble for mange møter."},
	holf.ReasonMoved:     {"Flyttet til en annen kommune.", "Fikk kommunal bolig i nabokommunen."},
	holf.ReasonOther:     {"Barnevernet overtok omsorgen for ett av barna.", "Mor startet behandling for alvorlig sykdom."},
}

// familiesPerOffice is the number drawn at each office before replacements
// (the trial's power calculation asked for at least 21 per office).
const familiesPerOffice = 21

func weighted(rng *rand.Rand) origin {
	total := 0
	for _, o := range origins {
		total += o.Weight
	}
	n := rng.IntN(total)
	for _, o := range origins {
		if n < o.Weight {
			return o
		}
		n -= o.Weight
	}
	return origins[0]
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// makeFamily draws one fictitious family shaped like the trial's: 56 % single
// parents (mostly mothers), 1-4 children (2.3 on average), most parents born
// abroad, interpreter needs by origin.
func makeFamily(rng *rand.Rand, now time.Time) holf.Family {
	o := weighted(rng)
	surname := pick(rng, o.Surnames)
	f := holf.Family{Name: "Familien " + surname}
	parent := func(woman bool) holf.Member {
		first := pick(rng, o.Men)
		if woman {
			first = pick(rng, o.Women)
		}
		m := holf.Member{Role: holf.MemberParent, Name: first + " " + surname, BirthYear: now.Year() - 26 - rng.IntN(22),
			CountryOfBirth: o.Country, Languages: o.Language, LivesAtHome: true}
		if o.Language != "norsk" {
			m.Languages += ", norsk"
			if rng.IntN(100) < o.InterpreterPct {
				m.InterpreterNeeded, m.InterpreterLanguage = true, o.Language
				m.Languages = o.Language
			}
		}
		return m
	}
	single := rng.IntN(100) < 56
	if single {
		f.Members = append(f.Members, parent(rng.IntN(100) < 88))
	} else {
		f.Members = append(f.Members, parent(true), parent(false))
	}
	children := []int{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4}[rng.IntN(20)] // mean 2.3
	youngest := f.Members[0].BirthYear + 19
	for i := 0; i < children; i++ {
		year := max(now.Year()-17+rng.IntN(17), youngest)
		m := holf.Member{Role: holf.MemberChild, Name: pick(rng, childNames) + " " + surname, BirthYear: min(year, now.Year()), LivesAtHome: true}
		if o.Language != "norsk" {
			m.Languages = o.Language + ", norsk"
			if now.Year()-m.BirthYear > 3 {
				m.CountryOfBirth = "Norge"
				if rng.IntN(3) == 0 {
					m.CountryOfBirth = o.Country
				}
			}
		} else {
			m.Languages, m.CountryOfBirth = "norsk", "Norge"
		}
		f.Members = append(f.Members, m)
	}
	return f
}

// buildFamilies adds the demo families of every office: drawn from the
// target list, recruited over 2016-2017 like the trial's, most in active
// follow-up, some discharged and replaced.
func (b *builder) families(ctx context.Context, rng *rand.Rand, officeIDs []int64, coordinators map[int64][2]int64, perOffice int, scale bool, progress func(string, ...any)) (int, error) {
	now := b.a.Now()
	start := b.recruitFrom()
	total := 0
	for i, office := range officeIDs {
		fk := coordinators[office]
		var batch []store.ImportedFamily
		var discharged []int
		for n := 0; n < perOffice; n++ {
			f := makeFamily(rng, now)
			f.OfficeID = office
			f.PrimaryCoordinatorID = fk[n%2]
			if rng.IntN(5) == 0 {
				f.SecondCoordinatorID = fk[(n+1)%2]
			}
			drawn := start.AddDate(0, 0, rng.IntN(120))
			f.CreatedAt = drawn
			events := []holf.FamilyEvent{created(drawn)}
			switch r := rng.IntN(100); {
			case r < 6: // still a candidate
				f.Status = holf.StatusCandidate
			case r < 10: // consented, not started
				f.Status, f.ConsentDate = holf.StatusRecruited, drawn.AddDate(0, 0, 7+rng.IntN(14))
				events = append(events, holf.FamilyEvent{Kind: holf.EventRecruited, On: f.ConsentDate})
			default:
				f.Status, f.ConsentDate = holf.StatusActive, drawn.AddDate(0, 0, 7+rng.IntN(14))
				activeOn := f.ConsentDate.AddDate(0, 0, 3+rng.IntN(14))
				events = append(events, holf.FamilyEvent{Kind: holf.EventRecruited, On: f.ConsentDate},
					holf.FamilyEvent{Kind: holf.EventActivated, On: activeOn})
				if r >= 84 { // discharged and replaced
					reason := pick(rng, []holf.DischargeReason{holf.ReasonWithdrew, holf.ReasonWithdrew, holf.ReasonCompleted, holf.ReasonMoved, holf.ReasonOther})
					f.Status, f.DischargeReason = holf.StatusDischarged, reason
					f.DischargedOn = earlier(activeOn.AddDate(0, 2+rng.IntN(8), rng.IntN(28)), now.AddDate(0, 0, -7))
					events = append(events, holf.FamilyEvent{Kind: holf.EventDischarged, On: f.DischargedOn,
						Details: holf.EventDetails{Reason: reason, Note: pick(rng, statusNotes[reason])}})
					discharged = append(discharged, len(batch))
				}
			}
			batch = append(batch, store.ImportedFamily{Family: f, Events: events})
		}
		if err := b.im.Families(ctx, b.actor, batch, purpose); err != nil {
			return total, fmt.Errorf("demo families of office %d: %w", office, err)
		}
		if err := b.content(ctx, rng, batch, now, scale, fk); err != nil {
			return total, err
		}
		total += len(batch)
		var replacements []store.ImportedFamily
		for _, k := range discharged {
			old := batch[k].Family
			f := makeFamily(rng, now)
			f.OfficeID, f.PrimaryCoordinatorID, f.ReplacesFamilyID = office, old.PrimaryCoordinatorID, old.ID
			f.CreatedAt = old.DischargedOn.AddDate(0, 0, 1+rng.IntN(10))
			events := []holf.FamilyEvent{created(f.CreatedAt)}
			f.Status = holf.StatusCandidate
			if consent := f.CreatedAt.AddDate(0, 0, 7+rng.IntN(14)); consent.Before(now) {
				f.Status, f.ConsentDate = holf.StatusActive, consent
				events = append(events, holf.FamilyEvent{Kind: holf.EventRecruited, On: consent},
					holf.FamilyEvent{Kind: holf.EventActivated, On: earlier(consent.AddDate(0, 0, 7), now)})
			}
			replacements = append(replacements, store.ImportedFamily{Family: f, Events: events})
		}
		if err := b.im.Families(ctx, b.actor, replacements, purpose); err != nil {
			return total, fmt.Errorf("demo replacement families of office %d: %w", office, err)
		}
		if err := b.content(ctx, rng, replacements, now, scale, fk); err != nil {
			return total, err
		}
		total += len(replacements)
		for _, l := range [][]store.ImportedFamily{batch, replacements} {
			for _, x := range l {
				if x.Family.Status == holf.StatusActive {
					b.active[office] = append(b.active[office], x.Family)
				}
			}
		}
		if (i+1)%5 == 0 || scale {
			progress("families: %d of %d offices, %d families", i+1, len(officeIDs), total)
		}
	}
	return total, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// content adds mappings and plans to the families that are in follow-up
// (active or discharged), written by their primary coordinator.
func (b *builder) content(ctx context.Context, rng *rand.Rand, fams []store.ImportedFamily, now time.Time, scale bool, coordinators [2]int64) error {
	if len(fams) == 0 {
		return nil
	}
	office, err := b.a.Offices.Get(ctx, b.actor, policy.OfficeView, fams[0].Family.OfficeID)
	if err != nil {
		return err
	}
	byID := map[int64]*holf.Family{}
	var cs []store.CaseContent
	var fm []store.FamilyMeetings
	for i := range fams {
		f := fams[i].Family
		byID[f.ID] = &fams[i].Family
		if f.Status != holf.StatusActive && f.Status != holf.StatusDischarged || f.ConsentDate.IsZero() {
			continue
		}
		end := now
		if f.Status == holf.StatusDischarged {
			end = f.DischargedOn
		}
		cs = append(cs, caseContent(rng, f, f.ConsentDate, end, f.PrimaryCoordinatorID, b.usernames[f.PrimaryCoordinatorID], office.TargetAreas, scale))
		fm = append(fm, familyMeetings(rng, f, f.ConsentDate, end, now, f.PrimaryCoordinatorID, b.names[f.PrimaryCoordinatorID], office.TargetAreas, scale, f.OfficeID == b.drifting))
	}
	if err := b.im.CaseContent(ctx, b.actor, office, byID, cs, purpose); err != nil {
		return err
	}
	return b.im.Meetings(ctx, b.actor, office, coordinators[:], byID, fm, purpose)
}

func created(on time.Time) holf.FamilyEvent {
	return holf.FamilyEvent{Kind: holf.EventCreated, On: on, Details: holf.EventDetails{Status: holf.StatusCandidate}}
}
