package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holf-project/holf/internal/store"
)

// TestParallelGuessesPassNoLimit: 24 wrong passwords at once against a
// limit of 10 — exactly 10 are checked, the other 14 wait.
func TestParallelGuessesPassNoLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		var checked, waited atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := f.client()
				<-start
				r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {"gjett nummer " + itoa(i)}})
				switch r.StatusCode {
				case http.StatusUnauthorized:
					checked.Add(1)
				case http.StatusTooManyRequests:
					waited.Add(1)
				default:
					t.Errorf("guess %d: %d", i, r.StatusCode)
				}
			}()
		}
		close(start)
		wg.Wait()
		if checked.Load() != 10 || waited.Load() != 14 {
			t.Fatalf("%d checked, %d waited; want 10 and 14", checked.Load(), waited.Load())
		}
	})
}

// TestForwardedForIsBelievedOnlyFromTrustedProxies: behind the fixture's
// trusted proxy each client has its own address; without a trusted proxy
// a client cannot pick its address with the header.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	req := func(remote string, xff ...string) *http.Request {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		for _, x := range xff {
			r.Header.Add("X-Forwarded-For", x)
		}
		return r
	}
	cases := []struct {
		r    *http.Request
		want string
	}{
		{req("192.0.2.1:5000"), "192.0.2.1"},
		{req("192.0.2.1:5000", "198.51.100.7"), "192.0.2.1"}, // not from a proxy: the header is ignored
		{req("10.1.2.3:443", "198.51.100.7"), "198.51.100.7"},
		{req("10.1.2.3:443", "203.0.113.9, 198.51.100.7"), "198.51.100.7"}, // the client may forge the left part only
		{req("10.1.2.3:443", "198.51.100.7, 10.9.9.9"), "198.51.100.7"},    // two proxies
		{req("10.1.2.3:443", "not-an-ip"), "10.1.2.3"},
		{req("[2001:db8::5]:443"), "2001:db8::5"},
	}
	for _, c := range cases {
		if got := s.clientAddress(c.r); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.r.RemoteAddr, c.r.Header.Values("X-Forwarded-For"), got, c.want)
		}
	}
	// Behind a server with no trusted proxy, a forged header buys nothing.
	f := newFixture(t, store.SQLite, func(c *Config) { c.TrustedProxies = nil; c.LoginLimit = 2 })
	for i := range 3 {
		c := f.client()
		c.headers.Set("X-Forwarded-For", "198.51.100."+itoa(i))
		r := c.post("/login", url.Values{"username": {"fk.a"}, "password": {"gjett igjen her"}})
		if want := []int{401, 401, 429}[i]; r.StatusCode != want {
			t.Fatalf("guess %d with a forged address: %d, want %d", i, r.StatusCode, want)
		}
	}
}

// TestLinksAndSignInThrottleApart: bad questionnaire links never slow
// staff sign-in from the same address, nor the other way round.
func TestLinksAndSignInThrottleApart(t *testing.T) {
	f := newFixture(t, store.SQLite, func(c *Config) { c.LinkLimit = 3; c.AddressLimit = 3 })
	anon := f.client()
	for i := range 5 {
		anon.get("/s/no-such-link-" + itoa(i))
	}
	if r := anon.get("/s/yet-another"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("links not throttled: %d", r.StatusCode)
	}
	if r := f.client().post("/login", url.Values{"username": {"fk.a"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("bad links slowed sign-in: %d", r.StatusCode)
	}
	g := newFixture(t, store.SQLite, func(c *Config) { c.LinkLimit = 3; c.AddressLimit = 3 })
	for i := range 5 {
		g.client().post("/login", url.Values{"username": {"guess" + itoa(i)}, "password": {"feil passord her"}})
	}
	if r := g.client().get("/s/some-link"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("failed sign-ins slowed links: %d", r.StatusCode)
	}
}

// TestTokensEndWithThePassword: an administrator's password reset or
// disabling the account revokes its API tokens along with its sessions.
func TestTokensEndWithThePassword(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		admin := f.client().login("admin")
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/password", url.Values{"password": {"et helt nytt langt passord"}}},
			{"/disable", nil},
		} {
			api := f.api("fk2.a")
			if r := api.get("/api/v1/me"); r.StatusCode != 200 {
				t.Fatalf("token before: %d", r.StatusCode)
			}
			if r := admin.post("/people/"+itoa(int(f.id("fk2.a")))+step.path, step.form); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", step.path, r.StatusCode, r.body)
			}
			if r := api.get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("a token still works after %s: %d", step.path, r.StatusCode)
			}
		}
	})
}

// TestHashingsAreBounded: however many sign in at once, at most HashSlots
// password hashings run together; the rest queue, and those that wait too
// long are told to try again instead of growing the server.
func TestHashingsAreBounded(t *testing.T) {
	var running, peak atomic.Int32
	f := newFixture(t, store.SQLite, func(c *Config) { c.HashSlots = 2; c.HashWait = 50 * time.Millisecond; c.AddressLimit = 1000 })
	// Count the hashings inside the slots by wrapping the slot's work.
	orig := f.srv.hashing
	f.srv.hashing = &hashing{slots: orig.slots, wait: orig.wait, observe: func(in bool) {
		if in {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(300 * time.Millisecond) // long enough for the others to pile up, however slowly they arrive
		} else {
			running.Add(-1)
		}
	}}
	var wg sync.WaitGroup
	var busy atomic.Int32
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.client()
			c.headers.Set("X-Forwarded-For", "198.51.100."+itoa(i))
			// A name of its own for each: the per-name limit counts an
			// attempt before it is hashed, and would turn most away first.
			r := c.post("/login", url.Values{"username": {"ingen" + itoa(i)}, "password": {"feil passord " + itoa(i)}})
			if r.StatusCode == http.StatusServiceUnavailable {
				busy.Add(1)
				if r.Header.Get("Retry-After") == "" || !strings.Contains(r.body, "Prøv igjen om et øyeblikk") {
					t.Errorf("a busy answer without Retry-After or message")
				}
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("%d hashings ran at once, want at most 2", peak.Load())
	}
	if busy.Load() == 0 {
		t.Fatal("nobody was asked to try again although the queue was full")
	}
}
