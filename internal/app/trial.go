package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/trial"
)

// PurposeTrial is the purpose of the trial's design and randomisation.
const PurposeTrial = "design and randomisation of the HOLF trial"

// Trial is the cluster-randomised trial: the study, the offices' way into
// it, and the randomisation of offices as one sealed, two-person event.
type Trial struct{ *core }

// StageCount is how many offices reached a stage of the flow, and the
// reasons of those that stopped there, each with how many gave it.
type StageCount struct {
	Stage   trial.Stage
	Offices int
	Reasons []ReasonCount
}

// ReasonCount is one reason and the number of offices or families that
// gave it.
type ReasonCount struct {
	Reason string `json:"reason"`
	N      int    `json:"n"`
}

// TrialOverview is the study as its page shows it.
type TrialOverview struct {
	Study    trial.Study
	HasStudy bool
	Sites    []trial.Site
	Flow     []StageCount
	// Current is the randomisation that counts (drawn, or prepared and
	// waiting); nil before any. History holds every one, newest first.
	Current     *trial.Randomisation
	History     []trial.Randomisation
	Corrections []trial.Correction
	// Candidates are the offices a draw would randomise now, and
	// Covariates the values recorded for them.
	Candidates []trial.Cluster
	Covariates []CovariateInfo
	// What the caller may do: set up the study, prepare or confirm a draw
	// (never one they prepared themselves), correct an arm.
	CanManage, CanRandomise, CanConfirm, CanCorrect bool
}

// Overview returns the study, its flow of offices and its randomisation.
func (t *Trial) Overview(ctx context.Context, a *holf.Actor) (TrialOverview, error) {
	if _, err := decideGlobal(a, policy.TrialView); err != nil {
		return TrialOverview{}, err
	}
	var out TrialOverview
	out.CanManage = policy.Decide(a, policy.TrialManage, policy.Global).Allowed
	out.CanRandomise = policy.Decide(a, policy.TrialRandomise, policy.Global).Allowed && a.PersonID != 0
	out.CanCorrect = policy.Decide(a, policy.TrialCorrect, policy.Global).Allowed && a.PersonID != 0
	st, err := t.db.TrialStudy(ctx)
	if holf.ErrorCode(err) == holf.ENotFound {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.Study, out.HasStudy = st, true
	if out.Sites, err = t.db.Sites(ctx, st.ID); err != nil {
		return out, err
	}
	out.Flow = flow(out.Sites)
	_, out.Candidates, err = t.candidates(ctx)
	if err != nil {
		return out, err
	}
	out.Covariates = covariateInfo(out.Candidates)
	if out.History, err = t.db.Randomisations(ctx, st.ID); err != nil {
		return out, err
	}
	for i := range out.History {
		if r := &out.History[i]; r.Status != trial.StatusCancelled {
			out.Current = r
			break
		}
	}
	if out.Current != nil && out.Current.Status == trial.StatusDrawn {
		if out.Corrections, err = t.db.Corrections(ctx, out.Current.ID); err != nil {
			return out, err
		}
	}
	out.CanConfirm = out.CanRandomise && out.Current != nil && out.Current.Status == trial.StatusPrepared && out.Current.PreparedBy != a.PersonID
	return out, nil
}

// flow counts the sites that reached each stage (CONSORT's flow of
// clusters), with the reasons given by those that stopped at it.
func flow(sites []trial.Site) []StageCount {
	out := make([]StageCount, len(trial.Stages))
	for i, s := range trial.Stages {
		out[i].Stage = s
		for _, site := range sites {
			if site.Stage.Reached(s) {
				out[i].Offices++
				if site.Stage == s && site.Reason != "" {
					out[i].Reasons = countReason(out[i].Reasons, site.Reason)
				}
			}
		}
	}
	return out
}

// CovariateInfo describes one covariate recorded for the candidates: text
// values make it categorical; Missing counts the offices without a value.
type CovariateInfo struct {
	Name        string
	Categorical bool
	Missing     int
}

func covariateInfo(cl []trial.Cluster) []CovariateInfo {
	seen := map[string]*CovariateInfo{}
	var names []string
	for _, c := range cl {
		for k, v := range c.Values {
			ci, ok := seen[k]
			if !ok {
				ci = &CovariateInfo{Name: k}
				seen[k] = ci
				names = append(names, k)
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				ci.Categorical = true
			}
		}
	}
	sort.Strings(names)
	out := make([]CovariateInfo, len(names))
	for i, n := range names {
		out[i] = *seen[n]
		for _, c := range cl {
			if _, ok := c.Values[n]; !ok {
				out[i].Missing++
			}
		}
	}
	return out
}

// countReason adds one office or family with reason r to rs.
func countReason(rs []ReasonCount, r string) []ReasonCount { return addReason(rs, r, 1) }

// addReason adds n offices or families with reason r to rs.
func addReason(rs []ReasonCount, r string, n int) []ReasonCount {
	for i := range rs {
		if rs[i].Reason == r {
			rs[i].N += n
			return rs
		}
	}
	return append(rs, ReasonCount{Reason: r, N: n})
}

// SaveStudy creates or updates the study; parsed holds the fields a door
// could not read, reported with the study's own checks.
func (t *Trial) SaveStudy(ctx context.Context, a *holf.Actor, st trial.Study, parsed holf.Validation) (trial.Study, error) {
	role, err := decideGlobal(a, policy.TrialManage)
	if err != nil {
		return st, err
	}
	if st.ID != 0 {
		if err := fromVersion(st.Version); err != nil {
			return st, err
		}
	} else if cur, err := t.db.TrialStudy(ctx); err == nil {
		return st, &holf.Error{Code: holf.EConflict, Message: "the study " + cur.Registration + " is set up already; change it instead", Key: "trial.err.study_exists"}
	}
	if err := mergeValidation(parsed, st.Validate()); err != nil {
		return st, err
	}
	err = t.db.SaveStudy(ctx, event(a, role, "trial.study.save", "study", st.ID, PurposeTrial), &st)
	return st, err
}

// SaveSites records offices invited to the study, or their progress, all or
// none. Only the draw makes an office randomised.
func (t *Trial) SaveSites(ctx context.Context, a *holf.Actor, sites []trial.Site) error {
	role, err := decideGlobal(a, policy.TrialManage)
	if err != nil {
		return err
	}
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return err
	}
	old, err := t.db.Sites(ctx, st.ID)
	if err != nil {
		return err
	}
	byID := map[int64]trial.Site{}
	for _, s := range old {
		byID[s.ID] = s
	}
	for i := range sites {
		s := &sites[i]
		s.StudyID = st.ID
		if err := s.Validate(); err != nil {
			return err
		}
		was, known := byID[s.ID]
		if s.ID != 0 && !known {
			return holf.NotFound("site", s.ID)
		}
		if s.Stage == trial.StageRandomised && (!known || was.Stage != trial.StageRandomised) {
			return holf.Validation{{Field: "stage", Key: "trial.err.stage_by_draw"}}.Err()
		}
		if s.OfficeID != 0 {
			if _, err := t.db.GetOffice(ctx, s.OfficeID); err != nil {
				return err
			}
		}
	}
	return t.db.SaveSites(ctx, event(a, role, "trial.sites.save", "study", st.ID, PurposeTrial), sites)
}

