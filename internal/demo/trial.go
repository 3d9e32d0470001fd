package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/trial"
)

// The trial as the report describes it (seed 003 §1, §4): 60 offices
// invited, 45 interested, 30 drawn, one withdrew, 29 randomised. The demo's
// 29 offices are randomised for real, constrained on covariates like those
// the Directorate balanced on, by the researcher and confirmed by project
// management: the allocation is the draw's, not the report's.

// notTakingPart are invited offices that HOLF does not serve: the first 15
// were not interested, the next 15 were interested and not drawn, and the
// last was drawn and withdrew before randomisation.
var notTakingPart = []string{"NAV Bærum", "NAV Moss", "NAV Halden", "NAV Tønsberg", "NAV Porsgrunn", "NAV Arendal", "NAV Grimstad",
	"NAV Haugesund", "NAV Ålesund", "NAV Molde", "NAV Kristiansund", "NAV Steinkjer", "NAV Levanger", "NAV Narvik", "NAV Alta",
	"NAV Hammerfest", "NAV Kongsberg", "NAV Lier", "NAV Nordre Follo", "NAV Ullensaker", "NAV Lørenskog", "NAV Ringsaker",
	"NAV Lillehammer", "NAV Kongsvinger", "NAV Askøy", "NAV Sogndal", "NAV Sunnfjord", "NAV Eigersund", "NAV Lindesnes",
	"NAV Notodden", "NAV Ullern"}

// regions groups the demo's municipalities as the stratum of the draw.
var regions = map[string]string{"Oslo": "Oslo", "Ringerike": "Øst", "Drammen": "Øst", "Fredrikstad": "Øst", "Sarpsborg": "Øst",
	"Lillestrøm": "Øst", "Asker": "Øst", "Hamar": "Innlandet", "Elverum": "Innlandet", "Gjøvik": "Innlandet", "Kristiansand": "Sør og vest",
	"Bergen": "Sør og vest", "Stavanger": "Sør og vest", "Sandnes": "Sør og vest", "Skien": "Sør og vest", "Horten": "Sør og vest",
	"Larvik": "Sør og vest", "Sandefjord": "Sør og vest", "Trondheim": "Midt og nord", "Tromsø": "Midt og nord", "Bodø": "Midt og nord",
	"Harstad": "Midt og nord"}

// Seeds of the demo's draw: the sample of allocations, sealed before the
// draw, and the draw itself, as a protocol would register them.
const (
	demoSpaceSeed = 20160901
	demoDrawSeed  = 20161101
)

