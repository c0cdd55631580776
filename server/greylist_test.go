package server_test

import (
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestGreylistIsPerAccount holds contract §4 on a running hookd: grey-listing
// is per URL within an account. Two accounts each have a webhook to one
// receiver URL; the receiver fails, and account A's failures (the default
// policy: 3 in a row) grey-list A's webhook only. B's deliveries keep being
// sent, B's webhook shows level 0 and B's grey-list is empty; when the
// receiver recovers B's deliveries succeed while A's stay skipped until A
// releases the URL, and B's release does not release A's.
func TestGreylistIsPerAccount(t *testing.T) {
	a := start(t, nil)
	b := a.as(addAccount(t, a.srv))
	rc := testkit.NewReceiver(t, 503)
	wa := a.createWebhook("A's", rc.URL, "eventAdded")
	wb := b.createWebhook("B's", rc.URL, "eventAdded")
	const added = `{"hook":"eventAdded","data":{"recurringId":1}}`
	// send posts a trigger as e's account and returns its one delivery
	// once it is recorded.
	send := func(e *env) delivery {
		t.Helper()
		id := e.trigger(added)
		var d delivery
		testkit.WaitFor(t, 10*time.Second, "the delivery of "+id, func() bool {
			ds := e.deliveries("triggerId=" + id)
			if len(ds) == 1 && ds[0].Status != "pending" {
				d = ds[0]
				return true
			}
			return false
		})
		return d
	}
	level := func(e *env, w webhook) (int, int) {
		t.Helper()
		var got webhook
		if code := e.do("GET", "/api/v1/webhooks/"+w.ID, nil, &got); code != 200 {
			t.Fatalf("GET webhook %s: %d", w.ID, code)
		}
		return got.Greylist.Level, got.Greylist.ConsecutiveFailures
	}
	entries := func(e *env) []string {
		t.Helper()
		var gl struct{ Entries []struct{ URL string } }
		if code := e.do("GET", "/api/v1/greylist", nil, &gl); code != 200 {
			t.Fatalf("GET greylist: %d", code)
		}
		var urls []string
		for _, en := range gl.Entries {
			urls = append(urls, en.URL)
		}
		return urls
	}

	for i := range 3 {
		if d := send(a); d.Status != "failed" {
			t.Fatalf("A's delivery %d: %s, want failed", i+1, d.Status)
		}
	}
	if lvl, _ := level(a, wa); lvl != 1 {
		t.Fatalf("A's webhook after 3 failures: level %d, want 1", lvl)
	}
	if got := entries(a); len(got) != 1 || got[0] != rc.URL {
		t.Errorf("A's grey-list = %v, want %s", got, rc.URL)
	}

	// B's deliveries to the same URL are still sent.
	before := rc.Count()
	if d := send(b); d.Status != "failed" || d.StatusCode == nil || *d.StatusCode != 503 {
		t.Errorf("B's delivery while A's URL is grey-listed: %+v, want sent (failed with 503)", d)
	}
	if rc.Count() != before+1 {
		t.Errorf("the receiver got %d requests for B's delivery, want 1", rc.Count()-before)
	}
	if lvl, failures := level(b, wb); lvl != 0 || failures != 1 {
		t.Errorf("B's webhook: level %d with %d failures, want level 0 with its own 1 failure", lvl, failures)
	}
	if got := entries(b); len(got) != 0 {
		t.Errorf("B's grey-list = %v, want empty", got)
	}
	if d := send(a); d.Status != "skipped" {
		t.Errorf("A's delivery during its period: %s, want skipped", d.Status)
	}

	// The receiver recovers: B's deliveries succeed, A's are still skipped.
	rc.SetStatus(200)
	before = rc.Count()
	if d := send(b); d.Status != "delivered" {
		t.Errorf("B's delivery after the receiver recovered: %s, want delivered", d.Status)
	}
	if rc.Count() != before+1 {
		t.Errorf("the receiver got %d requests for B's delivery, want 1", rc.Count()-before)
	}
	if d := send(a); d.Status != "skipped" {
		t.Errorf("A's delivery after B's success: %s, want skipped (A's period is not over)", d.Status)
	}
	if lvl, failures := level(a, wa); lvl != 1 || failures != 3 {
		t.Errorf("A's webhook after B's success: level %d with %d failures, want level 1 with 3", lvl, failures)
	}

	// B releasing the URL releases B's state only.
	if code := b.do("DELETE", "/api/v1/greylist?url="+rc.URL, nil, nil); code != 204 {
		t.Fatalf("B's release: %d", code)
	}
	if lvl, _ := level(a, wa); lvl != 1 {
		t.Errorf("A's webhook after B's release: level %d, want still 1", lvl)
	}
	if d := send(a); d.Status != "skipped" {
		t.Errorf("A's delivery after B's release: %s, want skipped", d.Status)
	}
	if code := a.do("DELETE", "/api/v1/greylist?url="+rc.URL, nil, nil); code != 204 {
		t.Fatalf("A's release: %d", code)
	}
	if d := send(a); d.Status != "delivered" {
		t.Errorf("A's delivery after A's release: %s, want delivered", d.Status)
	}
	if lvl, failures := level(a, wa); lvl != 0 || failures != 0 {
		t.Errorf("A's webhook after a success: level %d with %d failures, want healthy", lvl, failures)
	}
}
