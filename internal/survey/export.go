package survey

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ExportRow is one submitted response as researchers get it: pseudonyms
// for the person and the family, the office and its arm, birth year only.
type ExportRow struct {
	Respondent      string
	Family          string
	OfficeID        int64
	Arm             string
	Mode            string
	Submitted       time.Time
	MemberBirthYear int // 0 when unknown (coordinators)
	Answers         Answers
	// Scores holds each instrument's newest stored scores and Version the
	// definition version that computed them.
	Scores  map[string]StoredScores
	Version map[string]int
}

// StoredScores are one instrument's scores by score id.
type StoredScores map[string]StoredScore

// StoredScore is a score as stored: Value nil when too few items were
// answered; Cutoffs maps cut-off id to whether it was met.
type StoredScore struct {
	Value   *float64
	Cutoffs map[string]bool
}

// File is one file of an export.
type File struct {
	Name string
	Data []byte
}

// column is one variable of an export with everything the codebook says
// about it.
type column struct {
	name, label, labelEN, kind, instrument string
	version                                int
	scale                                  *Scale
	reverse                                bool
	method, items, values, cutoff          string
	minAnswered                            int
	value                                  func(ExportRow) string
}

// Export builds the files researchers receive for one questionnaire: the
// data (one row per respondent), a codebook, R and Stata scripts that read
// the data and attach the labels, and the disclosure note. Unless exact is
// set, the rows are generalised to k-anonymity first (Protect). Scores
// must be current: a response scored under an older definition is refused
// until it is re-scored.
func (lib *Library) Export(st *Study, q *Questionnaire, rows []ExportRow, exact bool) ([]File, Disclosure, error) {
	for _, r := range rows {
		for _, sec := range q.Sections {
			in, _ := lib.Instrument(sec.Instrument)
			if v := r.Version[in.ID]; v != in.Version {
				return nil, Disclosure{}, fmt.Errorf("respondent %s: %s is scored under version %d, the library has %d; run holf survey rescore first", r.Respondent, in.ID, v, in.Version)
			}
		}
	}
	disc := Protect(rows, exact)
	cols := lib.columns(q)
	base := fmt.Sprintf("%s_%s_%s", st.Code, strings.ToLower(q.Wave), q.Group)

	var data bytes.Buffer
	cw := csv.NewWriter(&data)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	if err := cw.Write(header); err != nil {
		return nil, disc, err
	}
	line := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			line[i] = c.value(r)
		}
		if err := cw.Write(line); err != nil {
			return nil, disc, err
		}
	}
	cw.Flush()

	var book bytes.Buffer
	bw := csv.NewWriter(&book)
	_ = bw.Write([]string{"variable", "label", "label_en", "type", "value_labels", "instrument", "version",
		"reverse", "scale_min", "scale_max", "method", "items", "min_answered", "indicator_values", "cutoff", "disclosure_control"})
	for _, c := range cols {
		var vl []string
		smin, smax := "", ""
		if c.scale != nil {
			for _, l := range c.scale.Labels {
				vl = append(vl, fmt.Sprintf("%d=%s", l.Value, l.NB))
			}
			smin, smax = strconv.Itoa(c.scale.Min), strconv.Itoa(c.scale.Max)
		}
		ver := ""
		if c.version > 0 {
			ver = strconv.Itoa(c.version)
		}
		min := ""
		if c.minAnswered > 0 {
			min = strconv.Itoa(c.minAnswered)
		}
		_ = bw.Write([]string{c.name, c.label, c.labelEN, c.kind, strings.Join(vl, "; "), c.instrument, ver,
			boolDigit(c.reverse), smin, smax, c.method, c.items, min, c.values, c.cutoff, disc.Notes[c.name]})
	}
	bw.Flush()
	return []File{{base + ".csv", data.Bytes()}, {"codebook.csv", book.Bytes()},
		{base + ".R", rScript(base, cols)}, {base + ".do", stataScript(base, cols)}, {"disclosure.txt", disc.report()}}, disc, nil
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (lib *Library) columns(q *Questionnaire) []column {
	str := func(name, label, labelEN string, f func(ExportRow) string) column {
		return column{name: name, label: label, labelEN: labelEN, kind: "string", value: f}
	}
	cols := []column{
		str("respondent", "Respondentens studie-ID", "Respondent's study id", func(r ExportRow) string { return r.Respondent }),
		str("family", "Familiens studie-ID", "Family's study id", func(r ExportRow) string { return r.Family }),
		{name: "office", label: "Kontor", labelEN: "Office", kind: "integer", value: func(r ExportRow) string { return strconv.FormatInt(r.OfficeID, 10) }},
		str("arm", "Forsøksarm", "Trial arm", func(r ExportRow) string { return r.Arm }),
		str("wave", "Målepunkt", "Wave", func(ExportRow) string { return q.Wave }),
		str("group", "Respondentgruppe", "Respondent group", func(ExportRow) string { return q.Group }),
		str("mode", "Besvart på nett (web) eller papir (paper)", "Answered on the web or on paper", func(r ExportRow) string { return r.Mode }),
		{name: "submitted", label: "Dato sendt inn", labelEN: "Date submitted", kind: "date", value: func(r ExportRow) string { return r.Submitted.UTC().Format("2006-01-02") }},
		{name: "member_birth_year", label: "Fødselsår (fra familiens opplysninger)", labelEN: "Birth year (from the family record)", kind: "integer",
			value: func(r ExportRow) string {
				if r.MemberBirthYear == 0 {
					return ""
				}
				return strconv.Itoa(r.MemberBirthYear)
			}},
	}
	for _, sec := range q.Sections {
		in, _ := lib.Instrument(sec.Instrument)
		byID := map[string]Item{}
		for _, it := range in.Items {
			byID[it.ID] = it
		}
		for _, it := range q.items(in, sec) {
			qu := lib.question(in, it, q.Wave)
			sc := qu.Scale
			inID, itID := in.ID, it.ID
			cols = append(cols, column{name: it.ID, label: qu.NB, labelEN: qu.EN, kind: "integer", instrument: in.ID, version: in.Version,
				scale: &sc, reverse: it.Reverse,
				value: func(r ExportRow) string {
					if v, ok := r.Answers[inID][itID]; ok {
						return num(v)
					}
					return ""
				}})
		}
		for _, rule := range in.Scores {
			inID, sID := in.ID, rule.ID
			var vals []string
			for _, v := range rule.Values {
				vals = append(vals, num(v))
			}
			cols = append(cols, column{name: ScoreVar(rule.ID), label: rule.Label.NB, labelEN: rule.Label.EN, kind: "numeric",
				instrument: in.ID, version: in.Version, method: rule.Method, items: strings.Join(rule.Items, " "),
				minAnswered: rule.MinAnswered, values: strings.Join(vals, " "),
				value: func(r ExportRow) string {
					if v := r.Scores[inID][sID].Value; v != nil {
						return num(*v)
					}
					return ""
				}})
			for _, c := range rule.Cutoffs {
				cID := c.ID
				yes := Scale{Min: 0, Max: 1, Labels: []Label{{Value: 0, NB: "Nei", EN: "No"}, {Value: 1, NB: "Ja", EN: "Yes"}}}
				cols = append(cols, column{name: CutoffVar(rule.ID, c.ID), label: c.Label.NB, labelEN: c.Label.EN, kind: "integer",
					instrument: in.ID, version: in.Version, scale: &yes, cutoff: ScoreVar(rule.ID) + " " + c.Op + " " + num(c.Value),
					value: func(r ExportRow) string {
						s := r.Scores[inID][sID]
						if s.Value == nil {
							return ""
						}
						return boolDigit(s.Cutoffs[cID])
					}})
			}
		}
	}
	return cols
}

