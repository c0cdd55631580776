package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/clientaddr"
	"github.com/hookd-dev/hookd/notify"
)

// Config is every setting of `hookd serve`. DefaultConfig holds each
// default, stated once; a zero field means zero ("off" for RateLimit and
// Retention), never "the default". Start from DefaultConfig and change what
// you need.
type Config struct {
	Addr             string        // listen address
	DB               string        // a file path (SQLite) or postgres://…
	BatchInterval    time.Duration // how often pending triggers are dispatched
	DeliveryTimeout  time.Duration // whole-request timeout of one send
	GreylistAfter    int           // consecutive failures before a URL is grey-listed
	GreylistBase     time.Duration // first grey-list period
	GreylistMax      time.Duration // longest grey-list period
	AllowPrivateURLs bool          // allow webhook URLs with non-public addresses
	// Catalogue is a catalogue file (CONTRACT.md §2, Hooks) that replaces
	// the built-in hooks; empty: the built-in catalogue.
	Catalogue string

	// APIKey becomes the first account's key when the store is empty;
	// otherwise a key is generated and printed once to Stderr.
	APIKey string
	// AdminPassword becomes the panel's admin password when the store is
	// empty; otherwise one is generated and printed once to Stderr.
	AdminPassword string

	// Node names this process in trigger leases; empty: host-pid-random.
	Node string
	// Lease is how long claimed triggers stay with a node that stops
	// renewing them (it died).
	Lease time.Duration
	// MaxConcurrency caps the sends actively in flight.
	MaxConcurrency int
	// MaxPerHost caps the sends in flight to one host:port.
	MaxPerHost int
	// RateLimit is how many triggers per second one account may send (a
	// batch counts each trigger); more get 429 with Retry-After. 0: no limit.
	RateLimit int
	// Retention is how long the delivery log and done triggers are kept;
	// older ones are deleted in the background. 0: keep everything.
	Retention time.Duration
	// PruneInterval is how often the log is pruned.
	PruneInterval time.Duration

	// TLSCert and TLSKey are PEM files: both set, hookd serves HTTPS (and
	// HTTP/2), re-reading them when they change.
	TLSCert, TLSKey string
	// TrustedProxies are comma-separated CIDRs whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; empty: nobody's.
	TrustedProxies string

	// SMTPURL is where notification emails are sent
	// (smtp://user:pass@host:port, STARTTLS when offered; smtps:// for TLS
	// from the start); empty: no emails. MailFrom is their sender, and
	// PublicURL the panel's address as users reach it, for their links;
	// both are required with SMTPURL.
	SMTPURL, MailFrom, PublicURL string
	// NotifyInterval is the least time between two emails about one
	// webhook (contract §2, Notifications: an hour).
	NotifyInterval time.Duration
	// SMTPTLS, if not nil, is the TLS configuration used with the SMTP
	// server (a private CA's RootCAs); nil: the system's roots, which
	// SSL_CERT_FILE and SSL_CERT_DIR also extend.
	SMTPTLS *tls.Config

	// LogLevel and LogFormat make Logger when cmd/hookd makes it (NewLogger).
	LogLevel  string
	LogFormat string
	Logger    *slog.Logger
	Stderr    io.Writer // where the bootstrap secrets are printed
}

// DefaultConfig returns the settings `hookd serve` runs with when nothing is
// set: the one place each default is stated.
func DefaultConfig() Config {
	return Config{
		// Loopback: a first start exposes nothing to the network.
		Addr: "127.0.0.1:8080",
		// A file in the working directory: `go run ./cmd/hookd serve` just works.
		DB: "hookd.db",
		// The source document: triggers are batched and dispatched every 5 s.
		BatchInterval: 5 * time.Second,
		// Long enough for a slow receiver, short enough that a dead one does
		// not hold a connection for long.
		DeliveryTimeout: 10 * time.Second,
		// The source document's grey-list: 3 failures, 1 minute doubling to 1 day.
		GreylistAfter: hookd.DefaultGreylistPolicy.After,
		GreylistBase:  hookd.DefaultGreylistPolicy.Base,
		GreylistMax:   hookd.DefaultGreylistPolicy.Max,
		// Leases are renewed every third of their length while the node
		// lives, so a lease need not cover a send: it is how long a dead
		// node's triggers wait before another node sends them.
		Lease: 30 * time.Second,
		// Enough to keep a 2-core machine's network busy (BENCHMARKS.md); a
		// dead host's sends move to the slow lane and leave these free.
		MaxConcurrency: 256,
		// One host gets at most a quarter of the sends in flight, so that a
		// big subscriber cannot take them all.
		MaxPerHost: 64,
		// Far above what one platform sends in normal use (ingest runs at
		// tens of thousands a second), low enough that a runaway producer
		// cannot fill the store for the others.
		RateLimit: 2000,
		// 30 days: a month of history to answer "did it go out?".
		Retention: 30 * 24 * time.Hour,
		// Often enough that a prune deletes a minute's worth at a time.
		PruneInterval: time.Minute,
		// The contract: at most one email per webhook per hour.
		NotifyInterval: time.Hour,
		// Requests are logged at debug; info says what an operator acts on.
		LogLevel: "info",
		// Text for a person at a terminal; json for a log pipeline.
		LogFormat: "text",
		Logger:    slog.New(slog.DiscardHandler),
		Stderr:    os.Stderr,
	}
}

