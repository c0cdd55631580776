package panel_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

const (
	testAPIKey   = "hk_paneltestkey0123456789abcdefghijklmnop"
	testPassword = "correct horse battery staple"
)

// hookdEnv is a real hookd (store, dispatcher, API and panel on one
// listener) and a real receiver for its deliveries.
type hookdEnv struct {
	srv      *server.Server
	db       string            // its SQLite file
	URL      string            // the panel's base URL
	APIURL   string            // the API's base URL
	Receiver *testkit.Receiver // answers 200 unless told otherwise
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startHookd starts the real server on a random port with a SQLite file in
// a temporary folder, batches every 100ms and grey-listing after 3 failures.
// startHookd starts a real hookd for a test; mods change its settings.
func startHookd(t *testing.T, mods ...func(*server.Config)) *hookdEnv {
	t.Helper()
	level := slog.LevelWarn
	if os.Getenv("HOOKD_TEST_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: level}))
	ctx := context.Background()
	cfg := server.DefaultConfig()
	cfg.DB = filepath.Join(t.TempDir(), "hookd.db")
	cfg.Addr = "127.0.0.1:0"
	cfg.BatchInterval = 100 * time.Millisecond
	cfg.DeliveryTimeout = 2 * time.Second
	cfg.GreylistAfter, cfg.GreylistBase, cfg.GreylistMax = 3, time.Minute, time.Hour
	cfg.AllowPrivateURLs = true
	cfg.APIKey, cfg.AdminPassword = testAPIKey, testPassword
	cfg.Logger, cfg.Stderr = logger, io.Discard
	for _, m := range mods {
		m(&cfg)
	}
	s, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("server.Close: %v", err)
		}
	})
	return &hookdEnv{srv: s, db: cfg.DB, URL: s.URL(), APIURL: s.URL(), Receiver: testkit.NewReceiver(t, http.StatusOK)}
}

// restart closes e and starts another hookd on its database, as an
// operator restarts hookd with other settings (mods).
func (e *hookdEnv) restart(t *testing.T, mods ...func(*server.Config)) *hookdEnv {
	t.Helper()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	return startHookd(t, append([]func(*server.Config){func(c *server.Config) { c.DB = e.db }}, mods...)...)
}

// withCatalogue has hookd read its catalogue from a file of content, as
// --catalogue does.
func withCatalogue(t *testing.T, content string) func(*server.Config) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalogue.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) { c.Catalogue = path }
}

// api calls the real REST API with the test key.
func (e *hookdEnv) api(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	a := testkit.Call(t, method, e.APIURL+path, testAPIKey, body)
	return a.Status, a.Body
}

// storeDone stores triggers and their deliveries in the store directly,
// the triggers done: a delivery log as hookd would have written it.
func (e *hookdEnv) storeDone(t *testing.T, triggers []hookd.Trigger, deliveries []hookd.Delivery) {
	t.Helper()
	ctx := context.Background()
	if err := e.srv.Store.InsertTriggers(ctx, triggers); err != nil {
		t.Fatal(err)
	}
	done := make([]string, len(triggers))
	for i := range triggers {
		done[i] = triggers[i].ID
	}
	if err := e.srv.Store.RecordDeliveries(ctx, hookd.RecordParams{Deliveries: deliveries, DoneTriggers: done}); err != nil {
		t.Fatal(err)
	}
}

// createWebhook creates a webhook through the API, enabled, and returns it
// as the API answered (its ID and secret with it).
func (e *hookdEnv) createWebhook(t *testing.T, name, url string, hooks ...string) hookd.Webhook {
	t.Helper()
	code, body := e.api(t, "POST", "/api/v1/webhooks", map[string]any{"name": name, "url": url, "hooks": hooks})
	var wh hookd.Webhook
	if code != 201 || json.Unmarshal(body, &wh) != nil {
		t.Fatalf("create webhook %q: %d %s", name, code, body)
	}
	return wh
}

// webhooks lists the account's webhooks through the API.
func (e *hookdEnv) webhooks(t *testing.T) []hookd.Webhook {
	t.Helper()
	code, b := e.api(t, "GET", "/api/v1/webhooks", nil)
	if code != 200 {
		t.Fatalf("GET /api/v1/webhooks: %d %s", code, b)
	}
	var out struct{ Webhooks []hookd.Webhook }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Webhooks
}
