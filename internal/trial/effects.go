package trial

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/holf-project/holf/internal/stats"
)

// Observation is one person's score on an outcome at one wave (0 for T1,
// 1 for T2), under pseudonyms only.
type Observation struct {
	Person       string
	Family       string // parents: the family's code; "" for coordinators
	Office       int64
	Intervention bool
	Wave         int
	Y            float64
}

// Outcome is one outcome scale of one group, measured at both waves.
type Outcome struct {
	Group string // parents or coordinators
	ID    string // the score's id, e.g. ue_goal_oriented
	Obs   []Observation
}

// MinClustersPerArm is the fewest offices with data an arm needs for an
// effect to be estimated: fewer leaves the office variance unidentified.
const MinClustersPerArm = 3

// CellMean is an arm's mean at a wave with its 95 % interval (t on n - 1).
type CellMean struct {
	Intervention bool    `json:"intervention"`
	Wave         int     `json:"wave"`
	N            int     `json:"n"`
	Mean         float64 `json:"mean"`
	SD           float64 `json:"sd"`
	Lower        float64 `json:"ci_lower"`
	Upper        float64 `json:"ci_upper"`
}

// Effect is the arm × time effect on one outcome, with the figures a
// trial report gives beside it.
type Effect struct {
	Group   string `json:"group"`
	Outcome string `json:"outcome"`
	Term    string `json:"term"`
	// Formula is the lme4 formula fitted, so that lmerTest::lmer(Formula,
	// data) reproduces Estimate, SE, DF and P from the exported data.
	Formula  string  `json:"formula"`
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	DF       float64 `json:"df"`
	P        float64 `json:"p"`
	Lower    float64 `json:"ci_lower"`
	Upper    float64 `json:"ci_upper"`
	// PCR2 is the same term from OLS with CR2 cluster-robust errors and
	// Satterthwaite df (clubSandwich); PRandomisation a randomisation test
	// re-assigning the offices' arms; PHolm and PBH adjust P across the
	// group's outcomes.
	PCR2           float64 `json:"p_cr2"`
	PRandomisation float64 `json:"p_randomisation"`
	PHolm          float64 `json:"p_holm"`
	PBH            float64 `json:"p_bh"`
	// ICCOffice is the office's share of the total variance in the model;
	// ICCT1 the office ICC at T1 with its interval.
	ICCOffice float64     `json:"icc_office"`
	ICCT1     ICCInterval `json:"icc_t1"`
	// Hedges is the standardised difference at T2 adjusted for clustering
	// (Hedges 2007), with its interval.
	Hedges      stats.EffectSize `json:"hedges"`
	Means       []CellMean       `json:"means"`
	N           int              `json:"n"`
	Persons     int              `json:"persons"`
	Offices     int              `json:"offices"`
	Converged   bool             `json:"converged"`
	Permutation int              `json:"permutations"`
	// Reference is the randomisation test's reference set: "constrained"
	// (the allocations the draw chose from) or "permutations" (every
	// re-assignment of the arms).
	Reference string `json:"randomisation_reference"`
	Data      string `json:"data,omitempty"` // the CSV's name, when exported
}

// Formula is the model of every outcome: the arms' change from T1 to T2
// compared, with random intercepts for the office, the office at each wave,
// and the person (and the family when parents share one).
func formula(families bool) string {
	f := "y ~ time * arm + (1 | office) + (1 | office:time) + (1 | person)"
	if families {
		f += " + (1 | family)"
	}
	return f
}

