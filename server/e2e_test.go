package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

func TestDeliversSignedPayload(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Calendar sync", rc.URL+"/hook", "eventCanceled")
	if !strings.HasPrefix(w.Secret, "whsec_") || !w.Enabled {
		t.Fatalf("created webhook = %+v, want enabled with a whsec_ secret", w)
	}
	id := e.trigger(`{"hook":"eventCanceled","data":{"eventId":7,"reason":"Snow"},"timestamp":"2026-12-01T07:00:00Z"}`)
	testkit.WaitFor(t, 10*time.Second, "the delivery", func() bool { return rc.Count() == 1 })

	got := rc.Requests()[0]
	wantBody := `{"id":"` + id + `","hook":"eventCanceled","timestamp":"2026-12-01T07:00:00.000Z","data":{"eventId":7,"reason":"Snow"}}`
	if string(got.Body) != wantBody {
		t.Errorf("body = %s\nwant   %s", got.Body, wantBody)
	}
	if got.Header.Get("webhook-id") != id || got.Header.Get("Content-Type") != "application/json" ||
		!strings.HasPrefix(got.Header.Get("User-Agent"), "hookd/") {
		t.Errorf("headers = %v", got.Header)
	}
	wh, _ := standardwebhooks.NewWebhook(w.Secret)
	if err := wh.Verify(got.Body, got.Header); err != nil {
		t.Errorf("signature does not verify with the webhook's secret: %v", err)
	}
	e.waitDelivery("webhookId="+w.ID, "delivered")
	d := e.deliveries("triggerId=" + id)[0]
	if d.StatusCode == nil || *d.StatusCode != 200 || d.Hook != "eventCanceled" || d.URL != rc.URL+"/hook" || d.WebhookID != w.ID {
		t.Errorf("delivery = %+v", d)
	}
}