// randomise sets up the study with its sites and covariates and runs the
// constrained randomisation of the demo's offices, prepared by the
// researcher and confirmed by project management. It returns each office's
// arm.
func (b *builder) randomise(ctx context.Context, seed uint64, specs []officeSpec, ids []int64) (map[int64]holf.Arm, error) {
	// #nosec G404 -- fictitious covariates; the draw has its own source
	rng := rand.New(rand.NewPCG(seed, 2016))
	researcher, err := b.a.ActAs(ctx, "forsker")
	if err != nil {
		return nil, err
	}
	pm, err := b.a.ActAs(ctx, "prosjektleder")
	if err != nil {
		return nil, err
	}
	st := trial.Study{Registration: "NCT03102775", Title: "Helhetlig oppfølging av lavinntektsfamilier (HOLF): et klyngerandomisert forsøk",
		RecruitFrom: dayOf(b.recruitFrom()), RecruitTo: dayOf(b.recruitFrom().AddDate(0, 8, 0)), TargetPerOffice: 21,
		Eligibility: []string{
			"Har mottatt økonomisk sosialhjelp 6 av de siste 12 månedene, eller er fast mottaker",
			"Eller mottar arbeidsavklaringspenger, dagpenger eller kvalifiseringsstønad med supplerende sosialhjelp",
			"Har 1–4 barn under 18 år som bor hjemme",
		},
		Exclusions: []string{
			"Er allerede i en tilsvarende helhetlig oppfølging",
			"En forelder er i behandling for alvorlig psykisk sykdom eller rusmisbruk",
			"Barn er under omsorg av barnevernet, eller det pågår en sak om mulig omsorgsovertakelse",
			"Har reservert seg mot oppfølging i registerdata",
		}}
	if _, err := b.a.Trial.SaveStudy(ctx, researcher, st, nil); err != nil {
		return nil, fmt.Errorf("demo study: %w", err)
	}
	covariates := func(municipality string) map[string]string {
		return map[string]string{
			"eligible_families": strconv.Itoa(60 + rng.IntN(260)),
			"immigrant_share":   strconv.FormatFloat(float64(8+rng.IntN(45))/100, 'f', 2, 64),
			"region":            regions[municipality],
		}
	}
	var sites []trial.Site
	for i, spec := range specs {
		sites = append(sites, trial.Site{OfficeID: ids[i], Name: spec.Name, Stage: trial.StageDrawn, Covariates: covariates(spec.Municipality)})
	}
	for i, name := range notTakingPart {
		s := trial.Site{Name: name, Stage: trial.StageInvited, Reason: "Svarte ikke på invitasjonen, eller hadde ikke kapasitet", Covariates: map[string]string{}}
		switch {
		case i == len(notTakingPart)-1:
			s.Stage, s.Reason, s.Covariates = trial.StageWithdrew, "Trakk seg etter trekningen: omorganisering av kontoret", covariates("Oslo")
		case i >= 15:
			s.Stage, s.Reason = trial.StageInterested, "Interessert, men ikke trukket ut blant de 30"
		}
		sites = append(sites, s)
	}
	if err := b.a.Trial.SaveSites(ctx, researcher, sites); err != nil {
		return nil, fmt.Errorf("demo sites: %w", err)
	}
	cfg := trial.Config{Method: trial.Constrained, Metric: trial.L2, Cutoff: 0.1, SpaceSeed: demoSpaceSeed,
		Covariates: []trial.Covariate{{Name: "eligible_families", Weight: 1}, {Name: "immigrant_share", Weight: 1}, {Name: "region", Weight: 1}}}
	r, err := b.a.Trial.Prepare(ctx, researcher, cfg)
	if err != nil {
		return nil, fmt.Errorf("demo randomisation: %w", err)
	}
	draw := uint64(demoDrawSeed)
	if r, err = b.a.Trial.Confirm(ctx, pm, r.ID, r.Version, &draw); err != nil {
		return nil, fmt.Errorf("demo draw: %w", err)
	}
	arms := map[int64]holf.Arm{}
	for _, x := range r.Result.Allocation {
		arms[x.ClusterID] = holf.ArmComparison
		if x.Intervention {
			arms[x.ClusterID] = holf.ArmIntervention
		}
	}
	return arms, nil
}

// recruitFrom is when the demo's recruitment began, 14 months ago: the
// families' records, the study's window and the draw before it all date
// from it.
func (b *builder) recruitFrom() time.Time { return b.a.Now().AddDate(-1, -2, 0) }

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// datedTrial dates the draw as the trial ran it: prepared four weeks and
// drawn three weeks before recruitment began, the target lists drawn from
// the registers a week before it, so that the CONSORT flow places the
// families and their consents after the allocation, as in the trial.
func (b *builder) datedTrial(ctx context.Context) error {
	from := b.recruitFrom()
	return b.im.TrialHistory(ctx, b.actor, from.AddDate(0, 0, -28), from.AddDate(0, 0, -21), from.AddDate(0, 0, -7), purpose)
}

