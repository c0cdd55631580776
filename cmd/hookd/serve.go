package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"hookd/server"
)

// envFlags reads each flag's default from its HOOKD_* variable, so that a
// flag given on the command line wins over the environment.
type envFlags struct {
	fs   *flag.FlagSet
	errs []error
}

func (e *envFlags) env(name string) (string, bool) { return os.LookupEnv(name) }

func (e *envFlags) String(p *string, name, env, def, help string) {
	if v, ok := e.env(env); ok {
		def = v
	}
	e.fs.StringVar(p, name, def, help+" (env "+env+")")
}

func (e *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, help string) {
	if v, ok := e.env(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q is not a duration such as 5s or 1m", env, v))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(p, name, def, help+" (env "+env+")")
}

func (e *envFlags) Int(p *int, name, env string, def int, help string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(p, name, def, help+" (env "+env+")")
}

func (e *envFlags) Bool(p *bool, name, env string, def bool, help string) {
	if v, ok := e.env(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q is not true or false", env, v))
		} else {
			def = b
		}
	}
	e.fs.BoolVar(p, name, def, help+" (env "+env+")")
}

// serveFlags defines the settings of `hookd serve` on fs.
func serveFlags(fs *flag.FlagSet, cfg *server.Config, logLevel *string) *envFlags {
	f := &envFlags{fs: fs}
	f.String(&cfg.Addr, "addr", "HOOKD_ADDR", "127.0.0.1:8080", "listen address")
	f.String(&cfg.DB, "db", "HOOKD_DB", "hookd.db", "a file path = embedded SQLite; postgres://… = PostgreSQL")
	f.Duration(&cfg.BatchInterval, "batch-interval", "HOOKD_BATCH_INTERVAL", 5*time.Second, "how often pending triggers are dispatched")
	f.Duration(&cfg.DeliveryTimeout, "delivery-timeout", "HOOKD_DELIVERY_TIMEOUT", 10*time.Second, "whole-request timeout for one POST")
	f.Int(&cfg.GreylistAfter, "greylist-after", "HOOKD_GREYLIST_AFTER", 3, "consecutive failures of a URL before it is grey-listed")
	f.Duration(&cfg.GreylistBase, "greylist-base", "HOOKD_GREYLIST_BASE", time.Minute, "first grey-list period")
	f.Duration(&cfg.GreylistMax, "greylist-max", "HOOKD_GREYLIST_MAX", 24*time.Hour, "longest grey-list period")
	f.Bool(&cfg.AllowPrivateURLs, "allow-private-urls", "HOOKD_ALLOW_PRIVATE_URLS", false, "allow webhook URLs that resolve to loopback, private, link-local or other non-public addresses")
	f.Int(&cfg.MaxConcurrency, "max-concurrency", "HOOKD_MAX_CONCURRENCY", 256, "most sends in flight at once")
	f.Int(&cfg.MaxPerHost, "max-per-host", "HOOKD_MAX_PER_HOST", 64, "most sends in flight to one host:port at once")
	f.Duration(&cfg.Lease, "lease", "HOOKD_LEASE", 30*time.Second, "how long a node holds claimed triggers without renewing them; after a crash they are sent again once it ends")
	f.Int(&cfg.RateLimit, "rate-limit", "HOOKD_RATE_LIMIT", server.DefaultRateLimit, "triggers per second one API key may send (burst: 10 seconds' worth, at least 10000); more get 429; 0 = no limit")
	f.Duration(&cfg.Retention, "retention", "HOOKD_RETENTION", server.DefaultRetention, "how long the delivery log and delivered triggers are kept; older ones are deleted in the background; 0 = keep everything")
	f.String(&cfg.Node, "node", "HOOKD_NODE", "", "this node's name in trigger leases (default host-pid-random)")
	f.String(logLevel, "log-level", "HOOKD_LOG_LEVEL", "info", "debug, info, warn or error")
	return f
}

func (e *envFlags) parse(args []string) error { return e.parseArgs(args, 0) }

// parseArgs parses the flags and allows up to maxArgs arguments after them.
func (e *envFlags) parseArgs(args []string, maxArgs int) error {
	if err := e.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if len(e.errs) > 0 {
		return usageError{errors.Join(e.errs...)}
	}
	if e.fs.NArg() > maxArgs {
		return usageError{fmt.Errorf("unexpected argument %q", e.fs.Arg(maxArgs))}
	}
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	var cfg server.Config
	var level string
	fs := flag.NewFlagSet("hookd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := serveFlags(fs, &cfg, &level)
	if err := f.parse(args); err != nil {
		return err
	}
	if cfg.GreylistAfter < 1 {
		return usageError{errors.New("--greylist-after must be at least 1")}
	}
	for name, d := range map[string]time.Duration{"--batch-interval": cfg.BatchInterval, "--delivery-timeout": cfg.DeliveryTimeout, "--greylist-base": cfg.GreylistBase, "--greylist-max": cfg.GreylistMax, "--lease": cfg.Lease} {
		if d <= 0 {
			return usageError{fmt.Errorf("%s must be longer than 0", name)}
		}
	}
	switch {
	case cfg.RateLimit < 0:
		return usageError{errors.New("--rate-limit must be 0 (no limit) or more")}
	case cfg.RateLimit == 0:
		cfg.RateLimit = -1 // server.Config: negative is off, zero is the default
	}
	switch {
	case cfg.Retention < 0:
		return usageError{errors.New("--retention must be 0 (keep everything) or longer, such as 720h")}
	case cfg.Retention == 0:
		cfg.Retention = -1 // server.Config: negative keeps everything, zero is the default
	}
	log, err := newLogger(stderr, level)
	if err != nil {
		return err
	}
	cfg.Logger, cfg.Stderr = log, stderr
	cfg.APIKey = os.Getenv("HOOKD_API_KEY")
	cfg.AdminPassword = os.Getenv("HOOKD_ADMIN_PASSWORD")

	s, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-s.Done():
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Close()
			return err
		}
	}
	return s.Close()
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hookd migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var db string
	f := &envFlags{fs: fs}
	f.String(&db, "db", "HOOKD_DB", "hookd.db", "a file path = embedded SQLite; postgres://… = PostgreSQL")
	if err := f.parse(args); err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, db) // opening applies the migrations
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "hookd: migrations applied")
	return st.Close()
}
