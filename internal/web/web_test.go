package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

func eachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, newFixture(t, d)) })
	}
}

func TestEveryRouteDeclaresAPolicy(t *testing.T) {
	f := newFixture(t, store.SQLite)
	publicOK := map[string]bool{"GET /healthz": true, "GET /static/{file}": true, "GET /login": true, "POST /login": true, "POST /lang": true,
		// Respondents answer through a personal link, without an account.
		"GET /s/{token}": true, "POST /s/{token}": true,
		// A calendar app fetches the feed with the secret in its URL.
		"GET /calendar/{secret}": true,
		// Browsers ask for the icon at this fixed path.
		"GET /favicon.ico": true}
	for _, rt := range f.srv.Routes() {
		key := rt.Method + " " + rt.Pattern
		if !rt.Declared {
			t.Errorf("%s declares no policy", key)
		}
		if rt.Public && !publicOK[key] {
			t.Errorf("%s is public but is not on the list of public routes", key)
		}
		if !rt.Public && rt.Action == "" {
			t.Errorf("%s names no action", key)
		}
	}
	bad := []route{{method: "GET", pattern: "/x", handle: f.srv.healthz}}
	if err := validateRoutes(bad); err == nil {
		t.Fatal("a route without a policy was accepted")
	}
	noPurpose := []route{{method: "POST", pattern: "/x", policy: need("office.manage"), handle: f.srv.healthz}}
	if err := validateRoutes(noPurpose); err == nil {
		t.Fatal("a writing route without an audit purpose was accepted")
	}
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c := i18n.MustLoad()
	nb := c.Keys("nb")
	for _, lang := range c.Languages() {
		got := strings.Join(c.Keys(lang), ",")
		if got != strings.Join(nb, ",") {
			t.Errorf("catalog %s keys differ from nb", lang)
		}
	}
	// Every key a template uses exists.
	for name := range f0().pages {
		_ = name
	}
	for _, key := range templateKeys(t) {
		if c.T("nb", key) == key {
			t.Errorf("template key %q missing from the catalogs", key)
		}
	}
}