// rString quotes s for R with every non-ASCII letter escaped, so that the
// script reads the same in any locale.
func rString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20:
			// control characters carry no meaning in a label
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func rScript(base string, cols []column) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Reads %s.csv (exported from HOLF) and attaches the codebook's labels:\n", base)
	b.WriteString("# attr(x, \"label\") is the question or score, attr(x, \"labels\") the answer values.\n")
	fmt.Fprintf(&b, "# Usage: source(%q); d <- holf_read(\"path/to/export\")\n\n", base+".R")
	b.WriteString("holf_read <- function(dir = \".\") {\n")
	var chars []string
	for _, c := range cols {
		if c.kind == "string" || c.kind == "date" {
			chars = append(chars, fmt.Sprintf("%s = \"character\"", c.name))
		}
	}
	fmt.Fprintf(&b, "  d <- utils::read.csv(file.path(dir, %q), na.strings = \"\", encoding = \"UTF-8\",\n    colClasses = c(%s))\n", base+".csv", strings.Join(chars, ", "))
	b.WriteString("  d$submitted <- as.Date(d$submitted)\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "  attr(d$%s, \"label\") <- %s\n", c.name, rString(c.label))
		if c.scale != nil && len(c.scale.Labels) > 0 {
			var kv []string
			for _, l := range c.scale.Labels {
				kv = append(kv, fmt.Sprintf("%s = %d", rString(l.NB), l.Value))
			}
			fmt.Fprintf(&b, "  attr(d$%s, \"labels\") <- c(%s)\n", c.name, strings.Join(kv, ", "))
		}
	}
	b.WriteString("  d\n}\n")
	return b.Bytes()
}

// stataString quotes s with Stata's compound quotes, which allow any
// character inside; labels are cut to Stata's 80 characters.
func stataString(s string) string {
	s = strings.NewReplacer("\n", " ", "`", "'", "\"'", "\" '").Replace(s)
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return "`\"" + s + "\"'"
}

func stataScript(base string, cols []column) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "* Reads %s.csv (exported from HOLF) and attaches the codebook's labels.\n", base)
	fmt.Fprintf(&b, "* Usage: cd to the export's folder, then: do %s.do\n\n", base)
	var strs []string
	for i, c := range cols {
		if c.kind == "string" || c.kind == "date" {
			strs = append(strs, strconv.Itoa(i+1))
		}
	}
	fmt.Fprintf(&b, "import delimited using \"%s.csv\", clear varnames(1) encoding(\"utf-8\") stringcols(%s)\n", base, strings.Join(strs, " "))
	b.WriteString("generate submitted_date = date(submitted, \"YMD\")\nformat submitted_date %td\n")
	defined := map[string]bool{}
	for _, c := range cols {
		fmt.Fprintf(&b, "label variable %s %s\n", c.name, stataString(c.label))
		if c.scale == nil || len(c.scale.Labels) == 0 {
			continue
		}
		name := "l_" + c.scale.ID
		if c.scale.ID == "" {
			name = "l_yes_no"
		}
		if !defined[name] {
			defined[name] = true
			var parts []string
			for _, l := range c.scale.Labels {
				parts = append(parts, fmt.Sprintf("%d %s", l.Value, stataString(l.NB)))
			}
			fmt.Fprintf(&b, "label define %s %s, replace\n", name, strings.Join(parts, " "))
		}
		fmt.Fprintf(&b, "label values %s %s\n", c.name, name)
	}
	return b.Bytes()
}