// Data is the analysis data of o as CSV, one row per observation, sorted:
// exactly the rows the model uses.
func (o Outcome) Data() []byte {
	obs := append([]Observation(nil), o.Obs...)
	sort.Slice(obs, func(i, j int) bool {
		if obs[i].Office != obs[j].Office {
			return obs[i].Office < obs[j].Office
		}
		if obs[i].Person != obs[j].Person {
			return obs[i].Person < obs[j].Person
		}
		return obs[i].Wave < obs[j].Wave
	})
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"person", "family", "office", "arm", "group", "time", "y"})
	for _, x := range obs {
		arm, grp := "0", "comparison"
		if x.Intervention {
			arm, grp = "1", "intervention"
		}
		_ = w.Write([]string{x.Person, x.Family, "o" + strconv.FormatInt(x.Office, 10), arm, grp, strconv.Itoa(x.Wave), strconv.FormatFloat(x.Y, 'g', -1, 64)})
	}
	w.Flush()
	return b.Bytes()
}

// sharedFamilies reports whether two people of o share a family.
func (o Outcome) sharedFamilies() bool {
	persons := map[string]map[string]bool{}
	for _, x := range o.Obs {
		if x.Family == "" {
			continue
		}
		if persons[x.Family] == nil {
			persons[x.Family] = map[string]bool{}
		}
		persons[x.Family][x.Person] = true
		if len(persons[x.Family]) > 1 {
			return true
		}
	}
	return false
}

// Analyse fits the outcome's model, the CR2 check and the randomisation
// test, and the descriptive figures. The randomisation test draws perms
// re-assignments with seed from design, the allocations the trial's draw
// chose from (so that a constrained design is tested over its own space),
// or, without one, from every re-assignment of the offices' arms.
func Analyse(o Outcome, perms int, seed uint64, design []map[int64]bool) (Effect, error) {
	e := Effect{Group: o.Group, Outcome: o.ID, Term: "time:arm", Formula: formula(o.sharedFamilies()), N: len(o.Obs)}
	persons, offices := map[string]bool{}, map[int64]bool{}
	perArm := [2]map[int64]bool{{}, {}}
	for _, x := range o.Obs {
		persons[x.Person], offices[x.Office] = true, true
		perArm[b2i(x.Intervention)][x.Office] = true
	}
	e.Persons, e.Offices = len(persons), len(offices)
	if len(perArm[0]) < MinClustersPerArm || len(perArm[1]) < MinClustersPerArm {
		return e, fmt.Errorf("%s %s: %d intervention and %d comparison offices have answers; at least %d in each arm are needed",
			o.Group, o.ID, len(perArm[1]), len(perArm[0]), MinClustersPerArm)
	}
	fr, err := stats.ReadCSV(bytes.NewReader(o.Data()))
	if err != nil {
		return e, err
	}
	fm, err := stats.ParseFormula(e.Formula)
	if err != nil {
		return e, err
	}
	fit, err := stats.FitLMM(fr, fm, true)
	if err != nil {
		return e, fmt.Errorf("%s %s: %w", o.Group, o.ID, err)
	}
	e.Converged = fit.Converged
	if !fit.Converged {
		return e, fmt.Errorf("%s %s: the mixed model did not converge", o.Group, o.ID)
	}
	c, ok := coef(fit.Fixed, e.Term)
	if !ok {
		return e, fmt.Errorf("%s %s: the model has no %s term", o.Group, o.ID, e.Term)
	}
	e.Estimate, e.SE, e.DF, e.P = c.Estimate, c.SE, c.DF, c.P
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DF}.Quantile(0.975)
	e.Lower, e.Upper = c.Estimate-q*c.SE, c.Estimate+q*c.SE
	e.ICCOffice = fit.ICC["office"]
	// The same term from OLS with CR2 errors, clustered by office.
	ols, err := stats.ParseFormula("y ~ time * arm")
	if err != nil {
		return e, err
	}
	d, err := stats.BuildDesign(fr, ols)
	if err != nil {
		return e, err
	}
	cl, nc, err := stats.Groups(fr, d.Rows, []string{"office"})
	if err != nil {
		return e, err
	}
	rob, err := stats.Robust(d, cl, nc, stats.CR2)
	if err != nil {
		return e, fmt.Errorf("%s %s: cluster-robust check: %w", o.Group, o.ID, err)
	}
	if rc, ok := coef(rob.Coefs, e.Term); ok {
		e.PCR2 = rc.P
	}
	// The randomisation test re-assigns the offices' arms (the factor
	// "group", whose term is the same coefficient).
	pf, err := stats.ParseFormula("y ~ time * group")
	if err != nil {
		return e, err
	}
	pr, constrained, err := randomisationTest(fr, pf, o, perms, seed, design)
	if err != nil {
		return e, fmt.Errorf("%s %s: randomisation test: %w", o.Group, o.ID, err)
	}
	e.PRandomisation, e.Permutation = pr.P, pr.Assignments
	e.Reference = "permutations"
	if constrained {
		e.Reference = "constrained"
	}
	e.Means = means(o.Obs)
	e.ICCT1, _ = iccANOVA(o.Obs)
	// Hedges' g at T2, adjusted for the office's ICC.
	var y []float64
	var treated []bool
	var cluster []int
	ids := map[int64]int{}
	for _, x := range o.Obs {
		if x.Wave != 1 {
			continue
		}
		if _, ok := ids[x.Office]; !ok {
			ids[x.Office] = len(ids)
		}
		y, treated, cluster = append(y, x.Y), append(treated, x.Intervention), append(cluster, ids[x.Office])
	}
	if hs, err := stats.HedgesClusterSMD(y, treated, cluster, len(ids), math.Max(0, e.ICCOffice)); err == nil {
		e.Hedges = *hs
	}
	return e, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func coef(cs []stats.Coef, term string) (stats.Coef, bool) {
	for _, c := range cs {
		if c.Term == term {
			return c, true
		}
	}
	return stats.Coef{}, false
}