func TestLoginAndLogout(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		c := f.client()
		r := c.get("/")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous start page: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r = c.get("/login")
		if r.StatusCode != 200 || !strings.Contains(r.body, `name="username"`) || !strings.Contains(r.body, `name="password"`) {
			t.Fatalf("login form: %d", r.StatusCode)
		}
		r = c.post("/login", url.Values{"username": {"fk.a"}, "password": {"feil passord her"}})
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Feil brukernavn eller passord") || !strings.Contains(r.body, `value="fk.a"`) {
			t.Fatalf("wrong password: %d, want 401 with message and the username kept", r.StatusCode)
		}
		r = c.post("/login", url.Values{"username": {"nobody"}, "password": {"feil passord her"}})
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Feil brukernavn eller passord") {
			t.Fatalf("unknown user: %d, want the same answer as a wrong password", r.StatusCode)
		}
		r = c.post("/login", url.Values{"username": {""}, "password": {""}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Må fylles ut") {
			t.Fatalf("empty login: %d", r.StatusCode)
		}
		c.login("fk.a")
		ck := c.sessionCookie()
		if ck == nil {
			t.Fatal("no __Host- session cookie")
		}
		r = c.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}})
		setCookie := r.Header.Get("Set-Cookie")
		for _, attr := range []string{"__Host-holf_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
			if !strings.Contains(setCookie, attr) {
				t.Errorf("session cookie %q lacks %s", setCookie, attr)
			}
		}
		if strings.Contains(setCookie, "Domain=") {
			t.Error("a __Host- cookie must not set Domain")
		}
		if c.sessionCookie().Value == ck.Value {
			t.Fatal("the session id did not change at login")
		}
		// The replaced session no longer works.
		old := f.client()
		old.hc.Jar.SetCookies(mustURL(f.ts.URL), []*http.Cookie{{Name: "__Host-holf_session", Value: ck.Value}})
		if r := old.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("the session from before re-login still works: %d", r.StatusCode)
		}
		home := c.get("/")
		if home.StatusCode != 200 || !strings.Contains(home.body, "Anne Alna") || !strings.Contains(home.body, "NAV Alna") {
			t.Fatalf("start page: %d", home.StatusCode)
		}
		m := csrfField.FindStringSubmatch(home.body)
		c.csrf = m[1]
		live := c.sessionCookie().Value
		if r := c.post("/logout", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d %s", r.StatusCode, r.body)
		}
		replay := f.client()
		replay.hc.Jar.SetCookies(mustURL(f.ts.URL), []*http.Cookie{{Name: "__Host-holf_session", Value: live}})
		if r := replay.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("session cookie still valid after logout: %d", r.StatusCode)
		}
		if r := replay.do("GET", "/api/v1/me", nil, nil); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("API with ended session: %d", r.StatusCode)
		}
	})
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// TestLoginIsThrottled: an account at one address gets its free failures,
// then waits twice as long after each further one; the right password
// waits too. The owner at another address is not locked out, and signing
// in clears the account's failures.
func TestLoginIsThrottled(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		c := f.client()
		for i := 0; i < 10; i++ {
			f.clock.Advance(time.Second)
			if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {"feil passord " + strconv.Itoa(i)}}); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i, r.StatusCode)
			}
		}
		r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}})
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" || !strings.Contains(r.body, "For mange mislykkede forsøk") {
			t.Fatalf("11th attempt: %d Retry-After %q, want 429 after 1 s even with the right password", r.StatusCode, r.Header.Get("Retry-After"))
		}
		// Each further failure doubles the wait: 1, 2, 4, 8 s.
		for _, want := range []string{"2", "4", "8"} {
			f.clock.Advance(10 * time.Minute)
			if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {"enda et feil passord"}}); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a guess after the wait: %d", r.StatusCode)
			}
			if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}}); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != want {
				t.Fatalf("wait after another failure: %d %q, want %s s", r.StatusCode, r.Header.Get("Retry-After"), want)
			}
		}
		// The owner, at another address, signs in meanwhile.
		owner := f.client()
		owner.headers.Set("X-Forwarded-For", "192.0.2.44") // the fixture trusts the loopback as its proxy
		if r := owner.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("the owner elsewhere is locked out: %d", r.StatusCode)
		}
		// Another account from the guesser's address is not slowed either.
		if r := f.client().post("/login", url.Values{"username": {"fk.b"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("other account: %d", r.StatusCode)
		}
		f.clock.Advance(time.Minute)
		if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the wait: %d", r.StatusCode)
		}
		if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {"feil igjen etterpå"}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("signing in did not clear the failures: %d", r.StatusCode)
		}
	})
}

func TestLoginIsThrottledPerAddress(t *testing.T) {
	f := newFixture(t, store.SQLite, func(c *Config) { c.AddressLimit = 5 })
	c := f.client()
	for i := 0; i < 5; i++ {
		c.post("/login", url.Values{"username": {fmt.Sprintf("guess%d", i)}, "password": {"feil passord her"}})
	}
	if r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}}); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("address over its limit: %d", r.StatusCode)
	}
}

func TestSessionTimeouts(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		c := f.client().login("fk.a")
		f.clock.Advance(29 * time.Minute)
		if r := c.get("/"); r.StatusCode != 200 {
			t.Fatalf("after 29 idle minutes: %d", r.StatusCode)
		}
		f.clock.Advance(31 * time.Minute)
		if r := c.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after 31 idle minutes: %d, want redirect to login", r.StatusCode)
		}
		if r := c.get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("API after idle timeout: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		c = f.client().login("fk.a")
		for i := 0; i < 20; i++ {
			f.clock.Advance(29 * time.Minute)
			if r := c.get("/"); r.StatusCode != 200 {
				t.Fatalf("active session ended after %d min", (i+1)*29)
			}
		}
		f.clock.Advance(29 * time.Minute) // 10 h 29 min since login
		if r := c.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("session older than 10 h: %d", r.StatusCode)
		}
	})
}

func TestDisablingAnAccountEndsItsSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		user := f.client().login("fk.a")
		admin := f.client().login("admin")
		r := admin.post(fmt.Sprintf("/people/%d/disable", f.id("fk.a")), nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", r.StatusCode, r.body)
		}
		if r := user.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("disabled user's session still works: %d", r.StatusCode)
		}
		r = f.client().post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}})
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "deaktivert") {
			t.Fatalf("login of disabled account: %d", r.StatusCode)
		}
		if r := admin.post(fmt.Sprintf("/people/%d/disable", f.id("admin")), nil); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("disabling oneself: %d, want 400", r.StatusCode)
		}
	})
}

func TestCrossSiteRequestsAreRejected(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		c := f.client().login("admin")
		form := url.Values{"name": {"NAV Evil"}, "municipality": {"Oslo"}, "arm": {"none"}, "csrf": {c.csrf}}
		cases := []struct {
			name string
			hdr  http.Header
		}{
			{"cross-site fetch", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			{"foreign origin", http.Header{"Sec-Fetch-Site": nil, "Origin": {"https://evil.example"}}},
		}
		for _, tc := range cases {
			saved := c.headers
			c.headers = http.Header{}
			for k, v := range tc.hdr {
				if v != nil {
					c.headers[k] = v
				}
			}
			r := c.do("POST", "/offices", strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
			c.headers = saved
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", tc.name, r.StatusCode)
			}
		}
		noToken := url.Values{"name": {"NAV Evil"}, "municipality": {"Oslo"}, "arm": {"none"}, "csrf": {""}}
		if r := c.post("/offices", noToken); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "Skjemaet er utløpt") {
			t.Errorf("form without token: %d", r.StatusCode)
		}
		api := f.api("admin")
		api.headers.Set("Sec-Fetch-Site", "cross-site")
		r := api.do("POST", "/api/v1/offices", strings.NewReader(`{"name":"NAV Evil","municipality":"Oslo","arm":"none"}`), http.Header{"Content-Type": {"application/json"}})
		if r.StatusCode != http.StatusForbidden || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("cross-site API call: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		offices, _ := f.db.ListOffices(context.Background(), store.OfficeFilter{Offices: holf.AllOffices()})
		for _, o := range offices {
			if o.Name == "NAV Evil" {
				t.Fatal("a cross-site request created an office")
			}
		}
	})
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.client().login("admin")
	for _, path := range []string{"/", "/login", "/healthz", "/api/v1/me", "/no/such/page", "/offices", "/static/app.css", fmt.Sprintf("/people/%d", f.id("fk.a"))} {
		r := c.get(path)
		csp := r.Header.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
		if path != "/static/app.css" && r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, r.Header.Get("Cache-Control"))
		}
	}
}

func TestAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		anon := f.client()
		anon.headers = http.Header{}
		r := anon.get("/api/v1/me")
		if r.StatusCode != 401 || r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("me without credentials: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		p := decode[problem](t, r)
		if p.Status != 401 || p.Detail == "" {
			t.Fatalf("problem %+v", p)
		}
		bad := f.client()
		bad.headers = http.Header{"Authorization": {"Bearer holf_nope"}}
		if r := bad.get("/api/v1/me"); r.StatusCode != 401 {
			t.Fatalf("bad token: %d", r.StatusCode)
		}
		api := f.api("ts.a")
		me := decode[apiMe](t, api.get("/api/v1/me"))
		if me.Username != "ts.a" || len(me.Roles) != 1 || me.Roles[0] != holf.RoleTrainingSupport || len(me.Offices) != 1 || me.Offices[0].ID != f.offA.ID {
			t.Fatalf("me = %+v", me)
		}
		// Session-authenticated API calls work too.
		if r := f.client().login("admin").get("/api/v1/me"); r.StatusCode != 200 {
			t.Fatalf("me with session: %d", r.StatusCode)
		}
		admin := f.api("admin")
		post := func(body string) response {
			return admin.do("POST", "/api/v1/offices", strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
		}
		if r := post(`{"name": "NAV Ny", `); r.StatusCode != 400 || !strings.Contains(r.body, "malformed JSON") {
			t.Fatalf("malformed JSON: %d %s", r.StatusCode, r.body)
		}
		if r := post(`{"name": 5}`); r.StatusCode != 400 || !strings.Contains(r.body, `\"name\"`) && !strings.Contains(r.body, "name") {
			t.Fatalf("wrong type: %d %s", r.StatusCode, r.body)
		}
		if r := post(`{"nmae": "x"}`); r.StatusCode != 400 || !strings.Contains(r.body, "unknown field") {
			t.Fatalf("unknown field: %d %s", r.StatusCode, r.body)
		}
		if r := post(`{"name": "NAV Ny", "municipality": "Oslo", "arm": "placebo"}`); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"arm"`) {
			t.Fatalf("invalid arm: %d %s", r.StatusCode, r.body)
		}
		if r := post(`{"name":"` + strings.Repeat("x", 2<<20) + `"}`); r.StatusCode != 413 {
			t.Fatalf("oversized body: %d", r.StatusCode)
		}
		r = post(`{"name": "NAV Ny", "municipality": "Oslo", "arm": "none"}`)
		if r.StatusCode != 201 || r.Header.Get("Location") == "" {
			t.Fatalf("create: %d %s", r.StatusCode, r.body)
		}
		created := decode[apiOffice](t, r)
		path := fmt.Sprintf("/api/v1/offices/%d", created.ID)
		got := admin.get(path)
		tag := got.Header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag")
		}
		patch := func(body, ifMatch string) response {
			h := http.Header{"Content-Type": {"application/merge-patch+json"}}
			if ifMatch != "" {
				h.Set("If-Match", ifMatch)
			}
			return admin.do("PATCH", path, strings.NewReader(body), h)
		}
		if r := patch(`{"municipality": "Bergen"}`, ""); r.StatusCode != 428 {
			t.Fatalf("PATCH without If-Match: %d", r.StatusCode)
		}
		if r := patch(`{"municipality": "Bergen"}`, `"stale"`); r.StatusCode != 412 {
			t.Fatalf("PATCH with stale ETag: %d", r.StatusCode)
		}
		r = patch(`{"municipality": "Bergen"}`, tag)
		if r.StatusCode != 200 || r.Header.Get("ETag") == tag || decode[apiOffice](t, r).Municipality != "Bergen" {
			t.Fatalf("PATCH: %d %s", r.StatusCode, r.body)
		}
		if r := patch(`{"municipality": "Tromsø"}`, tag); r.StatusCode != 412 {
			t.Fatalf("second PATCH with the old ETag: %d, want 412", r.StatusCode)
		}
		if r := patch(`{"name": null}`, r.Header.Get("ETag")); r.StatusCode != 400 {
			t.Fatalf("PATCH removing a required field: %d", r.StatusCode)
		}
		if r := admin.get("/api/v1/nothing"); r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown API path: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if r := admin.get("/healthz"); r.StatusCode != 200 {
			t.Fatalf("healthz: %d", r.StatusCode)
		}
	})
}

// TestOtherOfficesAreInvisible walks every route with an {id} and checks that
// staff of office A get 404 for office B's records, whatever the method, and
// that lists never show office B.
func TestOtherOfficesAreInvisible(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ids := map[string]int64{"offices": f.offB.ID, "people": f.id("fk.b"), "families": f.famB.ID}
		for _, username := range []string{"fk.a", "leder.a", "ts.a"} {
			web := f.client().login(username)
			api := f.api(username)
			for _, rt := range f.srv.Routes() {
				if !strings.Contains(rt.Pattern, "{id}") {
					continue
				}
				kind := "offices"
				switch {
				case strings.Contains(rt.Pattern, "/people/"):
					kind = "people"
				case strings.Contains(rt.Pattern, "/families/"):
					kind = "families"
				}
				path := strings.Replace(rt.Pattern, "{id}", strconv.FormatInt(ids[kind], 10), 1)
				c := web
				if rt.API {
					c = api
				}
				var r response
				switch rt.Method {
				case "GET":
					r = c.get(path)
				case "POST":
					r = c.post(path, url.Values{"name": {"x"}, "version": {"1"}, "password": {"et langt nytt passord"}})
				default:
					r = c.do(rt.Method, path, strings.NewReader(`{"name":"x"}`), http.Header{"Content-Type": {"application/json"}, "If-Match": {"*"}})
				}
				if r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %s %s = %d, want 404", username, rt.Method, path, r.StatusCode)
				}
				if strings.Contains(r.body, "Bjerke") {
					t.Errorf("%s: %s %s leaks a name of office B", username, rt.Method, path)
				}
			}
			for _, path := range []string{"/", "/offices", "/people", "/families", "/families?scope=office&status=all", "/families?q=erkesen&status=all&scope=office", "/families/new"} {
				r := web.get(path)
				if strings.Contains(r.body, "Bjerke") {
					t.Errorf("%s: page %s shows office B", username, path)
				}
			}
			for _, path := range []string{"/api/v1/offices", "/api/v1/people", "/api/v1/me", "/api/v1/families", "/api/v1/families?q=erkesen"} {
				r := api.get(path)
				if strings.Contains(r.body, "Bjerke") || strings.Contains(r.body, fmt.Sprintf(`"id": %d,`, f.offB.ID)) && path == "/api/v1/offices" {
					t.Errorf("%s: %s shows office B: %s", username, path, r.body)
				}
			}
			if r := api.get("/api/v1/people?office=" + strconv.FormatInt(f.offB.ID, 10)); strings.Contains(r.body, "Bjerke") {
				t.Errorf("%s: people search leaks office B", username)
			}
		}
		// Researchers see offices (trial arms) but no staff records.
		res := f.api("forsker")
		if r := res.get(fmt.Sprintf("/api/v1/people/%d", f.id("fk.a"))); r.StatusCode != 404 {
			t.Errorf("researcher reads a staff record: %d", r.StatusCode)
		}
		if r := res.get("/api/v1/people"); r.StatusCode != 403 {
			t.Errorf("researcher lists staff: %d, want 403", r.StatusCode)
		}
		// Coordinators see their own office, not the administration.
		fk := f.client().login("fk.a")
		if r := fk.get(fmt.Sprintf("/offices/%d", f.offA.ID)); r.StatusCode != 200 {
			t.Errorf("coordinator's own office: %d", r.StatusCode)
		}
		if r := fk.get("/audit"); r.StatusCode != 403 {
			t.Errorf("coordinator opens the audit log: %d", r.StatusCode)
		}
	})
}

func TestPersonalDataReadsAreAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		target := f.id("fk.a")
		leader := f.client().login("leder.a")
		if r := leader.get(fmt.Sprintf("/people/%d", target)); r.StatusCode != 200 || !strings.Contains(r.body, "Anne Alna") {
			t.Fatalf("leader views coordinator: %d", r.StatusCode)
		}
		api := f.api("leder.a")
		if r := api.get(fmt.Sprintf("/api/v1/people/%d", target)); r.StatusCode != 200 {
			t.Fatalf("API view: %d", r.StatusCode)
		}
		entries, err := f.db.ListAudit(ctx, store.AuditFilter{RecordType: "person", RecordID: target, Actor: "leder.a"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d audit entries for two views, want 2: %+v", len(entries), entries)
		}
		for _, e := range entries {
			if e.Action != "person.view" || e.Role != holf.RoleOfficeLeader || e.Purpose == "" || e.ActorID != f.id("leder.a") {
				t.Errorf("audit entry %+v", e)
			}
		}
		// Lists show names without being record views.
		before, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: "leder.a", Limit: 1000})
		leader.get("/people")
		after, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: "leder.a", Limit: 1000})
		if len(after) != len(before) {
			t.Errorf("listing staff wrote %d audit entries", len(after)-len(before))
		}
		// A write and its audit entry.
		admin := f.client().login("admin")
		r := admin.post("/offices", url.Values{"name": {"NAV Nydalen"}, "municipality": {"Oslo"}, "arm": {"none"}, "target_areas": {"work", "health"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create office: %d %s", r.StatusCode, r.body)
		}
		writes, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: "admin", RecordType: "office"})
		if len(writes) != 1 || writes[0].Action != "office.create" || writes[0].Role != holf.RoleAdministrator {
			t.Fatalf("write audit %+v", writes)
		}
		cp, err := f.db.Checkpoint(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.db.VerifyAudit(ctx, []audit.Checkpoint{cp}); err != nil || n == 0 {
			t.Fatalf("verify: %d %v", n, err)
		}
		page := admin.get("/audit?actor=leder.a")
		if page.StatusCode != 200 || !strings.Contains(page.body, "person.view") {
			t.Fatalf("audit page: %d", page.StatusCode)
		}
		if r := admin.get("/audit?record_id=abc&since=2026-13-40"); r.StatusCode != 422 || !strings.Contains(r.body, "heltall") || !strings.Contains(r.body, `value="2026-13-40"`) {
			t.Fatalf("bad audit filter: %d", r.StatusCode)
		}
	})
}

func TestFormsKeepInputAndSpeakTheUsersLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		admin := f.client().login("admin")
		r := admin.post("/offices", url.Values{"name": {""}, "municipality": {"Lørenskog"}, "arm": {"intervention"}, "target_areas": {"work"}})
		if r.StatusCode != 422 || !strings.Contains(r.body, "Må fylles ut") || !strings.Contains(r.body, `value="Lørenskog"`) || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Fatalf("invalid office form: %d", r.StatusCode)
		}
		r = admin.post("/offices", url.Values{"name": {"NAV Alna"}, "municipality": {"Oslo"}, "arm": {"none"}, "target_areas": {"work", "health"}})
		if r.StatusCode != 422 || !strings.Contains(r.body, "finnes allerede et kontor") {
			t.Fatalf("duplicate office name: %d", r.StatusCode)
		}
		long := strings.Repeat("å", 121)
		r = admin.post("/offices", url.Values{"name": {long}, "municipality": {"Oslo"}, "arm": {"none"}, "target_areas": {"work", "health"}})
		if r.StatusCode != 422 || !strings.Contains(r.body, "høyst 120 tegn (nå 121)") || !strings.Contains(r.body, long) {
			t.Fatalf("too long name: %d", r.StatusCode)
		}
		// Switch to English; the choice is remembered.
		r = admin.post("/lang", url.Values{"lang": {"en"}, "return": {"/offices"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/offices" {
			t.Fatalf("language switch: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r = admin.get("/offices")
		if !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, "Offices") {
			t.Fatal("the page is not in English after switching")
		}
		r = admin.post("/people", url.Values{"username": {"Ny Bruker"}, "name": {"Nora"}, "password": {"password1234"}, "role_0": {"coordinator"}, "office_0": {""}})
		if r.StatusCode != 422 {
			t.Fatalf("invalid person: %d", r.StatusCode)
		}
		for _, want := range []string{"The username must be", "too common", "must be tied to an office", `value="Nora"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("person form errors lack %q", want)
			}
		}
		if r := admin.post("/lang", url.Values{"lang": {"xx"}}); r.StatusCode != 400 {
			t.Fatalf("unknown language: %d", r.StatusCode)
		}
	})
}

