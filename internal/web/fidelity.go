package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/fidelity"
	"github.com/holf-project/holf/internal/policy"
)

// Implementation quality: the national overview, an office's figures with
// run charts, one indicator's chart with its coordinators and the records
// behind a month, and a coordinator's own figures.

// fidelitySeries is one indicator's monthly figures with its run chart.
type fidelitySeries struct {
	Def    fidelity.Definition
	Points []fidelityPoint
	Total  fidelity.Figure
	Last   fidelityPoint // the latest month with data
	Chart  fidelity.RunChart
	// First is the index of the first month with data: the chart and the
	// month table begin there.
	First  int
	Drift  bool
	Status string // target, watch, concern; "" without data
	SVG    runChartSVG
}

type fidelityPoint struct {
	Month fidelity.Month
	fidelity.Figure
	Has     bool
	Partial bool // the month under way
}

// seriesOf sums cells kept by keep into one series per definition.
func seriesOf(r app.FidelityReport, keep func(fidelity.Cell) bool) []fidelitySeries {
	type key struct {
		ind string
		m   fidelity.Month
	}
	sums := fidelity.Totals(r.Cells, func(c fidelity.Cell) (key, bool) { return key{c.Indicator, c.Month}, keep(c) })
	out := make([]fidelitySeries, 0, len(r.Defs))
	for _, d := range r.Defs {
		s := fidelitySeries{Def: d}
		var values []float64
		for _, m := range r.Period.Months() {
			if m.Start().After(r.AsOf) {
				break
			}
			f := sums[key{d.ID, m}]
			pt := fidelityPoint{Month: m, Figure: f, Has: f.Den > 0, Partial: m.End().After(r.AsOf)}
			s.Points = append(s.Points, pt)
			s.Total.Num += f.Num
			s.Total.Den += f.Den
			// The month under way is in the table, not in the chart or the
			// latest figure: a third of a month's meetings is no shift.
			if v, ok := f.Value(); ok && !pt.Partial {
				values = append(values, v)
				s.Last = pt
			}
		}
		// Recruitment is a stock, not a flow: its period figure is the last
		// month's, and a rising stock is no shift.
		if d.Source == "recruitment" {
			s.Total = s.Last.Figure
			values = nil
		}
		s.First = slices.IndexFunc(s.Points, func(p fidelityPoint) bool { return p.Has })
		if s.First < 0 {
			s.First = 0
		}
		s.Chart = fidelity.Anhoj(values)
		s.Drift = d.Drift(s.Chart)
		if v, ok := s.Last.Value(); ok {
			s.Status = d.Status(v)
		}
		out = append(out, s)
	}
	return out
}

// runChartSVG is a run chart drawn in a 640 × 200 box: the monthly values
// as a line of dots, the median as a dashed line, the target as a thin one.
type runChartSVG struct {
	Dots             []svgDot
	Line             string
	MedianY, TargetY float64
	HasTarget        bool
	Labels           []svgLabel
	Top              string
}

type svgDot struct {
	X, Y float64
	Off  bool // on the side a signalled shift went to
}

type svgLabel struct {
	X      float64
	Text   string
	Anchor string // the last label ends at the axis' end
}

const (
	chartLeft, chartRight, chartTop, chartBottom = 40.0, 630.0, 12.0, 170.0
)

