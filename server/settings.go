package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hookd-dev/hookd/notify"
)

// Setting is one setting of `hookd serve`: its flag, the environment
// variable it also reads (the flag wins), and what it means. Its default is
// the field's value in DefaultConfig; cmd/hookd makes the flags from this
// table, `hookd serve --help` prints it, and a test holds the README's and
// the contract's settings tables to it.
type Setting struct {
	Flag string // without dashes, e.g. "batch-interval"
	Env  string // e.g. "HOOKD_BATCH_INTERVAL"
	Help string
	// Field points into a Config: a *string, *bool, *int or *time.Duration.
	Field func(*Config) any
	// NoDefault says what an empty default means, for a setting whose
	// default is computed when it is left empty (e.g. the node's name).
	NoDefault string
	// Redact, if not nil, rewrites the value wherever it is printed or
	// logged (--help shows a value from the environment as its default),
	// so that a password in it is never shown.
	Redact func(string) string
}

// Settings returns every setting of `hookd serve`, in the order the docs
// list them.
func Settings() []Setting {
	return []Setting{
		{Flag: "addr", Env: "HOOKD_ADDR", Help: "listen address", Field: func(c *Config) any { return &c.Addr }},
		{Flag: "db", Env: "HOOKD_DB", Help: "a file path = embedded SQLite; postgres://… = PostgreSQL", Field: func(c *Config) any { return &c.DB }, Redact: StoreName},
		{Flag: "batch-interval", Env: "HOOKD_BATCH_INTERVAL", Help: "how often pending triggers are dispatched", Field: func(c *Config) any { return &c.BatchInterval }},
		{Flag: "delivery-timeout", Env: "HOOKD_DELIVERY_TIMEOUT", Help: "whole-request timeout for one POST, reading the answer included", Field: func(c *Config) any { return &c.DeliveryTimeout }},
		{Flag: "greylist-after", Env: "HOOKD_GREYLIST_AFTER", Help: "consecutive failures of a URL before it is grey-listed", Field: func(c *Config) any { return &c.GreylistAfter }},
		{Flag: "greylist-base", Env: "HOOKD_GREYLIST_BASE", Help: "first grey-list period", Field: func(c *Config) any { return &c.GreylistBase }},
		{Flag: "greylist-max", Env: "HOOKD_GREYLIST_MAX", Help: "longest grey-list period", Field: func(c *Config) any { return &c.GreylistMax }},
		{Flag: "allow-private-urls", Env: "HOOKD_ALLOW_PRIVATE_URLS", Help: "allow webhook URLs that resolve to loopback, private, link-local or other non-public addresses", Field: func(c *Config) any { return &c.AllowPrivateURLs }},
		{Flag: "max-concurrency", Env: "HOOKD_MAX_CONCURRENCY", Help: "most sends actively in flight at once", Field: func(c *Config) any { return &c.MaxConcurrency }},
		{Flag: "max-per-host", Env: "HOOKD_MAX_PER_HOST", Help: "most sends in flight to one host:port at once", Field: func(c *Config) any { return &c.MaxPerHost }},
		{Flag: "lease", Env: "HOOKD_LEASE", Help: "how long a node holds claimed triggers without renewing them; after a crash they are sent again once it ends", Field: func(c *Config) any { return &c.Lease }},
		{Flag: "rate-limit", Env: "HOOKD_RATE_LIMIT", Help: "triggers per second one account may send, all its API keys together (burst: 10 seconds' worth, at least a whole batch of 10,000); more get 429; 0 = no limit", Field: func(c *Config) any { return &c.RateLimit }},
		{Flag: "retention", Env: "HOOKD_RETENTION", Help: "how long the delivery log and delivered triggers are kept; older ones are deleted in the background, every minute; 0 = keep everything", Field: func(c *Config) any { return &c.Retention }},
		{Flag: "node", Env: "HOOKD_NODE", Help: "this node's name in trigger leases", Field: func(c *Config) any { return &c.Node }, NoDefault: "host-pid-random"},
		{Flag: "catalogue", Env: "HOOKD_CATALOGUE", Help: "a JSON catalogue file (docs/catalogue.md) that replaces the built-in 16 hooks", Field: func(c *Config) any { return &c.Catalogue }, NoDefault: "built in"},
		{Flag: "tls-cert", Env: "HOOKD_TLS_CERT", Help: "serve HTTPS (and HTTP/2) with this PEM certificate (chain); re-read when it changes", Field: func(c *Config) any { return &c.TLSCert }, NoDefault: "none"},
		{Flag: "tls-key", Env: "HOOKD_TLS_KEY", Help: "the PEM private key of --tls-cert", Field: func(c *Config) any { return &c.TLSKey }, NoDefault: "none"},
		{Flag: "trusted-proxies", Env: "HOOKD_TRUSTED_PROXIES", Help: "comma-separated CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed (client address for throttles and logs, Secure cookies)", Field: func(c *Config) any { return &c.TrustedProxies }, NoDefault: "none"},
		{Flag: "smtp-url", Env: "HOOKD_SMTP_URL", Help: "smtp://user:pass@host:port (STARTTLS when offered; smtps:// for TLS from the start) for notification emails to the panel's users when a webhook is grey-listed or recovers", Field: func(c *Config) any { return &c.SMTPURL }, NoDefault: "none", Redact: notify.RedactSMTPURL},
		{Flag: "mail-from", Env: "HOOKD_MAIL_FROM", Help: "the sender of the notification emails, e.g. hookd@example.org (required with --smtp-url)", Field: func(c *Config) any { return &c.MailFrom }, NoDefault: "none"},
		{Flag: "public-url", Env: "HOOKD_PUBLIC_URL", Help: "the panel's address as users reach it, e.g. https://hookd.example.org, for links in emails (required with --smtp-url)", Field: func(c *Config) any { return &c.PublicURL }, NoDefault: "none"},
		{Flag: "log-format", Env: "HOOKD_LOG_FORMAT", Help: "text or json (one JSON object per line, slog's field names)", Field: func(c *Config) any { return &c.LogFormat }},
		{Flag: "log-level", Env: "HOOKD_LOG_LEVEL", Help: "debug, info, warn or error", Field: func(c *Config) any { return &c.LogLevel }},
	}
}

// FormatDefault renders a setting's value as the docs write it: durations
// without zero units (1m, 24h, 720h), other values as Go prints them.
func FormatDefault(v any) string {
	switch v := v.(type) {
	case *time.Duration:
		return FormatDuration(*v)
	case *string:
		return *v
	default:
		return fmt.Sprint(deref(v))
	}
}

func deref(v any) any {
	switch v := v.(type) {
	case *int:
		return *v
	case *bool:
		return *v
	}
	return v
}

// FormatDuration writes d as Go parses it, without zero units: 1m, 24h,
// 1h30m, 250ms.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// NewLogger returns the logger of a --log-level and a --log-format.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
