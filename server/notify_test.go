package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

const smtpPassword = "smtp-Pa55word-never-logged"

// email is a received message, decoded.
type email struct {
	to      []string
	subject string
	body    string
	tls     bool
	user    string
}

func decodeMail(t *testing.T, m testkit.Mail) email {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("Content-Type %q, want UTF-8 text, quoted-printable", ct)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return email{to: m.To, subject: subject, body: strings.ReplaceAll(string(body), "\r\n", "\n"), tls: m.TLS, user: m.User}
}

// notifyEnv starts hookd with an SMTP server that offers STARTTLS and
// wants a password, logging at debug into logs.
func notifyEnv(t *testing.T, logs *testkit.LogBuffer, interval time.Duration) (*env, *testkit.SMTPServer) {
	smtp := testkit.NewSMTPServer(t, testkit.SMTPOptions{STARTTLS: true, User: "hookd", Password: smtpPassword})
	e := start(t, func(c *server.Config) {
		c.GreylistAfter = 2
		c.GreylistBase = 200 * time.Millisecond
		c.SMTPURL = "smtp://hookd:" + smtpPassword + "@" + smtp.Addr
		c.MailFrom = "hookd <hookd@library.example>"
		c.PublicURL = "https://hookd.library.example/"
		c.SMTPTLS = &tls.Config{RootCAs: smtp.RootCAs}
		c.NotifyInterval = interval
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return e, smtp
}

// usersWithEmail gives the admin an email and adds a user with one and a
// user without; another account's user has one too.
func (e *env) usersWithEmail() {
	e.t.Helper()
	ctx := context.Background()
	admin, err := e.srv.Store.UserByUsername(ctx, "admin")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.srv.App.SetEmail(ctx, admin.AccountID, admin.ID, "web-team@library.example"); err != nil {
		e.t.Fatal(err)
	}
	for _, u := range []app.NewUser{{Username: "clerk", Email: "clerk@library.example"}, {Username: "intern"}} {
		u.Password = "a long password 1"
		if _, err := e.srv.App.CreateUser(ctx, admin.AccountID, u); err != nil {
			e.t.Fatal(err)
		}
	}
	other, _, err := e.srv.App.CreateAccount(ctx, "other")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.srv.App.CreateUser(ctx, other.ID, app.NewUser{Username: "stranger", Password: "a long password 1", Email: "stranger@elsewhere.example"}); err != nil {
		e.t.Fatal(err)
	}
}

// failUntilGreylisted sends triggers to the webhook until two have failed.
func (e *env) failUntilGreylisted() {
	e.t.Helper()
	for range 2 {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":1}}`)
		e.waitDelivery("triggerId="+id, "failed")
	}
}

// TestEmailsWhenAWebhookIsGreylistedAndRecovers: the account's users with
// an email address get one email when a webhook is grey-listed (its name,
// URL, the failure in words, until when, a link to its deliveries) and one
// when it recovers, over STARTTLS with the SMTP password, which no log
// line shows.
func TestEmailsWhenAWebhookIsGreylistedAndRecovers(t *testing.T) {
	var logs testkit.LogBuffer
	e, smtp := notifyEnv(t, &logs, time.Millisecond)
	e.usersWithEmail()
	flaky := testkit.NewReceiver(t, 500)
	w := e.createWebhook("Library site", flaky.URL, "eventDeleted")
	e.failUntilGreylisted()

	mails := smtp.Wait(t, 2, 10*time.Second)
	var to []string
	for _, m := range mails {
		got := decodeMail(t, m)
		to = append(to, got.to...)
		if !got.tls || got.user != "hookd" {
			t.Errorf("email sent with TLS %v as %q, want over STARTTLS as hookd", got.tls, got.user)
		}
		for _, want := range []string{"Library site", flaky.URL, "the server answered HTTP 500 Internal Server Error",
			"failed 2 times in a row", "Until:", "https://hookd.library.example/settings/webhooks/" + w.ID + "/deliveries"} {
			if !strings.Contains(got.body, want) {
				t.Errorf("the grey-listed email does not say %q:\n%s", want, got.body)
			}
		}
		if got.subject != "Webhook “Library site” is paused: its URL keeps failing" {
			t.Errorf("subject %q", got.subject)
		}
		if m.From != "hookd@library.example" {
			t.Errorf("MAIL FROM %q", m.From)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"clerk@library.example", "web-team@library.example"}) {
		t.Errorf("emailed %v, want the account's two users with an address, each once", to)
	}

	flaky.SetStatus(200)
	testkit.WaitFor(t, 10*time.Second, "a delivery after the period", func() bool {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":2}}`)
		return e.waitDeliveryDone("triggerId="+id) == "delivered"
	})
	mails = smtp.Wait(t, 4, 10*time.Second)
	for _, m := range mails[2:] {
		got := decodeMail(t, m)
		if got.subject != "Webhook “Library site” works again" || !strings.Contains(got.body, flaky.URL) ||
			!strings.Contains(got.body, "/settings/webhooks/"+w.ID+"/deliveries") {
			t.Errorf("recovery email %q:\n%s", got.subject, got.body)
		}
	}
	testkit.WaitFor(t, 5*time.Second, "the metric", func() bool {
		return strings.Contains(string(testkit.Call(t, "GET", e.url+"/metrics", "", nil).Body), `hookd_notification_emails_total{result="sent"} 4`)
	})
	if strings.Contains(logs.String(), smtpPassword) {
		t.Errorf("the SMTP password is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "notifications: emailed") {
		t.Errorf("the log does not say the emails were sent:\n%s", logs.String())
	}
}

// TestOneEmailPerWebhookPerHour: a recovery minutes after the grey-listing
// email is held back (stored, waiting for the hour to pass; the notify
// package's test drives the clock past it), and a second grey-listing
// replaces it rather than adding an email.
func TestOneEmailPerWebhookPerHour(t *testing.T) {
	var logs testkit.LogBuffer
	e, smtp := notifyEnv(t, &logs, time.Hour)
	e.usersWithEmail()
	flaky := testkit.NewReceiver(t, 500)
	e.createWebhook("Library site", flaky.URL, "eventDeleted")
	e.failUntilGreylisted()
	smtp.Wait(t, 2, 10*time.Second)

	flaky.SetStatus(200)
	testkit.WaitFor(t, 10*time.Second, "a delivery after the period", func() bool {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":2}}`)
		return e.waitDeliveryDone("triggerId="+id) == "delivered"
	})
	// The recovery's notice is stored with the delivery that made it: a
	// claim an hour later finds it, still waiting; the mailer, at the real
	// time, may not take it before then.
	now := time.Now()
	ns, err := e.srv.Store.ClaimNotices(context.Background(), hookd.NoticeClaim{Node: "probe", Now: now.Add(time.Hour),
		Until: now.Add(time.Hour + time.Second), TellBefore: now, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Kind != hookd.NoticeRecovered || ns[0].Told != hookd.NoticeGreylisted {
		t.Fatalf("waiting notices %+v, want the recovery, held back", ns)
	}
	if n := len(smtp.Mails()); n != 2 {
		t.Errorf("%d emails within the hour, want the 2 of the grey-listing", n)
	}
}

// TestSMTPOutageIsLoggedWithoutCredentials: an SMTP server that refuses
// the mail makes a warning and a failed count, naming the server without
// its password; the notice is tried again later, not forever.
func TestSMTPOutageIsLoggedWithoutCredentials(t *testing.T) {
	var logs testkit.LogBuffer
	e, smtp := notifyEnv(t, &logs, time.Millisecond)
	smtp.Refuse(errors.New("mailbox store is offline"))
	e.usersWithEmail()
	flaky := testkit.NewReceiver(t, 500)
	e.createWebhook("Library site", flaky.URL, "eventDeleted")
	e.failUntilGreylisted()
	testkit.WaitFor(t, 10*time.Second, "the failure counted", func() bool {
		return strings.Contains(string(testkit.Call(t, "GET", e.url+"/metrics", "", nil).Body), `hookd_notification_emails_total{result="failed"} 2`)
	})
	log := logs.String()
	if !strings.Contains(log, "could not send an email; trying again later") || !strings.Contains(log, "mailbox store is offline") ||
		!strings.Contains(log, "smtp://"+smtp.Addr) {
		t.Errorf("the log does not tell of the refused email and the server:\n%s", log)
	}
	if strings.Contains(log, smtpPassword) {
		t.Errorf("the SMTP password is in the log:\n%s", log)
	}
}

// TestNotificationSettingsAreChecked: serve refuses an --smtp-url it
// cannot use, or one without --mail-from and --public-url, with a message
// naming the flag and never the password.
func TestNotificationSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		smtp, from, public, want string
	}{
		{"http://u:" + smtpPassword + "@mail.example.org", "a@example.org", "https://h.example.org", "--smtp-url must start with smtp://"},
		{"smtp://u:" + smtpPassword + "@mail.example.org:99999", "a@example.org", "https://h.example.org", "--smtp-url has a port"},
		{"smtp://u:" + smtpPassword + "@mail example.org", "a@example.org", "https://h.example.org", "--smtp-url is not a URL"},
		{"smtp://mail.example.org", "", "https://h.example.org", "--mail-from is required with --smtp-url"},
		{"smtp://mail.example.org", "not an address", "https://h.example.org", "--mail-from \"not an address\" is not an address"},
		{"smtp://mail.example.org", "a@example.org", "", "--public-url is required with --smtp-url"},
		{"smtp://mail.example.org", "a@example.org", "hookd.example.org", "--public-url \"hookd.example.org\" is not the panel's address"},
	} {
		cfg := server.DefaultConfig()
		cfg.SMTPURL, cfg.MailFrom, cfg.PublicURL = c.smtp, c.from, c.public
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate with %q, %q, %q: %v, want %q", notifyRedact(c.smtp), c.from, c.public, err, c.want)
		} else if strings.Contains(err.Error(), smtpPassword) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	cfg := server.DefaultConfig()
	cfg.SMTPURL, cfg.MailFrom, cfg.PublicURL = "smtps://u:p@mail.example.org", "hookd <hookd@example.org>", "https://hookd.example.org"
	if err := cfg.Validate(); err != nil {
		t.Errorf("a good smtps:// setting: %v", err)
	}
}

func notifyRedact(s string) string { return strings.ReplaceAll(s, smtpPassword, "xxxxx") }