func drawRunChart(s fidelitySeries, lang string) runChartSVG {
	var out runChartSVG
	hi := 1.0
	if s.Def.Unit == fidelity.Rate {
		hi = math.Max(s.Def.Target, 0.1)
		for _, p := range s.Points {
			if v, ok := p.Value(); ok {
				hi = math.Max(hi, v)
			}
		}
		hi = math.Ceil(hi*1.1*10) / 10
	}
	y := func(v float64) float64 { return chartBottom - (chartBottom-chartTop)*v/hi }
	points := s.Points[s.First:]
	n := len(points)
	x := func(i int) float64 {
		if n <= 1 {
			return (chartLeft + chartRight) / 2
		}
		return chartLeft + (chartRight-chartLeft)*float64(i)/float64(n-1)
	}
	var line []string
	for i, p := range points {
		if i == n-1 || i%3 == 0 && n-1-i >= 2 { // the last month, and every third not crowding it
			l := svgLabel{X: x(i), Text: p.Month.String(), Anchor: "middle"}
			if i == n-1 && n > 1 {
				l.Anchor = "end"
			}
			out.Labels = append(out.Labels, l)
		}
		v, ok := p.Value()
		if !ok || p.Partial {
			continue
		}
		off := s.Chart.Signal && (s.Chart.LastSide > 0 && v > s.Chart.Median || s.Chart.LastSide < 0 && v < s.Chart.Median)
		out.Dots = append(out.Dots, svgDot{X: x(i), Y: y(v), Off: off})
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
	}
	out.Line = strings.Join(line, " ")
	out.MedianY = y(s.Chart.Median)
	if s.Def.Target <= hi {
		out.HasTarget, out.TargetY = true, y(s.Def.Target)
	}
	out.Top = formatValue(s.Def, hi, lang)
	return out
}

