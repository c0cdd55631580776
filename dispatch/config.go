package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/hookd-dev/hookd"
)

// Config configures a Dispatcher.
//
// The settings of `hookd serve` (Interval, Timeout, Lease, Policy,
// MaxConcurrency, MaxPerHost) have no default here: the server states them
// once, and New refuses a zero one. The tuning knobs after them are not
// settings of hookd serve; a zero one takes the default its comment names.
type Config struct {
	Store hookd.Store

	// Interval is how often Open's tick loop claims the pending triggers
	// (--batch-interval).
	Interval time.Duration
	// Timeout covers one whole send, reading the answer included
	// (--delivery-timeout).
	Timeout time.Duration
	// Lease is how long claimed triggers stay with this node without being
	// renewed (--lease).
	Lease time.Duration
	// Policy grey-lists URLs (--greylist-after, --greylist-base,
	// --greylist-max); the stores apply the same one.
	Policy hookd.GreylistPolicy
	// MaxConcurrency caps the active sends: those that started less than
	// SlowAfter ago or have not been moved to the slow lane
	// (--max-concurrency).
	MaxConcurrency int
	// MaxPerHost caps the sends in flight to one host:port (--max-per-host).
	MaxPerHost int

	// Notify stores a notice (hookd.NoticeOf) for each webhook told of a
	// grey-list change, for the mailer to email its account's users; false
	// (no --smtp-url) stores none.
	Notify bool

	// Transport makes the sends; nil is HTTP (http.go), with DialContext and
	// UserAgent, which only it uses.
	Transport Transport
	// DialContext dials receivers (netguard's SSRF-safe dialer); nil is a
	// plain net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// UserAgent is sent with every delivery; defaults to "hookd", the
	// product without a version, for a caller that has none to give.
	UserAgent string

	// Node names this process in trigger leases; defaults to
	// host-pid-random, which no other process has and a person reading the
	// leases can trace back.
	Node string
	// SlowAfter is how long a send may wait for its answer before it moves
	// to the slow lane, freeing its active slot for other hosts, and marks
	// its host slow until the host answers quickly again; defaults to
	// 250ms, well above what a healthy receiver takes.
	SlowAfter time.Duration
	// MaxSlow caps the sends in the slow lane (connections waiting on slow or
	// dead hosts); defaults to 1024, so that a thousand dead hosts hold a
	// connection each without taking a healthy host's.
	MaxSlow int
	// MaxQueued stops claiming more triggers while this many sends wait;
	// defaults to 2,000,000, a bound on memory (a job is 16 bytes) that
	// ClaimBelow keeps far from in practice.
	MaxQueued int
	// ClaimBelow is the sends a node keeps queued during a tick: it claims
	// triggers (as many as fit, by the largest fan-out of a hook) only while
	// fewer sends than this wait, and when a burst holds more it claims the
	// rest as its queue drains to half, within the same tick. Other nodes'
	// ticks meanwhile take what it has not claimed, so a burst is shared,
	// and one node never holds a million sends in memory. Defaults to 8,192.
	ClaimBelow int
	// Logger defaults to discarding, as a library that was not asked to log.
	Logger *slog.Logger
	// Metrics defaults to metrics registered nowhere, so that a dispatcher
	// runs without a Prometheus registry.
	Metrics *Metrics
	// Now is the clock of timestamps, leases and the grey-list; defaults to
	// time.Now (tests move their own).
	Now func() time.Time
}

// validate names each setting of hookd serve that is missing or cannot
// work.
func (c *Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Store is nil"))
	}
	for _, d := range []struct {
		name, flag string
		v          time.Duration
	}{
		{"Interval", "--batch-interval", c.Interval},
		{"Timeout", "--delivery-timeout", c.Timeout},
		{"Lease", "--lease", c.Lease},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s (%s) must be longer than 0, not %s", d.name, d.flag, d.v))
		}
	}
	if err := c.Policy.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("Policy: %w", err))
	}
	if c.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("MaxConcurrency (--max-concurrency) must be at least 1, not %d", c.MaxConcurrency))
	}
	if c.MaxPerHost < 1 {
		errs = append(errs, fmt.Errorf("MaxPerHost (--max-per-host) must be at least 1, not %d", c.MaxPerHost))
	}
	if _, err := useFastHTTP(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("dispatch.Config: %w", errors.Join(errs...))
	}
	return nil
}

// withTuning returns c with the defaults of the tuning knobs left zero.
func (c Config) withTuning() Config {
	if c.UserAgent == "" {
		c.UserAgent = "hookd"
	}
	if c.Node == "" {
		host, _ := os.Hostname()
		c.Node = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hookd.NewID("")[20:]
	}
	if c.SlowAfter <= 0 {
		c.SlowAfter = 250 * time.Millisecond
	}
	if c.MaxSlow <= 0 {
		c.MaxSlow = 1024
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 2_000_000
	}
	if c.ClaimBelow <= 0 {
		c.ClaimBelow = 8192
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// httpClientEnv names the environment variable that picks the client of
// http:// receivers: "fasthttp" (the default) or "net/http".
const httpClientEnv = "HOOKD_HTTP_CLIENT"

// useFastHTTP says whether http:// receivers are sent to with fasthttp
// (fasthttp.go), as httpClientEnv says; any other value than its two is an
// error, so that a mistyped one is not silently the default.
func useFastHTTP() (bool, error) {
	switch v := os.Getenv(httpClientEnv); v {
	case "", "fasthttp":
		return true, nil
	case "net/http":
		return false, nil
	default:
		return true, fmt.Errorf("%s must be fasthttp (the default) or net/http, not %q", httpClientEnv, v)
	}
}
