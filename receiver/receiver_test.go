package receiver_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/receiver"
)

const bodyID = "tr_01kbhzq4a8f3x1y2z3a4b5c6d7"

const body = `{"id":"tr_01kbhzq4a8f3x1y2z3a4b5c6d7","hook":"eventCanceled","timestamp":"2026-12-01T07:00:00.000Z","data":{"eventId":7,"reason":"Snow"}}`

// signed returns the headers the official Standard Webhooks library makes
// for body, sent at `at` with secret.
func signed(t *testing.T, secret, id string, at time.Time, body string) http.Header {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, at, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestVerifyOfficialSignatures(t *testing.T) {
	secret, other := hookd.NewSecret(), hookd.NewSecret()
	now := time.Now()
	good := signed(t, secret, "tr_1", now, body)
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	cases := []struct {
		name    string
		secrets []string
		h       http.Header
		body    string
		want    error // nil: verifies
	}{
		{"official signature", []string{secret}, good, body, nil},
		{"the bare base64 of the secret", []string{strings.TrimPrefix(secret, "whsec_")}, good, body, nil},
		{"4 minutes old", []string{secret}, signed(t, secret, "tr_1", now.Add(-4*time.Minute), body), body, nil},
		{"rotation: the old secret among two signatures", []string{secret},
			with(good, "webhook-signature", signed(t, other, "tr_1", now, body).Get("webhook-signature")+" "+good.Get("webhook-signature")), body, nil},
		{"rotation: a verifier of two secrets", []string{other, secret}, good, body, nil},
		{"wrong secret", []string{other}, good, body, receiver.ErrNoMatchingSecret},
		{"tampered body", []string{secret}, good, strings.Replace(body, "Snow", "Sun", 1), receiver.ErrNoMatchingSecret},
		{"re-encoded body", []string{secret}, good, strings.ReplaceAll(body, ",", ", "), receiver.ErrNoMatchingSecret},
		{"another id", []string{secret}, with(good, "webhook-id", "tr_2"), body, receiver.ErrNoMatchingSecret},
		{"6 minutes old", []string{secret}, signed(t, secret, "tr_1", now.Add(-6*time.Minute), body), body, receiver.ErrTooOld},
		{"6 minutes ahead", []string{secret}, signed(t, secret, "tr_1", now.Add(6*time.Minute), body), body, receiver.ErrTooNew},
		{"a timestamp changed", []string{secret}, with(good, "webhook-timestamp", strconv.FormatInt(now.Unix()-1, 10)), body, receiver.ErrNoMatchingSecret},
		{"no webhook-id", []string{secret}, with(good, "webhook-id", ""), body, receiver.ErrMissingHeaders},
		{"no webhook-timestamp", []string{secret}, with(good, "webhook-timestamp", ""), body, receiver.ErrMissingHeaders},
		{"no webhook-signature", []string{secret}, with(good, "webhook-signature", ""), body, receiver.ErrMissingHeaders},
		{"timestamp in words", []string{secret}, with(good, "webhook-timestamp", "yesterday"), body, receiver.ErrBadTimestamp},
		{"another version", []string{secret}, with(good, "webhook-signature", strings.Replace(good.Get("webhook-signature"), "v1,", "v1a,", 1)), body, receiver.ErrNoMatchingSecret},
		{"garbage", []string{secret}, with(good, "webhook-signature", "v1,AAAA v1 , ,,"), body, receiver.ErrNoMatchingSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := receiver.NewVerifier(c.secrets...)
			if err != nil {
				t.Fatal(err)
			}
			err = v.Verify(c.h, []byte(c.body))
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
			// The official library agrees (it knows one secret).
			if len(c.secrets) == 1 {
				wh, _ := standardwebhooks.NewWebhook(c.secrets[0])
				if official := wh.Verify([]byte(c.body), c.h); (official == nil) != (err == nil) {
					t.Errorf("the official library says %v, the kit %v", official, err)
				}
			}
		})
	}
}

// TestVerifyClock: the tolerance is measured on the verifier's clock.
func TestVerifyClock(t *testing.T) {
	secret := hookd.NewSecret()
	sent := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	h := signed(t, secret, "tr_1", sent, body)
	v, _ := receiver.NewVerifier(secret)
	for _, c := range []struct {
		now time.Time
		ok  bool
	}{{sent, true}, {sent.Add(5 * time.Minute), true}, {sent.Add(5*time.Minute + time.Second), false}, {sent.Add(-5*time.Minute - time.Second), false}} {
		v.Now = func() time.Time { return c.now }
		if err := v.Verify(h, []byte(body)); (err == nil) != c.ok {
			t.Errorf("at %s: %v", c.now, err)
		}
	}
	if _, err := receiver.NewVerifier("whsec_not base64!"); err == nil {
		t.Error("a secret that is not base64 was taken")
	}
	if _, err := receiver.NewVerifier(); err == nil {
		t.Error("no secret was taken")
	}
}