func TestConcurrentEditsAreNotLost(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		a := f.client().login("admin")
		path := fmt.Sprintf("/people/%d", f.id("fk.a"))
		form := func(name string) url.Values {
			return url.Values{"name": {name}, "email": {""}, "version": {"1"}, "role_0": {"coordinator"}, "office_0": {strconv.FormatInt(f.offA.ID, 10)}}
		}
		if r := a.post(path, form("Anne A. Alna")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("first save: %d %s", r.StatusCode, r.body)
		}
		r := a.post(path, form("Anne Alnæs"))
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Anne A. Alna") || !strings.Contains(r.body, `value="Anne Alnæs"`) {
			t.Fatalf("stale save: %d; want 409 showing both versions", r.StatusCode)
		}
		p, _ := f.db.GetPerson(context.Background(), f.id("fk.a"))
		if p.Name != "Anne A. Alna" {
			t.Fatalf("stored name %q", p.Name)
		}
	})
}

func TestDatabaseTroubleGivesAClearAnswer(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.client().login("admin")
	// A lock held elsewhere: the write waits, then says "busy" (503), not 500.
	unlock := holdWriteLock(t, f)
	r := c.post("/offices", url.Values{"name": {"NAV Låst"}, "municipality": {"Oslo"}, "arm": {"none"}, "target_areas": {"work", "health"}})
	unlock()
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "Databasen svarer ikke") {
		t.Fatalf("write under a held lock: %d %s", r.StatusCode, r.body)
	}
	f.db.Close()
	if r := c.get("/healthz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database closed: %d", r.StatusCode)
	}
	if r := c.get("/"); r.StatusCode != http.StatusServiceUnavailable || strings.Contains(r.body, "sql:") {
		t.Fatalf("page with the database closed: %d %s", r.StatusCode, r.body)
	}
}

