package server_test

import (
	"context"
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestTwoPostgresNodesSendOneEmail: two nodes on one PostgreSQL store, both
// with --smtp-url, both dispatching and both looking for notices: the
// grey-listing is emailed once to each user, not once per node.
func TestTwoPostgresNodesSendOneEmail(t *testing.T) {
	db := pgtest.Database(t)
	smtp := testkit.NewSMTPServer(t, testkit.SMTPOptions{STARTTLS: true, User: "hookd", Password: smtpPassword})
	node := func() *env {
		return start(t, func(c *server.Config) {
			c.DB = db
			c.GreylistAfter = 2
			c.GreylistBase = time.Minute
			c.SMTPURL = "smtp://hookd:" + smtpPassword + "@" + smtp.Addr
			c.MailFrom = "hookd@library.example"
			c.PublicURL = "https://hookd.library.example"
			c.SMTPTLS = &tls.Config{RootCAs: smtp.RootCAs}
			c.NotifyInterval = time.Hour
			c.Stderr = io.Discard
		})
	}
	a, b := node(), node()
	a.usersWithEmail()
	flaky := testkit.NewReceiver(t, 500)
	a.createWebhook("Library site", flaky.URL, "eventDeleted")
	// One trigger through each node: either node's dispatcher may send it.
	// Generous waits: two nodes and PostgreSQL on a busy machine.
	for _, e := range []*env{a, b} {
		e.trigger(`{"hook":"eventDeleted","data":{"eventId":1}}`)
	}
	testkit.WaitFor(t, 30*time.Second, "two failed deliveries", func() bool { return len(a.deliveries("status=failed")) == 2 })
	smtp.Wait(t, 2, 30*time.Second)

	// Once no notice waits, nothing more can be sent: count then.
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	testkit.WaitFor(t, 30*time.Second, "no notice waiting", func() bool {
		var waiting int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM webhook_notices WHERE event_id <> '' OR told_at IS NULL`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		return waiting == 0
	})
	if n := len(smtp.Mails()); n != 2 {
		t.Errorf("%d emails from two nodes, want 2 (one per user)", n)
	}
}
