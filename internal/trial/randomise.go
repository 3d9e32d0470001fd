// Package trial holds the cluster-randomised trial's own rules, pure and
// without storage: how offices are allocated to the arms (simple, stratified,
// or constrained on Raab and Butcher's balance score as R's cvcrand computes
// it), how a draw is sealed by the hashes of its configuration and of the
// allocations it draws from, and how it reproduces bit for bit from its seed.
package trial

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Software names the randomisation code and its random number generator;
// it is recorded with every draw, because a draw reproduces only under the
// same algorithm (randomizr's issue 73: the same seed gave other draws in a
// new version).
const Software = "holf-trial/1 (ChaCha8, cvcrand B)"

// Method is how the allocations to draw from are chosen.
type Method string

// The methods.
const (
	Simple      Method = "simple"      // any allocation with the set number in each arm
	Stratified  Method = "stratified"  // arms differ by at most one within each stratum
	Constrained Method = "constrained" // the best-balanced share by the balance score
)

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return m == Simple || m == Stratified || m == Constrained }

// Metric is the norm of the balance score.
type Metric string

// The metrics of cvcrand.
const (
	L2 Metric = "l2"
	L1 Metric = "l1"
)

// Covariate is one office-level variable the balance score weighs.
type Covariate struct {
	Name        string  `json:"name"`
	Categorical bool    `json:"categorical,omitempty"`
	Weight      float64 `json:"weight"`
}

// Cluster is one unit of randomisation (an office) and its covariate values
// as recorded: numbers for numeric covariates, labels for categorical ones.
type Cluster struct {
	ID     int64             `json:"id"`
	Name   string            `json:"name"`
	Values map[string]string `json:"values"`
}

// Config is everything that decides a randomisation before its seed. It is
// recorded, and hashed, before the draw.
type Config struct {
	Method     Method      `json:"method"`
	Covariates []Covariate `json:"covariates,omitempty"`
	Metric     Metric      `json:"metric"`
	// Cutoff is the share of the allocations, best balanced first, that the
	// draw chooses from (cvcrand's cutoff, 0.1).
	Cutoff float64 `json:"cutoff"`
	// Strata names a categorical covariate: within each of its levels the
	// arms differ by at most one office.
	Strata string `json:"strata,omitempty"`
	// Treated is the number of offices in the intervention arm; 0 means
	// half, rounded up (15 of 29).
	Treated int `json:"treated"`
	// Size is the most allocations enumerated; beyond it a sample of Size
	// allocations drawn with SpaceSeed stands for them (cvcrand's size).
	Size      int    `json:"size"`
	SpaceSeed uint64 `json:"space_seed"`
	// SameArmHigh and SameArmLow flag pairs of offices that are in the same
	// arm in at least or at most this share of the allocations drawn from
	// (cvcrand's samearmhi and samearmlo).
	SameArmHigh float64 `json:"same_arm_high"`
	SameArmLow  float64 `json:"same_arm_low"`
	Software    string  `json:"software"`
}

// Defaults fills the fields left empty with cvcrand's defaults.
func (c *Config) Defaults() {
	if c.Metric == "" {
		c.Metric = L2
	}
	if c.Cutoff == 0 {
		c.Cutoff = 0.1
		if c.Method != Constrained {
			c.Cutoff = 1
		}
	}
	if c.Size == 0 {
		c.Size = 50000
	}
	if c.SameArmHigh == 0 {
		c.SameArmHigh = 0.75
	}
	if c.SameArmLow == 0 {
		c.SameArmLow = 0.25
	}
	for i := range c.Covariates {
		if c.Covariates[i].Weight == 0 {
			c.Covariates[i].Weight = 1
		}
	}
	c.Software = Software
}