// means are each arm's mean at each wave, comparison first.
func means(obs []Observation) []CellMean {
	var out []CellMean
	for _, arm := range []bool{false, true} {
		for wave := 0; wave < 2; wave++ {
			var v []float64
			for _, x := range obs {
				if x.Intervention == arm && x.Wave == wave {
					v = append(v, x.Y)
				}
			}
			c := CellMean{Intervention: arm, Wave: wave, N: len(v)}
			if len(v) > 1 {
				c.Mean, c.SD = meanSD(v)
				q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(v) - 1)}.Quantile(0.975)
				h := q * c.SD / math.Sqrt(float64(len(v)))
				c.Lower, c.Upper = c.Mean-h, c.Mean+h
			}
			out = append(out, c)
		}
	}
	return out
}

// AnalyseAll analyses every outcome and adjusts the p-values across each
// group's outcomes (Holm and Benjamini–Hochberg). An outcome that cannot be
// analysed is reported with its reason, and left out of the adjustment.
func AnalyseAll(outcomes []Outcome, perms int, seed uint64, design []map[int64]bool) ([]Effect, []error) {
	// The outcomes are independent: each is analysed on a core of its own,
	// and the results kept in the outcomes' order.
	effects := make([]Effect, len(outcomes))
	failed := make([]error, len(outcomes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range outcomes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			effects[i], failed[i] = Analyse(outcomes[i], perms, seed, design)
		}()
	}
	wg.Wait()
	var out []Effect
	var errs []error
	for i := range outcomes {
		if failed[i] != nil {
			errs = append(errs, failed[i])
			continue
		}
		out = append(out, effects[i])
	}
	groups := map[string][]int{}
	for i, e := range out {
		groups[e.Group] = append(groups[e.Group], i)
	}
	for _, idx := range groups {
		p := make([]float64, len(idx))
		for k, i := range idx {
			p[k] = out[i].P
		}
		holm, bh := stats.AdjustHolm(p), stats.AdjustBH(p)
		for k, i := range idx {
			out[i].PHolm, out[i].PBH = holm[k], bh[k]
		}
	}
	return out, errs
}