// formatValue writes a figure's value as its unit reads: a percentage or a
// rate with one decimal, with the language's decimal mark.
func formatValue(d fidelity.Definition, v float64, lang string) string {
	var s string
	if d.Unit == fidelity.Share {
		s = strconv.FormatFloat(math.Round(100*v), 'f', 0, 64) + " %"
	} else {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Value is a figure's value as text, or "no data".
func (p *Page) Value(d fidelity.Definition, f fidelity.Figure) string {
	v, ok := f.Value()
	if !ok {
		return p.T("fidelity.no_data")
	}
	return formatValue(d, v, p.Lang)
}

// Count writes a numerator or denominator (whole numbers without decimals).
func (p *Page) Count(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// --- the overview ---

type fidelityOffice struct {
	Office    fidelity.Office
	Recruited fidelity.Figure
	Drifts    []fidelity.Definition
	// Severe counts the drifts whose latest value is past the threshold.
	Severe   int
	Concerns int
}

type fidelityArm struct {
	Def                      fidelity.Definition
	Intervention, Comparison fidelity.Figure
}

type fidelityPage struct {
	Page
	formState
	Period     fidelity.Period
	From, To   string
	AsOf       time.Time
	ComputedAt time.Time
	Offices    []fidelityOffice
	Arms       []fidelityArm
	Series     []fidelitySeries
	Office     fidelity.Office
	// Coordinators' figures on an office page, by indicator.
	Coordinators []fidelityCoordinator
	Milestones   []fidelity.Milestone
	Own          bool
	// The intervention note (project management): the office's leaders.
	Leaders  []holf.Person
	CanNote  bool
	Channels []holf.Channel
	Today    time.Time
}

type fidelityCoordinator struct {
	ID     int64
	Name   string
	Series []fidelitySeries
}

func (s *Server) fidelityPeriod(r *http.Request, rq *req, p *fidelityPage) (fidelity.Period, error) {
	p.From, p.To = r.URL.Query().Get("from"), r.URL.Query().Get("to")
	period, err := s.app.Fidelity.ParsePeriod(p.From, p.To)
	if err != nil {
		period = s.app.Fidelity.DefaultPeriod()
	}
	p.Period = period
	if p.From == "" {
		p.From = period.From.String()
	}
	if p.To == "" {
		p.To = period.To.String()
	}
	return period, err
}

// finish renders a fidelity page, or shows the period's errors above it.
func (s *Server) finishFidelity(w http.ResponseWriter, rq *req, name string, p formPager, perr error) error {
	if perr != nil {
		return s.formError(w, rq, name, p, perr, nil)
	}
	return s.render(w, http.StatusOK, name, p)
}

func (s *Server) fidelityOverview(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := &fidelityPage{Page: s.page(r, rq, "fidelity.title")}
	period, perr := s.fidelityPeriod(r, rq, p)
	rep, err := s.app.Fidelity.Overview(r.Context(), rq.actor, period)
	if err != nil {
		return err
	}
	p.AsOf, p.ComputedAt = rep.AsOf, rep.ComputedAt
	byOffice := map[int64][]fidelity.Cell{}
	for _, c := range rep.Cells {
		byOffice[c.Office] = append(byOffice[c.Office], c)
	}
	for _, o := range rep.Offices {
		one := rep
		one.Cells = byOffice[o.ID]
		row := fidelityOffice{Office: o}
		for _, sr := range seriesOf(one, func(fidelity.Cell) bool { return true }) {
			if sr.Def.ModelOnly && o.Arm != "intervention" {
				continue
			}
			if sr.Drift {
				row.Drifts = append(row.Drifts, sr.Def)
				if sr.Status == "concern" {
					row.Severe++
				}
			}
			if sr.Status == "concern" {
				row.Concerns++
			}
			if sr.Def.Source == "recruitment" {
				row.Recruited = sr.Last.Figure
			}
		}
		p.Offices = append(p.Offices, row)
	}
	// The offices drifting furthest first: drifts past the threshold, then any.
	slices.SortStableFunc(p.Offices, func(a, b fidelityOffice) int {
		if a.Severe != b.Severe {
			return b.Severe - a.Severe
		}
		return len(b.Drifts) - len(a.Drifts)
	})
	arm := map[int64]string{}
	for _, o := range rep.Offices {
		arm[o.ID] = o.Arm
	}
	type key struct{ ind, arm string }
	sums := fidelity.Totals(rep.Cells, func(c fidelity.Cell) (key, bool) { return key{c.Indicator, arm[c.Office]}, true })
	for _, d := range rep.Defs {
		p.Arms = append(p.Arms, fidelityArm{Def: d, Intervention: sums[key{d.ID, "intervention"}], Comparison: sums[key{d.ID, "comparison"}]})
	}
	return s.finishFidelity(w, rq, "fidelity", p, perr)
}

// --- one office ---

func (s *Server) fidelityOffice(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	p := &fidelityPage{Page: s.page(r, rq, "fidelity.office_title")}
	period, perr := s.fidelityPeriod(r, rq, p)
	rep, err := s.app.Fidelity.Office(r.Context(), rq.actor, id, period)
	if err != nil {
		return err
	}
	s.fillOffice(p, rep)
	if policy.Allows(rq.actor, policy.LogManagement) {
		form, err := s.app.Logs.Form(r.Context(), rq.actor)
		if err != nil {
			return err
		}
		for _, l := range form.Subjects {
			if slices.ContainsFunc(l.Assignments, func(as holf.Assignment) bool { return as.OfficeID == id }) {
				p.Leaders = append(p.Leaders, l)
			}
		}
		p.CanNote, p.Channels, p.Today = true, holf.Channels, s.app.Today()
	}
	p.Title = p.T("fidelity.office_title", p.Office.Name)
	return s.finishFidelity(w, rq, "fidelity_office", p, perr)
}

func (s *Server) fillOffice(p *fidelityPage, rep app.FidelityReport) {
	p.AsOf, p.Milestones = rep.AsOf, rep.Milestones
	if len(rep.Offices) > 0 {
		p.Office = rep.Offices[0]
	}
	p.chartAll(rep)
	var ids []int64
	for _, c := range rep.Cells {
		if c.Coordinator != 0 && !slices.Contains(ids, c.Coordinator) {
			ids = append(ids, c.Coordinator)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return strings.Compare(rep.Names[a], rep.Names[b]) })
	for _, c := range ids {
		p.Coordinators = append(p.Coordinators, fidelityCoordinator{ID: c, Name: rep.Names[c],
			Series: seriesOf(rep, func(x fidelity.Cell) bool { return x.Coordinator == c })})
	}
}

// chartAll makes the page's series of every indicator, each with its chart.
func (p *fidelityPage) chartAll(rep app.FidelityReport) {
	p.Series = seriesOf(rep, func(fidelity.Cell) bool { return true })
	for i := range p.Series {
		p.Series[i].SVG = drawRunChart(p.Series[i], p.Lang)
	}
}

// At is the coordinator's series of the i-th indicator.
func (c fidelityCoordinator) At(i int) fidelitySeries { return c.Series[i] }

// --- one indicator ---

type fidelityIndicatorPage struct {
	fidelityPage
	S        fidelitySeries
	Month    string
	Coord    int64
	Items    []app.DrillItem
	CanDrill bool
	Drilled  bool
}

func (s *Server) fidelityIndicator(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := officeID(r)
	if err != nil {
		return err
	}
	def, err := s.app.Fidelity.Definition(r.PathValue("indicator"))
	if err != nil {
		return err
	}
	p := &fidelityIndicatorPage{fidelityPage: fidelityPage{Page: s.page(r, rq, "fidelity.office_title")}}
	period, perr := s.fidelityPeriod(r, rq, &p.fidelityPage)
	rep, err := s.app.Fidelity.Office(r.Context(), rq.actor, id, period)
	if err != nil {
		return err
	}
	rep.Defs = []fidelity.Definition{def}
	s.fillOffice(&p.fidelityPage, rep)
	p.S = p.Series[0]
	p.Title = def.Name(p.Lang) + " – " + p.Office.Name
	p.CanDrill = policy.Decide(rq.actor, policy.FamilyList, policy.OfficeResource("office", id)).Allowed
	if m := r.URL.Query().Get("month"); m != "" && p.CanDrill && perr == nil {
		month, err := fidelity.ParseMonth(m)
		if err != nil {
			return holf.Errorf(holf.EInvalid, "month %q: want YYYY-MM", m)
		}
		p.Month, p.Coord, p.Drilled = m, formIDQuery(r, "coordinator"), true
		if p.Items, err = s.app.Fidelity.Drill(r.Context(), rq.actor, id, def.ID, month, p.Coord); err != nil {
			return err
		}
	}
	return s.finishFidelity(w, rq, "fidelity_indicator", p, perr)
}

// DrillLink is the address of the records behind month m's figure.
func (p *fidelityIndicatorPage) DrillLink(m fidelity.Month) string {
	return fmt.Sprintf("/fidelity/offices/%d/%s?from=%s&to=%s&month=%s#records", p.Office.ID, p.S.Def.ID, p.From, p.To, m)
}

// ItemLink is where a record behind a figure is, for those who may see it.
func (p *fidelityIndicatorPage) ItemLink(it app.DrillItem) string {
	switch it.Ref.Kind {
	case "meeting":
		return fmt.Sprintf("/families/%d/meetings/%d", it.Ref.Family, it.Ref.ID)
	case "family", "activity", "review":
		return fmt.Sprintf("/families/%d", it.Ref.Family)
	}
	return ""
}

// --- a coordinator's own ---

func (s *Server) fidelityMine(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := &fidelityPage{Page: s.page(r, rq, "fidelity.mine_title"), Own: true}
	period, perr := s.fidelityPeriod(r, rq, p)
	rep, err := s.app.Fidelity.Mine(r.Context(), rq.actor, period)
	if err != nil {
		return err
	}
	p.AsOf = rep.AsOf
	p.chartAll(rep)
	return s.finishFidelity(w, rq, "fidelity_mine", p, perr)
}

// apiFidelity is the overview as data: every office the caller follows,
// by month and indicator with numerator, denominator and value (null
// without data).
func (s *Server) apiFidelity(w http.ResponseWriter, r *http.Request, rq *req) error {
	period, err := s.app.Fidelity.ParsePeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	rep, err := s.app.Fidelity.Overview(r.Context(), rq.actor, period)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": period.From.String(), "to": period.To.String(),
		"as_of": rep.AsOf.Format("2006-01-02"), "figures": rep.Rows()})
}