// targetLists gives every trial office the target list its families came
// from: the families themselves (the parent named first, their children),
// with the families who said no, could not be reached or were found
// ineligible, and a few who declined register data. The list is imported
// in a random order and the coordinator records each contact in that
// order; a family recruited before others waiting says why.
func (b *builder) targetLists(ctx context.Context, seed uint64, ids []int64, specs []officeSpec) error {
	// #nosec G404 -- fictitious list entries
	rng := rand.New(rand.NewPCG(seed, 2017))
	for i, office := range ids {
		fams, err := b.a.DB().ListFamilies(ctx, store.FamilyFilter{Offices: holf.Offices(office)})
		if err != nil {
			return err
		}
		var csv strings.Builder
		csv.WriteString("reference,name,children,criterion,register_declined\n")
		kind := map[string]trial.Recruitment{}
		family := map[string]int64{} // the record each recruited entry became
		row := func(ref, name string, children int, declined bool) {
			c := trial.Criteria[rng.IntN(len(trial.Criteria))]
			fmt.Fprintf(&csv, "%s,%s,%d,%s,%t\n", ref, name, children, c, declined)
		}
		for _, f := range fams {
			ref := fmt.Sprintf("S-%d%04d", office, f.ID)
			children, parent := 0, ""
			for _, m := range f.Members {
				if m.Role == holf.MemberChild && m.LivesAtHome {
					children++
				}
				if m.Role == holf.MemberParent && parent == "" {
					parent = m.Name
				}
			}
			if children < 1 || children > 4 || parent == "" {
				continue
			}
			row(ref, parent, children, false)
			kind[ref], family[ref] = trial.RecruitRecruited, f.ID
			if f.Status == holf.StatusCandidate {
				kind[ref] = trial.RecruitWaiting
			}
		}
		for k := 0; k < 6+rng.IntN(6); k++ {
			ref := fmt.Sprintf("S-%d9%03d", office, k)
			row(ref, firstNames[rng.IntN(len(firstNames))]+" "+lastNames[rng.IntN(len(lastNames))], 1+rng.IntN(4), k == 0)
			kind[ref] = []trial.Recruitment{trial.RecruitDeclined, trial.RecruitDeclined, trial.RecruitNotReached, trial.RecruitIneligible}[rng.IntN(4)]
		}
		if _, err := b.a.Targets.Import(ctx, b.actor, office, strings.NewReader(csv.String())); err != nil {
			return fmt.Errorf("demo target list of %s: %w", specs[i].Name, err)
		}
		fk, err := b.a.ActAs(ctx, "fk1."+Slug(specs[i].Name))
		if err != nil {
			return err
		}
		l, err := b.a.Targets.List(ctx, fk, office) // as its coordinator reads it
		if err != nil {
			return err
		}
		waiting := 0
		var done []trial.Target
		for _, e := range l.Entries {
			want := kind[e.Reference]
			if e.Outcome == trial.RecruitExcluded || want == trial.RecruitWaiting {
				if e.Outcome == trial.RecruitWaiting {
					waiting++
				}
				continue
			}
			e.Outcome, e.FamilyID = want, family[e.Reference]
			if waiting > 0 {
				e.OutOfOrder = "Familien tok selv kontakt med kontoret og ønsket å være med"
			}
			done = append(done, e)
		}
		if err := b.im.TargetOutcomes(ctx, b.actor, office, done, purpose); err != nil {
			return fmt.Errorf("demo target outcomes at %s: %w", specs[i].Name, err)
		}
		// Every recruited family consented to the evaluation on the day it
		// consented to the follow-up, its first parent giving it.
		for _, f := range fams {
			if f.ConsentDate.IsZero() {
				continue
			}
			for _, m := range f.Members {
				if m.Role == holf.MemberParent {
					if _, err := b.a.Targets.SaveConsent(ctx, fk, trial.Consent{FamilyID: f.ID, MemberID: m.ID, GivenOn: f.ConsentDate}, nil); err != nil {
						return fmt.Errorf("demo trial consent at %s: %w", specs[i].Name, err)
					}
					break
				}
			}
		}
	}
	return nil
}
