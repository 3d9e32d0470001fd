package trial

import (
	"math"
	"slices"
	"sort"
)

// Assignment is one office's arm in a draw.
type Assignment struct {
	ClusterID    int64  `json:"office"`
	Name         string `json:"name"`
	Intervention bool   `json:"intervention"`
}

// Bin is one bar of the balance histogram: the allocations whose score lies
// in [From, To).
type Bin struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Count int     `json:"count"`
}

// Summary describes the balance scores of every allocation scored, as
// cvcrand reports them (quantiles by R's default, type 7).
type Summary struct {
	Mean      float64            `json:"mean"`
	SD        float64            `json:"sd"`
	Quantiles map[string]float64 `json:"quantiles"`
}

// Pair is two offices that are in the same arm in a share of the
// allocations drawn from at or beyond the configured thresholds: the draw
// then tells little about one of them apart from the other.
type Pair struct {
	A, B    string
	SameArm float64 `json:"same_arm"`
}

// Result is a draw: the allocation chosen, with the record that lets anyone
// check it was drawn fairly from the sealed space.
type Result struct {
	Seed           uint64       `json:"seed"`
	Allocation     []Assignment `json:"allocation"`
	Scheme         int          `json:"scheme"` // its position in the accepted list
	Score          float64      `json:"score"`
	CutoffScore    float64      `json:"cutoff_score"`
	Total          float64      `json:"total"`
	Checked        int          `json:"checked"`
	Accepted       int          `json:"accepted"`
	Enumerated     bool         `json:"enumerated"`
	Summary        Summary      `json:"summary"`
	Histogram      []Bin        `json:"histogram"`
	Pairs          []Pair       `json:"pairs"`
	AlwaysTogether int          `json:"always_together"`
	NeverTogether  int          `json:"never_together"`
	ConfigHash     string       `json:"config_hash"`
	CandidatesHash string       `json:"candidates_hash"`
	Software       string       `json:"software"`
}

// Draw chooses one allocation at random from the accepted ones with seed.
// The same space and seed always give the same result.
func (s *Space) Draw(seed uint64) Result {
	rng := newRand(seed)
	pick := bounded(rng, len(s.accepted))
	r := s.accepted[pick]
	sc := s.Scheme(r)
	res := Result{Seed: seed, Scheme: pick, Score: s.scores[r], CutoffScore: s.CutoffScore, Total: s.Total,
		Checked: s.Checked, Accepted: len(s.accepted), Enumerated: s.Enumerated,
		ConfigHash: s.ConfigHash, CandidatesHash: s.CandidatesHash, Software: s.Config.Software}
	for i, c := range s.Clusters {
		res.Allocation = append(res.Allocation, Assignment{ClusterID: c.ID, Name: c.Name, Intervention: sc[i] == 1})
	}
	res.Summary = s.summary()
	res.Histogram = s.histogram(30)
	res.Pairs, res.AlwaysTogether, res.NeverTogether = s.validity()
	return res
}

func (s *Space) summary() Summary {
	x := slices.Clone(s.scores)
	sort.Float64s(x)
	m, sd := meanSD(x)
	q := map[string]float64{}
	for _, p := range []struct {
		name string
		p    float64
	}{{"min", 0}, {"p5", 0.05}, {"p10", 0.1}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p95", 0.95}, {"max", 1}} {
		q[p.name] = quantile7(x, p.p)
	}
	return Summary{Mean: m, SD: sd, Quantiles: q}
}

// quantile7 is R's default quantile of sorted x.
func quantile7(x []float64, p float64) float64 {
	h := float64(len(x)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-lo)*(x[i+1]-x[i])
}

// histogram counts the scores of every allocation scored in k equal bins.
func (s *Space) histogram(k int) []Bin {
	lo, hi := slices.Min(s.scores), slices.Max(s.scores)
	if hi == lo {
		return []Bin{{From: lo, To: hi, Count: len(s.scores)}}
	}
	w := (hi - lo) / float64(k)
	bins := make([]Bin, k)
	for i := range bins {
		bins[i] = Bin{From: lo + float64(i)*w, To: lo + float64(i+1)*w}
	}
	for _, v := range s.scores {
		i := int((v - lo) / w)
		if i >= k {
			i = k - 1
		}
		bins[i].Count++
	}
	return bins
}

// validity finds the pairs of offices that the accepted allocations put in
// the same arm too often or too seldom (cvcrand's check_validity), most
// extreme first, and counts those always and never together.
func (s *Space) validity() ([]Pair, int, int) {
	n := len(s.Clusters)
	acc := float64(len(s.accepted))
	var out []Pair
	always, never := 0, 0
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			same := 0
			for _, r := range s.accepted {
				if s.schemes[r*n+a] == s.schemes[r*n+b] {
					same++
				}
			}
			f := float64(same) / acc
			if same == len(s.accepted) {
				always++
			}
			if same == 0 {
				never++
			}
			if f >= s.Config.SameArmHigh || f <= s.Config.SameArmLow {
				out = append(out, Pair{A: s.Clusters[a].Name, B: s.Clusters[b].Name, SameArm: f})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].SameArm-0.5) > math.Abs(out[j].SameArm-0.5) })
	return out, always, never
}

// Allocations are the allocations the draw chose from, each as the set of
// offices (by id) in the intervention arm: the reference set of a
// randomisation test under this design.
func (s *Space) Allocations() []map[int64]bool {
	out := make([]map[int64]bool, len(s.accepted))
	for k, r := range s.accepted {
		m := map[int64]bool{}
		for i, v := range s.Scheme(r) {
			if v == 1 {
				m[s.Clusters[i].ID] = true
			}
		}
		out[k] = m
	}
	return out
}
