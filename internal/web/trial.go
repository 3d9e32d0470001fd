package web

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/trial"
)

// The trial page: the study, the flow of offices into it, and the
// randomisation of offices, prepared by one person and drawn when a second
// confirms it, with its record and the balance histogram.

// trialForm is the preparation form as typed.
type trialForm struct {
	Method     string
	Metric     string
	Cutoff     string // per cent
	Strata     string
	Treated    string
	Covariates map[string]bool
	Weights    map[string]string
}

type trialPage struct {
	Page
	formState
	O    app.TrialOverview
	Form trialForm
	Hist balanceSVG
	// CanResults is whether the caller may see the effect table.
	CanResults bool
	Consort    app.Consort
	Flow       consortSVG
	// Arms counts the current allocation per arm.
	Intervention, Comparison int
}

// Methods are the randomisation methods in the form's order.
func (p *trialPage) Methods() []trial.Method {
	return []trial.Method{trial.Constrained, trial.Stratified, trial.Simple}
}

// Arm is the arm an assignment gives.
func (p *trialPage) Arm(a trial.Assignment) holf.Arm {
	if a.Intervention {
		return holf.ArmIntervention
	}
	return holf.ArmComparison
}

// Percent is a share as a whole per cent.
func (p *trialPage) Percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + " %" }

