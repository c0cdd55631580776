package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// deliveryDetail reads one delivery with what was sent and answered.
func (e *env) deliveryDetail(id string) delivery {
	e.t.Helper()
	var d delivery
	if code := e.do("GET", "/api/v1/deliveries/"+id, nil, &d); code != 200 {
		e.t.Fatalf("GET /api/v1/deliveries/%s: %d", id, code)
	}
	return d
}

// TestDeliveryShowsWhatWasSentAndAnswered: "why did it fail?" The detail
// holds the request exactly as sent (its signature verifies with the
// webhook's secret, even after the secret is rotated), the answer's header
// and body, and a redelivery names the delivery it re-sends.
func TestDeliveryShowsWhatWasSentAndAnswered(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 500)
	rc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Trace", "abc-123")
		w.WriteHeader(500)
		w.Write([]byte(`{"error":"database down"}` + strings.Repeat(".", 2000)))
	})
	wh := e.createWebhook("Library site", rc.URL, "eventCanceled")
	id := e.trigger(`{"hook":"eventCanceled","data":{"eventId":207,"reason":"Snow"}}`)
	failed := e.waitDelivery("triggerId="+id, "failed")
	sent := rc.Requests()[0]

	d := e.deliveryDetail(failed.ID)
	if d.Request == nil || d.Request.Body == nil {
		t.Fatalf("request = %+v, want headers and body", d.Request)
	}
	if *d.Request.Body != string(sent.Body) {
		t.Errorf("request body = %s\nwant what was sent %s", *d.Request.Body, sent.Body)
	}
	for _, name := range []string{"Content-Type", "User-Agent", "webhook-id", "webhook-timestamp", "webhook-signature"} {
		if got, want := d.Request.Headers[name], sent.Header.Get(name); got != want || got == "" {
			t.Errorf("request header %s = %q, want %q as sent", name, got, want)
		}
	}
	// Rotate the secret: the logged request still verifies with the
	// secret that signed it.
	if code := e.do("POST", "/api/v1/webhooks/"+wh.ID+"/secret/rotate", nil, nil); code != 200 {
		t.Fatalf("rotate: %d", code)
	}
	d = e.deliveryDetail(failed.ID)
	h := http.Header{}
	for k, v := range d.Request.Headers {
		h.Set(k, v)
	}
	verifier, _ := standardwebhooks.NewWebhook(wh.Secret)
	if err := verifier.Verify([]byte(*d.Request.Body), h); err != nil {
		t.Errorf("the logged request does not verify with the webhook's secret: %v", err)
	}
	if d.Response == nil || d.Response.Headers["X-Request-Trace"][0] != "abc-123" ||
		!strings.HasPrefix(d.Response.Body, `{"error":"database down"}`) || len(d.Response.Body) != 1024 {
		t.Errorf("response = %+v, want its header and its first 1 KiB", d.Response)
	}
	if d.RedeliveryOf != nil {
		t.Errorf("a first send has redeliveryOf %q, want null", *d.RedeliveryOf)
	}

	var again delivery
	if code := e.do("POST", "/api/v1/deliveries/"+failed.ID+"/redeliver", nil, &again); code != 202 {
		t.Fatalf("redeliver: %d", code)
	}
	testkit.WaitFor(t, 10*time.Second, "the redelivery's result", func() bool { return e.deliveryDetail(again.ID).Status == "failed" })
	if r := e.deliveryDetail(again.ID).RedeliveryOf; r == nil || *r != failed.ID {
		t.Errorf("redelivery's redeliveryOf = %v, want %s", r, failed.ID)
	}
	if ds := e.deliveries("triggerId=" + id); len(ds) != 2 {
		t.Errorf("the trigger has %d deliveries, want 2", len(ds))
	}

	// A deleted webhook's deliveries stay readable.
	if code := e.do("DELETE", "/api/v1/webhooks/"+wh.ID, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if d := e.deliveryDetail(failed.ID); d.WebhookID != wh.ID || d.Request == nil {
		t.Errorf("a deleted webhook's delivery = %+v", d)
	}
	if ds := e.deliveries("webhookId=" + wh.ID); len(ds) != 2 {
		t.Errorf("a deleted webhook's log has %d deliveries, want 2", len(ds))
	}
}

// TestSkippedNamesTheRealFailure: once the URL is grey-listed, a skipped
// delivery says until when and names the failure that caused it.
func TestSkippedNamesTheRealFailure(t *testing.T) {
	e := start(t, func(c *server.Config) {
		c.GreylistAfter = 2
		c.GreylistBase = time.Hour
	})
	rc := testkit.NewReceiver(t, 503)
	e.createWebhook("Flaky", rc.URL, "eventDeleted")
	for range 2 {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":1}}`)
		e.waitDelivery("triggerId="+id, "failed")
	}
	id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":1}}`)
	d := e.waitDelivery("triggerId="+id, "skipped")
	for _, want := range []string{"grey-listed until", " UTC", "after 2 failures in a row", "the last was HTTP 503 Service Unavailable"} {
		if !strings.Contains(d.Error, want) {
			t.Errorf("skipped error = %q, want it to say %q", d.Error, want)
		}
	}
	if dd := e.deliveryDetail(d.ID); dd.Request != nil || dd.Response != nil {
		t.Errorf("a skipped delivery shows request %+v and response %+v, want null: nothing was sent", dd.Request, dd.Response)
	}
}
