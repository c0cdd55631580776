// Package server assembles a running hookd: the store, the dispatcher, the
// REST API, the control panel and the operations endpoints, behind one HTTP
// listener. cmd/hookd and the end-to-end tests start it the same way.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/api"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/dispatch"
	"github.com/hookd-dev/hookd/internal/clientaddr"
	"github.com/hookd-dev/hookd/netguard"
	"github.com/hookd-dev/hookd/notify"
	"github.com/hookd-dev/hookd/panel"
)

// Server is a running hookd.
type Server struct {
	cfg        Config
	Store      hookd.Store
	App        *app.App
	Dispatcher *dispatch.Dispatcher
	log        *slog.Logger
	ln         net.Listener
	http       *http.Server
	tls        bool // serving HTTPS
	served     chan error
	closeOnce  sync.Once
	closeErr   error
	mailer     *notify.Mailer // nil without --smtp-url
	stopPrune  context.CancelFunc
	pruned     chan struct{}
}

// Open starts hookd with cfg (start from DefaultConfig): it opens and
// migrates the store, creates the first account if the store is empty,
// starts the dispatcher and begins serving on cfg.Addr.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, served: make(chan error, 1)}
	store, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", StoreName(cfg.DB), err)
	}
	s.Store = store
	fail := func(err error) (*Server, error) {
		store.Close()
		return nil, err
	}

	catalogue, err := cfg.LoadCatalogue() // read again: it may have changed since Validate
	if err != nil {
		return fail(err)
	}
	m := newMetrics(store, cfg.Logger)
	guard := netguard.New(cfg.AllowPrivateURLs)
	s.Dispatcher, err = dispatch.New(dispatch.Config{
		Store: store, Node: cfg.Node, Interval: cfg.BatchInterval, Timeout: cfg.DeliveryTimeout,
		Lease: cfg.Lease, Policy: cfg.Policy(), MaxConcurrency: cfg.MaxConcurrency, MaxPerHost: cfg.MaxPerHost,
		DialContext: guard.DialContext, UserAgent: "hookd/" + hookd.Version, Logger: cfg.Logger,
		Metrics: dispatch.NewMetrics(m.reg), Notify: cfg.SMTPURL != "",
	})
	if err != nil {
		return fail(err)
	}
	if cfg.SMTPURL != "" {
		s.mailer, err = notify.New(notify.Config{Store: store, SMTP: cfg.SMTPURL, From: cfg.MailFrom, PublicURL: cfg.PublicURL,
			Interval: cfg.NotifyInterval, Poll: cfg.BatchInterval, Node: s.Dispatcher.Node(), TLS: cfg.SMTPTLS,
			Logger: cfg.Logger, Registerer: m.reg})
		if err != nil {
			return fail(err)
		}
	}
	s.App, err = app.New(app.Deps{Store: store, Catalogue: catalogue, Guard: guard, Sender: s.Dispatcher, Now: time.Now})
	if err != nil {
		return fail(err)
	}
	if err := s.bootstrap(ctx); err != nil {
		return fail(err)
	}
	handler, err := s.routes(m)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", cfg.Addr, err))
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
	if cfg.TLSCert != "" {
		certs, err := newCertReloader(cfg.TLSCert, cfg.TLSKey, cfg.Logger)
		if err != nil {
			ln.Close()
			return fail(fmt.Errorf("--tls-cert %s and --tls-key %s: %w", cfg.TLSCert, cfg.TLSKey, err))
		}
		s.http.TLSConfig, s.tls = certs.tlsConfig(), true
	}
	s.App.Open()
	if err := s.Dispatcher.Open(ctx); err != nil {
		ln.Close()
		return fail(err)
	}
	go func() {
		if s.tls {
			s.served <- s.http.ServeTLS(ln, "", "")
		} else {
			s.served <- s.http.Serve(ln)
		}
	}()
	if s.mailer != nil {
		s.mailer.Open(ctx)
	}
	s.pruned = make(chan struct{})
	if cfg.Retention > 0 {
		var pctx context.Context
		pctx, s.stopPrune = context.WithCancel(context.Background())
		go s.pruneLoop(pctx)
	} else {
		close(s.pruned)
	}
	s.log.Info("hookd serving", "addr", ln.Addr().String(), "store", StoreName(cfg.DB),
		"batch_interval", cfg.BatchInterval.String(), "node", s.Dispatcher.Node())
	return s, nil
}

// URL is the base URL the server listens on, e.g. http://127.0.0.1:8080
// (https:// with --tls-cert).
func (s *Server) URL() string {
	if s.tls {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

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
	s.App.Close()
	s.Dispatcher.Close()
	if s.mailer != nil {
		s.mailer.Close()
	}
	if cerr := s.Store.Close(); err == nil {
		err = cerr
	}
	s.log.Info("hookd stopped")
	return err
}

func (s *Server) routes(m *metrics) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(api.Config{App: s.App, Store: s.Store, Logger: s.log,
		RateLimit: float64(s.cfg.RateLimit), RateBurst: s.cfg.RateBurst(), Accepted: m.accepted, Retention: s.cfg.Retention}))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	panel, err := panel.New(panel.Config{App: s.App, Store: s.Store, Logger: s.log, Retention: s.cfg.Retention})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", panel)
	proxies, err := clientaddr.ParseProxies(s.cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	return clientaddr.Trust(proxies, logRequests(s.log, m.requests, mux)), nil
}

// bootstrap creates the first account, its API key and the admin user when
// the store is empty, and prints generated secrets once.
func (s *Server) bootstrap(ctx context.Context) error {
	res, err := s.App.Bootstrap(ctx, s.cfg.APIKey, s.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !res.Created {
		return nil
	}
	s.log.Info("created the first account, its API key and the admin user")
	if res.GeneratedKey != "" {
		fmt.Fprintf(s.cfg.Stderr, "hookd: the API key of the first account (shown once; store it now):\n  %s\n", res.GeneratedKey)
	}
	if res.GeneratedPassword != "" {
		fmt.Fprintf(s.cfg.Stderr, "hookd: the control panel's user \"admin\" has the password (shown once):\n  %s\n", res.GeneratedPassword)
	}
	return nil
}