// Score prints a balance score as cvcrand does, to three decimals.
func (p *trialPage) Score(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

// Metrics are the balance metrics in the form's order.
func (p *trialPage) Metrics() []string { return []string{string(trial.L2), string(trial.L1)} }

// CorrectionArms are the arms a correction may move an office to.
func (p *trialPage) CorrectionArms() []holf.Arm { return holf.Arms }

// Space counts allocations, which run to tens of millions.
func (p *trialPage) Space(f float64) string { return p.Number(int(f)) }

// Number groups the digits of n as the page's language does.
func (p *trialPage) Number(n int) string {
	s := strconv.Itoa(n)
	sep := " "
	if p.Lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// balanceSVG is the histogram of balance scores: a bar per bin, the cutoff
// and the score of the allocation drawn.
type balanceSVG struct {
	Bars             []svgBar
	CutoffX, ChosenX float64
	Top              int
	From, To         string
}

type svgBar struct {
	X, Y, W, H float64
	Accepted   bool // entirely at or under the cutoff
}

func drawBalance(r *trial.Result) balanceSVG {
	var out balanceSVG
	if r == nil || len(r.Histogram) == 0 {
		return out
	}
	lo, hi := r.Histogram[0].From, r.Histogram[len(r.Histogram)-1].To
	for _, b := range r.Histogram {
		out.Top = max(out.Top, b.Count)
	}
	const x0, x1, y0, y1 = 48.0, 630.0, 12.0, 170.0
	span := hi - lo
	if span == 0 {
		span = 1
	}
	x := func(v float64) float64 { return math.Round((x0+(v-lo)/span*(x1-x0))*10) / 10 }
	w := (x1 - x0) / float64(len(r.Histogram))
	for _, b := range r.Histogram {
		h := 0.0
		if out.Top > 0 {
			h = (y1 - y0) * float64(b.Count) / float64(out.Top)
		}
		out.Bars = append(out.Bars, svgBar{X: x(b.From), Y: math.Round((y1-h)*10) / 10, W: math.Max(1, math.Round((w-1)*10)/10), H: math.Round(h*10) / 10, Accepted: b.To <= r.CutoffScore})
	}
	out.CutoffX, out.ChosenX = x(r.CutoffScore), x(r.Score)
	out.From, out.To = strconv.FormatFloat(lo, 'f', 2, 64), strconv.FormatFloat(hi, 'f', 2, 64)
	return out
}

func (s *Server) trialData(r *http.Request, rq *req) (*trialPage, error) {
	o, err := s.app.Trial.Overview(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	var c app.Consort
	if o.HasStudy {
		if c, err = s.app.Trial.ConsortOf(r.Context(), o); err != nil {
			return nil, err
		}
	}
	return s.trialPageOf(r, rq, o, c), nil
}

// trialPageOf is the trial page of overview o with its CONSORT flow c.
func (s *Server) trialPageOf(r *http.Request, rq *req, o app.TrialOverview, c app.Consort) *trialPage {
	p := &trialPage{Page: s.page(r, rq, "trial.title"), O: o, CanResults: policy.Decide(rq.actor, policy.TrialResults, policy.Global).Allowed}
	p.Form = trialForm{Method: string(trial.Constrained), Metric: string(trial.L2), Cutoff: "10", Covariates: map[string]bool{}, Weights: map[string]string{}}
	if n := len(o.Candidates); n > 0 {
		p.Form.Treated = strconv.Itoa((n + 1) / 2)
	}
	for _, c := range o.Covariates {
		p.Form.Covariates[c.Name] = c.Missing == 0
		p.Form.Weights[c.Name] = "1"
	}
	if o.HasStudy {
		p.Consort = c
		p.Flow = drawConsort(&p.Page, p.Consort)
	}
	if o.Current != nil && o.Current.Result != nil {
		p.Hist = drawBalance(o.Current.Result)
		for _, a := range o.Current.Result.Allocation {
			if a.Intervention {
				p.Intervention++
			} else {
				p.Comparison++
			}
		}
	}
	return p
}

func (s *Server) trialShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trial", p)
}

// readTrialForm reads the preparation form; what cannot be read as a
// number is reported on its field, with the rest of the form kept.
func readTrialForm(r *http.Request, o app.TrialOverview) (trialForm, trial.Config, holf.Validation) {
	_ = r.ParseForm()
	f := trialForm{Method: r.PostFormValue("method"), Metric: r.PostFormValue("metric"), Cutoff: strings.TrimSpace(r.PostFormValue("cutoff")),
		Strata: r.PostFormValue("strata"), Treated: strings.TrimSpace(r.PostFormValue("treated")), Covariates: map[string]bool{}, Weights: map[string]string{}}
	cfg := trial.Config{Method: trial.Method(f.Method), Metric: trial.Metric(f.Metric), Strata: f.Strata}
	var bad holf.Validation
	for _, name := range r.PostForm["covariates"] {
		f.Covariates[name] = true
	}
	for _, c := range o.Covariates {
		f.Weights[c.Name] = strings.TrimSpace(r.PostFormValue("weight_" + c.Name))
		if !f.Covariates[c.Name] || cfg.Method != trial.Constrained {
			continue
		}
		w, err := strconv.ParseFloat(strings.ReplaceAll(f.Weights[c.Name], ",", "."), 64)
		if err != nil || w <= 0 {
			bad.Add("weight_"+c.Name, "trial.err.weight", c.Name)
			continue
		}
		cfg.Covariates = append(cfg.Covariates, trial.Covariate{Name: c.Name, Weight: w})
	}
	if cfg.Method == trial.Constrained {
		c, err := strconv.ParseFloat(strings.ReplaceAll(f.Cutoff, ",", "."), 64)
		if err != nil || c <= 0 || c > 100 {
			bad.Add("cutoff", "trial.err.cutoff_percent")
		}
		cfg.Cutoff = c / 100
	}
	if f.Treated != "" {
		n, err := strconv.Atoi(f.Treated)
		if err != nil || n < 1 {
			bad.Add("treated", "trial.err.treated_number")
		}
		cfg.Treated = n
	}
	return f, cfg, bad
}

func (s *Server) trialPrepare(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, err := s.app.Trial.Overview(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	f, cfg, bad := readTrialForm(r, o)
	if len(bad) == 0 {
		_, err = s.app.Trial.Prepare(r.Context(), rq.actor, cfg)
	} else {
		err = bad.Err()
	}
	if err != nil {
		return s.trialFormError(w, r, rq, err, func(p *trialPage) { p.Form = f })
	}
	http.Redirect(w, r, "/trial?notice=trial_prepared#randomisation", http.StatusSeeOther)
	return nil
}

// trialFormError shows the page again with err on its fields and what was
// typed kept, or the notice of a conflict (someone prepared or drew first).
func (s *Server) trialFormError(w http.ResponseWriter, r *http.Request, rq *req, err error, keep func(*trialPage)) error {
	if !formProblem(err) && holf.ErrorCode(err) != holf.EConflict && holf.ErrorCode(err) != holf.EForbidden {
		return err
	}
	p, perr := s.trialData(r, rq)
	if perr != nil {
		return perr
	}
	keep(p)
	if formProblem(err) {
		return s.formError(w, rq, "trial", p, err, noConflictBox)
	}
	p.Summary = s.errorText(rq, err)
	status := http.StatusConflict
	if holf.ErrorCode(err) == holf.EForbidden {
		status = http.StatusForbidden
	}
	return s.render(w, status, "trial", p)
}

func (s *Server) trialConfirm(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id", "randomisation")
	if err != nil {
		return err
	}
	var seed *uint64
	typed := strings.TrimSpace(r.PostFormValue("seed"))
	if typed != "" {
		v, perr := strconv.ParseUint(typed, 10, 63)
		if perr != nil {
			return s.trialFormError(w, r, rq, holf.Validation{{Field: "seed", Key: "trial.err.seed"}}.Err(), func(*trialPage) {})
		}
		seed = &v
	}
	if _, err := s.app.Trial.Confirm(r.Context(), rq.actor, id, formVersion(r, "version"), seed); err != nil {
		return s.trialFormError(w, r, rq, err, func(*trialPage) {})
	}
	http.Redirect(w, r, "/trial?notice=trial_drawn#randomisation", http.StatusSeeOther)
	return nil
}

func (s *Server) trialCancel(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id", "randomisation")
	if err != nil {
		return err
	}
	if err := s.app.Trial.Cancel(r.Context(), rq.actor, id, formVersion(r, "version")); err != nil {
		return s.trialFormError(w, r, rq, err, func(*trialPage) {})
	}
	http.Redirect(w, r, "/trial?notice=trial_cancelled#randomisation", http.StatusSeeOther)
	return nil
}

func (s *Server) trialCorrect(w http.ResponseWriter, r *http.Request, rq *req) error {
	office := formID(r, "office")
	arm, reason := holf.Arm(r.PostFormValue("arm")), r.PostFormValue("reason")
	if office == 0 {
		err := holf.Validation{{Field: "office", Key: "err.required"}}.Err()
		return s.trialFormError(w, r, rq, err, func(p *trialPage) {})
	}
	if _, err := s.app.Trial.Correct(r.Context(), rq.actor, office, arm, reason); err != nil {
		return s.trialFormError(w, r, rq, err, func(p *trialPage) {})
	}
	http.Redirect(w, r, "/trial?notice=trial_corrected#corrections", http.StatusSeeOther)
	return nil
}

// apiTrial is the trial's record as JSON: the study, the flow of offices
// and the randomisation with its allocation, seal and balance.
func (s *Server) apiTrial(w http.ResponseWriter, r *http.Request, rq *req) error {
	o, err := s.app.Trial.Overview(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	type flowRow struct {
		Stage   trial.Stage       `json:"stage"`
		Offices int               `json:"offices"`
		Reasons []app.ReasonCount `json:"reasons,omitempty"`
	}
	type rand struct {
		ID             int64         `json:"id"`
		Status         trial.Status  `json:"status"`
		Config         trial.Config  `json:"config"`
		ConfigHash     string        `json:"config_hash"`
		CandidatesHash string        `json:"candidates_hash"`
		Accepted       int           `json:"accepted"`
		PreparedBy     string        `json:"prepared_by"`
		DrawnBy        string        `json:"drawn_by,omitempty"`
		Result         *trial.Result `json:"result,omitempty"`
	}
	c, err := s.app.Trial.ConsortOf(r.Context(), o)
	if err != nil {
		return err
	}
	out := struct {
		Registration  string           `json:"registration,omitempty"`
		Title         string           `json:"title,omitempty"`
		Flow          []flowRow        `json:"flow"`
		Consort       []app.ConsortArm `json:"consort"`
		Randomisation *rand            `json:"randomisation,omitempty"`
	}{Registration: o.Study.Registration, Title: o.Study.Title, Flow: []flowRow{}, Consort: c.Arms}
	for _, f := range o.Flow {
		out.Flow = append(out.Flow, flowRow{f.Stage, f.Offices, f.Reasons})
	}
	if c := o.Current; c != nil {
		out.Randomisation = &rand{ID: c.ID, Status: c.Status, Config: c.Config, ConfigHash: c.ConfigHash, CandidatesHash: c.CandidatesHash,
			Accepted: c.Accepted, PreparedBy: c.PreparedByName, DrawnBy: c.DrawnByName, Result: c.Result}
	}
	return writeJSON(w, http.StatusOK, out)
}

// ---- results ----

type resultsPage struct {
	Page
	Error  string // a refused release, said on the page
	R      app.ResultsPage
	Groups []resultsGroup
	labels map[string]survey.Text
}

// resultsGroup is one group's outcomes, with each outcome's figure.
type resultsGroup struct {
	Group   string
	Effects []resultsRow
	// Attrition is the group's respondents per wave (Table 5): each arm,
	// then both.
	Attrition []trial.Retention
}

type resultsRow struct {
	trial.Effect
	Fig meansSVG
}

// meansSVG draws an outcome's mean per arm at T1 and T2 with their 95 %
// intervals: two lines, one per arm.
type meansSVG struct {
	Arms     []meansArm
	Lo, Hi   string
	Min, Max float64
}

type meansArm struct {
	Intervention bool
	Points       []meansPoint
	Line         string
}

type meansPoint struct {
	X, Y, Y1, Y2 float64
}

func drawMeans(ms []trial.CellMean) meansSVG {
	var out meansSVG
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range ms {
		if m.N > 1 {
			lo, hi = math.Min(lo, m.Lower), math.Max(hi, m.Upper)
		}
	}
	if math.IsInf(lo, 0) {
		return out
	}
	pad := (hi - lo) * 0.1
	if pad == 0 {
		pad = 0.5
	}
	lo, hi = lo-pad, hi+pad
	const y0, y1 = 10.0, 110.0
	y := func(v float64) float64 { return math.Round((y1-(v-lo)/(hi-lo)*(y1-y0))*10) / 10 }
	for _, arm := range []bool{false, true} {
		a := meansArm{Intervention: arm}
		var pts []string
		for _, m := range ms {
			if m.Intervention != arm || m.N < 2 {
				continue
			}
			x := 60.0 + 120*float64(m.Wave)
			if arm {
				x += 6 // the arms side by side, so that their intervals do not hide each other
			}
			p := meansPoint{X: x, Y: y(m.Mean), Y1: y(m.Lower), Y2: y(m.Upper)}
			a.Points = append(a.Points, p)
			pts = append(pts, strconv.FormatFloat(p.X, 'f', 1, 64)+","+strconv.FormatFloat(p.Y, 'f', 1, 64))
		}
		a.Line = strings.Join(pts, " ")
		out.Arms = append(out.Arms, a)
	}
	out.Lo, out.Hi = strconv.FormatFloat(lo, 'f', 2, 64), strconv.FormatFloat(hi, 'f', 2, 64)
	return out
}

// group sorts the run's effects into their groups, each with its figure.
func (p *resultsPage) group() {
	if p.R.Run == nil {
		return
	}
	at := map[string]int{}
	for _, e := range p.R.Run.Effects {
		i, ok := at[e.Group]
		if !ok {
			i = len(p.Groups)
			at[e.Group] = i
			p.Groups = append(p.Groups, resultsGroup{Group: e.Group})
		}
		p.Groups[i].Effects = append(p.Groups[i].Effects, resultsRow{Effect: e, Fig: drawMeans(e.Means)})
	}
	for _, r := range p.R.Run.Attrition {
		if i, ok := at[r.Group]; ok {
			p.Groups[i].Attrition = append(p.Groups[i].Attrition, r)
		}
	}
}

// Percent prints n as a whole percentage of r's respondents at T1.
func (p *resultsPage) Percent(r trial.Retention, n int) string {
	return strconv.FormatFloat(100*r.Share(n), 'f', 0, 64)
}

// Num prints a figure to three decimals.
func (p *resultsPage) Num(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// P prints a p-value as reports do: three decimals, or "< 0.001".
func (p *resultsPage) P(v float64) string {
	if v < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// Stars marks p as the report's tables do.
func (p *resultsPage) Stars(v float64) string {
	switch {
	case v < 0.001:
		return "***"
	case v < 0.01:
		return "**"
	case v < 0.05:
		return "*"
	}
	return ""
}

// OutcomeName names an outcome scale in the page's language, as the
// instrument library labels its score.
func (p *resultsPage) OutcomeName(id string) string {
	l, ok := p.labels[id]
	switch {
	case !ok:
		return id
	case p.Lang == "en" && l.EN != "":
		return l.EN
	}
	return l.NB
}

func (s *Server) trialResults(w http.ResponseWriter, r *http.Request, rq *req) error {
	rp, err := s.app.Trial.LatestResults(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := &resultsPage{Page: s.page(r, rq, "results.title"), R: rp, labels: s.scoreLabels()}
	p.group()
	return s.render(w, http.StatusOK, "results", p)
}

func (s *Server) trialCompute(w http.ResponseWriter, r *http.Request, rq *req) error {
	if _, err := s.app.Trial.Compute(r.Context(), rq.actor, app.ResultsOptions{Software: "holf " + s.cfg.Version}); err != nil {
		return err
	}
	http.Redirect(w, r, "/trial/results?notice=results_computed", http.StatusSeeOther)
	return nil
}

func (s *Server) trialRelease(w http.ResponseWriter, r *http.Request, rq *req) error {
	if _, err := s.app.Trial.Release(r.Context(), rq.actor, formVersion(r, "version")); err != nil {
		if holf.ErrorCode(err) != holf.EConflict {
			return err
		}
		rp, perr := s.app.Trial.LatestResults(r.Context(), rq.actor)
		if perr != nil {
			return perr
		}
		p := &resultsPage{Page: s.page(r, rq, "results.title"), R: rp, labels: s.scoreLabels()}
		p.group()
		p.Error = s.errorText(rq, err)
		return s.render(w, http.StatusConflict, "results", p)
	}
	http.Redirect(w, r, "/trial/results?notice=results_released", http.StatusSeeOther)
	return nil
}

// trialResultsCSV is the stored effect table as CSV.
func (s *Server) trialResultsCSV(w http.ResponseWriter, r *http.Request, rq *req) error {
	rp, err := s.latestRun(r, rq)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := trial.WriteEffects(&b, rp.Run.Effects, rp.Run.Snapshot, rp.Run.Seed, csvSafe(rp.Run.Software)); err != nil {
		return err
	}
	return sendBytes(w, "holf_effects.csv", "text/csv; charset=utf-8", b.Bytes())
}

// latestRun is the stored run a download sends (not found before one).
func (s *Server) latestRun(r *http.Request, rq *req) (app.ResultsPage, error) {
	rp, err := s.app.Trial.LatestResults(r.Context(), rq.actor)
	if err == nil && rp.Run == nil {
		err = holf.NotFound("results", "")
	}
	return rp, err
}

// trialAttritionCSV sends the stored run's attrition table.
func (s *Server) trialAttritionCSV(w http.ResponseWriter, r *http.Request, rq *req) error {
	rp, err := s.latestRun(r, rq)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := trial.WriteAttrition(&b, rp.Run.Attrition); err != nil {
		return err
	}
	return sendBytes(w, "holf_attrition.csv", "text/csv; charset=utf-8", b.Bytes())
}

// trialBundle sends everything that reproduces the effect table as one zip
// file: the pseudonymised analysis data, the table naming its data, the
// results as JSON and the R script (for those who may export pseudonymised
// data; the export is audited).
func (s *Server) trialBundle(w http.ResponseWriter, r *http.Request, rq *req) error {
	res, err := s.app.Trial.Results(r.Context(), rq.actor, app.ResultsOptions{WithData: true})
	if err != nil {
		return err
	}
	files, err := res.Bundle("holf " + s.cfg.Version)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: "holf_trial/" + f.Name, Method: zip.Deflate, Modified: s.app.Now()})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return sendBytes(w, "holf_trial.zip", "application/zip", b.Bytes())
}

// ---- the CONSORT flow ----

// consortSVG is the flow diagram: boxes of text lines joined by arrows.
type consortSVG struct {
	Boxes  []consortBox
	Arrows []consortArrow
	Height float64
}

type consortBox struct {
	X, Y, W, H float64
	Lines      []consortLine
}

type consortLine struct {
	X, Y float64
	Text string
	Bold bool
}

type consortArrow struct{ X1, Y1, X2, Y2 float64 }

const consortLineH = 16.0

// box lays out lines in a box w wide, each wrapped at its words to fit
// (an SVG text does not wrap by itself); the first line is the lead.
func box(x, y, w float64, lines ...string) consortBox {
	b := consortBox{X: x, Y: y, W: w}
	limit := int((w - 16) / 6.6) // characters of 12 px text
	n := 0
	for i, l := range lines {
		for _, part := range wrap(l, limit) {
			b.Lines = append(b.Lines, consortLine{X: x + 8, Y: y + 20 + consortLineH*float64(n), Text: part, Bold: i == 0})
			n++
		}
	}
	b.H = consortLineH*float64(n) + 12
	return b
}

// wrap breaks s at spaces into lines of at most limit runes (a longer word
// keeps its own line).
func wrap(s string, limit int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= limit:
			line += " " + word
		default:
			out = append(out, line)
			line = "  " + word
		}
	}
	return append(out, line)
}

// drawConsort lays out the flow of offices and families in both arms.
func drawConsort(p *Page, c app.Consort) consortSVG {
	var out consortSVG
	stage := map[trial.Stage]app.StageCount{}
	for _, f := range c.Flow {
		stage[f.Stage] = f
	}
	reasons := func(rs []app.ReasonCount) []string {
		var out []string
		for _, r := range rs {
			out = append(out, "– "+r.Reason+": "+strconv.Itoa(r.N))
		}
		return out
	}
	lost := func(rs []app.ReasonCount) []string {
		var out []string
		for _, r := range rs {
			out = append(out, "– "+p.T("reason."+r.Reason)+": "+strconv.Itoa(r.N))
		}
		return out
	}
	top := box(150, 4, 340, p.T("consort.assessed", stage[trial.StageInvited].Offices))
	excluded := []string{p.T("consort.excluded", stage[trial.StageInvited].Offices-stage[trial.StageRandomised].Offices)}
	for _, s := range []trial.Stage{trial.StageInvited, trial.StageInterested, trial.StageWithdrew} {
		excluded = append(excluded, reasons(stage[s].Reasons)...)
	}
	side := box(500, 40, 300, excluded...)
	rnd := box(150, side.Y+side.H+16, 340, p.T("consort.randomised", stage[trial.StageRandomised].Offices))
	out.Boxes = append(out.Boxes, top, side, rnd)
	out.Arrows = append(out.Arrows, consortArrow{320, top.Y + top.H, 320, rnd.Y}, consortArrow{320, side.Y + side.H/2, 500, side.Y + side.H/2})
	y := rnd.Y + rnd.H + 24
	heights := make([]float64, len(c.Arms))
	for i, a := range c.Arms {
		x := 10 + float64(i)*400
		arm := p.T("arm." + string(a.Arm))
		alloc := append([]string{p.T("consort.allocated", arm, a.Offices), p.T("consort.received", a.Received)}, reasons(a.NotReceived)...)
		b1 := box(x, y, 380, alloc...)
		listed := []string{p.T("consort.listed", a.Listed)}
		for _, rc := range a.ListOutcomes {
			listed = append(listed, "– "+p.T("target.outcome."+rc.Reason)+": "+strconv.Itoa(rc.N))
		}
		if a.Replacements > 0 {
			listed = append(listed, p.N("target.replacements", a.Replacements))
		}
		b0 := box(x, b1.Y+b1.H+16, 380, listed...)
		b2 := box(x, b0.Y+b0.H+16, 380, p.T("consort.identified", a.Identified), p.T("consort.recruited", a.Recruited), p.T("consort.not_recruited", a.NotRecruited),
			p.T("consort.consent", a.ConsentBefore, a.ConsentAfter))
		follow := append([]string{p.T("consort.follow_up"), p.T("consort.measured", a.MeasuredT1, a.MeasuredT2), p.T("consort.lost", sumReasons(a.Lost))}, lost(a.Lost)...)
		b3 := box(x, b2.Y+b2.H+16, 380, follow...)
		b4 := box(x, b3.Y+b3.H+16, 380, p.T("consort.analysed", a.Analysed, a.OfficesAnalysed), p.T("consort.coordinators", a.CoordinatorsT1, a.CoordinatorsT2))
		cx := x + 190
		out.Boxes = append(out.Boxes, b1, b0, b2, b3, b4)
		out.Arrows = append(out.Arrows, consortArrow{320, rnd.Y + rnd.H, cx, b1.Y}, consortArrow{cx, b1.Y + b1.H, cx, b0.Y}, consortArrow{cx, b0.Y + b0.H, cx, b2.Y},
			consortArrow{cx, b2.Y + b2.H, cx, b3.Y}, consortArrow{cx, b3.Y + b3.H, cx, b4.Y})
		heights[i] = b4.Y + b4.H
	}
	out.Height = math.Max(heights[0], heights[len(heights)-1]) + 6
	return out
}

func sumReasons(rs []app.ReasonCount) int {
	n := 0
	for _, r := range rs {
		n += r.N
	}
	return n
}

// trialConsortCSV is the CONSORT flow as CSV: one row per arm and count.
func (s *Server) trialConsortCSV(w http.ResponseWriter, r *http.Request, rq *req) error {
	c, err := s.app.Trial.Consort(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	return sendCSV(w, "holf_consort.csv", func(cw *csv.Writer) {
		_ = cw.Write([]string{"level", "arm", "stage", "reason", "n"})
		for _, f := range c.Flow {
			_ = cw.Write([]string{"office", "", string(f.Stage), "", strconv.Itoa(f.Offices)})
			for _, rc := range f.Reasons {
				_ = cw.Write([]string{"office", "", string(f.Stage), csvSafe(rc.Reason), strconv.Itoa(rc.N)})
			}
		}
		for _, a := range c.Arms {
			arm := string(a.Arm)
			row := func(level, stage, reason string, n int) {
				_ = cw.Write([]string{level, arm, stage, csvSafe(reason), strconv.Itoa(n)})
			}
			row("office", "allocated", "", a.Offices)
			row("office", "received", "", a.Received)
			for _, rc := range a.NotReceived {
				row("office", "not_received", rc.Reason, rc.N)
			}
			row("office", "analysed", "", a.OfficesAnalysed)
			row("family", "listed", "", a.Listed)
			for _, rc := range a.ListOutcomes {
				row("family", "list_outcome", rc.Reason, rc.N)
			}
			row("family", "replacement_draws", "", a.Replacements)
			row("family", "identified", "", a.Identified)
			row("family", "recruited", "", a.Recruited)
			row("family", "not_recruited", "", a.NotRecruited)
			for _, rc := range a.Lost {
				row("family", "lost", rc.Reason, rc.N)
			}
			row("family", "completed", "", a.Completed)
			row("family", "measured_t1", "", a.MeasuredT1)
			row("family", "measured_t2", "", a.MeasuredT2)
			row("family", "analysed", "", a.Analysed)
			row("coordinator", "measured_t1", "", a.CoordinatorsT1)
			row("coordinator", "measured_t2", "", a.CoordinatorsT2)
		}
	})
}

// Sum counts reasons' numbers together.
func (p *trialPage) Sum(rs []app.ReasonCount) int { return sumReasons(rs) }

// ---- baseline ----

type baselinePage struct {
	resultsPage
	B      app.BaselineTables
	Levels []baselineLevel
}

type baselineLevel struct {
	Level string
	Rows  []trial.BaselineRow
}

// Summary prints an arm's figure: a percentage for a share, else the mean
// with its standard deviation.
func (p *baselinePage) Summary(r trial.BaselineRow, a trial.ArmSummary) string {
	if a.N == 0 {
		return "–"
	}
	if r.Share {
		return strconv.FormatFloat(100*a.Mean, 'f', 1, 64) + " %"
	}
	return strconv.FormatFloat(a.Mean, 'f', 2, 64) + " (" + strconv.FormatFloat(a.SD, 'f', 2, 64) + ")"
}

// VariableName names a baseline variable: a score by the library's label,
// a family variable from the catalog, a covariate by its own name.
func (p *baselinePage) VariableName(level, name string) string {
	if level == trial.LevelFamilies {
		return p.T("baseline.var." + name)
	}
	return p.OutcomeName(name)
}

func (s *Server) baselineData(r *http.Request, rq *req) (*baselinePage, error) {
	tests := r.URL.Query().Get("tests") == "1"
	b, err := s.app.Trial.Baseline(r.Context(), rq.actor, tests)
	if err != nil {
		return nil, err
	}
	return s.baselinePageOf(r, rq, b), nil
}

// baselinePageOf is the baseline page of tables b, by level.
func (s *Server) baselinePageOf(r *http.Request, rq *req, b app.BaselineTables) *baselinePage {
	p := &baselinePage{resultsPage: resultsPage{Page: s.page(r, rq, "baseline.title"), labels: s.scoreLabels()}, B: b}
	at := map[string]int{}
	for _, row := range b.Rows {
		i, ok := at[row.Level]
		if !ok {
			i = len(p.Levels)
			at[row.Level] = i
			p.Levels = append(p.Levels, baselineLevel{Level: row.Level})
		}
		p.Levels[i].Rows = append(p.Levels[i].Rows, row)
	}
	return p
}

// scoreLabels are the library's labels of every score, by id.
func (s *Server) scoreLabels() map[string]survey.Text {
	out := map[string]survey.Text{}
	for _, in := range s.lib.Instruments {
		for _, sc := range in.Scores {
			out[sc.ID] = sc.Label
		}
	}
	return out
}

func (s *Server) trialBaseline(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.baselineData(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "baseline", p)
}

// trialBaselineCSV is the baseline tables as CSV.
func (s *Server) trialBaselineCSV(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.baselineData(r, rq)
	if err != nil {
		return err
	}
	return sendCSV(w, "holf_baseline.csv", func(cw *csv.Writer) {
		_ = cw.Write([]string{"level", "variable", "share", "n_comparison", "mean_comparison", "sd_comparison", "n_intervention", "mean_intervention", "sd_intervention", "smd", "p_cr2"})
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
		for _, row := range p.B.Rows {
			pv := ""
			if row.P != nil {
				pv = f(*row.P)
			}
			_ = cw.Write([]string{row.Level, csvSafe(row.Variable), strconv.FormatBool(row.Share), strconv.Itoa(row.Comparison.N), f(row.Comparison.Mean), f(row.Comparison.SD),
				strconv.Itoa(row.Intervention.N), f(row.Intervention.Mean), f(row.Intervention.SD), f(row.SMD), pv})
		}
	})
}

// ---- the report ----

// reportPage is the whole trial report on one page: the study, the
// record of the draw, the CONSORT flow, the baseline tables and the effect
// table, with its style inside, so that the saved file stands alone.
type reportPage struct {
	baselinePage
	Trial *trialPage
	CSS   template.CSS
	Now   time.Time
}

func (s *Server) trialReport(w http.ResponseWriter, r *http.Request, rq *req) error {
	rep, err := s.app.Trial.Report(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	tp := s.trialPageOf(r, rq, rep.Overview, rep.Consort)
	bp := s.baselinePageOf(r, rq, rep.Baseline)
	bp.R = rep.Results
	bp.group()
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		return err
	}
	p := &reportPage{baselinePage: *bp, Trial: tp, CSS: template.CSS(css), Now: s.app.Now()} // #nosec G203 -- our own stylesheet
	p.Title = s.t(rq, "report.title", tp.O.Study.Registration)
	w.Header().Set("Content-Disposition", `inline; filename="holf_trial_report.html"`)
	return s.render(w, http.StatusOK, "report", p)
}