// ImportSites records the offices invited to the study from a CSV (see
// trial.ParseSites), every row checked first: one bad row saves nothing,
// and each problem is named by its line and column. Offices are named by
// id or name, with or without "NAV ".
func (t *Trial) ImportSites(ctx context.Context, a *holf.Actor, r io.Reader) (int, error) {
	if _, err := decideGlobal(a, policy.TrialManage); err != nil {
		return 0, err
	}
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return 0, err
	}
	known, err := t.db.Sites(ctx, st.ID)
	if err != nil {
		return 0, err
	}
	offices, err := t.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		return 0, err
	}
	sites, bad, err := trial.ParseSites(r, known, func(ref string) (int64, bool) {
		for _, of := range offices {
			if ref == itoa64(of.ID) || equalFold(of.Name, ref) || equalFold(of.Name, "NAV "+ref) {
				return of.ID, true
			}
		}
		return 0, false
	})
	if err != nil {
		return 0, holf.Validation{{Field: "sites", Key: "target.err.not_csv"}}.Err()
	}
	if len(bad) > 0 {
		return 0, rowErrors(bad, "trial.err.site.").Err()
	}
	return len(sites), t.SaveSites(ctx, a, sites)
}

// SitesCSV is the study's sites as ImportSites reads them.
func (t *Trial) SitesCSV(ctx context.Context, a *holf.Actor) (string, error) {
	o, err := t.Overview(ctx, a)
	if err != nil || !o.HasStudy {
		return "", err
	}
	offices, err := t.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		return "", err
	}
	names := map[int64]string{}
	for _, of := range offices {
		names[of.ID] = of.Name
	}
	var b strings.Builder
	err = trial.SitesCSV(&b, o.Sites, func(id int64) string { return names[id] })
	return b.String(), err
}

// candidates are the offices a draw randomises: those drawn into the study
// that HOLF serves, with their covariate values (after the draw, those it
// randomised, for a dry run of another configuration).
func (t *Trial) candidates(ctx context.Context) (trial.Study, []trial.Cluster, error) {
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return st, nil, err
	}
	sites, err := t.db.Sites(ctx, st.ID)
	if err != nil {
		return st, nil, err
	}
	var out []trial.Cluster
	for _, s := range sites {
		if (s.Stage == trial.StageDrawn || s.Stage == trial.StageRandomised) && s.OfficeID != 0 {
			out = append(out, trial.Cluster{ID: s.OfficeID, Name: s.Name, Values: s.Covariates})
		}
	}
	return st, out, nil
}

// space makes the sealed space of cfg over clusters, its refusals turned
// into field errors a page shows beside its fields. Whether a covariate is
// categorical is read from its values, never taken from the caller.
func space(clusters []trial.Cluster, cfg trial.Config) (*trial.Space, error) {
	kinds := map[string]bool{}
	for _, ci := range covariateInfo(clusters) {
		kinds[ci.Name] = ci.Categorical
	}
	cfg.Covariates = slices.Clone(cfg.Covariates)
	for i := range cfg.Covariates {
		cfg.Covariates[i].Categorical = kinds[cfg.Covariates[i].Name]
	}
	s, err := trial.NewSpace(clusters, cfg)
	var te *trial.Error
	if errors.As(err, &te) {
		return nil, holf.Validation{{Field: te.Field, Key: te.Key, Args: te.Args}}.Err()
	}
	return s, err
}

// DryRun shows the allocation cfg and seed would give, and its balance,
// recording nothing but the audit entry: a dry run shows an allocation, and
// trying seeds until one pleases would be visible in the log.
func (t *Trial) DryRun(ctx context.Context, a *holf.Actor, cfg trial.Config, seed uint64) (trial.Result, error) {
	role, err := decideGlobal(a, policy.TrialView)
	if err != nil {
		return trial.Result{}, err
	}
	st, clusters, err := t.candidates(ctx)
	if err != nil {
		return trial.Result{}, err
	}
	s, err := space(clusters, cfg)
	if err != nil {
		return trial.Result{}, err
	}
	if err := t.recordView(ctx, a, role, "trial.dry_run", "study", st.ID, PurposeTrial); err != nil {
		return trial.Result{}, err
	}
	return s.Draw(seed), nil
}

