package app_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
	"github.com/holf-project/holf/internal/trial"
)

// trialWorld is a study with eight offices drawn into it, a researcher and
// two from project management.
type trialWorld struct {
	a            *app.App
	db           *store.DB
	offices      []holf.Office
	res, pm, pm2 *holf.Actor
	coordinator  *holf.Actor
	admin        *holf.Actor
	cfg          trial.Config
}

func newTrialWorld(t *testing.T, d store.Dialect) *trialWorld {
	t.Helper()
	db := testdb.Open(t, d, store.Options{})
	a, err := app.New(app.Config{DB: db, Hasher: cheap})
	must(t, err)
	sys, im := app.System("test"), a.Imports()
	w := &trialWorld{a: a, db: db}
	for i := 0; i < 8; i++ {
		o := holf.Office{Name: fmt.Sprintf("NAV Forsøk %d", i), Municipality: "Oslo", Arm: holf.ArmNone}
		must(t, im.Office(ctx, sys, &o, "test"))
		w.offices = append(w.offices, o)
	}
	for _, p := range []holf.Person{
		{Username: "forsker", Name: "Frøya Forsker", Assignments: []holf.Assignment{{Role: holf.RoleResearcher}}},
		{Username: "pm", Name: "Per Prosjekt", Assignments: []holf.Assignment{{Role: holf.RoleProjectManagement}}},
		{Username: "pm2", Name: "Pia Prosjekt", Assignments: []holf.Assignment{{Role: holf.RoleProjectManagement}}},
		{Username: "admin", Name: "Ada Admin", Assignments: []holf.Assignment{{Role: holf.RoleAdministrator}}},
		{Username: "fk", Name: "Frida", Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: w.offices[0].ID}}},
	} {
		must(t, im.Person(ctx, sys, &p, "", "test"))
	}
	for _, u := range []struct {
		name string
		to   **holf.Actor
	}{{"forsker", &w.res}, {"pm", &w.pm}, {"pm2", &w.pm2}, {"admin", &w.admin}, {"fk", &w.coordinator}} {
		act, err := a.ActAs(ctx, u.name)
		must(t, err)
		*u.to = act
	}
	_, err = a.Trial.SaveStudy(ctx, w.res, trial.Study{Registration: "NCT00000000", Title: "Test", TargetPerOffice: 21,
		RecruitFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), RecruitTo: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}, nil)
	must(t, err)
	var sites []trial.Site
	for i, o := range w.offices {
		sites = append(sites, trial.Site{OfficeID: o.ID, Name: o.Name, Stage: trial.StageDrawn,
			Covariates: map[string]string{"size": fmt.Sprint(10 + i*i), "region": []string{"A", "B"}[i%2]}})
	}
	sites = append(sites, trial.Site{Name: "NAV Borte", Stage: trial.StageWithdrew, Reason: "Omorganisering"})
	must(t, a.Trial.SaveSites(ctx, w.res, sites))
	w.cfg = trial.Config{Method: trial.Constrained, Covariates: []trial.Covariate{{Name: "size"}, {Name: "region"}}, Cutoff: 0.25}
	return w
}

// randomise draws the world's offices with seed: prepared by the
// researcher, confirmed by project management.
func (w *trialWorld) randomise(t *testing.T, seed uint64) {
	t.Helper()
	r, err := w.a.Trial.Prepare(ctx, w.res, w.cfg)
	must(t, err)
	_, err = w.a.Trial.Confirm(ctx, w.pm, r.ID, r.Version, &seed)
	must(t, err)
}

