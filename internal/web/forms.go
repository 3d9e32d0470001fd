package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// Reading what a form or path carries, the same way on every page.

func itoa(n int) string { return strconv.Itoa(n) }

// pathID parses the path wildcard name; an id that cannot exist is the
// same not-found as one that does not, so probing learns nothing.
func pathID(r *http.Request, name, kind string) (int64, error) {
	raw := r.PathValue(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, holf.NotFound(kind, raw)
	}
	return id, nil
}

// familyItem reads the family and one of its items (a goal, an activity)
// from the path: /families/{id}/…/{name}.
func familyItem(r *http.Request, name, kind string) (family, item int64, err error) {
	if family, err = pathID(r, "id", "family"); err != nil {
		return 0, 0, err
	}
	item, err = pathID(r, name, kind)
	return family, item, err
}

// formVersion reads the optimistic-locking version a form was rendered
// with; -1 when the form has none, which the use case refuses (after it
// has decided whether the caller may touch the record at all).
func formVersion(r *http.Request, name string) int64 {
	v, err := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// formID reads an id chosen in a form; 0 when none (or not a number, which
// the use case then reports as a missing choice).
func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return n
}

// parseDay reads a date typed as YYYY-MM-DD; empty is no date, and ok is
// false for anything else.
func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

var errFormVersion = app.ErrFormVersion()

// parseStart reads a date and a time of day typed in a form, in Norway.
func parseStart(bad *holf.Validation, date, clock string) time.Time {
	d, ok := parseDay(date)
	c, cerr := time.Parse("15:04", clock)
	switch {
	case date == "":
		return time.Time{}
	case !ok:
		bad.Add("date", "err.date")
		return time.Time{}
	case cerr != nil:
		bad.Add("time", "err.time")
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, oslo)
}