// Prepare seals a randomisation: the configuration, the offices' values and
// the hash of the allocations it will draw from are recorded, and the draw
// waits for a second person to confirm it.
func (t *Trial) Prepare(ctx context.Context, a *holf.Actor, cfg trial.Config) (trial.Randomisation, error) {
	role, err := t.named(a, policy.TrialRandomise)
	if err != nil {
		return trial.Randomisation{}, err
	}
	st, clusters, err := t.candidates(ctx)
	if err != nil {
		return trial.Randomisation{}, err
	}
	if d, err := t.drawn(ctx, st.ID); err != nil || d != nil {
		if err == nil {
			err = trial.ErrRandomised()
		}
		return trial.Randomisation{}, err
	}
	// The sample of allocations gets its own seed, sealed with the rest
	// before anyone knows the draw's.
	if cfg.SpaceSeed == 0 {
		if cfg.SpaceSeed, err = randomSeed(); err != nil {
			return trial.Randomisation{}, err
		}
	}
	s, err := space(clusters, cfg)
	if err != nil {
		return trial.Randomisation{}, err
	}
	r := trial.Randomisation{StudyID: st.ID, Config: s.Config, Clusters: s.Clusters, ConfigHash: s.ConfigHash,
		CandidatesHash: s.CandidatesHash, Accepted: s.Accepted(), PreparedBy: a.PersonID, PreparedByName: a.Name}
	err = t.db.PrepareRandomisation(ctx, event(a, role, "trial.prepare", "randomisation", 0, PurposeTrial), &r)
	return r, err
}

// named checks that a is a named person who may do act: the two-person
// rule means nothing to an account that is nobody.
func (t *Trial) named(a *holf.Actor, act policy.Action) (holf.Role, error) {
	role, err := decideGlobal(a, act)
	if err == nil && a.PersonID == 0 {
		err = Forbidden()
	}
	return role, err
}

// Confirm is the second person's confirmation of prepared randomisation id,
// from version: it rebuilds the space from what was recorded, checks it
// against the recorded hash, and draws once with seed (a fresh random seed
// when nil). The offices' arms follow the allocation.
func (t *Trial) Confirm(ctx context.Context, a *holf.Actor, id, version int64, seed *uint64) (trial.Randomisation, error) {
	role, err := t.named(a, policy.TrialRandomise)
	if err != nil {
		return trial.Randomisation{}, err
	}
	if err := fromVersion(version); err != nil {
		return trial.Randomisation{}, err
	}
	r, err := t.db.GetRandomisation(ctx, id)
	if err != nil {
		return r, err
	}
	switch {
	case r.Status == trial.StatusDrawn:
		return r, trial.ErrRandomised()
	case r.Status != trial.StatusPrepared:
		return r, &holf.Error{Code: holf.EConflict, Message: fmt.Sprintf("randomisation %d was cancelled", id), Key: "trial.err.cancelled"}
	case r.Version != version:
		return r, holf.Stale("randomisation", id)
	case r.PreparedBy == a.PersonID:
		return r, &holf.Error{Code: holf.EForbidden, Message: "a second person must confirm the draw: you prepared it", Key: "trial.err.same_person"}
	}
	s, err := trial.NewSpace(r.Clusters, r.Config)
	if err != nil {
		return r, err
	}
	if s.CandidatesHash != r.CandidatesHash || s.ConfigHash != r.ConfigHash {
		return r, fmt.Errorf("randomisation %d: the allocations rebuilt from its record do not match its seal (%s, recorded %s)", id, s.CandidatesHash, r.CandidatesHash)
	}
	if seed == nil {
		v, err := randomSeed()
		if err != nil {
			return r, err
		}
		seed = &v
	}
	res := s.Draw(*seed)
	r.Result, r.DrawnBy, r.DrawnByName = &res, a.PersonID, a.Name
	err = t.db.DrawRandomisation(ctx, event(a, role, "trial.draw", "randomisation", r.ID, PurposeTrial), &r)
	return r, err
}

// drawn is the study's drawn randomisation, nil before the draw.
func (t *Trial) drawn(ctx context.Context, study int64) (*trial.Randomisation, error) {
	rs, err := t.db.Randomisations(ctx, study)
	for i := range rs {
		if rs[i].Status == trial.StatusDrawn {
			return &rs[i], nil
		}
	}
	return nil, err
}

// randomSeed is a fresh seed from the system's cryptographic source, kept
// within int64 for every database and JSON reader.
func randomSeed() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:])>>1 | 1, nil
}

// Cancel withdraws prepared randomisation id before its draw.
func (t *Trial) Cancel(ctx context.Context, a *holf.Actor, id, version int64) error {
	role, err := t.named(a, policy.TrialRandomise)
	if err != nil {
		return err
	}
	if err := fromVersion(version); err != nil {
		return err
	}
	r, err := t.db.GetRandomisation(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != trial.StatusPrepared {
		return &holf.Error{Code: holf.EConflict, Message: fmt.Sprintf("randomisation %d is %s, not waiting for its draw", id, r.Status), Key: "trial.err.not_prepared"}
	}
	r.Version = version
	return t.db.CancelRandomisation(ctx, event(a, role, "trial.cancel", "randomisation", id, PurposeTrial), &r)
}

// Correct changes office's arm after the draw, as a record of its own with
// its reason; the draw stays as it was.
func (t *Trial) Correct(ctx context.Context, a *holf.Actor, office int64, to holf.Arm, reason string) (trial.Correction, error) {
	role, err := t.named(a, policy.TrialCorrect)
	if err != nil {
		return trial.Correction{}, err
	}
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return trial.Correction{}, err
	}
	drawn, err := t.drawn(ctx, st.ID)
	if err != nil {
		return trial.Correction{}, err
	}
	if drawn == nil {
		return trial.Correction{}, &holf.Error{Code: holf.EConflict, Message: "the study's offices are not randomised yet: there is nothing to correct", Key: "trial.err.not_randomised"}
	}
	of, err := t.db.GetOffice(ctx, office)
	if err != nil {
		return trial.Correction{}, err
	}
	c := trial.Correction{RandomisationID: drawn.ID, OfficeID: office, OfficeName: of.Name, From: of.Arm, To: to, Reason: reason, PersonID: a.PersonID, PersonName: a.Name}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err = t.db.Correct(ctx, event(a, role, "trial.correct", "office", office, PurposeTrial), &c)
	return c, err
}