// Error is a randomisation that cannot be made: the field at fault, the
// reason in English for the command line, and the catalog key (under
// "trial.err.") with its arguments for pages in every language.
type Error struct {
	Field, Key, Reason string
	Args               []any
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

func fail(field, key, format string, args ...any) error {
	return &Error{Field: field, Key: "trial.err." + key, Reason: fmt.Sprintf(format, args...), Args: args}
}

// MinClusters is the fewest offices any method randomises: two in each arm.
const MinClusters = 4

// Space is the set of allocations a draw chooses from, computed before the
// draw from the configuration alone and sealed by its hash.
type Space struct {
	Config   Config
	Clusters []Cluster // in ID order: the order of every scheme
	// Total is the number of possible allocations (n choose t, or the sample
	// size when sampled); Checked the distinct ones scored; Enumerated
	// whether all were.
	Total      float64
	Checked    int
	Enumerated bool
	schemes    []uint8   // Checked × n, 1 = intervention
	scores     []float64 // B of each scheme; 0 without covariates
	accepted   []int     // schemes drawn from, best balanced first
	// CutoffScore is the largest B among the accepted (cvcrand's BLcut).
	CutoffScore    float64
	ConfigHash     string
	CandidatesHash string
}

// Accepted is the number of allocations the draw chooses from.
func (s *Space) Accepted() int { return len(s.accepted) }

// NewSpace validates cfg against clusters and computes the allocations to
// draw from: every allocation, or a sample of them, that meets the strata,
// scored by the balance score and cut to the best-balanced share.
func NewSpace(clusters []Cluster, cfg Config) (*Space, error) {
	cfg.Defaults()
	if !cfg.Method.Valid() {
		return nil, fail("method", "method", "unknown method %q (simple, stratified or constrained)", cfg.Method)
	}
	if cfg.Metric != L2 && cfg.Metric != L1 {
		return nil, fail("metric", "metric", "unknown balance metric %q (l2 or l1)", cfg.Metric)
	}
	n := len(clusters)
	if n < MinClusters {
		return nil, fail("offices", "too_few", "%d offices are too few to randomise; at least %d are needed", n, MinClusters)
	}
	if cfg.Treated == 0 {
		cfg.Treated = (n + 1) / 2
	}
	if cfg.Treated < 2 || n-cfg.Treated < 2 {
		return nil, fail("treated", "treated", "%d of %d offices in the intervention arm leaves fewer than two in an arm", cfg.Treated, n)
	}
	if cfg.Cutoff <= 0 || cfg.Cutoff > 1 {
		return nil, fail("cutoff", "cutoff_range", "the share drawn from must be above 0 and at most 1, not %g", cfg.Cutoff)
	}
	if cfg.Method == Constrained && len(cfg.Covariates) == 0 {
		return nil, fail("covariates", "no_covariates", "constrained randomisation needs at least one covariate to balance")
	}
	if cfg.Method == Stratified && cfg.Strata == "" {
		return nil, fail("strata", "no_strata", "stratified randomisation needs a stratifying covariate")
	}
	if cfg.Method == Simple {
		cfg.Strata = ""
	}
	if cfg.Method != Constrained {
		cfg.Cutoff = 1
	}
	cl := slices.Clone(clusters)
	sort.Slice(cl, func(i, j int) bool { return cl[i].ID < cl[j].ID })
	for i := 1; i < n; i++ {
		if cl[i].ID == cl[i-1].ID {
			return nil, fail("offices", "office_twice", "office %d is listed twice", cl[i].ID)
		}
	}
	z, err := standardise(cl, cfg.Covariates)
	if err != nil {
		return nil, err
	}
	strata, err := strataOf(cl, cfg.Strata)
	if err != nil {
		return nil, err
	}
	s := &Space{Config: cfg, Clusters: cl}
	s.generate(strata)
	if s.Checked == 0 {
		return nil, fail("strata", "strata_infeasible", "no allocation of %d offices to the intervention arm keeps the arms within one office in every stratum", cfg.Treated)
	}
	s.score(z)
	if err := s.accept(); err != nil {
		return nil, err
	}
	s.ConfigHash, s.CandidatesHash = s.hashes()
	return s, nil
}

// standardise returns the covariate columns as cvcrand scores them, each
// centred and divided by its sample standard deviation and multiplied by
// its weight; a categorical covariate of K levels becomes K-1 indicator
// columns, the first level in alphanumeric order left out.
func standardise(cl []Cluster, covs []Covariate) ([][]float64, error) {
	var cols [][]float64
	seen := map[string]bool{}
	for _, cv := range covs {
		if seen[cv.Name] {
			return nil, fail("covariates", "covariate_twice", "%q is listed twice", cv.Name)
		}
		seen[cv.Name] = true
		if cv.Weight < 0 || math.IsNaN(cv.Weight) || math.IsInf(cv.Weight, 0) {
			return nil, fail("weights", "weight", "the weight of %q must be a positive number", cv.Name)
		}
		var raw [][]float64
		if cv.Categorical {
			levels := map[string]bool{}
			for _, c := range cl {
				v, ok := c.Values[cv.Name]
				if !ok || strings.TrimSpace(v) == "" {
					return nil, fail("covariates", "missing_value", "office %s has no value for %q", c.Name, cv.Name)
				}
				levels[v] = true
			}
			keys := make([]string, 0, len(levels))
			for k := range levels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, lv := range keys[1:] {
				col := make([]float64, len(cl))
				for i, c := range cl {
					if c.Values[cv.Name] == lv {
						col[i] = 1
					}
				}
				raw = append(raw, col)
			}
			if len(raw) == 0 {
				return nil, fail("covariates", "constant", "%q has the same value in every office, so it cannot be balanced", cv.Name)
			}
		} else {
			col := make([]float64, len(cl))
			for i, c := range cl {
				v, err := strconv.ParseFloat(strings.TrimSpace(c.Values[cv.Name]), 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fail("covariates", "not_number", "office %s: %q is %q, not a number", c.Name, cv.Name, c.Values[cv.Name])
				}
				col[i] = v
			}
			raw = append(raw, col)
		}
		for _, col := range raw {
			mean, sd := meanSD(col)
			if sd == 0 {
				return nil, fail("covariates", "constant", "%q has the same value in every office, so it cannot be balanced", cv.Name)
			}
			for i := range col {
				col[i] = (col[i] - mean) * cv.Weight / sd
			}
			cols = append(cols, col)
		}
	}
	return cols, nil
}

func meanSD(x []float64) (float64, float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}

// strataOf numbers each cluster's stratum, or returns nil without strata.
func strataOf(cl []Cluster, name string) ([]int, error) {
	if name == "" {
		return nil, nil
	}
	ids := map[string]int{}
	out := make([]int, len(cl))
	var keys []string
	for _, c := range cl {
		v := strings.TrimSpace(c.Values[name])
		if v == "" {
			return nil, fail("strata", "missing_value", "office %s has no value for %q", c.Name, name)
		}
		if _, ok := ids[v]; !ok {
			ids[v] = 0
			keys = append(keys, v)
		}
	}
	sort.Strings(keys)
	for i, k := range keys {
		ids[k] = i
	}
	for i, c := range cl {
		out[i] = ids[strings.TrimSpace(c.Values[name])]
	}
	return out, nil
}

// generate lists the schemes: all of them in combn's order when there are
// at most Size, otherwise Size drawn with SpaceSeed, duplicates dropped in
// the order drawn (cvcrand's unique). Schemes breaking the strata are left
// out either way.
func (s *Space) generate(strata []int) {
	n, t := len(s.Clusters), s.Config.Treated
	s.Total = choose(n, t)
	ok := func(sc []uint8) bool { return strata == nil || balancedIn(sc, strata) }
	if s.Total <= float64(s.Config.Size) {
		s.Enumerated = true
		idx := make([]int, t)
		for i := range idx {
			idx[i] = i
		}
		sc := make([]uint8, n)
		for {
			clear(sc)
			for _, i := range idx {
				sc[i] = 1
			}
			if ok(sc) {
				s.schemes = append(s.schemes, sc...)
				s.Checked++
			}
			if !nextCombination(idx, n) {
				return
			}
		}
	}
	s.Total = float64(s.Config.Size)
	rng := newRand(s.Config.SpaceSeed)
	seen := map[string]bool{}
	sc := make([]uint8, n)
	for k := 0; k < s.Config.Size; k++ {
		clear(sc)
		if strata == nil {
			for _, i := range sampleK(rng, n, t) {
				sc[i] = 1
			}
		} else {
			stratifiedScheme(rng, sc, strata, t)
		}
		key := string(sc)
		if seen[key] || !ok(sc) {
			continue
		}
		seen[key] = true
		s.schemes = append(s.schemes, sc...)
		s.Checked++
	}
}

// balancedIn reports whether the arms differ by at most one in each stratum.
func balancedIn(sc []uint8, strata []int) bool {
	counts := map[int][2]int{}
	for i, st := range strata {
		c := counts[st]
		c[sc[i]]++
		counts[st] = c
	}
	for _, c := range counts {
		if c[0]-c[1] > 1 || c[1]-c[0] > 1 {
			return false
		}
	}
	return true
}

// stratifiedScheme draws a scheme that is balanced in every stratum: half of
// each stratum, the odd office's arm drawn so that the total is t, when it
// can be; otherwise it leaves sc for the caller's check to refuse.
func stratifiedScheme(rng *rand.Rand, sc []uint8, strata []int, t int) {
	members := map[int][]int{}
	var keys []int
	for i, st := range strata {
		if _, ok := members[st]; !ok {
			keys = append(keys, st)
		}
		members[st] = append(members[st], i)
	}
	sort.Ints(keys)
	var odd []int
	treated := 0
	for _, k := range keys {
		m := members[k]
		half := len(m) / 2
		for _, j := range sampleK(rng, len(m), half) {
			sc[m[j]] = 1
		}
		treated += half
		if len(m)%2 == 1 {
			odd = append(odd, k)
		}
	}
	extra := t - treated
	if extra < 0 || extra > len(odd) {
		return
	}
	for _, j := range sampleK(rng, len(odd), extra) {
		m := members[odd[j]]
		var free []int
		for _, i := range m {
			if sc[i] == 0 {
				free = append(free, i)
			}
		}
		sc[free[bounded(rng, len(free))]] = 1
	}
}

// score computes each scheme's B: the sum over the standardised columns of
// the squared (l2) or absolute (l1) sum of the column over the intervention
// offices, which is cvcrand's equivalent form of Raab and Butcher's score.
func (s *Space) score(z [][]float64) {
	n := len(s.Clusters)
	s.scores = make([]float64, s.Checked)
	if len(z) == 0 {
		return
	}
	for r := 0; r < s.Checked; r++ {
		sc := s.schemes[r*n : (r+1)*n]
		var b float64
		for _, col := range z {
			var d float64
			for i, v := range sc {
				if v == 1 {
					d += col[i]
				}
			}
			if s.Config.Metric == L1 {
				b += math.Abs(d)
			} else {
				b += d * d
			}
		}
		s.scores[r] = b
	}
}

// accept keeps the best-balanced round(Checked × Cutoff) schemes, ties kept
// in the order listed, as R's order() and round() do.
func (s *Space) accept() error {
	order := make([]int, s.Checked)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return s.scores[order[i]] < s.scores[order[j]] })
	cho := int(math.RoundToEven(float64(s.Checked) * s.Config.Cutoff))
	if cho < 2 {
		return fail("cutoff", "too_narrow", "only %d of %d allocations would be drawn from; raise the share or use fewer covariates", cho, s.Checked)
	}
	s.accepted = order[:cho]
	s.CutoffScore = s.scores[order[cho-1]]
	return nil
}

