// Package server assembles a running hookd: the store, the dispatcher, the
// REST API, the control panel and the operations endpoints, behind one HTTP
// listener. cmd/hookd and the end-to-end tests start it the same way.
package server

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/bcrypt"

	"hookd"
	"hookd/api"
	"hookd/app"
	"hookd/dispatch"
	"hookd/netguard"
	"hookd/panel"
	"hookd/postgres"
	"hookd/sqlite"
)

// Config is every setting of `hookd serve`. Zero fields take the contract's
// defaults.
type Config struct {
	Addr             string        // defaults to 127.0.0.1:8080
	DB               string        // a file path (SQLite) or postgres://…; defaults to hookd.db
	BatchInterval    time.Duration // defaults to 5s
	DeliveryTimeout  time.Duration // defaults to 10s
	GreylistAfter    int           // defaults to 3
	GreylistBase     time.Duration // defaults to 1m
	GreylistMax      time.Duration // defaults to 24h
	AllowPrivateURLs bool

	// APIKey becomes the first account's key when the store is empty;
	// otherwise a key is generated and printed once to Stderr.
	APIKey string
	// AdminPassword becomes the panel's admin password when the store is
	// empty; otherwise one is generated and printed once to Stderr.
	AdminPassword string

	// Node names this process in trigger leases; defaults to host-pid-random.
	Node string
	// Lease is how long claimed triggers stay with a node that stops
	// renewing them (it died); defaults to 30s.
	Lease time.Duration
	// MaxConcurrency caps sends in flight; defaults to 256.
	MaxConcurrency int
	// MaxPerHost caps sends in flight to one host:port; defaults to 64.
	MaxPerHost int
	// RateLimit is how many triggers per second one API key may send (a
	// batch counts each trigger); more get 429 with Retry-After. Defaults
	// to 2,000; negative turns the limit off.
	RateLimit int
	// RateBurst is how many triggers one API key may send at once before
	// the rate applies; defaults to 10 seconds' worth of RateLimit, and at
	// least 10,000 (the largest batch).
	RateBurst int
	// Retention is how long the delivery log and done triggers are kept;
	// older ones are deleted in the background. Defaults to 30 days
	// (DefaultRetention); negative keeps everything.
	Retention time.Duration
	// PruneInterval is how often the log is pruned; defaults to a minute.
	PruneInterval time.Duration

	Logger *slog.Logger
	Stderr io.Writer // where the bootstrap secrets are printed; defaults to os.Stderr
}

