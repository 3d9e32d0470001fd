package web

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/holf-project/holf"
)

// Text that no field may hold is refused where it enters, before any use
// case sees it: broken UTF-8 (SQLite would store it as it is, and other
// tools then fail to read the row), NUL (PostgreSQL refuses it with an
// internal error), and control characters other than line breaks and tabs.
// A browser never sends these from a form; a client that does gets a 422
// that names the field, the same on both databases.

// badText reports whether s may not be stored.
func badText(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f
	})
}

// refuse is the error naming the fields that hold such text.
func refuse(fields []string) error {
	slices.Sort(fields)
	var v holf.Validation
	for _, f := range slices.Compact(fields) {
		v.Add(f, "err.control_chars")
	}
	return v.Err()
}

// checkInput checks the query and a form body of r. JSON bodies are
// checked as they are decoded (decodeJSON), where each string's path is
// known.
func checkInput(r *http.Request, api bool) error {
	var bad []string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if badText(k) || badText(v) {
				bad = append(bad, printable(k))
			}
		}
	}
	if !reading(r) && !api {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil {
				return tooLarge(err)
			}
			for k, vs := range r.PostForm {
				for _, v := range vs {
					if badText(k) || badText(v) {
						bad = append(bad, printable(k))
					}
				}
			}
		}
	}
	if len(bad) > 0 {
		return refuse(bad)
	}
	return nil
}

// printable names a field whose name itself is bad text.
func printable(k string) string {
	if badText(k) {
		return strconv.Quote(strings.ToValidUTF8(k, "?"))
	}
	return k
}

// checkJSON walks a decoded JSON value and names each string (or object
// key) that holds text no field may hold, by its path ("members.0.name").
func checkJSON(v any, path string, bad *[]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case string:
		if badText(x) {
			*bad = append(*bad, path)
		}
	case map[string]any:
		for k, e := range x {
			if badText(k) {
				*bad = append(*bad, join(printable(k)))
				continue
			}
			checkJSON(e, join(k), bad)
		}
	case []any:
		for i, e := range x {
			checkJSON(e, join(strconv.Itoa(i)), bad)
		}
	}
}
