package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

const testPassword = "blå fjell om morgenen"

// cheapHasher keeps tests fast under -race; the production parameters are
// tested in package auth.
var cheapHasher = auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})

type fixture struct {
	t      *testing.T
	db     *store.DB
	dsn    string
	app    *app.App
	srv    *Server
	ts     *httptest.Server
	clock  *testdb.Clock
	offA   holf.Office
	offB   holf.Office
	people map[string]holf.Person
	famA   holf.Family // at office A, followed by fk.a
	famB   holf.Family // at office B, followed by fk.b
}

// newFixture builds two offices, A and B, with staff in every role, served
// over TLS (the session cookie is Secure).
func newFixture(t *testing.T, d store.Dialect, tweak ...func(*Config)) *fixture {
	t.Helper()
	// The fixture's records are made on 1 October, as a trial office's
	// families are registered from its target list well before their
	// follow-up; the tests then run on 23 November.
	clock := testdb.NewClockAt(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	dsn := testdb.DSN(t, d)
	db := testdb.OpenDSN(t, dsn, store.Options{Now: clock.Now, BusyTimeout: 200e6})
	f := &fixture{t: t, db: db, dsn: dsn, clock: clock, people: map[string]holf.Person{}}
	ctx := context.Background()
	// The fixture is built through the use cases, as the demo is: the
	// system actor makes offices and accounts, the coordinators recruit.
	a, err := app.New(app.Config{DB: db, Hasher: cheapHasher})
	if err != nil {
		t.Fatal(err)
	}
	f.app = a
	sys, im := app.System("test"), a.Imports()
	mk := func(name string) holf.Office {
		o := holf.Office{Name: name, Municipality: "Oslo", Arm: holf.ArmIntervention}
		if err := im.Office(ctx, sys, &o, "test fixture"); err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.offA, f.offB = mk("NAV Alna"), mk("NAV Bjerke")
	hash, _ := cheapHasher.Hash(testPassword)
	add := func(username, name string, as ...holf.Assignment) {
		p := holf.Person{Username: username, Name: name, Assignments: as}
		if err := im.Person(ctx, sys, &p, hash, "test fixture"); err != nil {
			t.Fatal(err)
		}
		f.people[username] = p
	}
	A, B := f.offA.ID, f.offB.ID
	add("fk.a", "Anne Alna", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: A})
	add("fk2.a", "Aslak Alna", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: A})
	add("fk.b", "Berit Bjerke", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: B})
	add("leder.a", "Lise Leder", holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: A})
	add("leder.b", "Bjørn Leder", holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: B})
	add("ts.a", "Tone Støtte", holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: A})
	add("pm", "Per Prosjekt", holf.Assignment{Role: holf.RoleProjectManagement})
	add("forsker", "Frida Forsker", holf.Assignment{Role: holf.RoleResearcher})
	add("admin", "Ada Admin", holf.Assignment{Role: holf.RoleAdministrator})
	fam := func(office holf.Office, coordinator, name string) holf.Family {
		fm := holf.Family{OfficeID: office.ID, Name: name, PrimaryCoordinatorID: f.id(coordinator), Status: holf.StatusCandidate,
			Members: []holf.Member{
				{Role: holf.MemberParent, Name: "Hodan " + name, BirthYear: 1985, CountryOfBirth: "Somalia", Languages: "somali", InterpreterNeeded: true, InterpreterLanguage: "somali", LivesAtHome: true},
				{Role: holf.MemberChild, Name: "Ayaan " + name, BirthYear: 2015, LivesAtHome: true},
			}}
		by, err := a.ActAs(ctx, coordinator)
		if err != nil {
			t.Fatal(err)
		}
		if fm, err = a.Families.Create(ctx, by, fm, nil); err != nil {
			t.Fatal(err)
		}
		return fm
	}
	f.famA, f.famB = fam(f.offA, "fk.a", "Familien Alnes"), fam(f.offB, "fk.b", "Familien Bjerkesen")
	clock.Advance(testdb.NewClock().Now().Sub(clock.Now()))
	// The test clients connect from the loopback, which the fixture trusts
	// as a reverse proxy: a test sets X-Forwarded-For to come from elsewhere.
	cfg := Config{App: a, Hasher: cheapHasher, Version: "test",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	if os.Getenv("HOLF_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewTLSServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

func (f *fixture) id(username string) int64 { return f.people[username].ID }

// client is a browser-like client: cookie jar, no redirects followed, and
// Sec-Fetch-Site: same-origin on every request, as a browser sends for its
// own forms.
type client struct {
	f       *fixture
	t       *testing.T
	hc      *http.Client
	headers http.Header
	csrf    string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	tr := f.ts.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // #nosec G402 -- test server certificate
	hc := &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{f: f, t: f.t, hc: hc, headers: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(method, path string, body io.Reader, hdr http.Header) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.f.ts.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Response: resp, body: string(b)}
}

func (c *client) get(path string) response { c.t.Helper(); return c.do("GET", path, nil, nil) }

// post sends a form; the session's CSRF token is added unless the values
// already carry one.
func (c *client) post(path string, v url.Values) response {
	c.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["csrf"]; !ok && c.csrf != "" {
		v.Set("csrf", c.csrf)
	}
	return c.do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// postThen sends a form that must answer with a redirect (post, then
// redirect, then get) and follows it: the page it leads to, and where.
func (c *client) postThen(t *testing.T, path string, v url.Values) (response, string) {
	t.Helper()
	r := c.post(path, v)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || loc == "" {
		t.Fatalf("POST %s: %d, want a redirect: %.500s", path, r.StatusCode, r.body)
	}
	return c.get(loc), loc
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login signs in as username and remembers the form token of the session.
func (c *client) login(username string) *client {
	c.t.Helper()
	r := c.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if r.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d %s", username, r.StatusCode, r.body)
	}
	home := c.get("/")
	m := csrfField.FindStringSubmatch(home.body)
	if m == nil {
		c.t.Fatalf("no csrf token on the start page: %d %s", home.StatusCode, home.body)
	}
	c.csrf = m[1]
	return c
}

func (c *client) sessionCookie() *http.Cookie {
	u, _ := url.Parse(c.f.ts.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "__Host-holf_session" {
			return ck
		}
	}
	return nil
}

// api is a client that sends a bearer token and no cookies.
func (f *fixture) api(username string) *client {
	f.t.Helper()
	secret := auth.NewAPIToken()
	if _, err := f.db.CreateToken(context.Background(), holf.AuditEvent{Actor: "test", Role: "system", Action: "token.create", RecordType: "token", Purpose: "test"},
		f.id(username), "test", auth.HashSecret(secret)); err != nil {
		f.t.Fatal(err)
	}
	c := f.client()
	c.headers = http.Header{"Authorization": {"Bearer " + secret}}
	return c
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}
