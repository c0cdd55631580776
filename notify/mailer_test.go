package notify_test

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/sqlitetest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/notify"
)

// The tests drive a Mailer's Tick against a real SQLite store and a real
// SMTP server, with an injected clock: nothing sleeps.

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

const password = "s3cret-Smtp-pw"

type fixture struct {
	t       *testing.T
	store   hookd.Store
	account hookd.Account
	webhook hookd.Webhook
	clock   *clock
	logs    *testkit.LogBuffer
	reg     *prometheus.Registry
	mailer  *notify.Mailer
}

// newFixture makes a store with an account, a webhook and a user with an
// email, and a Mailer for smtpURL (its TLS trusting roots).
func newFixture(t *testing.T, smtpURL string, conf *tls.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	s := sqlitetest.Open(t)
	f := &fixture{t: t, store: s, clock: &clock{now: t0}, logs: &testkit.LogBuffer{}, reg: prometheus.NewRegistry()}
	f.account = hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "library", CreatedAt: t0}
	must(t, s.CreateAccount(ctx, &f.account))
	f.webhook = hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook), AccountID: f.account.ID, Name: "Library site",
		URL: "https://library.example/hook", Hooks: []string{"eventAdded"}, Enabled: true, CreatedAt: t0, UpdatedAt: t0, Secret: hookd.NewSecret()}
	must(t, s.CreateWebhook(ctx, &f.webhook))
	must(t, s.CreateUser(ctx, &hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: f.account.ID, Username: "ann",
		PasswordHash: "x", Email: "ann@library.example", CreatedAt: t0}))
	var err error
	f.mailer, err = notify.New(notify.Config{Store: s, SMTP: smtpURL, From: "hookd@library.example",
		PublicURL: "https://hookd.library.example", Interval: time.Hour, Poll: time.Second, Node: "node-a", TLS: conf,
		Location: time.UTC, Now: f.clock.Now, Registerer: f.reg,
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// record stores the results of sends to the webhook's URL at the clock's
// time, with its notices, as the dispatcher does: n failures, or a success.
func (f *fixture) record(ok bool, n int) {
	f.t.Helper()
	now := f.clock.Now()
	var os []hookd.URLOutcome
	for i := range n {
		os = append(os, hookd.URLOutcome{AccountID: f.account.ID, URL: f.webhook.URL, OK: ok, At: now.Add(time.Duration(i)), Error: "HTTP 503 Service Unavailable"})
	}
	tell := func(cs []hookd.GreylistChange) ([]hookd.Trigger, []hookd.Notice) {
		var ns []hookd.Notice
		for _, c := range cs {
			if nt, ok := hookd.NoticeOf(c, f.webhook.ID, now); ok {
				ns = append(ns, nt)
			}
		}
		return nil, ns
	}
	must(f.t, f.store.RecordDeliveries(context.Background(), hookd.RecordParams{Policy: hookd.DefaultGreylistPolicy, Outcomes: os, Tell: tell}))
}

func (f *fixture) tick() { f.mailer.Tick(context.Background()) }

func (f *fixture) counted(result string) float64 {
	mfs, err := f.reg.Gather()
	must(f.t, err)
	for _, mf := range mfs {
		if mf.GetName() == "hookd_notification_emails_total" {
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestAtMostOneEmailPerHour: the recovery 5 minutes after the grey-listing
// email waits until the hour since it is over, then is sent; a webhook
// that is grey-listed again meanwhile is not told twice of it.
func TestAtMostOneEmailPerHour(t *testing.T) {
	smtp := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	f := newFixture(t, "smtp://"+smtp.Addr, nil)
	f.record(false, 3) // grey-listed
	f.tick()
	if n := len(smtp.Mails()); n != 1 {
		t.Fatalf("%d emails after the grey-listing, want 1", n)
	}
	f.clock.Add(5 * time.Minute)
	f.record(true, 1) // recovered
	for _, at := range []time.Duration{6 * time.Minute, 30 * time.Minute, time.Hour - time.Millisecond} {
		f.clock.Set(t0.Add(at))
		f.tick()
		if n := len(smtp.Mails()); n != 1 {
			t.Fatalf("%d emails at %s, want still 1 (one an hour)", n, at)
		}
	}
	f.clock.Set(t0.Add(time.Hour))
	f.tick()
	mails := smtp.Mails()
	if len(mails) != 2 || !strings.Contains(string(mails[1].Data), "works again") {
		t.Fatalf("after the hour: %d emails, want the recovery second", len(mails))
	}

	// Grey-listed and recovered and grey-listed again within the next
	// hour: the users were last told it works, so only the grey-listing
	// is news, sent once the hour is over.
	f.clock.Set(t0.Add(time.Hour + time.Minute))
	f.record(false, 3)
	f.clock.Add(time.Minute)
	f.record(true, 1)
	f.clock.Add(time.Minute)
	f.record(false, 3)
	f.tick()
	if n := len(smtp.Mails()); n != 2 {
		t.Fatalf("%d emails within the second hour, want 2", n)
	}
	f.clock.Set(t0.Add(2 * time.Hour))
	f.tick()
	f.clock.Set(t0.Add(5 * time.Hour))
	f.tick()
	mails = smtp.Mails()
	if len(mails) != 3 || !strings.Contains(string(mails[2].Data), "has paused the webhook") {
		t.Fatalf("%d emails, want a third, the grey-listing, and no more", len(mails))
	}
}

// TestSMTPFailuresAreTriedThreeTimes: a refused email is tried again after
// a minute and two more, counted each time, then given up with an error in
// the log; the password is in no line of it.
func TestSMTPFailuresAreTriedThreeTimes(t *testing.T) {
	smtp := testkit.NewSMTPServer(t, testkit.SMTPOptions{STARTTLS: true, User: "hookd", Password: password})
	f := newFixture(t, "smtp://hookd:"+password+"@"+smtp.Addr, &tls.Config{RootCAs: smtp.RootCAs})
	smtp.Refuse(errors.New("disk full"))
	f.record(false, 3)
	for i, at := range []time.Duration{0, 30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute, time.Hour} {
		f.clock.Set(t0.Add(at))
		f.tick()
		want := []float64{1, 1, 2, 2, 3, 3}[i]
		if got := f.counted("failed"); got != want {
			t.Fatalf("at %s: %v failed emails counted, want %v", at, got, want)
		}
	}
	smtp.Refuse(nil)
	f.clock.Set(t0.Add(3 * time.Hour))
	f.tick()
	if n := len(smtp.Mails()); n != 0 || f.counted("sent") != 0 {
		t.Errorf("%d emails sent after giving up, want none", n)
	}
	log := f.logs.String()
	if !strings.Contains(log, "gave up emailing about a webhook") || !strings.Contains(log, "disk full") {
		t.Errorf("the log does not tell of giving up:\n%s", log)
	}
	if strings.Contains(log, password) {
		t.Errorf("the password is in the log:\n%s", log)
	}
}

// TestTLS: STARTTLS is used when the server offers it, smtps:// speaks TLS
// from the start, a server without TLS gets plain SMTP, and a certificate
// hookd does not trust is refused (no email, no password sent).
func TestTLS(t *testing.T) {
	for _, c := range []struct {
		name    string
		opts    testkit.SMTPOptions
		scheme  string
		trust   bool
		wantTLS bool
		sent    bool
	}{
		{"STARTTLS offered", testkit.SMTPOptions{STARTTLS: true, User: "hookd", Password: password}, "smtp", true, true, true},
		{"smtps", testkit.SMTPOptions{ImplicitTLS: true, User: "hookd", Password: password}, "smtps", true, true, true},
		{"no TLS offered", testkit.SMTPOptions{}, "smtp", false, false, true},
		{"untrusted certificate", testkit.SMTPOptions{STARTTLS: true, User: "hookd", Password: password}, "smtp", false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			smtp := testkit.NewSMTPServer(t, c.opts)
			userinfo := ""
			if c.opts.User != "" {
				userinfo = c.opts.User + ":" + password + "@"
			}
			var conf *tls.Config
			if c.trust {
				conf = &tls.Config{RootCAs: smtp.RootCAs}
			}
			f := newFixture(t, c.scheme+"://"+userinfo+smtp.Addr, conf)
			f.record(false, 3)
			f.tick()
			mails := smtp.Mails()
			if !c.sent {
				if len(mails) != 0 || !strings.Contains(f.logs.String(), "certificate") {
					t.Errorf("sent %d emails to an untrusted server; log:\n%s", len(mails), f.logs.String())
				}
				return
			}
			if len(mails) != 1 {
				t.Fatalf("%d emails, want 1; log:\n%s", len(mails), f.logs.String())
			}
			if mails[0].TLS != c.wantTLS || mails[0].User != c.opts.User {
				t.Errorf("email over TLS %v as %q, want TLS %v as %q", mails[0].TLS, mails[0].User, c.wantTLS, c.opts.User)
			}
		})
	}
}

// TestDeletedWebhookIsNotTold: a notice of a webhook deleted before its
// email went is dropped.
func TestDeletedWebhookIsNotTold(t *testing.T) {
	smtp := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	f := newFixture(t, "smtp://"+smtp.Addr, nil)
	f.record(false, 3)
	must(t, f.store.DeleteWebhook(context.Background(), f.account.ID, f.webhook.ID))
	f.tick()
	f.clock.Add(2 * time.Hour)
	f.tick()
	if n := len(smtp.Mails()); n != 0 {
		t.Errorf("%d emails about a deleted webhook", n)
	}
}