// TrialResults are the effect table of the trial's outcomes.
type TrialResults struct {
	Effects []trial.Effect
	// Attrition is who answered at which wave (Table 5), from the same data.
	Attrition []trial.Retention
	// Skipped are the outcomes that could not be analysed, with why.
	Skipped []string
	// Outcomes hold the analysis data behind Effects (pseudonyms only),
	// for an export; nil unless asked for.
	Outcomes []trial.Outcome
	// Snapshot is the SHA-256 of every outcome's analysis data, and Seed
	// the randomisation tests' seed: with the software's version they
	// make a result reproducible.
	Snapshot string
	Seed     uint64
}

// ResultsOptions choose the randomisation tests' draws and whether the
// analysis data come with the results.
type ResultsOptions struct {
	Permutations int
	Seed         uint64
	WithData     bool
	Software     string // recorded with a stored run
}

func (o *ResultsOptions) defaults() {
	if o.Permutations == 0 {
		o.Permutations = 2000
	}
	if o.Seed == 0 {
		o.Seed = 20180401
	}
	if o.Software == "" {
		o.Software = "holf"
	}
}

// Results analyses every outcome scale measured at the study's first two
// waves, for coordinators and parents: aggregates only, audited. The
// analysis data come with them only for those who may export
// pseudonymised data.
func (t *Trial) Results(ctx context.Context, a *holf.Actor, opt ResultsOptions) (TrialResults, error) {
	role, err := decideGlobal(a, policy.TrialResults)
	if err != nil {
		return TrialResults{}, err
	}
	action := "trial.results"
	if opt.WithData {
		if role, err = decideGlobal(a, policy.SurveyExport); err != nil {
			return TrialResults{}, err
		}
		action = "trial.results_data"
	}
	out, err := t.analyse(ctx, opt)
	if err != nil {
		return out, err
	}
	if !opt.WithData {
		out.Outcomes = nil
	}
	st, _ := t.db.TrialStudy(ctx)
	return out, t.recordView(ctx, a, role, action, "study", st.ID, PurposeResearch)
}

func (t *Trial) analyse(ctx context.Context, opt ResultsOptions) (TrialResults, error) {
	opt.defaults()
	m, err := t.measures(ctx)
	if err != nil {
		return TrialResults{}, err
	}
	outcomes, err := t.outcomes(ctx, m)
	if err != nil {
		return TrialResults{}, err
	}
	out := TrialResults{Seed: opt.Seed, Outcomes: outcomes, Snapshot: snapshot(outcomes), Attrition: trial.Attrition(outcomes)}
	var errs []error
	out.Effects, errs = trial.AnalyseAll(outcomes, opt.Permutations, opt.Seed, t.design(ctx))
	for _, e := range errs {
		out.Skipped = append(out.Skipped, e.Error())
	}
	return out, nil
}

// design is the allocations the study's draw chose from, rebuilt from its
// record: the reference set of the randomisation tests (nil before a draw,
// or when the record no longer rebuilds to its seal).
func (t *Trial) design(ctx context.Context) []map[int64]bool {
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return nil
	}
	d, err := t.drawn(ctx, st.ID)
	if err != nil || d == nil {
		return nil
	}
	s, err := trial.NewSpace(d.Clusters, d.Config)
	if err != nil || s.CandidatesHash != d.CandidatesHash {
		return nil
	}
	return s.Allocations()
}

