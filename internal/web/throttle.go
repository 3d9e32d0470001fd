package web

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// Sign-in under pressure. Each attempt is decided and counted in one step
// (store.Attempt), under three rules: an account at one address gets a few
// free failures and then waits 1 s, 2 s, 4 s … (the owner elsewhere is never
// locked out by someone else's guesses); an account across all addresses
// gets more free failures and waits at most a minute (a distributed guesser
// is slowed, the owner barely); an address across all accounts gets many
// (an office behind one NAT) and waits up to the window. Password hashing
// (argon2id, about 19 MiB each) runs at most HashSlots at a time; the rest
// queue for a while, then are told to try again.

func (s *Server) loginRules(username, addr string) []store.ThrottleRule {
	w := s.cfg.LoginWindow
	return []store.ThrottleRule{
		{Key: "pair:" + username + "|" + addr, Free: s.cfg.LoginLimit, Max: w, Forget: 24 * time.Hour},
		{Key: "account:" + username, Free: 5 * s.cfg.LoginLimit, Max: time.Minute, Forget: 24 * time.Hour},
		{Key: "address:" + addr, Free: s.cfg.AddressLimit, Max: w, Forget: 24 * time.Hour},
	}
}

func (s *Server) linkRules(addr string) []store.ThrottleRule {
	return []store.ThrottleRule{{Key: "address:" + addr, Free: s.cfg.LinkLimit, Max: s.cfg.LoginWindow, Forget: 24 * time.Hour}}
}

// retryAfter sets Retry-After to wait, in whole seconds, at least one.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(max((wait+time.Second-1)/time.Second, 1))))
}

// hashing bounds the password hashings running at once: each holds its
// argon2id memory until done, so unbounded parallel logins grow the server
// by that much each.
type hashing struct {
	slots chan struct{}
	wait  time.Duration
	// observe, when set (tests), is told when work enters and leaves a slot.
	observe func(in bool)
}

func newHashing(n int, wait time.Duration) *hashing {
	return &hashing{slots: make(chan struct{}, n), wait: wait}
}

// do runs fn in a free slot, waiting at most h.wait for one.
func (h *hashing) do(ctx context.Context, fn func() error) error {
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-t.C:
		return &holf.Error{Code: holf.ETooMany, Message: "the server is busy signing others in; try again in a moment", Key: "login.busy", RetryAfter: 2 * time.Second}
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	if h.observe != nil {
		h.observe(true)
		defer h.observe(false)
	}
	return fn()
}

// clientAddress is the address a request comes from. Behind a reverse proxy
// every request comes from the proxy: the client is then the last address
// in X-Forwarded-For that is not one of the trusted proxies. The header is
// believed only from a trusted proxy, so no client can choose its address.
func (s *Server) clientAddress(r *http.Request) string {
	remote := hostOf(r.RemoteAddr)
	ip, err := netip.ParseAddr(remote)
	if err != nil || !s.trusted(ip) {
		return remote
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a forged or broken entry: trust nothing left of it
		}
		if !s.trusted(hop) {
			return hop.Unmap().String()
		}
		remote = hop.Unmap().String()
	}
	return remote
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}