// The draw is prepared by one person and run once when another confirms
// it; the offices' arms follow it; a second draw, the preparer confirming,
// an office edit and a redo are all refused; a correction is its own record.
func TestRandomisationIsSealedAndTwoPerson(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newTrialWorld(t, d)
			a := w.a
			if _, err := a.Trial.Prepare(ctx, w.admin, w.cfg); holf.ErrorCode(err) != holf.EForbidden {
				t.Fatalf("an administrator prepared a draw: %v", err)
			}
			if _, err := a.Trial.Overview(ctx, w.coordinator); holf.ErrorCode(err) != holf.EForbidden {
				t.Fatalf("a coordinator saw the trial: %v", err)
			}
			dry, err := a.Trial.DryRun(ctx, w.res, w.cfg, 7)
			must(t, err)
			// Nothing recorded by a dry run: every arm is still none.
			for _, o := range w.offices {
				if got, _ := w.db.GetOffice(ctx, o.ID); got.Arm != holf.ArmNone {
					t.Fatalf("a dry run set %s's arm", o.Name)
				}
			}
			r, err := a.Trial.Prepare(ctx, w.res, w.cfg)
			must(t, err)
			if r.Accepted != 18 || r.CandidatesHash == "" || !r.Config.Covariates[1].Categorical {
				t.Fatalf("prepared: %+v", r)
			}
			if _, err := a.Trial.Prepare(ctx, w.pm, w.cfg); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a second preparation: %v", err)
			}
			if _, err := a.Trial.Confirm(ctx, w.res, r.ID, r.Version, nil); holf.ErrorCode(err) != holf.EForbidden {
				t.Fatalf("the preparer confirmed their own draw: %v", err)
			}
			// Two people confirm at once: one draw.
			seed := uint64(7)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, who := range []*holf.Actor{w.pm, w.pm2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = a.Trial.Confirm(ctx, who, r.ID, r.Version, &seed)
				}()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("two confirmations: %v, %v", errs[0], errs[1])
			}
			o, err := a.Trial.Overview(ctx, w.res)
			must(t, err)
			drawn := o.Current
			if drawn == nil || drawn.Status != trial.StatusDrawn || drawn.Result == nil || drawn.Result.Seed != 7 {
				t.Fatalf("current: %+v", drawn)
			}
			// The draw equals the dry run with its seed, and reproduces from
			// the recorded configuration and values bit for bit.
			if !reflect.DeepEqual(drawn.Result.Allocation, dry.Allocation) {
				t.Fatal("the draw differs from the dry run with the same seed")
			}
			s, err := trial.NewSpace(drawn.Clusters, drawn.Config)
			must(t, err)
			if again := s.Draw(drawn.Result.Seed); !reflect.DeepEqual(again, *drawn.Result) || s.CandidatesHash != drawn.CandidatesHash {
				t.Fatal("the recorded draw does not reproduce")
			}
			n := 0
			for _, x := range drawn.Result.Allocation {
				of, _ := w.db.GetOffice(ctx, x.ClusterID)
				want := holf.ArmComparison
				if x.Intervention {
					want, n = holf.ArmIntervention, n+1
				}
				if of.Arm != want {
					t.Fatalf("%s is %s, drawn %s", of.Name, of.Arm, want)
				}
			}
			if n != 4 {
				t.Fatalf("%d intervention offices of 8", n)
			}
			flowOf := map[trial.Stage]int{}
			for _, f := range o.Flow {
				flowOf[f.Stage] = f.Offices
			}
			if flowOf[trial.StageInvited] != 9 || flowOf[trial.StageDrawn] != 9 || flowOf[trial.StageWithdrew] != 1 || flowOf[trial.StageRandomised] != 8 {
				t.Fatalf("flow %v", flowOf)
			}
			// Never redone.
			if _, err := a.Trial.Prepare(ctx, w.pm, w.cfg); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a second randomisation: %v", err)
			}
			if _, err := a.Trial.Confirm(ctx, w.pm2, r.ID, drawn.Version, nil); holf.ErrorCode(err) != holf.EConflict {
				t.Fatalf("a redraw: %v", err)
			}
			// An office's edit keeps its arm.
			first, _ := w.db.GetOffice(ctx, w.offices[0].ID)
			sys := app.System("test")
			flipped := first
			flipped.Arm = holf.ArmNone
			flipped.Name += " øst"
			saved, err := a.Offices.Update(ctx, sys, flipped)
			must(t, err)
			if got, _ := w.db.GetOffice(ctx, first.ID); got.Arm != first.Arm || saved.Arm != first.Arm {
				t.Fatalf("an office edit changed the arm from %s to %s", first.Arm, got.Arm)
			}
			// A correction with its reason; too short a reason is refused.
			to := holf.ArmComparison
			if first.Arm == holf.ArmComparison {
				to = holf.ArmIntervention
			}
			if _, err := a.Trial.Correct(ctx, w.pm, first.ID, to, "feil"); holf.ErrorCode(err) != holf.EInvalid {
				t.Fatalf("a correction without a reason: %v", err)
			}
			c, err := a.Trial.Correct(ctx, w.pm, first.ID, to, "Kontoret ble slått sammen med et annet før oppstart")
			must(t, err)
			if got, _ := w.db.GetOffice(ctx, first.ID); got.Arm != to || c.From != first.Arm {
				t.Fatalf("corrected to %s, from %s", got.Arm, c.From)
			}
			o, err = a.Trial.Overview(ctx, w.res)
			must(t, err)
			if len(o.Corrections) != 1 || !reflect.DeepEqual(o.Current.Result.Allocation, drawn.Result.Allocation) {
				t.Fatalf("corrections %v; the draw changed: %v", o.Corrections, o.Current.Result.Allocation)
			}
			// The CONSORT flow: the corrected office did not receive its
			// allocation, with the correction's reason.
			c2, err := a.Trial.Consort(ctx, w.pm)
			must(t, err)
			for _, arm := range c2.Arms {
				want := 4
				if arm.Arm == first.Arm {
					want = 3
					if len(arm.NotReceived) != 1 || arm.NotReceived[0].N != 1 || !strings.Contains(arm.NotReceived[0].Reason, "slått sammen") {
						t.Fatalf("not received: %+v", arm.NotReceived)
					}
				}
				if arm.Offices != 4 || arm.Received != want {
					t.Fatalf("consort arm %s: %+v", arm.Arm, arm)
				}
			}
			ev, err := w.db.ListAudit(ctx, store.AuditFilter{RecordType: "randomisation"})
			must(t, err)
			actions := map[string]bool{}
			for _, e := range ev {
				actions[e.Action] = true
			}
			if !actions["trial.prepare"] || !actions["trial.draw"] {
				t.Fatalf("audit: %v", actions)
			}
		})
	}
}