// snapshot is the SHA-256 of every outcome's analysis data.
func snapshot(outcomes []trial.Outcome) string {
	h := sha256.New()
	for _, o := range outcomes {
		h.Write([]byte(o.Group + "/" + o.ID + "\n"))
		h.Write(o.Data())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Compute analyses the outcomes and keeps the effect table as a run, with
// its snapshot, seed and software, for the results page.
func (t *Trial) Compute(ctx context.Context, a *holf.Actor, opt ResultsOptions) (trial.Run, error) {
	role, err := decideGlobal(a, policy.TrialResults)
	if err != nil {
		return trial.Run{}, err
	}
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return trial.Run{}, err
	}
	opt.defaults()
	res, err := t.analyse(ctx, opt)
	if err != nil {
		return trial.Run{}, err
	}
	r := trial.Run{StudyID: st.ID, Snapshot: res.Snapshot, Seed: res.Seed, Permutations: opt.Permutations, Software: opt.Software,
		Effects: res.Effects, Attrition: res.Attrition, Skipped: res.Skipped, ComputedBy: a.Name}
	err = t.db.SaveTrialRun(ctx, event(a, role, "trial.results.compute", "study", st.ID, PurposeResearch), &r)
	return r, err
}

// ResultsPage is the newest stored run and whether the data have changed
// since it was computed.
type ResultsPage struct {
	Run     *trial.Run
	Current string // the snapshot of the data now
	Stale   bool
	// Study says whether and when the results were released to the
	// offices' staff; CanCompute and CanRelease what the caller may do.
	Study                  trial.Study
	CanCompute, CanRelease bool
	// CanExport is whether the caller may take the pseudonymised analysis
	// data with the results (the reproduction bundle).
	CanExport bool
}

// Released says when the study released its effect results to the
// caller (zero before, or when the caller may not see them): what a
// staff member's start page points to. It reads no personal data.
func (t *Trial) Released(ctx context.Context, a *holf.Actor) (time.Time, error) {
	if !policy.Allows(a, policy.TrialReleased) {
		return time.Time{}, nil
	}
	st, err := t.db.TrialStudy(ctx)
	if holf.ErrorCode(err) == holf.ENotFound {
		return time.Time{}, nil
	}
	return st.ReleasedAt, err
}

// LatestResults returns the newest stored run (audited as a view of the
// results), and whether the analysis data have changed since. The
// offices' staff see it only once the study has released it.
func (t *Trial) LatestResults(ctx context.Context, a *holf.Actor) (ResultsPage, error) {
	m, err := t.measures(ctx)
	if err != nil {
		return ResultsPage{}, err
	}
	return t.latest(ctx, a, m)
}

func (t *Trial) latest(ctx context.Context, a *holf.Actor, m *measures) (ResultsPage, error) {
	out := ResultsPage{CanCompute: policy.Decide(a, policy.TrialResults, policy.Global).Allowed,
		CanRelease: policy.Decide(a, policy.TrialRelease, policy.Global).Allowed, CanExport: policy.Decide(a, policy.SurveyExport, policy.Global).Allowed}
	st, err := t.db.TrialStudy(ctx)
	if holf.ErrorCode(err) == holf.ENotFound && out.CanCompute {
		return out, nil
	}
	if err != nil {
		if holf.ErrorCode(err) == holf.ENotFound {
			err = Forbidden()
		}
		return out, err
	}
	role, err := decideGlobal(a, policy.TrialResults)
	if err != nil && !st.ReleasedAt.IsZero() {
		role, err = decideGlobal(a, policy.TrialReleased)
	}
	if err != nil {
		return ResultsPage{}, err
	}
	out.Study = st
	r, ok, err := t.db.LatestTrialRun(ctx, st.ID)
	if err != nil {
		return out, err
	}
	outcomes, err := t.outcomes(ctx, m)
	if err != nil {
		return out, err
	}
	out.Current = snapshot(outcomes)
	if ok {
		out.Run, out.Stale = &r, r.Snapshot != out.Current
	}
	return out, t.recordView(ctx, a, role, "trial.results", "study", st.ID, PurposeResearch)
}

// measures are the scored responses to the study's first two waves, read
// at most once per wave and group for every table a page draws from them:
// reading the scores is the costliest part of a trial page.
type measures struct {
	t     *Trial
	st    *survey.InstalledStudy // nil: no questionnaires installed
	waves []survey.Wave
	read  [2]map[string]scoredWave
}

type scoredWave struct {
	q    survey.InstalledQuestionnaire
	rows []survey.ExportRow
	ok   bool
}

func (t *Trial) measures(ctx context.Context) (*measures, error) {
	st, err := (&Surveys{core: t.core}).Study(ctx, DefaultStudy)
	if holf.ErrorCode(err) == holf.ENotFound {
		return &measures{t: t}, nil // nothing measured yet
	}
	if err != nil {
		return nil, err
	}
	return &measures{t: t, st: st, waves: st.Study.Waves, read: [2]map[string]scoredWave{{}, {}}}, nil
}

// at is group's questionnaire at wave w (0 or 1) with its scored
// responses; ok is false when the study asks no such questionnaire.
func (m *measures) at(ctx context.Context, w int, group string) (scoredWave, error) {
	if m.st == nil || w >= len(m.waves) {
		return scoredWave{}, nil
	}
	if r, done := m.read[w][group]; done {
		return r, nil
	}
	var r scoredWave
	q, err := m.st.Questionnaire(m.waves[w].Code, group)
	if err == nil {
		rows, err := m.t.db.ScoredResponses(ctx, q.ID)
		if err != nil {
			return r, err
		}
		r = scoredWave{q: q, rows: rows, ok: true}
	}
	m.read[w][group] = r
	return r, nil
}

// outcomes reads every multi-item scale both waves measure in a group, one
// observation per person and wave, from the stored scores.
func (t *Trial) outcomes(ctx context.Context, m *measures) ([]trial.Outcome, error) {
	if m.st == nil {
		return nil, nil
	}
	if len(m.waves) < 2 {
		return nil, holf.Errorf(holf.EConflict, "the study has %d waves; an effect needs two", len(m.waves))
	}
	var out []trial.Outcome
	for _, group := range []string{survey.GroupCoordinators, survey.GroupParents} {
		byID := map[string]*trial.Outcome{}
		var order []string
		seen := [2]map[string]bool{{}, {}}
		for w := 0; w < 2; w++ {
			r, err := m.at(ctx, w, group)
			if err != nil {
				return nil, err
			}
			if !r.ok {
				continue
			}
			scales := t.scales(r.q.Def)
			for _, r := range r.rows {
				for _, sc := range scales {
					v := r.Scores[sc.instrument][sc.id].Value
					if v == nil || r.Arm == string(holf.ArmNone) {
						continue
					}
					o := byID[sc.id]
					if o == nil {
						o = &trial.Outcome{Group: group, ID: sc.id}
						byID[sc.id] = o
						order = append(order, sc.id)
					}
					seen[w][sc.id] = true
					fam := r.Family
					if group == survey.GroupCoordinators {
						fam = ""
					}
					o.Obs = append(o.Obs, trial.Observation{Person: r.Respondent, Family: fam, Office: r.OfficeID,
						Intervention: r.Arm == string(holf.ArmIntervention), Wave: w, Y: *v})
				}
			}
		}
		for _, id := range order {
			if seen[0][id] && seen[1][id] {
				out = append(out, *byID[id])
			}
		}
	}
	return out, nil
}

type scaleRef struct{ instrument, id string }

// scales are the multi-item mean or sum scores of questionnaire q.
func (t *Trial) scales(q *survey.Questionnaire) []scaleRef {
	var out []scaleRef
	for _, sec := range q.Sections {
		in, ok := t.lib.Instrument(sec.Instrument)
		if !ok {
			continue
		}
		for _, r := range in.Scores {
			n := len(r.Items)
			if n == 0 {
				n = len(in.Items)
			}
			if (r.Method == "mean" || r.Method == "sum") && n > 1 {
				out = append(out, scaleRef{in.ID, r.ID})
			}
		}
	}
	return out
}

// Release releases the effect results to the offices' staff, from the
// study's version; there must be a stored, current effect table.
func (t *Trial) Release(ctx context.Context, a *holf.Actor, version int64) (trial.Study, error) {
	role, err := t.named(a, policy.TrialRelease)
	if err != nil {
		return trial.Study{}, err
	}
	if err := fromVersion(version); err != nil {
		return trial.Study{}, err
	}
	page, err := t.LatestResults(ctx, a)
	if err != nil {
		return trial.Study{}, err
	}
	st := page.Study
	switch {
	case page.Run == nil || page.Stale:
		return st, &holf.Error{Code: holf.EConflict, Message: "compute the effect table on the current data before releasing it", Key: "trial.err.release_stale"}
	case !st.ReleasedAt.IsZero():
		return st, &holf.Error{Code: holf.EConflict, Message: "the results are released already", Key: "trial.err.released"}
	}
	st.Version = version
	err = t.db.ReleaseResults(ctx, event(a, role, "trial.release", "study", st.ID, PurposeResearch), &st, a.Name)
	return st, err
}

// ConsortArm is one arm of the CONSORT flow for a cluster trial: its
// offices, and their families from identification to analysis (counts
// only).
type ConsortArm struct {
	Arm holf.Arm `json:"arm"`
	// Offices were randomised to the arm; Received kept it (a correction
	// that moved one elsewhere is a deviation, with its reason).
	Offices     int           `json:"offices"`
	Received    int           `json:"offices_received"`
	NotReceived []ReasonCount `json:"offices_not_received,omitempty"`
	// Families consenting to the evaluation before and after their office's
	// allocation (CONSORT cluster item 10c), and those who withdrew it.
	ConsentBefore    int `json:"consent_before_allocation"`
	ConsentAfter     int `json:"consent_after_allocation"`
	ConsentWithdrawn int `json:"consent_withdrawn"`
	// Families on the arm's target lists, and where contacting them
	// stands (recruited, declined, not reached, ineligible, excluded for
	// declining register data, waiting).
	Listed       int           `json:"families_listed"`
	ListOutcomes []ReasonCount `json:"list_outcomes,omitempty"`
	// Replacements are the families drawn beyond the target in the draw
	// order and contacted, in place of those lost before them.
	Replacements int `json:"replacement_draws"`
	// Families identified at the arm's offices, recruited (consented), not
	// recruited, lost to follow-up by reason, and completed.
	Identified   int           `json:"families_identified"`
	Recruited    int           `json:"families_recruited"`
	NotRecruited int           `json:"families_not_recruited"`
	Lost         []ReasonCount `json:"families_lost,omitempty"`
	Completed    int           `json:"families_completed"`
	// Families with a parent's answers at T1 and T2, and in the analysis;
	// offices whose families are in it.
	MeasuredT1      int `json:"families_t1"`
	MeasuredT2      int `json:"families_t2"`
	Analysed        int `json:"families_analysed"`
	OfficesAnalysed int `json:"offices_analysed"`
	// Coordinators answering at T1 and T2.
	CoordinatorsT1 int `json:"coordinators_t1"`
	CoordinatorsT2 int `json:"coordinators_t2"`
}

// Consort is the flow of offices and families through the trial.
type Consort struct {
	Flow []StageCount `json:"offices_flow"`
	Arms []ConsortArm `json:"arms"`
}

// Consort counts the trial's flow for its diagram, from the records
// themselves: the sites, the draw and its corrections, the families'
// statuses and the questionnaires answered.
func (t *Trial) Consort(ctx context.Context, a *holf.Actor) (Consort, error) {
	o, err := t.Overview(ctx, a)
	if err != nil {
		return Consort{}, err
	}
	return t.ConsortOf(ctx, o)
}

// ConsortOf is Consort for the overview o a page has read already (with
// the caller's access decided by Overview).
func (t *Trial) ConsortOf(ctx context.Context, o TrialOverview) (Consort, error) {
	m, err := t.measures(ctx)
	if err != nil {
		return Consort{}, err
	}
	return t.consort(ctx, o, m)
}

func (t *Trial) consort(ctx context.Context, o TrialOverview, m *measures) (Consort, error) {
	if !o.HasStudy {
		return Consort{}, nil
	}
	out := Consort{Flow: o.Flow}
	arms := map[holf.Arm]*ConsortArm{}
	for _, arm := range trial.Arms {
		out.Arms = append(out.Arms, ConsortArm{Arm: arm})
	}
	for i := range out.Arms {
		arms[out.Arms[i].Arm] = &out.Arms[i]
	}
	allocated := map[int64]holf.Arm{}
	if d := o.Current; d != nil && d.Result != nil {
		for _, x := range d.Result.Allocation {
			arm := holf.ArmComparison
			if x.Intervention {
				arm = holf.ArmIntervention
			}
			allocated[x.ClusterID] = arm
			arms[arm].Offices++
		}
	}
	moved := map[int64]string{}
	for _, c := range o.Corrections {
		moved[c.OfficeID] = c.Reason // the latest correction says why
	}
	for office, arm := range allocated {
		if why, ok := moved[office]; ok {
			if cur, err := t.db.GetOffice(ctx, office); err == nil && cur.Arm != arm {
				arms[arm].NotReceived = countReason(arms[arm].NotReceived, why)
				continue
			}
		}
		arms[arm].Received++
	}
	rows, err := t.db.FamilyFlow(ctx)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		ca := arms[allocated[r.Office]]
		if ca == nil {
			continue
		}
		ca.Identified += r.N
		switch {
		case !r.Consented:
			ca.NotRecruited += r.N
		case r.Status == holf.StatusDischarged && r.Reason != holf.ReasonCompleted:
			ca.Recruited += r.N
			ca.Lost = addReason(ca.Lost, string(r.Reason), r.N)
		case r.Status == holf.StatusDischarged:
			ca.Recruited += r.N
			ca.Completed += r.N
		default:
			ca.Recruited += r.N
		}
	}
	lists, err := t.db.TargetFlow(ctx)
	if err != nil {
		return out, err
	}
	for _, r := range lists {
		if ca := arms[allocated[r.Office]]; ca != nil {
			ca.Listed += r.N
			ca.ListOutcomes = addReason(ca.ListOutcomes, string(r.Reason), r.N)
		}
	}
	// The replacement draws, from each list in its order: every list in
	// one read, cut at each office.
	all, err := t.db.AllTargets(ctx)
	if err != nil {
		return out, err
	}
	for start := 0; start < len(all); {
		end := start
		for end < len(all) && all[end].OfficeID == all[start].OfficeID {
			end++
		}
		if ca := arms[allocated[all[start].OfficeID]]; ca != nil {
			list := all[start:end]
			trial.Replacements(list, o.Study.TargetPerOffice)
			for _, x := range list {
				if x.Replacement {
					ca.Replacements++
				}
			}
		}
		start = end
	}
	consents, err := t.db.TrialConsents(ctx)
	if err != nil {
		return out, err
	}
	drawnOn := time.Time{}
	if o.Current != nil {
		drawnOn = dateIn(o.Current.DrawnAt)
	}
	for _, c := range consents {
		ca := arms[allocated[c.Office]]
		switch {
		case ca == nil:
		case c.Withdrawn:
			ca.ConsentWithdrawn++
		case c.GivenOn.Before(drawnOn):
			ca.ConsentBefore++
		default:
			ca.ConsentAfter++
		}
	}
	if err := t.measured(ctx, m, allocated, arms); err != nil {
		return out, err
	}
	return out, nil
}