// DefaultRateLimit is the triggers per second one API key may send unless
// configured otherwise.
const DefaultRateLimit = 2000

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DB == "" {
		c.DB = "hookd.db"
	}
	if c.BatchInterval <= 0 {
		c.BatchInterval = 5 * time.Second
	}
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = 10 * time.Second
	}
	// Lease, MaxConcurrency and MaxPerHost were defaulted in dispatch.New,
	// which now refuses a zero setting.
	if c.Lease <= 0 {
		c.Lease = max(30*time.Second, 3*c.DeliveryTimeout)
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 256
	}
	if c.MaxPerHost <= 0 {
		c.MaxPerHost = 64
	}
	if c.GreylistAfter <= 0 {
		c.GreylistAfter = 3
	}
	if c.GreylistBase <= 0 {
		c.GreylistBase = time.Minute
	}
	if c.GreylistMax <= 0 {
		c.GreylistMax = 24 * time.Hour
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateBurst <= 0 {
		c.RateBurst = max(10*c.RateLimit, 10000)
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.PruneInterval <= 0 {
		c.PruneInterval = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
}

// Policy returns the grey-list policy of the settings.
func (c *Config) Policy() hookd.GreylistPolicy {
	return hookd.GreylistPolicy{After: c.GreylistAfter, Base: c.GreylistBase, Max: c.GreylistMax}
}

// Server is a running hookd.
type Server struct {
	cfg        Config
	Store      hookd.Store
	App        *app.App
	Dispatcher *dispatch.Dispatcher
	log        *slog.Logger
	ln         net.Listener
	http       *http.Server
	served     chan error
	closeOnce  sync.Once
	closeErr   error
	stopPrune  context.CancelFunc
	pruned     chan struct{}
}

// DefaultRetention is how long the delivery log is kept unless configured
// otherwise: 30 days.
const DefaultRetention = 30 * 24 * time.Hour

// pruneChunk is the most rows one pruning transaction deletes of each
// kind, so that it never holds the store's writer for long.
const pruneChunk = 5000

// pruneLoop deletes, every PruneInterval, the deliveries and done triggers
// older than Retention, a chunk at a time.
func (s *Server) pruneLoop(ctx context.Context) {
	defer close(s.pruned)
	t := time.NewTicker(s.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := time.Now().Add(-s.cfg.Retention)
		var total int64
		for ctx.Err() == nil {
			n, err := s.Store.Prune(ctx, before, pruneChunk)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("could not prune the delivery log; trying again later", "err", err)
				}
				break
			}
			total += n
			if n < pruneChunk {
				break
			}
			// Let the other writers in between chunks.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
		if total > 0 {
			s.log.Info("pruned the delivery log", "rows", total, "older_than", hookd.FormatTime(before))
		}
	}
}

// OpenStore opens the store named by db: postgres://… or a SQLite file path.
func OpenStore(ctx context.Context, db string) (hookd.Store, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// Open starts hookd: it opens and migrates the store, creates the first
// account if the store is empty, starts the dispatcher and begins serving on
// cfg.Addr.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if cfg.GreylistMax < cfg.GreylistBase {
		return nil, fmt.Errorf("--greylist-max (%s) must not be shorter than --greylist-base (%s)", cfg.GreylistMax, cfg.GreylistBase)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, served: make(chan error, 1)}
	store, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redactDSN(cfg.DB), err)
	}
	s.Store = store
	if err := s.bootstrap(ctx); err != nil {
		store.Close()
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	guard := netguard.New(cfg.AllowPrivateURLs)
	s.Dispatcher, err = dispatch.New(dispatch.Config{
		Store: store, Node: cfg.Node, Interval: cfg.BatchInterval, Timeout: cfg.DeliveryTimeout,
		Lease: cfg.Lease, Policy: cfg.Policy(), MaxConcurrency: cfg.MaxConcurrency, MaxPerHost: cfg.MaxPerHost,
		DialContext: guard.DialContext, UserAgent: "hookd/" + hookd.Version, Logger: cfg.Logger,
		Metrics: dispatch.NewMetrics(reg),
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	s.App = app.New(store, guard, s.Dispatcher)

	handler, err := s.routes(reg)
	if err != nil {
		store.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.App.Ingest.Open()
	if err := s.Dispatcher.Open(ctx); err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	go func() { s.served <- s.http.Serve(ln) }()
	s.pruned = make(chan struct{})
	if cfg.Retention > 0 {
		var pctx context.Context
		pctx, s.stopPrune = context.WithCancel(context.Background())
		go s.pruneLoop(pctx)
	} else {
		close(s.pruned)
	}
	s.log.Info("hookd serving", "addr", ln.Addr().String(), "store", redactDSN(cfg.DB),
		"batch_interval", cfg.BatchInterval.String(), "node", s.Dispatcher.Node())
	return s, nil
}

// URL is the base URL the server listens on, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Done receives the error that ended serving.
func (s *Server) Done() <-chan error { return s.served }

// Close shuts down in order: stop accepting and finish the requests in
// flight (every trigger answered 202 is committed), stop the ingester, let
// sends in flight finish and hand back unfinished triggers, close the store.
// Calls after the first return the first's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if s.stopPrune != nil {
		s.stopPrune()
	}
	<-s.pruned
	s.App.Ingest.Close()
	s.Dispatcher.Close()
	if cerr := s.Store.Close(); err == nil {
		err = cerr
	}
	s.log.Info("hookd stopped")
	return err
}

func (s *Server) routes(reg *prometheus.Registry) (http.Handler, error) {
	mux := http.NewServeMux()
	apiHandler := api.New(api.Config{App: s.App, Logger: s.log, RateLimit: float64(max(0, s.cfg.RateLimit)), RateBurst: s.cfg.RateBurst})
	s.App.KeyRevoked = apiHandler.ForgetKey
	mux.Handle("/api/", apiHandler)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	panel, err := panel.New(panel.Config{App: s.App, Store: s.Store, Logger: s.log})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", panel)
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hookd_http_requests_total", Help: "HTTP requests answered, by method and status code.",
	}, []string{"method", "code"})
	reg.MustRegister(requests)
	return logRequests(s.log, requests, mux), nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Store.Ping(ctx); err != nil {
		s.log.Warn("health check: store unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"unavailable","error":{"code":"unavailable","message":"the store cannot be reached"}}`+"\n")
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}

// bootstrap creates the first account, its API key and the admin user when
// the store is empty, and prints generated secrets once.
func (s *Server) bootstrap(ctx context.Context) error {
	key, generatedKey := s.cfg.APIKey, false
	if key == "" {
		key, generatedKey = hookd.NewAPIKey(), true
	}
	password, generatedPassword := s.cfg.AdminPassword, false
	if password == "" {
		password, generatedPassword = NewPassword(), true
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "default", CreatedAt: now}
	created, err := s.Store.Bootstrap(ctx, hookd.BootstrapParams{
		Account: acc,
		APIKey:  hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: acc.ID, Name: "first key", Hash: hookd.HashAPIKey(key), Prefix: hookd.APIKeyPrefix(key), CreatedAt: now},
		Admin:   hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: acc.ID, Username: "admin", PasswordHash: string(hash), Admin: true, CreatedAt: now},
	})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		return nil
	}
	s.log.Info("created the first account, its API key and the admin user")
	if generatedKey {
		fmt.Fprintf(s.cfg.Stderr, "hookd: the API key of the first account (shown once; store it now):\n  %s\n", key)
	}
	if generatedPassword {
		fmt.Fprintf(s.cfg.Stderr, "hookd: the control panel's user \"admin\" has the password (shown once):\n  %s\n", password)
	}
	return nil
}

// NewPassword returns a fresh random password for the control panel.
func NewPassword() string { return randomString(18) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// redactDSN hides a password in a postgres:// URL for logs.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			cred := rest[:at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return dsn[:i+3] + cred[:c] + ":xxxxx" + rest[at:]
			}
		}
	}
	return dsn
}
