// Package notify emails the users of an account when one of its webhooks is
// grey-listed for the first time in a row of failures and when it recovers
// (contract §2, Notifications). The dispatcher stores the notices with the
// grey-list change that makes them (hookd.NoticeOf, in the same transaction
// as the system hooks' triggers); a Mailer on every node with --smtp-url
// claims the due ones from the store with a lease, so that one node sends
// each, and the store remembers when each webhook was last told, so that
// the one-email-per-hour limit holds across restarts and nodes. Sending
// runs on its own goroutine: it never slows deliveries.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // TZ=Europe/Paris works in the scratch container too, which has no zoneinfo

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd"
)

// Config configures a Mailer. SMTP, From, PublicURL, Interval and Poll have
// no default here: the server states them once and New refuses them empty.
type Config struct {
	Store hookd.Store
	// SMTP is the --smtp-url (see ParseSMTPURL).
	SMTP string
	// From is the --mail-from address.
	From string
	// PublicURL is the panel's address as users reach it (--public-url):
	// the emails link to a webhook's deliveries under it.
	PublicURL string
	// Interval is the rate limit: at most one email per webhook per
	// Interval (the contract's hour).
	Interval time.Duration
	// Poll is how often waiting notices are looked for.
	Poll time.Duration
	// Node names this process in the notices' leases.
	Node string

	// TLS, if not nil, is the TLS configuration used with the SMTP server
	// (its RootCAs, for a private CA); nil: the system's roots and the
	// --smtp-url's host as the name to verify.
	TLS *tls.Config
	// Location is the zone times are written in; nil: the process's local
	// zone (TZ).
	Location *time.Location
	// Now defaults to time.Now.
	Now func() time.Time
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Registerer, if not nil, gets the mailer's metric.
	Registerer prometheus.Registerer
}

// The mailer's fixed tuning: how much one tick sends, how long it may take,
// and how a failed send is tried again, a few times and then given up (an
// SMTP server that is down for hours must not make a queue that floods
// users when it is back).
const (
	claimLimit  = 4
	sendTimeout = 30 * time.Second
	lease       = claimLimit*sendTimeout + time.Minute
	maxAttempts = 3
	retryAfter  = time.Minute // doubled after each failed attempt
)

// Mailer sends the notices' emails.
type Mailer struct {
	cfg    Config
	server SMTP
	from   *mail.Address
	sent   prometheus.Counter
	failed prometheus.Counter

	stop context.CancelFunc
	done sync.WaitGroup
}

// New checks cfg and returns a Mailer; Open starts it.
func New(cfg Config) (*Mailer, error) {
	var errs []error
	server, err := ParseSMTPURL(cfg.SMTP)
	if err != nil {
		errs = append(errs, err)
	}
	from, err := ParseFrom(cfg.From)
	if err != nil {
		errs = append(errs, err)
	}
	if err := CheckPublicURL(cfg.PublicURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.Store == nil || cfg.Interval <= 0 || cfg.Poll <= 0 {
		errs = append(errs, errors.New("notify: Store, Interval and Poll are required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	emails := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hookd_notification_emails_total",
		Help: "Notification emails (one per recipient) by result: sent, or failed (the SMTP server could not be reached or refused it).",
	}, []string{"result"})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(emails); err != nil {
			return nil, err
		}
	}
	return &Mailer{cfg: cfg, server: server, from: from,
		sent: emails.WithLabelValues("sent"), failed: emails.WithLabelValues("failed")}, nil
}

// CheckPublicURL checks a --public-url: the absolute http(s) address of
// the panel, with no query or fragment.
func CheckPublicURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url %q is not the panel's address as users reach it, such as https://hookd.example.org", s)
	}
	return nil
}