// measured counts the families and coordinators who answered at each wave,
// and the families and offices in the parents' analysis.
func (t *Trial) measured(ctx context.Context, m *measures, allocated map[int64]holf.Arm, arms map[holf.Arm]*ConsortArm) error {
	// The parents' analysis holds every family with a scale score at
	// either wave: read from the same rows, not a second time.
	families, offices := map[string]bool{}, map[int64]bool{}
	var analysed []survey.ExportRow
	for w := 0; w < 2; w++ {
		for _, group := range []string{survey.GroupParents, survey.GroupCoordinators} {
			got, err := m.at(ctx, w, group)
			if err != nil {
				return err
			}
			if !got.ok {
				continue
			}
			rows := got.rows
			if group == survey.GroupParents {
				scales := t.scales(got.q.Def)
				for _, r := range rows {
					for _, sc := range scales {
						if r.Scores[sc.instrument][sc.id].Value != nil && r.Arm != string(holf.ArmNone) {
							analysed = append(analysed, r)
							break
						}
					}
				}
			}
			seen := map[string]bool{}
			for _, r := range rows {
				ca := arms[allocated[r.OfficeID]]
				key := r.Family
				if group == survey.GroupCoordinators {
					key = r.Respondent
				}
				if ca == nil || seen[key] {
					continue
				}
				seen[key] = true
				switch {
				case group == survey.GroupParents && w == 0:
					ca.MeasuredT1++
				case group == survey.GroupParents:
					ca.MeasuredT2++
				case w == 0:
					ca.CoordinatorsT1++
				default:
					ca.CoordinatorsT2++
				}
			}
		}
	}
	for _, r := range analysed {
		if ca := arms[allocated[r.OfficeID]]; ca != nil && !families[r.Family] {
			families[r.Family] = true
			ca.Analysed++
			if !offices[r.OfficeID] {
				offices[r.OfficeID] = true
				ca.OfficesAnalysed++
			}
		}
	}
	return nil
}

