// Package testdb gives tests a fresh, migrated HOLF database on SQLite and,
// when HOLF_TEST_POSTGRES names a server, on PostgreSQL: one new database per
// test, dropped afterwards. HOLF_TEST_REQUIRE=postgres turns a missing server
// into a failure instead of a skip, so CI cannot pass on SQLite alone.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/holf-project/holf/internal/store"
)

// Dialects lists the backends tests run on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Required reports whether HOLF_TEST_REQUIRE lists what.
func Required(what string) bool {
	for _, w := range strings.Split(os.Getenv("HOLF_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(w) == what {
			return true
		}
	}
	return false
}

// Each runs fn as a subtest per backend, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d, store.Options{}))
		})
	}
}

// DSN creates an empty database for d and returns its DSN (dropped when the
// test ends). It skips or fails the test when PostgreSQL is unavailable.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "holf.db")
	}
	base := os.Getenv("HOLF_TEST_POSTGRES")
	if base == "" {
		if Required("postgres") {
			t.Fatal("HOLF_TEST_POSTGRES is not set but HOLF_TEST_REQUIRE asks for postgres")
		}
		t.Skip("no PostgreSQL: set HOLF_TEST_POSTGRES (the test command does)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "holf_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer func() { _ = a.Close() }()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HOLF_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a fresh migrated database of dialect d.
func Open(t testing.TB, d store.Dialect, opts store.Options) *store.DB {
	t.Helper()
	return OpenDSN(t, DSN(t, d), opts)
}

// OpenDSN opens and migrates dsn, closing it when the test ends.
func OpenDSN(t testing.TB, dsn string, opts store.Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Clock is a settable clock for tests, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

// NewClockAt is a test clock that starts at t.
func NewClockAt(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Raw opens dsn with its driver directly, bypassing the store: tests use it
// to act as someone with direct database access (tampering, holding locks).
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, src := "sqlite", dsn
	if strings.HasPrefix(dsn, "postgres://") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