func TestExpiredSessionSaysSo(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.client().login("fk.a")
	f.clock.Advance(time.Hour)
	r := c.get("/offices")
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "notice=session_ended") || !strings.Contains(loc, "next=%2Foffices") {
		t.Fatalf("expired session: %d %s", r.StatusCode, loc)
	}
	if page := c.get(loc); !strings.Contains(page.body, "Økten din er utløpt") {
		t.Fatal("the login page does not say the session ended")
	}
}

func TestLanguageDefaults(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.client()
	c.headers.Set("Accept-Language", "en-US,en;q=0.9")
	if r := c.get("/login"); !strings.Contains(r.body, `<html lang="nb">`) {
		t.Fatal("pages must be in Norwegian bokmål unless the user chooses otherwise")
	}
	if r := c.get("/api/v1/me"); !strings.Contains(r.body, "log in") {
		t.Fatalf("API message for an English client: %s", r.body)
	}
	c.headers.Set("Accept-Language", "nb-NO")
	if r := c.get("/api/v1/me"); !strings.Contains(r.body, "logge inn") {
		t.Fatalf("API message for a Norwegian client: %s", r.body)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, store.SQLite, func(c *Config) { c.Logger = logger })
	c := f.client()
	c.post("/login", url.Values{"username": {"fk.a"}, "password": {"feil passord her"}})
	c.login("leder.a")
	c.get(fmt.Sprintf("/people/%d?x=Anne", f.id("fk.a")))
	c.get("/people")
	api := f.api("leder.a")
	api.get(fmt.Sprintf("/api/v1/people/%d", f.id("fk.a")))
	logs := buf.String()
	if !strings.Contains(logs, "route=") {
		t.Fatalf("no request logs were written: %q", logs)
	}
	for _, personal := range []string{"fk.a", "leder.a", "Anne", "Lise", "Alna", testPassword, "feil passord"} {
		if strings.Contains(logs, personal) {
			t.Errorf("the logs contain %q", personal)
		}
	}
}