// BaselineTables are the baseline tables at every level, with the labels
// of their variables.
type BaselineTables struct {
	Rows  []trial.BaselineRow
	Tests bool
}

// Baseline compares the arms at baseline at four levels: the offices (the
// covariates recorded for the draw), the coordinators and the parents (every
// T1 score) and the families (their composition). Aggregates only, audited;
// significance tests only when asked for.
func (t *Trial) Baseline(ctx context.Context, a *holf.Actor, tests bool) (BaselineTables, error) {
	if _, err := decideGlobal(a, policy.TrialResults); err != nil {
		return BaselineTables{}, err
	}
	o, err := t.Overview(ctx, a)
	if err != nil {
		return BaselineTables{}, err
	}
	m, err := t.measures(ctx)
	if err != nil {
		return BaselineTables{}, err
	}
	return t.baseline(ctx, a, o, m, tests)
}

func (t *Trial) baseline(ctx context.Context, a *holf.Actor, o TrialOverview, m *measures, tests bool) (BaselineTables, error) {
	role, err := decideGlobal(a, policy.TrialResults)
	if err != nil {
		return BaselineTables{}, err
	}
	out := BaselineTables{Tests: tests}
	if o.Current == nil || o.Current.Result == nil {
		return out, nil
	}
	allocated := map[int64]bool{}
	for _, x := range o.Current.Result.Allocation {
		allocated[x.ClusterID] = x.Intervention
	}
	var vars []trial.Variable
	// Offices: the covariates as the draw recorded them.
	for _, ci := range covariateInfo(o.Current.Clusters) {
		if ci.Categorical {
			levels := map[string]bool{}
			for _, c := range o.Current.Clusters {
				levels[c.Values[ci.Name]] = true
			}
			for _, lv := range slices.Sorted(maps.Keys(levels)) {
				v := trial.Variable{Level: trial.LevelOffices, Name: ci.Name + ": " + lv, Share: true}
				for _, c := range o.Current.Clusters {
					v.Units = append(v.Units, trial.Unit{Office: c.ID, Intervention: allocated[c.ID], Value: b2f(c.Values[ci.Name] == lv)})
				}
				vars = append(vars, v)
			}
			continue
		}
		v := trial.Variable{Level: trial.LevelOffices, Name: ci.Name}
		for _, c := range o.Current.Clusters {
			if x, err := strconv.ParseFloat(c.Values[ci.Name], 64); err == nil {
				v.Units = append(v.Units, trial.Unit{Office: c.ID, Intervention: allocated[c.ID], Value: x})
			}
		}
		vars = append(vars, v)
	}
	scores, err := t.baselineScores(ctx, m, allocated)
	if err != nil {
		return out, err
	}
	vars = append(vars, scores...)
	comp, err := t.db.FamilyCompositions(ctx)
	if err != nil {
		return out, err
	}
	children := trial.Variable{Level: trial.LevelFamilies, Name: "children"}
	twoParents := trial.Variable{Level: trial.LevelFamilies, Name: "two_parents", Share: true}
	for _, c := range comp {
		arm, ok := allocated[c.Office]
		if !ok {
			continue
		}
		children.Units = append(children.Units, trial.Unit{Office: c.Office, Intervention: arm, Value: float64(c.Children)})
		twoParents.Units = append(twoParents.Units, trial.Unit{Office: c.Office, Intervention: arm, Value: b2f(c.Parents > 1)})
	}
	vars = append(vars, children, twoParents)
	out.Rows = trial.Baseline(vars, tests)
	st, _ := t.db.TrialStudy(ctx)
	return out, t.recordView(ctx, a, role, "trial.baseline", "study", st.ID, PurposeResearch)
}