// Model tools follow the allocation: a comparison office's coordinator has
// no FGE form, Menu agenda or training-support review.
func TestModelToolsFollowAllocation(t *testing.T) {
	w := newTrialWorld(t, testdb.Dialects[0])
	w.randomise(t, 3)
	for _, o := range w.offices {
		of, _ := w.db.GetOffice(ctx, o.ID)
		fk := holf.Person{Username: fmt.Sprintf("fk%d", o.ID), Name: "K", Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: o.ID}}}
		must(t, w.a.Imports().Person(ctx, app.System("test"), &fk, "", "test"))
		act, err := w.a.ActAs(ctx, fk.Username)
		must(t, err)
		fam, err := w.a.Families.Create(ctx, act, holf.Family{OfficeID: o.ID, Name: "Familien " + o.Name, PrimaryCoordinatorID: fk.ID,
			Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1985, LivesAtHome: true},
				{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}}, nil)
		if he, ok := holf.AsError(err); ok {
			t.Fatalf("family: %v %+v", err, he.Fields)
		}
		mt, err := w.a.Meetings.Create(ctx, act, holf.Meeting{FamilyID: fam.ID, Kind: holf.MeetingFollowUp, Status: holf.MeetingPlanned, StartsAt: w.a.Now().Add(24 * time.Hour),
			Minutes: 45, Channel: holf.ChannelOffice, LeadID: fk.ID, Participants: []holf.Participant{{Kind: holf.ParticipantMember, MemberID: fam.Members[0].ID}, {Kind: holf.ParticipantCoordinator, PersonID: fk.ID}}}, nil)
		if he, ok := holf.AsError(err); ok {
			t.Fatalf("meeting: %v %+v", err, he.Fields)
		}
		_, err = w.a.Meetings.Edit(ctx, act, fam.ID, mt.ID, app.PartPrep)
		_, rerr := w.a.Reviews.Request(ctx, act, fam.ID, holf.ReviewMapping, 0, "")
		if of.Arm == holf.ArmComparison {
			if holf.ErrorCode(err) != holf.EForbidden || holf.ErrorCode(rerr) != holf.EForbidden {
				t.Fatalf("comparison office %s: FGE %v, review %v", o.Name, err, rerr)
			}
			c, err := w.a.Meetings.View(ctx, act, fam.ID, mt.ID)
			must(t, err)
			if c.ModelTools {
				t.Fatal("a comparison office's meeting offers the model's tools")
			}
		} else if err != nil || holf.ErrorCode(rerr) == holf.EForbidden {
			t.Fatalf("intervention office %s: FGE %v, review %v", o.Name, err, rerr)
		}
	}
}