func TestFailureIsRecordedAndNotRetried(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 500)
	w := e.createWebhook("Broken", rc.URL, "eventAdded")
	e.trigger(`{"hook":"eventAdded","data":{"recurringId":1}}`)
	e.waitDelivery("webhookId="+w.ID, "failed")
	time.Sleep(300 * time.Millisecond) // six more ticks
	if n := rc.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want 1: failures are not retried", n)
	}
	d := e.deliveries("webhookId=" + w.ID)[0]
	if *d.StatusCode != 500 || !strings.Contains(d.Error, "500") {
		t.Errorf("delivery = %+v, want HTTP 500 recorded", d)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	e := start(t, nil)
	target := testkit.NewReceiver(t, 200)
	redirector := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirector.Close()
	w := e.createWebhook("Moved", redirector.URL, "eventAdded")
	e.trigger(`{"hook":"eventAdded","data":{"recurringId":1}}`)
	d := e.waitDelivery("webhookId="+w.ID, "failed")
	if *d.StatusCode != 302 || !strings.Contains(d.Error, "redirect") {
		t.Errorf("delivery = %+v, want a 302 failure saying the redirect was not followed", d)
	}
	if target.Count() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestDisabledWebhookGetsNothing(t *testing.T) {
	e := start(t, nil)
	off, on := testkit.NewReceiver(t, 200), testkit.NewReceiver(t, 200)
	w := e.createWebhook("Off", off.URL, "roomBookingCreated")
	e.createWebhook("On", on.URL, "roomBookingCreated")
	var patched webhook
	if code := e.do("PATCH", "/api/v1/webhooks/"+w.ID, `{"enabled":false}`, &patched); code != 200 || patched.Enabled {
		t.Fatalf("disable: %d %+v", code, patched)
	}
	e.trigger(`{"hook":"roomBookingCreated","data":{"bookingId":3}}`)
	testkit.WaitFor(t, 10*time.Second, "the enabled webhook's delivery", func() bool { return on.Count() == 1 })
	time.Sleep(200 * time.Millisecond)
	if off.Count() != 0 {
		t.Error("a disabled webhook received a delivery")
	}
	if ds := e.deliveries("webhookId=" + w.ID); len(ds) != 0 {
		t.Errorf("disabled webhook has deliveries %+v", ds)
	}
}

func TestOnlySubscribedHooksAreSent(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	e.createWebhook("Rooms", rc.URL, "roomBookingCreated", "roomBookingDeleted")
	e.trigger(`{"hook":"eventAdded","data":{"recurringId":1}}`)
	e.trigger(`{"hook":"roomBookingDeleted","data":{"bookingId":1}}`)
	testkit.WaitFor(t, 10*time.Second, "one delivery", func() bool { return rc.Count() == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := rc.Count(); n != 1 || !bytes.Contains(rc.Requests()[0].Body, []byte("roomBookingDeleted")) {
		t.Errorf("receiver got %d deliveries, want only roomBookingDeleted", n)
	}
}

func TestGreylistSequence(t *testing.T) {
	e := start(t, func(c *server.Config) {
		c.GreylistAfter = 2
		c.GreylistBase = 300 * time.Millisecond
		c.GreylistMax = 1200 * time.Millisecond
		c.BatchInterval = 20 * time.Millisecond
	})
	rc := testkit.NewReceiver(t, 503)
	w := e.createWebhook("Flaky", rc.URL, "eventAdded")
	other := e.createWebhook("Same URL, other webhook", rc.URL, "eventDeleted")
	send := func() string { return e.trigger(`{"hook":"eventAdded","data":{"recurringId":1}}`) }
	statusOf := func(id string) string {
		var st string
		testkit.WaitFor(t, 10*time.Second, "delivery of "+id, func() bool {
			ds := e.deliveries("triggerId=" + id)
			if len(ds) == 1 {
				st = ds[0].Status
			}
			return st != ""
		})
		return st
	}
	if st := statusOf(send()); st != "failed" {
		t.Fatalf("1st: %s", st)
	}
	if st := statusOf(send()); st != "failed" {
		t.Fatalf("2nd: %s", st)
	}
	// Two consecutive failures: grey-listed at level 1, for all the account's webhooks with the URL.
	var got webhook
	e.do("GET", "/api/v1/webhooks/"+other.ID, nil, &got)
	if got.Greylist.Level != 1 || got.Greylist.Until == nil || got.Greylist.ConsecutiveFailures != 2 {
		t.Fatalf("grey-list state = %+v, want level 1 with an end time", got.Greylist)
	}
	sentBefore := rc.Count()
	if st := statusOf(send()); st != "skipped" {
		t.Fatalf("during the period: %s, want skipped", st)
	}
	if rc.Count() != sentBefore {
		t.Fatal("a skipped delivery was sent")
	}
	var gl struct {
		Entries []struct {
			URL   string
			Level int
		}
	}
	e.do("GET", "/api/v1/greylist", nil, &gl)
	if len(gl.Entries) != 1 || gl.Entries[0].URL != rc.URL || gl.Entries[0].Level != 1 {
		t.Fatalf("grey-list = %+v", gl)
	}
	// After the period, the next delivery is tried; it fails: level 2, twice as long.
	time.Sleep(350 * time.Millisecond)
	if st := statusOf(send()); st != "failed" {
		t.Fatalf("after the period: %s, want tried and failed", st)
	}
	e.do("GET", "/api/v1/webhooks/"+w.ID, nil, &got)
	if got.Greylist.Level != 2 {
		t.Fatalf("level = %d, want 2", got.Greylist.Level)
	}
	until := *got.Greylist.Until
	if d := time.Until(until); d < 300*time.Millisecond || d > 650*time.Millisecond {
		t.Errorf("level-2 period ends in %s, want about 600ms", d)
	}
	// Release clears it at once; a success then keeps it clear.
	rc.SetStatus(200)
	if code := e.do("DELETE", "/api/v1/greylist?url="+rc.URL, nil, nil); code != 204 {
		t.Fatalf("release: %d", code)
	}
	if st := statusOf(send()); st != "delivered" {
		t.Fatalf("after release: %s", st)
	}
	e.do("GET", "/api/v1/webhooks/"+w.ID, nil, &got)
	if got.Greylist.Level != 0 || got.Greylist.ConsecutiveFailures != 0 || got.Greylist.Until != nil {
		t.Errorf("after a success: %+v, want cleared", got.Greylist)
	}
	if code := e.do("DELETE", "/api/v1/greylist?url=http://elsewhere.example/", nil, nil); code != 404 {
		t.Errorf("releasing an unknown URL: %d, want 404", code)
	}
}

func TestTestDeliveryRedeliverAndRotation(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Bookings", rc.URL, "roomBookingStatusChanged")
	var pending delivery
	if code := e.do("POST", "/api/v1/webhooks/"+w.ID+"/test", nil, &pending); code != 202 || pending.Status != "pending" {
		t.Fatalf("test: %d %+v", code, pending)
	}
	testkit.WaitFor(t, 10*time.Second, "the test delivery", func() bool { return rc.Count() == 1 })
	var body map[string]any
	json.Unmarshal(rc.Requests()[0].Body, &body)
	if body["hook"] != "test" || fmt.Sprint(body["data"]) != "map[]" {
		t.Errorf("test payload = %v", body)
	}
	testkit.WaitFor(t, 10*time.Second, "the test result in the log", func() bool {
		var d delivery
		e.do("GET", "/api/v1/deliveries/"+pending.ID, nil, &d)
		return d.Status == "delivered"
	})

	// Rotate: for a day, deliveries carry signatures by both secrets.
	var rot struct{ Secret string }
	if code := e.do("POST", "/api/v1/webhooks/"+w.ID+"/secret/rotate", nil, &rot); code != 200 || rot.Secret == w.Secret {
		t.Fatalf("rotate: %d", code)
	}
	var sec struct{ Secret string }
	e.do("GET", "/api/v1/webhooks/"+w.ID+"/secret", nil, &sec)
	if sec.Secret != rot.Secret {
		t.Errorf("GET secret = %q, want the rotated one", sec.Secret)
	}
	id := e.trigger(`{"hook":"roomBookingStatusChanged","data":{"bookingId":1,"status":"ok","statusText":"Confirmed"}}`)
	testkit.WaitFor(t, 10*time.Second, "the delivery", func() bool { return rc.Count() == 2 })
	got := rc.Requests()[1]
	for _, s := range []string{w.Secret, rot.Secret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("after rotation, a receiver with one of the secrets cannot verify: %v", err)
		}
	}

	// Redeliver: the same trigger, a new delivery row.
	first := e.waitDelivery("triggerId="+id, "delivered")
	var again delivery
	if code := e.do("POST", "/api/v1/deliveries/"+first.ID+"/redeliver", nil, &again); code != 202 || again.ID == first.ID {
		t.Fatalf("redeliver: %d %+v", code, again)
	}
	testkit.WaitFor(t, 10*time.Second, "the redelivery", func() bool { return rc.Count() == 3 })
	if h := rc.Requests()[2].Header.Get("webhook-id"); h != id {
		t.Errorf("redelivery webhook-id = %s, want the trigger id %s", h, id)
	}
	testkit.WaitFor(t, 10*time.Second, "two rows for the trigger", func() bool {
		ds := e.deliveries("triggerId=" + id)
		return len(ds) == 2 && ds[0].Status == "delivered" && ds[0].ID == again.ID
	})
}

// TestSecondRotationWithin24Hours: hookd keeps two secrets at most. After
// a second rotation within the day, deliveries are signed with the newest
// secret and the one it replaced; the first no longer verifies (docs/api.md).
func TestSecondRotationWithin24Hours(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Bookings", rc.URL, "roomBookingStatusChanged")
	secrets := []string{w.Secret}
	for range 2 {
		var rot struct{ Secret string }
		if code := e.do("POST", "/api/v1/webhooks/"+w.ID+"/secret/rotate", nil, &rot); code != 200 {
			t.Fatalf("rotate: %d", code)
		}
		secrets = append(secrets, rot.Secret)
	}
	if code := e.do("POST", "/api/v1/webhooks/"+w.ID+"/test", nil, nil); code != 202 {
		t.Fatalf("test: %d", code)
	}
	rc.Wait(t, 1, 10*time.Second)
	got := rc.Requests()[0]
	if n := len(strings.Fields(got.Header.Get("webhook-signature"))); n != 2 {
		t.Errorf("webhook-signature has %d signatures, want 2: %q", n, got.Header.Get("webhook-signature"))
	}
	for i, s := range secrets {
		wh, _ := standardwebhooks.NewWebhook(s)
		err := wh.Verify(got.Body, got.Header)
		if want := i > 0; (err == nil) != want {
			t.Errorf("secret %d of 3 verifies: %v, want %v (err %v)", i+1, err == nil, want, err)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	e := start(t, nil)
	req := func(method, path, ctype, body, key string) (int, apiError) {
		r, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ae apiError
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &ae); err != nil || ae.Error.Code == "" || ae.Error.Message == "" {
			t.Errorf("%s %s: %d %q is not the contract's error shape", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode, ae
	}
	big := `{"hook":"eventAdded","data":{"recurringId":1},"x":"` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name                    string
		method, path, ctype, bd string
		key                     string
		status                  int
		code                    string
	}{
		{"no key", "GET", "/api/v1/webhooks", "", "", "", 401, "unauthorized"},
		{"wrong key", "GET", "/api/v1/webhooks", "", "", "nope", 401, "unauthorized"},
		{"unknown webhook", "GET", "/api/v1/webhooks/wh_nope", "", "", testKey, 404, "not_found"},
		{"unknown path", "GET", "/api/v1/nothing", "", "", testKey, 404, "not_found"},
		{"wrong method", "PUT", "/api/v1/webhooks", "application/json", "{}", testKey, 405, "method_not_allowed"},
		{"too large", "POST", "/api/v1/triggers", "application/json", big, testKey, 413, "too_large"},
		{"malformed JSON", "POST", "/api/v1/triggers", "application/json", `{"hook":`, testKey, 400, "bad_request"},
		{"wrong content type", "POST", "/api/v1/triggers", "text/plain", `{}`, testKey, 415, "unsupported_media_type"},
		{"not UTF-8", "POST", "/api/v1/triggers", "application/json", "{\"hook\":\"\xff\"}", testKey, 400, "bad_request"},
		{"invalid trigger", "POST", "/api/v1/triggers", "application/json", `{"hook":"eventCanceled","data":{"eventId":"x","reason":"y"}}`, testKey, 400, "validation_failed"},
		{"bad webhook", "POST", "/api/v1/webhooks", "application/json", `{"name":"","url":"ftp://x","hooks":["nope"]}`, testKey, 400, "validation_failed"},
		{"webhook wrong type", "POST", "/api/v1/webhooks", "application/json", `{"name":5,"url":"http://127.0.0.1/","hooks":["eventAdded"]}`, testKey, 400, "validation_failed"},
		{"webhook unknown field", "POST", "/api/v1/webhooks", "application/json", `{"name":"a","url":"http://127.0.0.1/","hooks":["eventAdded"],"secret":"x"}`, testKey, 400, "validation_failed"},
		{"bad status filter", "GET", "/api/v1/deliveries?status=lost", "", "", testKey, 400, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, ae := req(c.method, c.path, c.ctype, c.bd, c.key)
			if status != c.status || ae.Error.Code != c.code {
				t.Errorf("got %d %s (%s), want %d %s", status, ae.Error.Code, ae.Error.Message, c.status, c.code)
			}
		})
	}
	_, ae := req("POST", "/api/v1/triggers", "application/json", `{"hook":"eventCanceled","data":{"eventId":"x","reason":"y"}}`, testKey)
	if ae.Error.Fields["data.eventId"] != "must be an integer" || !strings.Contains(ae.Error.Message, "data.eventId must be an integer") {
		t.Errorf("validation error = %+v, want data.eventId named", ae.Error)
	}
}

func TestBatchIsAllOrNothing(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	e.createWebhook("All", rc.URL, "eventAdded", "eventDeleted")
	var ae apiError
	code := e.do("POST", "/api/v1/triggers", `[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventDeleted","data":{"eventId":2}},{"hook":"eventDeleted","data":{}},{"hook":"eventAdded","data":{"recurringId":"4"}}]`, &ae)
	if code != 400 || ae.Error.Fields["[2].data.eventId"] == "" || ae.Error.Fields["[3].data.recurringId"] == "" {
		t.Fatalf("bad batch: %d %+v, want 400 with errors keyed by index", code, ae)
	}
	time.Sleep(200 * time.Millisecond)
	if rc.Count() != 0 {
		t.Fatal("a trigger of a refused batch was delivered")
	}
	var ok struct {
		Triggers []struct{ ID, Hook, Timestamp string }
	}
	code = e.do("POST", "/api/v1/triggers", `[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventDeleted","data":{"eventId":2}}]`, &ok)
	if code != 202 || len(ok.Triggers) != 2 || ok.Triggers[1].Hook != "eventDeleted" || ok.Triggers[0].ID == "" {
		t.Fatalf("good batch: %d %+v", code, ok)
	}
	testkit.WaitFor(t, 10*time.Second, "both deliveries", func() bool { return rc.Count() == 2 })
}

func TestPrivateURLsRefusedByDefault(t *testing.T) {
	e := start(t, func(c *server.Config) { c.AllowPrivateURLs = false })
	var ae apiError
	code := e.do("POST", "/api/v1/webhooks", map[string]any{"name": "Local", "url": "http://127.0.0.1:9/hook", "hooks": []string{"eventAdded"}}, &ae)
	if code != 400 || !strings.Contains(ae.Error.Fields["url"], "loopback") {
		t.Errorf("loopback URL: %d %+v, want 400 saying why", code, ae)
	}
	code = e.do("POST", "/api/v1/webhooks", map[string]any{"name": "Meta", "url": "http://169.254.169.254/latest", "hooks": []string{"eventAdded"}}, &ae)
	if code != 400 {
		t.Errorf("metadata address: %d, want 400", code)
	}
}

func TestDeliveriesPagination(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Many", rc.URL, "eventAdded")
	var batch []string
	for i := 0; i < 7; i++ {
		batch = append(batch, fmt.Sprintf(`{"hook":"eventAdded","data":{"recurringId":%d}}`, i))
	}
	e.trigger(`{"hook":"eventAdded","data":{"recurringId":99}}`)
	e.do("POST", "/api/v1/triggers", "["+strings.Join(batch, ",")+"]", nil)
	testkit.WaitFor(t, 10*time.Second, "8 deliveries", func() bool { return len(e.deliveries("limit=100")) == 8 })
	seen := map[string]bool{}
	cursor, pages := "", 0
	prev := "~"
	for {
		var page struct {
			Deliveries []delivery
			NextCursor *string
		}
		e.do("GET", "/api/v1/deliveries?limit=3&webhookId="+w.ID+"&cursor="+cursor, nil, &page)
		pages++
		for _, d := range page.Deliveries {
			if seen[d.ID] || d.ID >= prev {
				t.Fatalf("delivery %s repeated or out of order (newest first)", d.ID)
			}
			seen[d.ID], prev = true, d.ID
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 8 || pages != 3 {
		t.Errorf("paged through %d deliveries in %d pages, want 8 in 3", len(seen), pages)
	}
	if ds := e.deliveries("status=failed"); len(ds) != 0 {
		t.Errorf("status filter: %d failed deliveries, want 0", len(ds))
	}
}

func TestHealthAndMetricsAndHooks(t *testing.T) {
	e := start(t, nil)
	resp, err := http.Get(e.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	if m := testkit.Call(t, "GET", e.url+"/metrics", "", nil); m.Status != 200 || !bytes.Contains(m.Body, []byte("hookd_deliveries_queued")) {
		t.Errorf("metrics: %d, missing hookd metrics", m.Status)
	}
	var hooks struct {
		Hooks []struct {
			Name   string
			System bool
			Fields []struct{ Name, Type string }
		}
	}
	e.do("GET", "/api/v1/hooks", nil, &hooks)
	// The 16 of the source document, then hookd's 2 system hooks.
	if len(hooks.Hooks) != 18 || hooks.Hooks[2].Name != "eventCanceled" || hooks.Hooks[2].Fields[0].Type != "integer" ||
		hooks.Hooks[15].System || !hooks.Hooks[16].System || !hooks.Hooks[17].System {
		t.Errorf("hooks = %+v", hooks)
	}
}

func TestAccountsAreIsolated(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Mine", rc.URL, "eventAdded")
	// A second account with its own key, made through the store.
	other := addAccount(t, e.srv)
	if code := e.as(other).do("GET", "/api/v1/webhooks/"+w.ID, nil, nil); code != 404 {
		t.Errorf("another account's key sees the webhook: %d", code)
	}
	if code := e.as(other).do("POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1}}`, nil); code != 202 {
		t.Fatalf("other account's trigger: %d", code)
	}
	time.Sleep(200 * time.Millisecond)
	if rc.Count() != 0 {
		t.Error("a trigger of another account was delivered to this account's webhook")
	}
}

// TestBacklogDoesNotDelayAnotherTenant (SECURITY.md, "What one tenant can
// cost another"): account A has posted 10,000 triggers to a receiver that
// never answers, so its sends fill the node's queue (about 8,192) and drain
// only as they time out. Account B's trigger, posted after them, is claimed
// and delivered at the next ticks all the same: before any of A's sends has
// had an answer or a timeout, with A's backlog still pending.
func TestBacklogDoesNotDelayAnotherTenant(t *testing.T) {
	a := start(t, func(c *server.Config) { c.DeliveryTimeout = 30 * time.Second })
	b := a.as(addAccount(t, a.srv))
	hung := testkit.NewReceiver(t, 200)
	release := make(chan struct{})
	hung.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	rc := testkit.NewReceiver(t, 200)
	a.createWebhook("A's slow receiver", hung.URL, "eventAdded")
	b.createWebhook("B's receiver", rc.URL, "eventAdded")

	batch := "[" + strings.TrimSuffix(strings.Repeat(eventAdded+",", hookd.MaxBatch), ",") + "]"
	if code, _, body := a.post(a.key, batch); code != 202 {
		t.Fatalf("A's batch of %d: %d %s", hookd.MaxBatch, code, body)
	}
	testkit.WaitFor(t, 10*time.Second, "A's sends to fill the node's queue", func() bool {
		return a.srv.Dispatcher.Stats().Queued >= 8000
	})

	start := time.Now()
	id := b.trigger(eventAdded)
	d := b.waitDelivery("triggerId="+id, "delivered")
	took := time.Since(start)
	if ds := a.deliveries("limit=100"); len(ds) != 0 {
		t.Errorf("A has %d deliveries recorded when B's was delivered (first: %+v), want none: B's trigger waited for A's sends", len(ds), ds[0])
	}
	pending, err := a.srv.Store.PendingTriggers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if pending < hookd.MaxBatch {
		t.Errorf("%d triggers pending when B's was delivered, want A's %d still there", pending, hookd.MaxBatch)
	}
	t.Logf("B's trigger was delivered (%s) %v after it was posted, beside A's %d pending with %d sends queued (batch interval 50ms)",
		d.Status, took.Round(time.Millisecond), pending, a.srv.Dispatcher.Stats().Queued)
}