// TrialReport is everything the whole trial report shows.
type TrialReport struct {
	Overview TrialOverview
	Consort  Consort
	Baseline BaselineTables
	Results  ResultsPage
}

// Report gathers the whole trial report: the study and its draw, the
// CONSORT flow, the baseline tables and the newest effect table, with the
// scores read once for all of them. Each part is audited as its own page.
func (t *Trial) Report(ctx context.Context, a *holf.Actor) (TrialReport, error) {
	var out TrialReport
	if _, err := decideGlobal(a, policy.TrialResults); err != nil {
		return out, err
	}
	o, err := t.Overview(ctx, a)
	if err != nil {
		return out, err
	}
	m, err := t.measures(ctx)
	if err != nil {
		return out, err
	}
	out.Overview = o
	if out.Consort, err = t.consort(ctx, o, m); err != nil {
		return out, err
	}
	if out.Baseline, err = t.baseline(ctx, a, o, m, false); err != nil {
		return out, err
	}
	out.Results, err = t.latest(ctx, a, m)
	return out, err
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// baselineScores are the coordinators' and parents' scores at the first
// wave: indicators as shares, scales as means.
func (t *Trial) baselineScores(ctx context.Context, m *measures, allocated map[int64]bool) ([]trial.Variable, error) {
	var out []trial.Variable
	for _, group := range []string{survey.GroupCoordinators, survey.GroupParents} {
		got, err := m.at(ctx, 0, group)
		if err != nil {
			return nil, err
		}
		if !got.ok {
			continue
		}
		q, rows := got.q, got.rows
		level := trial.LevelParents
		if group == survey.GroupCoordinators {
			level = trial.LevelCoordinators
		}
		done := map[string]bool{}
		for _, sec := range q.Def.Sections {
			in, ok := t.lib.Instrument(sec.Instrument)
			if !ok || done[in.ID] {
				continue
			}
			done[in.ID] = true
			for _, rule := range in.Scores {
				v := trial.Variable{Level: level, Name: rule.ID, Share: rule.Method == "indicator"}
				for _, r := range rows {
					arm, ok := allocated[r.OfficeID]
					if val := r.Scores[in.ID][rule.ID].Value; ok && val != nil {
						v.Units = append(v.Units, trial.Unit{Office: r.OfficeID, Intervention: arm, Value: *val})
					}
				}
				if len(v.Units) > 0 {
					out = append(out, v)
				}
			}
		}
	}
	return out, nil
}

// BundleFile is one file of the results bundle.
type BundleFile struct {
	Name string
	Data []byte
}

// Bundle is everything that reproduces r: each outcome's pseudonymised
// analysis data (exactly the rows analysed), the effect table naming its
// data file, the results as JSON, and an R script that refits every model
// with lme4, lmerTest and clubSandwich. r must carry its data (WithData).
func (r *TrialResults) Bundle(software string) ([]BundleFile, error) {
	var out []BundleFile
	names := map[string]string{}
	for _, o := range r.Outcomes {
		name := o.Group + "_" + o.ID + ".csv"
		names[o.Group+"/"+o.ID] = name
		out = append(out, BundleFile{Name: name, Data: o.Data()})
	}
	for i := range r.Effects {
		r.Effects[i].Data = names[r.Effects[i].Group+"/"+r.Effects[i].Outcome]
	}
	var b bytes.Buffer
	if err := trial.WriteEffects(&b, r.Effects, r.Snapshot, r.Seed, software); err != nil {
		return nil, err
	}
	var att bytes.Buffer
	if err := trial.WriteAttrition(&att, r.Attrition); err != nil {
		return nil, err
	}
	j, err := json.MarshalIndent(map[string]any{"snapshot": r.Snapshot, "seed": r.Seed, "software": software, "outcomes": r.Effects,
		"attrition": r.Attrition, "skipped": r.Skipped}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, BundleFile{Name: "effects.csv", Data: b.Bytes()}, BundleFile{Name: "attrition.csv", Data: att.Bytes()}, BundleFile{Name: "results.json", Data: j},
		BundleFile{Name: "reproduce.R", Data: []byte(trial.ReproduceR)}), nil
}
