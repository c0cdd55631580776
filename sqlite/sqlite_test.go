package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/sqlite"
	"github.com/hookd-dev/hookd/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hookd.Store {
		return sqlite.OpenForTest(t, filepath.Join(t.TempDir(), "hookd.db"))
	})
}

// TestReopen checks that what one Store wrote is there after Close and Open,
// and that Open does not apply a migration twice.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookd.db")
	s := sqlite.OpenForTest(t, path)
	ctx := t.Context()
	acc := hookd.Account{Name: "alpha"}
	if err := s.CreateAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	w := hookd.Webhook{AccountID: acc.ID, Name: "n", URL: "https://example.org/h", Hooks: []string{"eventCanceled"},
		Enabled: true, Secret: hookd.NewSecret()}
	if err := s.CreateWebhook(ctx, &w); err != nil {
		t.Fatal(err)
	}
	tr := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: acc.ID, Hook: "eventCanceled",
		Data: []byte(`{"eventId":1,"reason":"x"}`), Timestamp: time.Now()}
	if err := s.InsertTriggers(ctx, []hookd.Trigger{tr}); err != nil {
		t.Fatal(err)
	}
	version, err := s.WebhooksVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = sqlite.OpenForTest(t, path)
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on an up-to-date database: %v", err)
	}
	got, err := s.Webhook(ctx, acc.ID, w.ID)
	if err != nil {
		t.Fatalf("webhook after reopen: %v", err)
	}
	if got.Secret != w.Secret {
		t.Errorf("secret after reopen = %q, want %q", got.Secret, w.Secret)
	}
	if _, err := s.Trigger(ctx, acc.ID, tr.ID); err != nil {
		t.Errorf("trigger after reopen: %v", err)
	}
	if n, err := s.PendingTriggers(ctx); err != nil || n != 1 {
		t.Errorf("PendingTriggers after reopen = %d, %v; want 1", n, err)
	}
	if v, err := s.WebhooksVersion(ctx); err != nil || v != version {
		t.Errorf("WebhooksVersion after reopen = %d, %v; want %d", v, err, version)
	}
}

func TestOpenUnavailable(t *testing.T) {
	_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "missing-dir", "hookd.db"))
	if hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
		t.Fatalf("Open in a missing directory: %v (code %q), want %q", err, hookd.ErrorCode(err), hookd.EUNAVAILABLE)
	}
	if msg := hookd.ErrorMessage(err); !strings.Contains(msg, "cannot be opened") {
		t.Errorf("message %q does not say the file cannot be opened", msg)
	}
}
