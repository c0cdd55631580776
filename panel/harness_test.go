package panel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hookd"
	"hookd/panel"
	"hookd/server"
)

const (
	testAPIKey   = "hk_paneltestkey0123456789abcdefghijklmnop"
	testPassword = "correct horse battery staple"
)

// hookdEnv is a real hookd (store, dispatcher, API and panel on one
// listener) and a real receiver for its deliveries.
type hookdEnv struct {
	srv      *server.Server
	URL      string // the panel's base URL
	APIURL   string // the API's base URL
	Receiver *receiver
}

// receiver is a local subscriber: it answers with Status (200 unless set)
// and records every body it gets.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	bodies [][]byte
}

func (rc *receiver) SetStatus(code int) {
	rc.mu.Lock()
	rc.status = code
	rc.mu.Unlock()
}

func (rc *receiver) Bodies() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		code := rc.status
		rc.mu.Unlock()
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(rc.Close)
	return rc
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startHookd starts the real server on a random port with a SQLite file in
// a temporary folder, batches every 100ms and grey-listing after 3 failures.
func startHookd(t *testing.T) *hookdEnv {
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
	s, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("server.Close: %v", err)
		}
	})
	env := &hookdEnv{srv: s, URL: s.URL(), APIURL: s.URL(), Receiver: newReceiver(t)}
	// Until the server mounts the panel itself, mount it beside the real
	// server over the same store and use cases.
	if res, err := http.Get(s.URL() + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			if os.Getenv("HOOKD_REQUIRE_ALL") == "1" {
				t.Fatal("server.Open does not mount the control panel (GET /login is 404), and HOOKD_REQUIRE_ALL=1")
			}
			h, err := panel.New(panel.Config{App: s.App, Store: s.Store, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			ps := httptest.NewServer(h)
			t.Cleanup(ps.Close)
			env.URL = ps.URL
			t.Log("server does not mount the panel yet; serving it beside the server at", ps.URL)
		}
	}
	return env
}

// api calls the real REST API with the test key.
func (e *hookdEnv) api(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.APIURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// webhooks lists the account's webhooks through the store.
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

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
