package trial

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The site columns that are not covariates.
var siteColumns = []string{"name", "office", "stage", "reason"}

// ParseSites reads the offices invited to the study as CSV: the columns
// name, office (a HOLF office's name or id; empty for an office HOLF does
// not serve), stage (invited, interested, drawn, withdrew), reason, and one
// column per covariate the randomisation may balance. Rows are matched to
// the recorded sites by name, continuing their versions. Every row is
// checked and every problem reported with its row and column (reasons are
// catalog keys under "trial.err.site."); the sites come back only when
// there are none.
func ParseSites(r io.Reader, known []Site, office func(string) (int64, bool)) ([]Site, []RowError, error) {
	tab, bad, err := readTable(r, "name", "stage")
	if err != nil || len(bad) > 0 {
		return nil, bad, err
	}
	byName := map[string]Site{}
	for _, s := range known {
		byName[s.Name] = s
	}
	var out []Site
	seen := map[string]int{}
	for n, rec := range tab.rows {
		row := n + 2
		get := func(c string) string { return tab.get(rec, c) }
		fail := func(c, reason, v string) { bad = append(bad, RowError{Row: row, Column: c, Reason: reason, Value: v}) }
		if strings.Join(rec, "") == "" {
			continue // a blank line
		}
		s := Site{Name: get("name"), Stage: Stage(strings.ToLower(get("stage"))), Reason: get("reason"), Covariates: map[string]string{}}
		switch prev := seen[s.Name]; {
		case s.Name == "":
			fail("name", "required", "")
		case len(s.Name) > 120:
			fail("name", "too_long", s.Name)
		case prev != 0:
			fail("name", "duplicate_row", strconv.Itoa(prev))
		default:
			seen[s.Name] = row
		}
		if old, ok := byName[s.Name]; ok {
			s.ID, s.Version = old.ID, old.Version
		}
		if ref := get("office"); ref != "" {
			id, ok := office(ref)
			if !ok {
				fail("office", "office", ref)
			}
			s.OfficeID = id
		}
		switch {
		case !s.Stage.Valid():
			fail("stage", "stage", get("stage"))
		case s.Stage == StageWithdrew && s.Reason == "":
			fail("reason", "reason", "")
		}
		if len(s.Reason) > 500 {
			fail("reason", "too_long", s.Reason)
		}
		for h, i := range tab.col {
			if slices.Contains(siteColumns, h) || i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
				continue
			}
			if v := strings.TrimSpace(rec[i]); len(h) > 60 || len(v) > 120 {
				fail(h, "covariate", v)
			} else {
				s.Covariates[h] = v
			}
		}
		out = append(out, s)
	}
	if len(bad) > 0 {
		return nil, bad, nil
	}
	return out, nil, nil
}

// SitesCSV writes sites in the form ParseSites reads, with the covariate
// columns in alphabetical order and officeName naming each HOLF office, so
// that the sites can be changed as a spreadsheet and read back.
func SitesCSV(w io.Writer, sites []Site, officeName func(int64) string) error {
	var covs []string
	for _, s := range sites {
		for k := range s.Covariates {
			if !slices.Contains(covs, k) {
				covs = append(covs, k)
			}
		}
	}
	slices.Sort(covs)
	cw := csv.NewWriter(w)
	if err := cw.Write(append(slices.Clone(siteColumns), covs...)); err != nil {
		return err
	}
	for _, s := range sites {
		office := ""
		if s.OfficeID != 0 {
			office = officeName(s.OfficeID)
		}
		rec := []string{s.Name, office, string(s.Stage), s.Reason}
		for _, k := range covs {
			rec = append(rec, s.Covariates[k])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