// The sites as a spreadsheet: a bad row saves nothing and every problem is
// named by its line and column; a good sheet is matched to the sites by
// name and reads back as it was written.
func TestImportSites(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newTrialWorld(t, d)
			a := w.a
			before, err := a.Trial.SitesCSV(ctx, w.res)
			must(t, err)
			bad := "name,office,stage,reason,size\nNAV Forsøk 0,NAV Forsøk 0,drawn,,10\nNAV Forsøk 0,,drawn,,11\nNAV Ny,NAV Finnes Ikke,withdrew,,\n,,maybe,,\n"
			_, err = a.Trial.ImportSites(ctx, w.res, strings.NewReader(bad))
			he, ok := holf.AsError(err)
			if !ok || he.Code != holf.EInvalid {
				t.Fatalf("bad sites: %v", err)
			}
			got := map[string]string{}
			for _, f := range he.Fields {
				got[f.Field] = f.Key
			}
			for field, key := range map[string]string{"line.3.name": "trial.err.site.duplicate_row", "line.4.office": "trial.err.site.office",
				"line.4.reason": "trial.err.site.reason", "line.5.name": "trial.err.site.required", "line.5.stage": "trial.err.site.stage"} {
				if got[field] != key {
					t.Errorf("%s: %q, want %q (all %v)", field, got[field], key, got)
				}
			}
			if after, _ := a.Trial.SitesCSV(ctx, w.res); after != before {
				t.Fatalf("a bad sheet changed the sites:\n%s\nwas\n%s", after, before)
			}
			// Change one office's size, add an invited office HOLF does not serve.
			sheet := strings.Replace(before, "NAV Forsøk 3,NAV Forsøk 3,drawn,,B,19", "NAV Forsøk 3,NAV Forsøk 3,drawn,,B,20", 1) + "NAV Invitert,,invited,,,\n"
			if sheet == before+"NAV Invitert,,invited,,,\n" {
				t.Fatalf("the sheet is not as expected:\n%s", before)
			}
			n, err := a.Trial.ImportSites(ctx, w.res, strings.NewReader(sheet))
			must(t, err)
			if n != len(w.offices)+2 {
				t.Fatalf("%d sites saved", n)
			}
			after, err := a.Trial.SitesCSV(ctx, w.res)
			must(t, err)
			if after != sheet {
				t.Fatalf("the sites read back\n%s\nwant\n%s", after, sheet)
			}
			if _, err := a.Trial.ImportSites(ctx, w.coordinator, strings.NewReader(sheet)); holf.ErrorCode(err) != holf.EForbidden {
				t.Fatalf("a coordinator changed the sites: %v", err)
			}
		})
	}
}