// TestRedirectsStayOnThisSite: a post-login target is taken only when it is
// an absolute path of this origin.
func TestRedirectsStayOnThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/families?status=all":   "/families?status=all",
		"/families/12/plan#goal": "/families/12/plan#goal",
		"/\t/evil.example/":      "/",
		"/\n/evil.example/":      "/",
		"//evil.example/":        "/",
		"/\\evil.example/":       "/",
		"/x\\y":                  "/",
		"https://evil.example/":  "/",
		"evil.example":           "/",
		"":                       "/",
		"/%2F/evil.example":      "/", // decodes to //evil.example, which a decoding proxy would pass on
		"/a\x7f":                 "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
	f := newFixture(t, store.SQLite)
	r := f.client().post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}, "next": {"/\t/evil.example/"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("login with a foreign next: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestLinksUseThePublicURL: the links HOLF hands out (a calendar feed here)
// use the configured public address, and the request's own without one.
func TestLinksUseThePublicURL(t *testing.T) {
	f := newFixture(t, store.SQLite, func(c *Config) { c.PublicURL = "https://holf.nav.example/" })
	r, _ := f.client().login("fk.a").postThen(t, "/calendar/renew", url.Values{})
	if !strings.Contains(r.body, "https://holf.nav.example/calendar/") {
		t.Fatalf("the feed link does not use the public URL: %s", r.body)
	}
	g := newFixture(t, store.SQLite)
	r, _ = g.client().login("fk.a").postThen(t, "/calendar/renew", url.Values{})
	if !strings.Contains(r.body, strings.TrimPrefix(g.ts.URL, "https://")+"/calendar/") || !strings.Contains(r.body, "https://127.0.0.1") {
		t.Fatalf("without a public URL the link is the request's own: %s", r.body)
	}
}
