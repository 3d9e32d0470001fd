// Package web owns HOLF's HTTP interface: the route table, server-rendered
// pages, the JSON API under /api/v1, sessions and cookies, CSRF defences,
// security headers and the mapping of errors to status codes. It parses
// input, calls a use case of internal/app and renders the result: what may
// be done, what is valid and what is audited are decided there. It reaches
// the store only for its own plumbing (sessions, sign-in throttling, health).
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// Config is everything the web layer needs; nothing is read from globals.
type Config struct {
	App     *app.App
	DB      *store.DB
	Hasher  *auth.Hasher
	Logger  *slog.Logger
	Catalog *i18n.Catalog
	// Sessions bound session life; 30 min idle / 10 h absolute when zero.
	Sessions store.SessionPolicy
	// InsecureCookies drops the Secure attribute and the __Host- prefix, for
	// plain-HTTP development only.
	InsecureCookies bool
	// LoginLimit is the number of failed sign-ins of an account from one
	// address that pass at once; each later one waits twice as long as the
	// last, up to LoginWindow. 10 and 15 min when zero. An account across
	// addresses gets five times as many, and waits at most a minute.
	LoginLimit  int
	LoginWindow time.Duration
	// AddressLimit is the free failed sign-ins of one address over all
	// accounts (an office behind one NAT); 100 when zero.
	AddressLimit int
	// LinkLimit is the free invalid questionnaire links of one address; 20
	// when zero. Links have a throttle of their own.
	LinkLimit int
	// HashSlots bounds the password hashings run at once (each holds about
	// 19 MiB); the number of cores (at least 2) when zero. HashWait is how
	// long a sign-in queues for a slot before it is told to try again; 10 s
	// when zero.
	HashSlots int
	HashWait  time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; without any, the connection's address is the client.
	TrustedProxies []netip.Prefix
	// Study is the code of the installed study the questionnaire pages
	// serve; "holf" when empty.
	Study string
	// MaxBody bounds request bodies; 1 MiB when zero.
	MaxBody int64
	// Demo marks a demo server (shown on the login page).
	Demo bool
	// PublicURL is the address people reach the server at
	// ("https://holf.nav.no"), for links handed out of it: questionnaire
	// links and calendar feeds. Empty: the request's own host and scheme.
	PublicURL string
	// Version is shown in the footer and /healthz.
	Version string
}

// Server serves HOLF over HTTP.
type Server struct {
	cfg     Config
	app     *app.App
	db      *store.DB // sessions, sign-in throttling and health only
	log     *slog.Logger
	cat     *i18n.Catalog
	lib     *survey.Library
	pages   map[string]*template.Template
	hashing *hashing
	routes  []route
	mux     *http.ServeMux
	cookie  string
	csrf    *http.CrossOriginProtection
	once    onceStore // secrets shown once, between a POST and its page
}

// New checks the configuration, parses every template and builds the route
// table. A route without a policy is a programming error reported here.
func New(cfg Config) (*Server, error) {
	if cfg.App == nil || cfg.Hasher == nil {
		return nil, errors.New("web: App and Hasher are required")
	}
	cfg.DB = cfg.App.DB()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Catalog == nil {
		c, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		cfg.Catalog = c
	}
	if cfg.Sessions.Idle == 0 {
		cfg.Sessions.Idle = 30 * time.Minute
	}
	if cfg.Sessions.Absolute == 0 {
		cfg.Sessions.Absolute = 10 * time.Hour
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 10
	}
	if cfg.LoginWindow == 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.AddressLimit == 0 {
		cfg.AddressLimit = 100
	}
	if cfg.LinkLimit == 0 {
		cfg.LinkLimit = 20
	}
	if cfg.HashSlots == 0 {
		// Hashing is CPU-bound: more at once than there are cores only
		// holds more memory, it does not sign anyone in sooner.
		cfg.HashSlots = max(2, runtime.NumCPU())
	}
	if cfg.HashWait == 0 {
		cfg.HashWait = 10 * time.Second
	}
	if cfg.Study == "" {
		cfg.Study = app.DefaultStudy
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	s := &Server{cfg: cfg, app: cfg.App, db: cfg.DB, log: cfg.Logger, cat: cfg.Catalog, lib: cfg.App.Library(), mux: http.NewServeMux(),
		hashing: newHashing(cfg.HashSlots, cfg.HashWait)}
	s.cookie = "__Host-holf_session"
	if cfg.InsecureCookies {
		s.cookie = "holf_session"
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.csrf = http.NewCrossOriginProtection()
	s.csrf.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.routes = s.routeTable()
	if err := validateRoutes(s.routes); err != nil {
		return nil, err
	}
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/", s.notFound)
	return s, nil
}

// Handler returns the server's root handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.securityHeaders(s.logRequests(s.csrf.Handler(s.mux))))
}

// Routes returns a copy of the route table (tests walk it).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Method: rt.method, Pattern: rt.pattern, Public: rt.policy.kind == rulePublic,
			Action: rt.policy.action, API: rt.api, Declared: rt.policy.kind != 0}
	}
	return out
}

// RouteInfo describes one route for tests and documentation.
type RouteInfo struct {
	Method, Pattern string
	Public, API     bool
	Declared        bool
	Action          policy.Action
}

type ctxKey int

const reqKey ctxKey = iota

// req is the per-request state handlers receive.
type req struct {
	actor   *holf.Actor
	lang    string
	route   *route
	purpose string
	// override is an emergency override's reason as typed, kept on a form
	// shown again.
	override string
}

func (s *Server) t(rq *req, key string, args ...any) string { return s.cat.T(rq.lang, key, args...) }

// Serve runs the server on addr until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// validateRoutes refuses a table with a route that declares no policy or no
// handler, or a writing route without an audit purpose: deny by default.
func validateRoutes(routes []route) error {
	for _, rt := range routes {
		switch {
		case rt.policy.kind == 0:
			return fmt.Errorf("web: route %s %s declares no policy", rt.method, rt.pattern)
		case rt.handle == nil:
			return fmt.Errorf("web: route %s %s has no handler", rt.method, rt.pattern)
		case rt.method != http.MethodGet && rt.policy.kind == ruleAction && rt.purpose == "":
			return fmt.Errorf("web: writing route %s %s declares no audit purpose", rt.method, rt.pattern)
		}
	}
	return nil
}