// RateBurst is how many triggers one account may send at once before the
// rate applies: 10 seconds' worth, and at least a whole batch of the
// largest size (hookd.MaxBatch), so that a batch is never refused for its
// size alone. 0 when there is no limit.
func (c Config) RateBurst() int {
	if c.RateLimit <= 0 {
		return 0
	}
	return max(10*c.RateLimit, hookd.MaxBatch)
}

// Policy returns the grey-list policy of the settings.
func (c Config) Policy() hookd.GreylistPolicy {
	return hookd.GreylistPolicy{After: c.GreylistAfter, Base: c.GreylistBase, Max: c.GreylistMax}
}

// Validate reports every setting that cannot work, each naming its flag or
// environment variable.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Addr == "" {
		add("--addr must not be empty")
	}
	if c.DB == "" {
		add("--db must not be empty")
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--batch-interval", c.BatchInterval}, {"--delivery-timeout", c.DeliveryTimeout}, {"--lease", c.Lease}, {"PruneInterval", c.PruneInterval}} {
		if d.v <= 0 {
			add("%s must be longer than 0", d.flag)
		}
	}
	if err := c.Policy().Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxConcurrency < 1 {
		add("--max-concurrency must be at least 1")
	}
	if c.MaxPerHost < 1 {
		add("--max-per-host must be at least 1")
	}
	if c.RateLimit < 0 {
		add("--rate-limit must be 0 (no limit) or more")
	}
	if c.Retention < 0 {
		add("--retention must be 0 (keep everything) or longer, such as 720h")
	}
	if c.APIKey != "" {
		if msg := hookd.APIKeyProblem(c.APIKey); msg != "" {
			add("HOOKD_API_KEY %s", msg)
		}
	}
	if c.AdminPassword != "" {
		if msg := hookd.PasswordProblem(c.AdminPassword); msg != "" {
			add("HOOKD_ADMIN_PASSWORD %s", msg)
		}
	}
	if _, err := NewLogger(io.Discard, c.LogLevel, c.LogFormat); err != nil {
		errs = append(errs, err)
	}
	if _, err := clientaddr.ParseProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		add("--tls-cert and --tls-key go together: give both files, or neither")
	case c.TLSCert != "":
		if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
			add("--tls-cert %s and --tls-key %s: %v", c.TLSCert, c.TLSKey, err)
		}
	}
	if _, err := c.LoadCatalogue(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateNotifications()...)
	if c.Logger == nil || c.Stderr == nil {
		add("server.Config needs a Logger and a Stderr (start from DefaultConfig)")
	}
	return errors.Join(errs...)
}

// LoadCatalogue returns the catalogue of the settings: the file of
// --catalogue, or the built-in one. Its error names the flag and the file,
// and each problem the hook it is about.
func (c Config) LoadCatalogue() (*hookd.Catalogue, error) {
	if c.Catalogue == "" {
		return hookd.BuiltinCatalogue(), nil
	}
	data, err := os.ReadFile(c.Catalogue)
	if err != nil {
		return nil, fmt.Errorf("--catalogue %s: %w", c.Catalogue, err)
	}
	cat, err := hookd.ParseCatalogue(data)
	if err != nil {
		return nil, fmt.Errorf("--catalogue %s: %s", c.Catalogue, strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cat, nil
}

// validateNotifications checks --smtp-url, --mail-from and --public-url
// (each rule is notify's): an SMTP server needs a sender and links.
func (c Config) validateNotifications() []error {
	var errs []error
	if c.PublicURL != "" {
		if err := notify.CheckPublicURL(c.PublicURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SMTPURL == "" {
		return errs
	}
	if _, err := notify.ParseSMTPURL(c.SMTPURL); err != nil {
		errs = append(errs, err)
	}
	if c.MailFrom == "" {
		errs = append(errs, errors.New("--mail-from is required with --smtp-url: the sender of the notification emails, such as hookd@example.org"))
	} else if _, err := notify.ParseFrom(c.MailFrom); err != nil {
		errs = append(errs, err)
	}
	if c.PublicURL == "" {
		errs = append(errs, errors.New("--public-url is required with --smtp-url: the emails link to the panel at that address, such as https://hookd.example.org"))
	}
	if c.NotifyInterval <= 0 {
		errs = append(errs, errors.New("NotifyInterval must be longer than 0 (start from DefaultConfig)"))
	}
	return errs
}
