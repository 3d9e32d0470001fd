// Package demo builds HOLF's demonstration dataset: deterministic for a seed,
// clearly fictitious, and shaped like the HOLF trial (29 offices, 15
// intervention and 14 comparison, two coordinators and a leader in each,
// five training-support staff with three intervention offices each, project
// management, a researcher and an administrator).
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/auth"
)

// Office names the demo offices: real NAV offices, 14 of them those whose
// local plans the interim report lists (Appendix 3) and two the pilots
// Søndre Nordstrand and Ringerike. Their arms are not the report's: the
// demo randomises them (trial.go), and Arm holds the draw's.
type officeSpec struct {
	Name, Municipality string
	Arm                holf.Arm
}

var offices = []officeSpec{
	{"NAV Søndre Nordstrand", "Oslo", holf.ArmNone},
	{"NAV Ringerike", "Ringerike", holf.ArmNone},
	{"NAV Grorud", "Oslo", holf.ArmNone},
	{"NAV Stovner", "Oslo", holf.ArmNone},
	{"NAV Gamle Oslo", "Oslo", holf.ArmNone},
	{"NAV Drammen", "Drammen", holf.ArmNone},
	{"NAV Fredrikstad", "Fredrikstad", holf.ArmNone},
	{"NAV Sarpsborg", "Sarpsborg", holf.ArmNone},
	{"NAV Kristiansand", "Kristiansand", holf.ArmNone},
	{"NAV Arna", "Bergen", holf.ArmNone},
	{"NAV Tromsø", "Tromsø", holf.ArmNone},
	{"NAV Bodø", "Bodø", holf.ArmNone},
	{"NAV Hamar", "Hamar", holf.ArmNone},
	{"NAV Skien", "Skien", holf.ArmNone},
	{"NAV Lillestrøm", "Lillestrøm", holf.ArmNone},
	{"NAV Alna", "Oslo", holf.ArmNone},
	{"NAV Asker", "Asker", holf.ArmNone},
	{"NAV Bjerke", "Oslo", holf.ArmNone},
	{"NAV Elverum", "Elverum", holf.ArmNone},
	{"NAV Fana", "Bergen", holf.ArmNone},
	{"NAV Gjøvik", "Gjøvik", holf.ArmNone},
	{"NAV Harstad", "Harstad", holf.ArmNone},
	{"NAV Horten", "Horten", holf.ArmNone},
	{"NAV Larvik", "Larvik", holf.ArmNone},
	{"NAV Lerkendal", "Trondheim", holf.ArmNone},
	{"NAV Madla", "Stavanger", holf.ArmNone},
	{"NAV Sandefjord", "Sandefjord", holf.ArmNone},
	{"NAV Sandnes", "Sandnes", holf.ArmNone},
	{"NAV St. Hanshaugen", "Oslo", holf.ArmNone},
}

var firstNames = []string{"Anne", "Kari", "Ingrid", "Marte", "Hanne", "Silje", "Camilla", "Ida", "Nina", "Line",
	"Tone", "Hilde", "Randi", "Siri", "Maria", "Sara", "Amina", "Fatima", "Leila", "Elin", "Kristin", "Guro",
	"Ole", "Per", "Lars", "Jon", "Erik", "Kjetil", "Anders", "Tor", "Bjørn", "Espen", "Morten", "Ahmed", "Omar"}

var lastNames = []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
	"Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
	"Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen",
	"Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen"}

// Options configure Build.
type Options struct {
	Seed     uint64
	Password string // shared by every demo account; random when empty
	// Scale "national" builds the benchmark dataset: 250 offices, 100 000
	// families and about 2 million plan items. "" is the trial-sized demo.
	Scale    string
	Progress func(format string, args ...any)
}

// Result tells what Build made.
type Result struct {
	Password string
	Offices  int
	People   int
	Families int
	// Responses counts questionnaire responses (submitted or still open).
	Responses int
	Existing  bool // the database held the demo already; nothing was added
}

