package server_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// post sends a trigger request with an API key and optional extra headers
// and returns the status, the answer's headers and its body.
func (e *env) post(key, body string, header ...string) (int, http.Header, string) {
	e.t.Helper()
	a := testkit.Call(e.t, "POST", e.url+"/api/v1/triggers", key, body, header...)
	return a.Status, a.Header, string(a.Body)
}

const eventAdded = `{"hook":"eventAdded","data":{"recurringId":1}}`

// TestIdempotencyKey: a producer that retries with the same Idempotency-Key
// gets the same answer and its trigger is delivered once; the same key with
// another body is refused; keys are per account; bad keys get 400.
func TestIdempotencyKey(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	e.createWebhook("r", rc.URL, "eventAdded")

	code, h, first := e.post(testKey, eventAdded, "Idempotency-Key", "order-42")
	if code != 202 || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first request: %d %s (replayed %q)", code, first, h.Get("Idempotent-Replayed"))
	}
	for range 3 {
		code, h, again := e.post(testKey, eventAdded, "Idempotency-Key", "order-42")
		if code != 202 || again != first || h.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s (replayed %q), want 202 %s", code, again, h.Get("Idempotent-Replayed"), first)
		}
	}
	batch := "[" + eventAdded + "," + eventAdded + "]"
	code, _, b1 := e.post(testKey, batch, "Idempotency-Key", "batch-1")
	code2, _, b2 := e.post(testKey, batch, "Idempotency-Key", "batch-1")
	if code != 202 || code2 != 202 || b1 != b2 || !strings.Contains(b1, `"triggers"`) {
		t.Fatalf("batch and its retry: %d %s / %d %s", code, b1, code2, b2)
	}

	// The same key with another body: 422, nothing stored.
	code, _, body := e.post(testKey, `{"hook":"eventAdded","data":{"recurringId":2}}`, "Idempotency-Key", "order-42")
	if code != 422 || !strings.Contains(body, `"code":"idempotency_key_reused"`) || !strings.Contains(body, "another body") {
		t.Errorf("same key, other body: %d %s", code, body)
	}

	// Another account's key space is its own.
	other := addAccount(t, e.srv)
	code, _, body = e.post(other, eventAdded, "Idempotency-Key", "order-42")
	if code != 202 || body == first {
		t.Errorf("same key in another account: %d %s, want a new trigger", code, body)
	}

	// Requests racing with one key store once and all get the same answer.
	var wg sync.WaitGroup
	answers := make([]string, 16)
	for i := range answers {
		wg.Go(func() {
			code, _, b := e.post(testKey, eventAdded, "Idempotency-Key", "race")
			if code != 202 {
				t.Errorf("racing request: %d %s", code, b)
			}
			answers[i] = b
		})
	}
	wg.Wait()
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Fatalf("racing requests got different answers: %s and %s", answers[0], a)
		}
	}

	// order-42 once, batch-1 twice (two triggers), race once.
	rc.Wait(t, 4, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // several batch intervals: no more come
	if n := rc.Count(); n != 4 {
		t.Errorf("the receiver got %d deliveries, want 4 (one per stored trigger)", n)
	}

	for _, bad := range []string{"", strings.Repeat("k", 256), "caf\u00e9", "tab\there"} {
		code, _, body := e.post(testKey, eventAdded, "Idempotency-Key", bad)
		if code != 400 || !strings.Contains(body, "Idempotency-Key") {
			t.Errorf("Idempotency-Key %q: %d %s, want 400", bad, code, body)
		}
	}
	code, _, body = e.post(testKey, eventAdded, "Idempotency-Key", "a", "Idempotency-Key", "b")
	if code != 400 {
		t.Errorf("two Idempotency-Key headers: %d %s, want 400", code, body)
	}
	if code, _, body := e.post(testKey, eventAdded, "Idempotency-Key", strings.Repeat("k", 255)); code != 202 {
		t.Errorf("a 255-character key: %d %s, want 202", code, body)
	}
}

// TestRateLimit: an account that sends more triggers than its rate gets
// 429 with Retry-After, whichever of its keys it uses; a batch counts each
// trigger; other accounts are not held back.
func TestRateLimit(t *testing.T) {
	// 1 a second: the burst is a whole batch of the largest size, and
	// storing it takes less than the second that gives one token back.
	e := start(t, func(c *server.Config) { c.RateLimit = 1 })
	batch := "[" + strings.TrimSuffix(strings.Repeat(eventAdded+",", hookd.MaxBatch), ",") + "]"
	if code, _, body := e.post(testKey, batch); code != 202 {
		t.Fatalf("a batch of %d (the burst): %d %s", hookd.MaxBatch, code, body)
	}
	// Ten more need ten seconds' worth of tokens, however slowly the batch
	// above was stored (the race detector makes it take seconds).
	ten := "[" + strings.TrimSuffix(strings.Repeat(eventAdded+",", 10), ",") + "]"
	code, h, body := e.post(testKey, ten)
	if code != 429 || !strings.Contains(body, `"code":"rate_limited"`) || h.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %s (Retry-After %q), want 429 with Retry-After", code, body, h.Get("Retry-After"))
	}
	// The limit is the account's: a second key of it does not add to it.
	acc, err := e.srv.Store.AccountByAPIKey(t.Context(), hookd.HashAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := e.srv.App.CreateAPIKey(t.Context(), acc.ID, "second key")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := e.post(second, ten); code != 429 {
		t.Errorf("another key of the same account: %d %s, want 429", code, body)
	}
	if code, _, body := e.post(addAccount(t, e.srv), ten); code != 202 {
		t.Errorf("another account's key: %d %s, want 202", code, body)
	}
	time.Sleep(time.Second) // 1 per second: one token back
	if code, _, body := e.post(testKey, eventAdded); code != 202 {
		t.Errorf("after waiting: %d %s, want 202", code, body)
	}

	off := start(t, func(c *server.Config) { c.RateLimit = 0 })
	for range 3 {
		if code, _, body := off.post(testKey, "["+strings.TrimSuffix(strings.Repeat(eventAdded+",", 10000), ",")+"]"); code != 202 {
			t.Fatalf("no limit: %d %s", code, body)
		}
	}
}
