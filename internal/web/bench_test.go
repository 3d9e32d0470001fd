package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// The page benchmarks run against the national-scale dataset named by
// HOLF_BENCH_DB (a SQLite path or postgres:// URL), built once with
//
//	holf demo --db DB --scale national
//
// They report the median server time per page (p50-ms) besides Go's mean.
type benchEnv struct {
	srv    http.Handler
	cookie *http.Cookie
	family int64
	office int64 // the account's first office
}

func newBenchEnv(b *testing.B, username string) benchEnv {
	b.Helper()
	dsn := os.Getenv("HOLF_BENCH_DB")
	if dsn == "" {
		b.Skip("set HOLF_BENCH_DB to a database built with: holf demo --db DB --scale national")
	}
	db := testdb.OpenDSN(b, dsn, store.Options{})
	ctx := context.Background()
	fk, err := db.GetPersonByUsername(ctx, username)
	if err != nil {
		b.Fatalf("the benchmark database has no demo account %s: %v", username, err)
	}
	var families []holf.Family
	if fk.Assignments[0].Role == holf.RoleCoordinator {
		families, err = db.ListFamilies(ctx, store.FamilyFilter{Offices: holf.Offices(fk.Assignments[0].OfficeID), CoordinatorID: fk.ID, Statuses: []holf.FamilyStatus{holf.StatusActive}})
		if err != nil || len(families) == 0 {
			b.Fatalf("no active family for %s: %v", username, err)
		}
	}
	// The family with the largest plan is the page's worst case.
	var best int64
	most := -1
	for _, f := range families {
		p, err := db.Plan(ctx, f.ID)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(p.Goals) + len(p.Activities); n > most {
			best, most = f.ID, n
		}
	}
	sid := auth.NewSecret(32)
	if err := db.CreateSession(ctx, holf.AuditEvent{ActorID: fk.ID, Actor: fk.Username, Action: "session.login.bench", RecordType: "person", Purpose: "benchmark"},
		fk.ID, auth.HashSecret(sid), auth.NewSecret(32), ""); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(app.Config{DB: db, Hasher: cheapHasher})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{App: a, Hasher: cheapHasher})
	if err != nil {
		b.Fatal(err)
	}
	return benchEnv{srv: srv.Handler(), cookie: &http.Cookie{Name: "__Host-holf_session", Value: sid}, family: best, office: fk.Assignments[0].OfficeID}
}

func benchPage(b *testing.B, path func(benchEnv) string) { benchPageAs(b, "fk1.alna", path) }

func benchPageAs(b *testing.B, username string, path func(benchEnv) string) {
	env := newBenchEnv(b, username)
	p := path(env)
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", p, nil)
		req.AddCookie(env.cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		env.srv.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("%s: %d", p, rec.Code)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
}

func BenchmarkCaseloadPage(b *testing.B) {
	benchPage(b, func(benchEnv) string { return "/families" })
}

func BenchmarkFamilyPage(b *testing.B) {
	benchPage(b, func(e benchEnv) string { return fmt.Sprintf("/families/%d", e.family) })
}

func BenchmarkPlanPage(b *testing.B) {
	benchPage(b, func(e benchEnv) string { return fmt.Sprintf("/families/%d/plan", e.family) })
}

func BenchmarkMappingPage(b *testing.B) {
	benchPage(b, func(e benchEnv) string { return fmt.Sprintf("/families/%d/mapping", e.family) })
}

// BenchmarkCoordinatorDay is the coordinator's start page: meetings of the
// week, reflections outstanding, due activities and quiet families across
// the caseload.
func BenchmarkCoordinatorDay(b *testing.B) {
	benchPage(b, func(benchEnv) string { return "/" })
}

// BenchmarkFamilyTimeline is the family page filtered to its meetings and
// contacts: the timeline with every meeting and contact of the family.
func BenchmarkFamilyTimeline(b *testing.B) {
	benchPage(b, func(e benchEnv) string { return fmt.Sprintf("/families/%d?kind=meeting&kind=contact", e.family) })
}

// BenchmarkFidelityOverview is project management's national overview for
// a 12-month period: every office's drift flags and the arms compared, from
// the maintained figures (holf fidelity refresh --db DB first).
func BenchmarkFidelityOverview(b *testing.B) {
	benchPageAs(b, "prosjektleder", func(benchEnv) string { return "/fidelity?from=2026-01&to=2026-12" })
}

// BenchmarkFidelityOffice is one office's figures counted afresh from the
// work of its 400 families.
func BenchmarkFidelityOffice(b *testing.B) {
	benchPageAs(b, "leder.alna", func(e benchEnv) string { return fmt.Sprintf("/fidelity/offices/%d?from=2026-01&to=2026-12", e.office) })
}

// BenchmarkParallelLogins signs 32 browsers in at once with the production
// argon2id parameters (about 19 MiB a hashing) and reports the peak of the
// heap the Go runtime holds: the bound on concurrent hashings keeps it
// flat, where unbounded hashing grew it by some 19 MiB a login.
//
//	go test -run XXX -bench ParallelLogins -benchtime 3x ./internal/web/
func BenchmarkParallelLogins(b *testing.B) {
	real := auth.NewHasher(auth.DefaultParams)
	for _, slots := range []int{0, 4, 32} { // 0: the default, one per core
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			f := newFixture(&testing.T{}, store.SQLite, func(c *Config) {
				c.Hasher, c.HashSlots, c.AddressLimit, c.LoginLimit = real, slots, 1<<30, 1<<30
			})
			runtime.GC()
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					default:
					}
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
					time.Sleep(2 * time.Millisecond)
				}
			}()
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range 32 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c := f.client()
						c.headers.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
						// An unknown account is verified against the real
						// hasher's dummy hash: a full argon2id computation.
						if r := c.post("/login", url.Values{"username": {"ukjent" + strconv.Itoa(i)}, "password": {"feil passord her"}}); r.StatusCode != http.StatusUnauthorized {
							b.Errorf("login %d: %d", i, r.StatusCode)
						}
					}()
				}
				wg.Wait()
			}
			close(stop)
			<-done
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		})
	}
}
