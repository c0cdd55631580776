package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// flaky is a proxy in front of the test hookd: for each request it asks
// act what to do (forward it, answer with a status and Retry-After, or
// forward it and then drop the connection so that the answer is lost), and
// records the Idempotency-Key of every request.
type flaky struct {
	*httptest.Server
	mu   sync.Mutex
	keys []string
}

type action struct {
	status     int    // answer with this instead of forwarding
	retryAfter string // its Retry-After
	loseAnswer bool   // forward, then drop the connection
}

func newFlaky(t *testing.T, act func(n int, r *http.Request) action) *flaky {
	t.Helper()
	target, _ := url.Parse(HookdURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	f := &flaky{}
	n := 0
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/openapi.json" { // the tests' own check fetches it
			proxy.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		n++
		a := act(n, r)
		f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
		f.mu.Unlock()
		switch {
		case a.status != 0:
			if a.retryAfter != "" {
				w.Header().Set("Retry-After", a.retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(a.status)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"the store is unavailable; retry"}}`))
		case a.loseAnswer:
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// waits records the client's waits instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func clientVia(f *flaky, opts ...Option) (*Client, *waits) {
	c := New(f.URL, HookdKey, append([]Option{WithHTTPClient(http.DefaultClient)}, opts...)...)
	w := &waits{}
	c.sleep = w.sleep
	return c, w
}

func countTriggers(t *testing.T, eventID int64) int {
	t.Helper()
	page, err := NewTestClient().SearchTriggers(context.Background(), TriggerQuery{Hook: "eventDeleted", Data: map[string]any{"eventId": eventID}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Triggers)
}

// TestRetryAfterIsHonoured: a 503 with Retry-After: 2 is waited out (2 s)
// and sent again with the same Idempotency-Key; the trigger is stored once.
func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFlaky(t, func(n int, r *http.Request) action {
		if n == 1 {
			return action{status: 503, retryAfter: "2"}
		}
		return action{}
	})
	c, w := clientVia(f)
	if _, err := c.Trigger(context.Background(), EventDeleted{EventID: 90001}); err != nil {
		t.Fatal(err)
	}
	if len(w.d) != 1 || w.d[0] != 2*time.Second {
		t.Errorf("waited %v, want [2s]", w.d)
	}
	if len(f.keys) != 2 || f.keys[0] == "" || f.keys[0] != f.keys[1] {
		t.Errorf("Idempotency-Keys sent: %q; want the same one twice", f.keys)
	}
	if n := countTriggers(t, 90001); n != 1 {
		t.Errorf("%d triggers stored, want 1", n)
	}
}

// TestLostAnswerStoresOnce: the first request is stored but its answer is
// lost; the client sends it again with the same key and hookd answers
// with the first answer, storing nothing more.
func TestLostAnswerStoresOnce(t *testing.T) {
	f := newFlaky(t, func(n int, r *http.Request) action { return action{loseAnswer: n == 1} })
	c, w := clientVia(f)
	a, err := c.Trigger(context.Background(), EventDeleted{EventID: 90002})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.keys) != 2 || f.keys[0] != f.keys[1] || len(w.d) != 1 {
		t.Errorf("keys %q, waits %v; want one retry with the same key", f.keys, w.d)
	}
	if n := countTriggers(t, 90002); n != 1 {
		t.Errorf("%d triggers stored, want 1", n)
	}
	got, err := NewTestClient().TriggerByID(context.Background(), a.ID)
	if err != nil || got.Hook != "eventDeleted" {
		t.Errorf("the id answered (%s) is not the trigger stored: %v %v", a.ID, got, err)
	}
}

// TestNoBlindRetry: a call that is not safe to repeat (creating a webhook)
// is not sent again after a lost answer; 429 and 503, which store
// nothing, are retried.
func TestNoBlindRetry(t *testing.T) {
	f := newFlaky(t, func(n int, r *http.Request) action { return action{loseAnswer: true} })
	c, _ := clientVia(f)
	_, err := c.CreateWebhook(context.Background(), NewWebhook{Name: "x", URL: "http://127.0.0.1:9/", Hooks: []string{"eventAdded"}})
	if err == nil || len(f.keys) != 1 {
		t.Errorf("err %v after %d requests; want an error after 1", err, len(f.keys))
	}
}

// TestRetryAfterBeyondTheBound: a Retry-After longer than the client's
// bound is not waited for: the *Error says how long to wait.
func TestRetryAfterBeyondTheBound(t *testing.T) {
	f := newFlaky(t, func(n int, r *http.Request) action { return action{status: 429, retryAfter: "120"} })
	c, w := clientVia(f, WithMaxRetryWait(10*time.Second))
	_, err := c.Hooks(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Status != 429 || e.RetryAfter != 120*time.Second || len(w.d) != 0 || len(f.keys) != 1 {
		t.Fatalf("err %#v, waits %v, requests %d; want a 429 *Error with RetryAfter 2m, no wait, one request", err, w.d, len(f.keys))
	}
}

// TestRetriesRunOut: after WithRetries(2) the third 503 is returned.
func TestRetriesRunOut(t *testing.T) {
	f := newFlaky(t, func(n int, r *http.Request) action { return action{status: 503, retryAfter: "1"} })
	c, w := clientVia(f, WithRetries(2))
	_, err := c.Webhooks(context.Background())
	if ErrorCode(err) != CodeUnavailable || len(f.keys) != 3 || len(w.d) != 2 {
		t.Fatalf("err %v after %d requests and waits %v; want unavailable after 3 requests, 2 waits", err, len(f.keys), w.d)
	}
}

// TestEveryEndpoint calls every method of the client once against the
// real hookd (each answer checked against the OpenAPI document).
func TestEveryEndpoint(t *testing.T) {
	ctx := context.Background()
	c := NewTestClient()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer rcv.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hooks, err := c.Hooks(ctx)
	must(err)
	if len(hooks) != 18 {
		t.Errorf("%d hooks, want 16 and 2 system hooks", len(hooks))
	}
	w, err := c.CreateWebhook(ctx, NewWebhook{Name: "every", URL: rcv.URL, Hooks: []string{"eventRescheduled"}})
	must(err)
	_, err = c.Webhooks(ctx)
	must(err)
	_, err = c.Webhook(ctx, w.ID)
	must(err)
	_, err = c.UpdateWebhook(ctx, w.ID, WebhookChange{Name: Ptr("every endpoint")})
	must(err)
	s1, err := c.WebhookSecret(ctx, w.ID)
	must(err)
	s2, err := c.RotateSecret(ctx, w.ID)
	must(err)
	if s1 != w.Secret || s2 == s1 {
		t.Errorf("secrets %s, %s, %s", w.Secret, s1, s2)
	}
	test, err := c.TestWebhook(ctx, w.ID)
	must(err)
	if test.Hook != "test" || test.Status != StatusPending {
		t.Errorf("test delivery %+v", test)
	}
	tr, err := c.Trigger(ctx, EventRescheduled{OldEventID: 1, NewEventID: 2, Reason: "rain"}, At(time.Now().Add(-time.Minute)))
	must(err)
	var failed Delivery
	for deadline := time.Now().Add(10 * time.Second); ; {
		page, err := c.Deliveries(ctx, DeliveryQuery{TriggerID: tr.ID, Limit: 10})
		must(err)
		if len(page.Deliveries) == 1 && page.Deliveries[0].Status == StatusFailed {
			failed = page.Deliveries[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed delivery: %+v", page)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, err := c.Delivery(ctx, failed.ID)
	must(err)
	if d.Request == nil || d.Request.Headers["webhook-id"] != tr.ID || d.Response == nil {
		t.Errorf("delivery %+v", d)
	}
	re, err := c.Redeliver(ctx, failed.ID)
	must(err)
	if re.RedeliveryOf == nil || *re.RedeliveryOf != failed.ID {
		t.Errorf("redelivery %+v", re)
	}
	n := 0
	for d, err := range c.AllDeliveries(ctx, DeliveryQuery{WebhookID: w.ID, Limit: 1}) {
		must(err)
		if d.WebhookID != w.ID {
			t.Errorf("AllDeliveries gave %+v", d)
		}
		n++
	}
	if n < 3 { // the test, the failed delivery, its redelivery
		t.Errorf("AllDeliveries, one a page, gave %d deliveries; want 3", n)
	}
	detail, err := c.TriggerByID(ctx, tr.ID)
	must(err)
	if len(detail.Deliveries) < 1 {
		t.Errorf("trigger %+v", detail)
	}
	rec, err := c.Recover(ctx, w.ID, time.Now().Add(-time.Hour), time.Time{})
	must(err)
	if rec.WebhookID != w.ID {
		t.Errorf("recovery %+v", rec)
	}
	prog, err := c.RecoveryByID(ctx, rec.ID)
	must(err)
	if prog.ID != rec.ID || prog.Queued != rec.Queued || prog.Pending+prog.Delivered+prog.Failed+prog.Dropped != prog.Queued {
		t.Errorf("recovery progress %+v of %+v", prog, rec)
	}
	_, err = c.Greylist(ctx)
	must(err)
	if err := c.ReleaseURL(ctx, rcv.URL); err != nil && !IsNotFound(err) {
		t.Fatal(err)
	}
	k, err := c.CreateKey(ctx, "every endpoint")
	must(err)
	keys, err := c.Keys(ctx)
	must(err)
	if len(keys) < 2 || k.Key == "" {
		t.Errorf("keys %+v, new %+v", keys, k)
	}
	must(c.RevokeKey(ctx, k.ID))
	doc, err := c.OpenAPI(ctx)
	must(err)
	if len(doc) < 1000 {
		t.Errorf("openapi.json is %d bytes", len(doc))
	}
	must(c.DeleteWebhook(ctx, w.ID))
	if err := c.DeleteWebhook(ctx, w.ID); !IsNotFound(err) {
		t.Errorf("deleting twice: %v", err)
	}
}
