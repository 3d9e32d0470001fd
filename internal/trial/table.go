package trial

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// table is an imported CSV: its rows under a header whose columns are
// matched by name in any order and case, a spreadsheet's byte-order mark
// allowed.
type table struct {
	rows [][]string // under the header
	col  map[string]int
}

// readTable reads r as such a table. A file that is not CSV is an error; an
// empty file, a header missing one of need, or a header with no rows under
// it comes back as the rows' problems.
func readTable(r io.Reader, need ...string) (table, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return table{}, nil, fmt.Errorf("the file is not CSV: %w", err)
	}
	if len(recs) == 0 {
		return table{}, []RowError{{Row: 1, Reason: "empty"}}, nil
	}
	t := table{rows: recs[1:], col: map[string]int{}}
	for i, h := range recs[0] {
		t.col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var bad []RowError
	for _, c := range need {
		if _, ok := t.col[c]; !ok {
			bad = append(bad, RowError{Row: 1, Column: c, Reason: "missing_column"})
		}
	}
	if len(bad) == 0 && len(t.rows) == 0 {
		bad = append(bad, RowError{Row: 2, Reason: "empty"})
	}
	return t, bad, nil
}

// get is column c of rec, trimmed ("" when the row is short or the column
// absent).
func (t table) get(rec []string, c string) string {
	if i, ok := t.col[c]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}