// hashes seals the space: the configuration with the offices' values, and
// the list of allocations drawn from, each as its arms in office order.
func (s *Space) hashes() (string, string) {
	in, _ := json.Marshal(struct {
		Config   Config    `json:"config"`
		Clusters []Cluster `json:"clusters"`
	}{s.Config, s.Clusters})
	ch := sha256.Sum256(in)
	h := sha256.New()
	for _, c := range s.Clusters {
		fmt.Fprintf(h, "%d,", c.ID)
	}
	h.Write([]byte{'\n'})
	n := len(s.Clusters)
	for _, r := range s.accepted {
		for _, v := range s.schemes[r*n : (r+1)*n] {
			h.Write([]byte{'0' + v})
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(ch[:]), hex.EncodeToString(h.Sum(nil))
}

// Scheme returns the arms (1 = intervention) of scheme r, in office order.
func (s *Space) Scheme(r int) []uint8 {
	n := len(s.Clusters)
	return s.schemes[r*n : (r+1)*n]
}

// Score is scheme r's balance score.
func (s *Space) Score(r int) float64 { return s.scores[r] }

// choose is n over k as a float64 (29 over 15 is 77 558 760).
func choose(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return math.Round(r)
}

// nextCombination advances idx to the next k-subset of 0..n-1 in
// lexicographic order, as R's combn lists them.
func nextCombination(idx []int, n int) bool {
	k := len(idx)
	i := k - 1
	for i >= 0 && idx[i] == n-k+i {
		i--
	}
	if i < 0 {
		return false
	}
	idx[i]++
	for j := i + 1; j < k; j++ {
		idx[j] = idx[j-1] + 1
	}
	return true
}

// newRand is the one random source of randomisation: ChaCha8 keyed by the
// seed. Its stream is fixed by its specification, and every use of it goes
// through bounded, so a seed gives the same draw in every version of Go.
func newRand(seed uint64) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "HOLF randomisation")
	// #nosec G404 -- a draw must reproduce from its recorded seed, which a
	// cryptographic source cannot; the seed itself comes from crypto/rand
	return rand.New(rand.NewChaCha8(key))
}

// bounded returns a uniform integer in [0, n) by rejection, written here
// rather than taken from math/rand so that its mapping cannot change.
func bounded(rng *rand.Rand, n int) int {
	if n <= 0 {
		panic("trial: bounded needs a positive bound")
	}
	un := uint64(n) // #nosec G115 -- n > 0
	limit := math.MaxUint64 - math.MaxUint64%un
	for {
		v := rng.Uint64()
		if v < limit {
			return int(v % un) // #nosec G115 -- below n, an int
		}
	}
}

// sampleK draws k distinct indices of 0..n-1 (a partial Fisher–Yates).
func sampleK(rng *rand.Rand, n, k int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + bounded(rng, n-i)
		p[i], p[j] = p[j], p[i]
	}
	return p[:k]
}
