package web

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// templateKey finds the keys templates translate: .T "key", and counted
// .N "key", whose "other" form every catalog must have.
var templateKey = regexp.MustCompile(`\.([TN]) "([a-z_.]+)"`)

// templateKeys lists every literal key the templates translate.
func templateKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("templates/*/*.html")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, name := range append(files, "templates/layout.html") {
		b, err := os.ReadFile(name) // #nosec G304 -- the package's own templates
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			key := m[2]
			if m[1] == "N" {
				key += ".other"
			}
			set[key] = true
		}
	}
	var keys []string
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func f0() *Server {
	pages, err := parseTemplates()
	if err != nil {
		panic(err)
	}
	return &Server{pages: pages}
}

// holdWriteLock takes SQLite's write lock from another connection, as a
// second process would, until the returned function is called.
func holdWriteLock(t *testing.T, f *fixture) func() {
	t.Helper()
	if f.db.Dialect() != store.SQLite {
		t.Fatal("holdWriteLock is for SQLite")
	}
	other := testdb.Raw(t, f.dsn)
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('lock', 'held')`); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback() }
}

// lockedWriter serialises writes from concurrent handlers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var familyQueryAll = app.FamilyQuery{}

// mustActor is username as the use cases see them.
func mustActor(t *testing.T, f *fixture, username string) *holf.Actor {
	t.Helper()
	a, err := f.app.ActAs(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantAudited fails t for each of actions without an entry in the audit
// log that filter selects.
func wantAudited(t *testing.T, f *fixture, filter store.AuditFilter, actions ...string) {
	t.Helper()
	entries, err := f.db.ListAudit(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	for _, a := range actions {
		if !seen[a] {
			t.Errorf("no audit entry %s", a)
		}
	}
}