// Run is one computation of the effect table, kept with what makes it
// reproducible.
type Run struct {
	ID           int64
	StudyID      int64
	Snapshot     string // SHA-256 of the analysis data
	Seed         uint64
	Permutations int
	Software     string
	Effects      []Effect
	Attrition    []Retention
	Skipped      []string
	ComputedBy   string
	ComputedAt   time.Time
}

// ICCInterval is the office ICC of an outcome at T1 from the one-way
// analysis of variance, with Searle's 95 % interval from the F
// distribution (n0 the adjusted mean office size for unequal sizes), as
// CONSORT's cluster extension asks (item 17a).
type ICCInterval struct {
	ICC   float64 `json:"icc"`
	Lower float64 `json:"ci_lower"`
	Upper float64 `json:"ci_upper"`
}

func iccANOVA(obs []Observation) (ICCInterval, bool) {
	groups := map[int64][]float64{}
	var all []float64
	for _, x := range obs {
		if x.Wave == 0 {
			groups[x.Office] = append(groups[x.Office], x.Y)
			all = append(all, x.Y)
		}
	}
	k, n := float64(len(groups)), float64(len(all))
	if k < 2 || n <= k {
		return ICCInterval{}, false
	}
	grand, _ := meanSD(all)
	var ssb, ssw, sumSq float64
	for _, g := range groups {
		m := 0.0
		for _, v := range g {
			m += v
		}
		m /= float64(len(g))
		ssb += float64(len(g)) * (m - grand) * (m - grand)
		for _, v := range g {
			ssw += (v - m) * (v - m)
		}
		sumSq += float64(len(g)) * float64(len(g))
	}
	msb, msw := ssb/(k-1), ssw/(n-k)
	n0 := (n - sumSq/n) / (k - 1)
	if msw == 0 {
		return ICCInterval{}, false
	}
	f := msb / msw
	out := ICCInterval{ICC: (msb - msw) / (msb + (n0-1)*msw)}
	fl := f / distuv.F{D1: k - 1, D2: n - k}.Quantile(0.975)
	fu := f / distuv.F{D1: k - 1, D2: n - k}.Quantile(0.025)
	out.Lower, out.Upper = (fl-1)/(fl+n0-1), (fu-1)/(fu+n0-1)
	return out, true
}

// randomisationTest tests the arm × time term over the design's allocations
// when they are given and the observed one is among them (a correction
// may have moved an office since): all of them when they are at most perms,
// else perms drawn with seed and the observed one, which counts itself, as
// (k + 1) / (n + 1). Otherwise it re-assigns the arms freely. constrained
// says which was done.
func randomisationTest(fr *stats.Frame, fm *stats.Formula, o Outcome, perms int, seed uint64, design []map[int64]bool) (res *stats.PermutationResult, constrained bool, err error) {
	offices := map[int64]bool{}
	treated := map[int64]bool{}
	for _, x := range o.Obs {
		offices[x.Office] = true
		treated[x.Office] = x.Intervention
	}
	label := func(alloc func(int64) bool) map[string]bool {
		m := map[string]bool{}
		for id := range offices {
			if alloc(id) {
				m["o"+strconv.FormatInt(id, 10)] = true
			}
		}
		return m
	}
	inDesign := false
	for _, alloc := range design {
		same := true
		for id := range offices {
			same = same && alloc[id] == treated[id]
		}
		if same {
			inDesign = true
			break
		}
	}
	if !inDesign {
		res, err = stats.PermutationTest(fr, fm, "office", "group", "time:group", "", perms, seed)
		return res, false, err
	}
	var over []map[string]bool
	if len(design) <= perms {
		for _, alloc := range design {
			over = append(over, label(func(id int64) bool { return alloc[id] }))
		}
	} else {
		over = append(over, label(func(id int64) bool { return treated[id] }))
		for _, k := range sampleK(newRand(seed), len(design), perms) {
			alloc := design[k]
			over = append(over, label(func(id int64) bool { return alloc[id] }))
		}
	}
	res, err = stats.PermutationTestOver(fr, fm, "office", "group", "time:group", over)
	return res, true, err
}