func TestPayload(t *testing.T) {
	d, err := receiver.Decode(nil, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Payload()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.(*client.EventCanceled); !ok || *got != (client.EventCanceled{EventID: 7, Reason: "Snow"}) {
		t.Errorf("payload %#v", p)
	}
	d, _ = receiver.Decode(nil, []byte(`{"id":"tr_1","hook":"orderPaid","timestamp":"2026-12-01T07:00:00.000Z","data":{"orderId":9}}`))
	p, _ = d.Payload()
	var order struct {
		OrderID int `json:"orderId"`
	}
	if c, ok := p.(client.Custom); !ok || c.Hook != "orderPaid" || d.DecodeData(&order) != nil || order.OrderID != 9 {
		t.Errorf("custom payload %#v %v", p, order)
	}
	if _, err := receiver.Decode(http.Header{"Webhook-Id": {"tr_other"}}, []byte(body)); err == nil {
		t.Error("a webhook-id other than the body's id passed")
	}
	for _, bad := range []string{`{}`, `[]`, `{"id":"x","hook":"y"}`, `{"id":"x","hook":"y","data":{},"extra":1}`, `not json`} {
		if _, err := receiver.Decode(nil, []byte(bad)); err == nil {
			t.Errorf("Decode(%s) passed", bad)
		}
	}
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := receiver.NewMemoryStore(2)
	claim := func(id string) bool { ok, _ := m.Claim(ctx, id); return ok }
	if !claim("a") || !claim("b") || claim("a") {
		t.Fatal("a, b new; a again a duplicate")
	}
	claim("c") // forgets b, the least recently claimed
	if m.Len() != 2 || claim("a") || !claim("b") {
		t.Errorf("after c: a remembered, b forgotten; len %d", m.Len())
	}
	m.Release(ctx, "b")
	if !claim("b") {
		t.Error("a released id is new again")
	}
}

// post sends a delivery to h and returns the answer's status.
func post(h http.Handler, header http.Header, body string) int {
	r := httptest.NewRequest("POST", "/hooks", strings.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestHandler(t *testing.T) {
	secret := hookd.NewSecret()
	v, _ := receiver.NewVerifier(secret)
	// Without Background, Handle runs inside ServeHTTP: when post returns,
	// it has finished, and got can be read.
	var got []string
	fail := true
	h := receiver.NewHandler(v, func(ctx context.Context, d receiver.Delivery) error {
		got = append(got, d.ID)
		if d.Hook == "eventDeleted" && fail {
			fail = false
			return errors.New("the database is down")
		}
		return nil
	})
	h.Logger = slog.New(slog.DiscardHandler)
	good := signed(t, secret, bodyID, time.Now(), body)
	if c := post(h, good, body); c != 204 {
		t.Errorf("a good delivery: %d", c)
	}
	if c := post(h, good, body); c != 200 || len(got) != 1 {
		t.Errorf("the same webhook-id again: %d, handled %d times", c, len(got))
	}
	bad := signed(t, hookd.NewSecret(), "tr_2", time.Now(), body)
	if c := post(h, bad, body); c != 401 || len(got) != 1 {
		t.Errorf("wrong secret: %d", c)
	}
	if c := post(h, good, strings.Replace(body, "7", "8", 1)); c != 401 {
		t.Errorf("tampered: %d", c)
	}
	old := signed(t, secret, "tr_3", time.Now().Add(-10*time.Minute), body)
	if c := post(h, old, body); c != 401 {
		t.Errorf("old: %d", c)
	}
	if c := post(h, http.Header{}, body); c != 401 {
		t.Errorf("no headers: %d", c)
	}
	notEnvelope := `{"hello":"world"}`
	if c := post(h, signed(t, secret, "tr_4", time.Now(), notEnvelope), notEnvelope); c != 400 {
		t.Errorf("signed, not a delivery: %d", c)
	}
	deleted := `{"id":"tr_5","hook":"eventDeleted","timestamp":"2026-12-01T07:00:00.000Z","data":{"eventId":5}}`
	sd := signed(t, secret, "tr_5", time.Now(), deleted)
	if c := post(h, sd, deleted); c != 500 {
		t.Errorf("handling failed: %d", c)
	}
	if c := post(h, sd, deleted); c != 204 || len(got) != 3 {
		t.Errorf("redelivered after a failure: %d, handled %v", c, got)
	}
	r := httptest.NewRequest("GET", "/hooks", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 {
		t.Errorf("GET: %d", w.Code)
	}
	h.MaxBody = 100
	if c := post(h, good, body+strings.Repeat(" ", 200)); c != 413 {
		t.Errorf("too large: %d", c)
	}
}

// TestHandlerBackground: with Background the answer is 202 before Handle
// has finished.
func TestHandlerBackground(t *testing.T) {
	secret := hookd.NewSecret()
	v, _ := receiver.NewVerifier(secret)
	release, done := make(chan struct{}), make(chan string, 1)
	h := &receiver.Handler{Verifier: v, Background: true, Handle: func(ctx context.Context, d receiver.Delivery) error {
		<-release
		done <- d.ID
		return nil
	}}
	if c := post(h, signed(t, secret, bodyID, time.Now(), body), body); c != 202 {
		t.Fatalf("background: %d", c)
	}
	close(release)
	if id := <-done; id != bodyID {
		t.Errorf("handled %s", id)
	}
}