// MetaKey marks a database as a demo database.
const (
	MetaKey         = "demo"
	MetaPasswordKey = "demo_password"
)

// purpose is why the demo's records were written, on every audit entry.
const purpose = "building the demonstration dataset"

// builder is one run of Build: the demo's own system actor writes through
// the import use case, with the same domain rules as every other door.
type builder struct {
	im    *app.Imports
	a     *app.App
	actor *holf.Actor
	// usernames of the accounts made, by id: who wrote each mapping.
	usernames map[int64]string
	// names of the accounts, by id: who logged each contact.
	names map[int64]string
	// active are each office's families in follow-up, for their network.
	active map[int64][]holf.Family
	// drifting is the office whose after-reflections slip in the last
	// months, for the fidelity overview to flag (trial scale only).
	drifting int64
}

// driftingOffice is the office that drifts, when the draw made it an
// intervention office (the first intervention office otherwise): its
// coordinators stop writing their after-reflections on time half a year ago.
const driftingOffice = "NAV Grorud"

// cmpArm orders intervention offices before comparison offices.
func cmpArm(a holf.Arm) int {
	if a == holf.ArmIntervention {
		return 0
	}
	return 1
}

// Build fills the database behind a with the demo dataset. It refuses a
// database that holds anything but demo data, and leaves an existing demo
// database as it is.
func Build(ctx context.Context, a *app.App, opt Options) (Result, error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	b := &builder{im: a.Imports(), a: a, actor: app.System("demo"), usernames: map[int64]string{}, names: map[int64]string{}, active: map[int64][]holf.Family{}}
	db := b.im
	mark, err := db.Meta(ctx, MetaKey)
	if err != nil {
		return Result{}, err
	}
	if mark != "" {
		pw, err := db.Meta(ctx, MetaPasswordKey)
		return Result{Password: pw, Existing: true}, err
	}
	empty, err := db.Empty(ctx, b.actor)
	if err != nil {
		return Result{}, err
	}
	if !empty {
		return Result{}, holf.Errorf(holf.EConflict, "this database holds real (non-demo) data: demo data is only added to an empty database")
	}
	if opt.Password == "" {
		opt.Password = "demo-" + auth.NewSecret(12)
	}
	if err := auth.CheckPassword(opt.Password, ""); err != nil {
		return Result{}, fmt.Errorf("demo password: %w", err)
	}
	// Mark first: a half-built demo is still recognisably a demo.
	if err := db.SetMeta(ctx, b.actor, MetaKey, fmt.Sprintf("seed=%d", opt.Seed)); err != nil {
		return Result{}, err
	}
	// The demo password is kept so that `holf serve --demo` can show it again.
	// Only demo databases, with fictitious people, store it.
	if err := db.SetMeta(ctx, b.actor, MetaPasswordKey, opt.Password); err != nil {
		return Result{}, err
	}
	// #nosec G404 -- deterministic, fictitious demo data; nothing secret is drawn from it
	rng := rand.New(rand.NewPCG(opt.Seed, 0x484f4c46))
	res := Result{Password: opt.Password}
	specs := slices.Clone(offices)
	perOffice := familiesPerOffice
	if opt.Scale == "national" {
		specs, perOffice = nationalOffices(), 400
	} else if opt.Scale != "" {
		return Result{}, holf.Errorf(holf.EInvalid, "unknown scale %q (national)", opt.Scale)
	}
	ids := make([]int64, len(specs))
	for i, spec := range specs {
		o := holf.Office{Name: spec.Name, Municipality: spec.Municipality, Arm: holf.ArmNone}
		if err := db.Office(ctx, b.actor, &o, purpose); err != nil {
			return res, fmt.Errorf("demo office %s: %w", spec.Name, err)
		}
		ids[i] = o.ID
		res.Offices++
	}
	progress("offices: %d", res.Offices)
	used := map[string]bool{}
	name := func() string {
		for {
			n := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
			if !used[n] {
				used[n] = true
				return n
			}
		}
	}
	var people []holf.Person
	add := func(username string, as ...holf.Assignment) {
		people = append(people, holf.Person{Username: username, Name: name(), Email: username + "@demo.holf.invalid", Assignments: as})
	}
	for i, spec := range specs {
		slug := Slug(spec.Name)
		add("fk1."+slug, holf.Assignment{Role: holf.RoleCoordinator, OfficeID: ids[i]})
		add("fk2."+slug, holf.Assignment{Role: holf.RoleCoordinator, OfficeID: ids[i]})
		add("leder."+slug, holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: ids[i]})
		// Table 5: 12 coordinators joined during the project (and 13 of
		// the first 58 left; their accounts stay, without T2 answers).
		if opt.Scale == "" && i < 12 {
			add("fk3."+slug, holf.Assignment{Role: holf.RoleCoordinator, OfficeID: ids[i]})
		}
	}
	add("prosjektleder", holf.Assignment{Role: holf.RoleProjectManagement})
	add("prosjektleder2", holf.Assignment{Role: holf.RoleProjectManagement})
	add("forsker", holf.Assignment{Role: holf.RoleResearcher})
	add("admin", holf.Assignment{Role: holf.RoleAdministrator})
	// Every demo account has the same password, so one hash serves them all:
	// sharing it reveals nothing the shared password does not.
	hash, err := db.Hash(opt.Password)
	if err != nil {
		return res, err
	}
	created := 0
	createPeople := func() error {
		for i := created; i < len(people); i++ {
			if err := db.Person(ctx, b.actor, &people[i], hash, purpose); err != nil {
				return fmt.Errorf("demo person %s: %w", people[i].Username, err)
			}
			b.usernames[people[i].ID] = people[i].Username
			b.names[people[i].ID] = people[i].Name
			res.People++
			if res.People%25 == 0 {
				progress("people: %d of %d", res.People, len(people))
			}
		}
		created = len(people)
		return nil
	}
	if err := createPeople(); err != nil {
		return res, err
	}
	// The trial's offices are randomised before the model's support is
	// given: training support and the county governor follow the draw.
	if opt.Scale == "" {
		arms, err := b.randomise(ctx, opt.Seed, specs, ids)
		if err != nil {
			return res, err
		}
		for i := range specs {
			specs[i].Arm = arms[ids[i]]
		}
		// Intervention offices first, each arm in its listed order: the
		// demo's training support takes the first fifteen, three each.
		order := make([]int, len(specs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(x, y int) int {
			return cmpArm(specs[x].Arm) - cmpArm(specs[y].Arm)
		})
		s2, i2 := make([]officeSpec, len(specs)), make([]int64, len(ids))
		for k, i := range order {
			s2[k], i2[k] = specs[i], ids[i]
		}
		specs, ids = s2, i2
		progress("randomisation: %d offices drawn, constrained on their covariates", len(specs))
	}
	// Training support: five people, each with three intervention offices.
	for k := 0; k < 5; k++ {
		var as []holf.Assignment
		for j := 0; j < 3; j++ {
			as = append(as, holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: ids[k*3+j]})
		}
		add(fmt.Sprintf("opplaering%d", k+1), as...)
	}
	// The county governor follows comparison offices in a light overview.
	var gov []holf.Assignment
	for i, spec := range specs {
		if spec.Arm == holf.ArmComparison {
			gov = append(gov, holf.Assignment{Role: holf.RoleCountyGovernor, OfficeID: ids[i]})
		}
	}
	add("statsforvalter", gov...)
	if err := createPeople(); err != nil {
		return res, err
	}
	progress("people: %d", res.People)
	coordinators := map[int64][2]int64{}
	for _, p := range people {
		for _, a := range p.Assignments {
			if a.Role == holf.RoleCoordinator {
				pair := coordinators[a.OfficeID]
				switch {
				case strings.HasPrefix(p.Username, "fk1."):
					pair[0] = p.ID
				case strings.HasPrefix(p.Username, "fk2."):
					pair[1] = p.ID
				}
				coordinators[a.OfficeID] = pair
			}
		}
	}
	if opt.Scale == "" {
		b.drifting = ids[0]
		for i, spec := range specs {
			if spec.Name == driftingOffice && spec.Arm == holf.ArmIntervention {
				b.drifting = ids[i]
			}
		}
	}
	res.Families, err = b.families(ctx, rng, ids, coordinators, perOffice, opt.Scale != "", progress)
	if err != nil {
		return res, err
	}
	progress("families: %d", res.Families)
	if opt.Scale == "" {
		if err := b.targetLists(ctx, opt.Seed, ids, specs); err != nil {
			return res, err
		}
		if err := b.datedTrial(ctx); err != nil {
			return res, err
		}
		progress("target lists: done")
	}
	if err := b.network(ctx, rng, ids, specs, opt.Scale != "", progress); err != nil {
		return res, err
	}
	if opt.Scale == "" {
		if err := b.learning(ctx, rng, ids, specs, a.Now()); err != nil {
			return res, fmt.Errorf("demo learning structure: %w", err)
		}
		progress("supervision groups, reviews, action logs and follow-ups: done")
	}
	arms := map[int64]holf.Arm{}
	for i, spec := range specs {
		arms[ids[i]] = spec.Arm
	}
	joined, left := map[int64]bool{}, map[int64]bool{}
	for _, p := range people {
		if strings.HasPrefix(p.Username, "fk3.") {
			joined[p.ID] = true
		}
		if strings.HasPrefix(p.Username, "fk2.") && len(left) < 13 {
			left[p.ID] = true
		}
	}
	if res.Responses, err = b.surveys(ctx, rng, ids, arms, joined, left, opt.Scale == "", a.Now()); err != nil {
		return res, fmt.Errorf("demo questionnaires: %w", err)
	}
	progress("questionnaire responses: %d", res.Responses)
	if opt.Scale == "" {
		// The evaluation as it stands: the effect table computed once, as
		// the researchers would after T2.
		researcher, err := a.ActAs(ctx, "forsker")
		if err != nil {
			return res, err
		}
		if _, err := a.Trial.Compute(ctx, researcher, app.ResultsOptions{Permutations: 1000, Software: "holf (demo)"}); err != nil {
			return res, fmt.Errorf("demo effect table: %w", err)
		}
		progress("effect table: done")
	}
	// The national overview reads maintained figures: count them once now,
	// as the server's hourly refresh will from here on.
	if _, err := a.Fidelity.Refresh(ctx, b.actor); err != nil {
		return res, fmt.Errorf("demo fidelity figures: %w", err)
	}
	progress("fidelity figures: done")
	return res, nil
}