// Open starts sending: a tick every Poll until Close.
func (m *Mailer) Open(ctx context.Context) {
	ctx, m.stop = context.WithCancel(context.WithoutCancel(ctx))
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(m.cfg.Poll)
		defer t.Stop()
		for {
			m.Tick(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	m.cfg.Logger.Info("notifications by email", "smtp", m.server.String(), "from", m.from.Address, "public_url", m.cfg.PublicURL)
}

// Close stops sending and waits for a send in progress (its lease lets
// another node take what is left).
func (m *Mailer) Close() {
	if m.stop != nil {
		m.stop()
		m.done.Wait()
	}
}

// Tick claims the due notices and sends their emails, one notice after the
// other.
func (m *Mailer) Tick(ctx context.Context) {
	for {
		now := m.cfg.Now()
		ns, err := m.cfg.Store.ClaimNotices(ctx, hookd.NoticeClaim{Node: m.cfg.Node, Now: now, Until: now.Add(lease),
			TellBefore: now.Add(-m.cfg.Interval), Limit: claimLimit})
		if err != nil {
			if ctx.Err() == nil {
				m.cfg.Logger.Warn("notifications: could not read the waiting notices", "err", err)
			}
			return
		}
		for _, n := range ns {
			res := m.handle(ctx, n)
			if err := m.cfg.Store.FinishNotice(context.WithoutCancel(ctx), n, res); err != nil {
				m.cfg.Logger.Warn("notifications: could not record a notice's email", "webhook", n.WebhookID, "err", err)
			}
		}
		if len(ns) < claimLimit || ctx.Err() != nil {
			return
		}
	}
}

// handle sends a notice's emails and says what became of it.
func (m *Mailer) handle(ctx context.Context, n hookd.Notice) hookd.NoticeResult {
	log := m.cfg.Logger.With("webhook", n.WebhookID, "notice", n.Kind)
	retry := func(err error) hookd.NoticeResult {
		now := m.cfg.Now()
		if n.Attempts >= maxAttempts {
			log.Error("notifications: gave up emailing about a webhook", "attempts", n.Attempts, "err", err)
			return hookd.NoticeResult{}
		}
		at := now.Add(retryAfter << (n.Attempts - 1))
		log.Warn("notifications: could not send an email; trying again later", "attempt", n.Attempts, "retry_at", at.UTC().Format(time.RFC3339), "err", err)
		return hookd.NoticeResult{RetryAt: at}
	}
	if !n.News() {
		log.Debug("notifications: nothing new to tell", "told", n.Told)
		return hookd.NoticeResult{}
	}
	w, err := m.cfg.Store.Webhook(ctx, n.AccountID, n.WebhookID)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return hookd.NoticeResult{Gone: true} // deleted meanwhile: nobody wants to hear of it
	} else if err != nil {
		return retry(err)
	}
	users, err := m.cfg.Store.Users(ctx, n.AccountID)
	if err != nil {
		return retry(err)
	}
	now := m.cfg.Now()
	e := compose(n, w, m.cfg.PublicURL, m.cfg.Location, now, m.cfg.Interval)
	var msgs []message
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	for i, u := range users {
		if u.Email != "" {
			id := fmt.Sprintf("%s.%d@%s", n.ID, i, domain)
			msgs = append(msgs, message{to: u.Email, data: render(e, m.from, u.Email, now, id)})
		}
	}
	if len(msgs) == 0 {
		log.Debug("notifications: no user of the account has an email address")
		return hookd.NoticeResult{}
	}
	sent, err := m.server.send(ctx, m.cfg.TLS, sendTimeout, m.from.Address, msgs)
	m.sent.Add(float64(sent))
	if err != nil {
		m.failed.Add(float64(len(msgs) - sent))
		if sent == 0 {
			return retry(fmt.Errorf("%s: %w", m.server, err))
		}
		log.Warn("notifications: some emails were not sent", "sent", sent, "of", len(msgs), "err", fmt.Errorf("%s: %w", m.server, err))
	}
	log.Info("notifications: emailed", "recipients", sent, "subject", e.subject)
	return hookd.NoticeResult{Sent: true, At: now}
}
