package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

type recoveryAnswer struct {
	Recovery struct {
		ID, WebhookID, Since, Until string
		Queued                      int
	}
}

// TestRecoverSendsWhatWasMissedOnce: "our server was down from 09:00 to
// 11:00 — send us what we missed." The failed and the skipped deliveries of
// the range are sent once more, as redeliveries of them, though the URL is
// still grey-listed; asking again while they are queued queues nothing.
func TestRecoverSendsWhatWasMissedOnce(t *testing.T) {
	e := start(t, func(c *server.Config) {
		c.GreylistAfter = 2
		c.GreylistBase = time.Hour
	})
	rc := testkit.NewReceiver(t, 500)
	wh := e.createWebhook("Library site", rc.URL, "eventCanceled")
	other := e.createWebhook("Chat", testkit.NewReceiver(t, 500).URL, "eventCanceled")
	send := func(at string, eventID string) string {
		id := e.trigger(`{"hook":"eventCanceled","data":{"eventId":` + eventID + `,"reason":"Snow"},"timestamp":"` + at + `"}`)
		testkit.WaitFor(t, 10*time.Second, "the deliveries of "+id, func() bool { return len(e.deliveries("triggerId="+id)) == 2 })
		return id
	}
	before := send("2026-12-01T08:59:59Z", "1") // failed, before the range
	missed := []string{
		send("2026-12-01T09:00:00Z", "2"), // failed
		send("2026-12-01T10:00:00Z", "3"), // skipped: grey-listed
		send("2026-12-01T10:59:59Z", "4"), // skipped
	}
	after := send("2026-12-01T11:00:00Z", "5") // skipped, after the range
	if ds := e.deliveries("webhookId=" + wh.ID + "&status=skipped"); len(ds) != 3 {
		t.Fatalf("%d skipped deliveries, want 3: the URL should be grey-listed", len(ds))
	}
	sentBefore := rc.Count()

	rc.SetStatus(200)
	var got recoveryAnswer
	body := map[string]any{"since": "2026-12-01T09:00:00Z", "until": "2026-12-01T11:00:00Z"}
	if code := e.do("POST", "/api/v1/webhooks/"+wh.ID+"/recover", body, &got); code != 202 {
		t.Fatalf("recover: %d", code)
	}
	if got.Recovery.Queued != 3 || got.Recovery.WebhookID != wh.ID || got.Recovery.Since != "2026-12-01T09:00:00.000Z" ||
		got.Recovery.Until != "2026-12-01T11:00:00.000Z" || !strings.HasPrefix(got.Recovery.ID, "rcv_") {
		t.Fatalf("recovery = %+v, want 3 queued", got.Recovery)
	}
	var again recoveryAnswer
	e.do("POST", "/api/v1/webhooks/"+wh.ID+"/recover", body, &again)
	if again.Recovery.Queued != 0 {
		t.Errorf("the same recovery again queued %d, want 0", again.Recovery.Queued)
	}

	testkit.WaitFor(t, 10*time.Second, "the missed triggers sent and recorded", func() bool {
		return len(e.deliveries("webhookId="+wh.ID+"&status=delivered")) == 3
	})
	sent := rc.SentByID(sentBefore)
	for _, id := range missed {
		if sent[id] != 1 {
			t.Errorf("trigger %s sent %d times by the recovery, want once", id, sent[id])
		}
		ds := e.deliveries("triggerId=" + id + "&webhookId=" + wh.ID)
		if len(ds) != 2 || ds[0].Status != "delivered" {
			t.Fatalf("trigger %s: %+v, want the recovered delivery newest", id, ds)
		}
		d := e.deliveryDetail(ds[0].ID)
		if d.RedeliveryOf == nil || *d.RedeliveryOf != ds[1].ID {
			t.Errorf("recovered delivery of %s has redeliveryOf %v, want %s", id, d.RedeliveryOf, ds[1].ID)
		}
	}
	// The recover answer's ID tells the progress: all three sent and
	// delivered; the empty second recovery is kept too, done at once.
	var progress struct {
		Recovery struct {
			ID                                          string
			Queued, Pending, Delivered, Failed, Dropped int
			Done                                        bool
		}
	}
	if code := e.do("GET", "/api/v1/recoveries/"+got.Recovery.ID, nil, &progress); code != 200 {
		t.Fatalf("GET /api/v1/recoveries/%s: %d", got.Recovery.ID, code)
	}
	if p := progress.Recovery; p.ID != got.Recovery.ID || p.Queued != 3 || p.Pending != 0 || p.Delivered != 3 ||
		p.Failed != 0 || p.Dropped != 0 || !p.Done {
		t.Errorf("progress %+v, want 3 queued, 3 delivered, done", p)
	}
	if code := e.do("GET", "/api/v1/recoveries/"+again.Recovery.ID, nil, &progress); code != 200 || progress.Recovery.Queued != 0 || !progress.Recovery.Done {
		t.Errorf("the empty recovery: %d %+v", code, progress.Recovery)
	}
	if code := e.do("GET", "/api/v1/recoveries/rcv_unknown", nil, nil); code != 404 {
		t.Errorf("GET an unknown recovery: %d, want 404", code)
	}
	if sent[before] != 0 || sent[after] != 0 || len(sent) != 3 {
		t.Errorf("the recovery sent %v, want only the three of the range", sent)
	}
	if ds := e.deliveries("webhookId=" + other.ID + "&status=delivered"); len(ds) != 0 {
		t.Errorf("another webhook got %d recovered deliveries", len(ds))
	}
	// Sent and recorded: nothing is queued any more; their newest
	// deliveries are delivered, so recovering again finds nothing.
	e.do("POST", "/api/v1/webhooks/"+wh.ID+"/recover", body, &again)
	if again.Recovery.Queued != 0 {
		t.Errorf("recovering a range already recovered queued %d, want 0", again.Recovery.Queued)
	}
}

// TestRecoverRefusesBadRanges: a missing since, a bad time, an empty
// range and one longer than the retention are 400; an unknown webhook 404.
func TestRecoverRefusesBadRanges(t *testing.T) {
	e := start(t, func(c *server.Config) { c.Retention = 7 * 24 * time.Hour })
	wh := e.createWebhook("Library site", "http://127.0.0.1:9/", "eventCanceled")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{}, "since"},
		{map[string]any{"since": "yesterday"}, "since"},
		{map[string]any{"since": "2026-12-01T09:00:00Z", "until": "2026-12-01T09:00:00Z"}, "until"},
		{map[string]any{"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "since"},
	} {
		var out apiError
		if code := e.do("POST", "/api/v1/webhooks/"+wh.ID+"/recover", c.body, &out); code != 400 || out.Error.Fields[c.field] == "" {
			t.Errorf("recover %v: %d %+v, want 400 naming %s", c.body, code, out.Error, c.field)
		}
	}
	if code := e.do("POST", "/api/v1/webhooks/wh_01jd0000000000000000000000/recover", map[string]any{"since": "2026-12-01T09:00:00Z"}, nil); code != 404 {
		t.Errorf("recover of an unknown webhook: %d, want 404", code)
	}
}