// Slug turns an office name into the part of a demo username after the role:
// "NAV Søndre Nordstrand" → "sondre-nordstrand".
func Slug(officeName string) string {
	s := strings.ToLower(strings.TrimPrefix(officeName, "NAV "))
	r := strings.NewReplacer("ø", "o", "æ", "ae", "å", "a", ". ", "-", " ", "-", ".", "")
	return r.Replace(s)
}

// nationalOffices is the trial's 29 offices and 221 more, fictitiously
// numbered, for the national-scale benchmark dataset.
func nationalOffices() []officeSpec {
	out := append([]officeSpec{}, offices...)
	towns := []string{"Oslo", "Bergen", "Trondheim", "Stavanger", "Kristiansand", "Drammen", "Fredrikstad", "Tromsø", "Sandnes", "Sarpsborg",
		"Skien", "Ålesund", "Bodø", "Arendal", "Tønsberg", "Moss", "Haugesund", "Porsgrunn", "Hamar", "Lillehammer", "Molde", "Gjøvik", "Halden", "Kongsberg", "Steinkjer"}
	for i := len(out); i < 250; i++ {
		arm := holf.ArmNone
		out = append(out, officeSpec{Name: fmt.Sprintf("NAV Testkontor %03d", i+1), Municipality: towns[i%len(towns)], Arm: arm})
	}
	return out
}
