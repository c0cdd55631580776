package server_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

type foundTrigger struct {
	ID         string
	Hook       string
	Timestamp  string
	Data       map[string]any
	Deliveries struct{ Pending, Delivered, Failed, Skipped int }
}

// TestFindByPayloadField asks "did event 207's cancellation go out, and to
// whom?": the trigger is found by a payload field, with its counts, and its
// page lists every attempt to every webhook.
func TestFindByPayloadField(t *testing.T) {
	e := start(t, nil)
	up := testkit.NewReceiver(t, 200)
	down := testkit.NewReceiver(t, 500)
	wUp := e.createWebhook("Library site", up.URL, "eventCanceled", "eventDeleted")
	wDown := e.createWebhook("Chat", down.URL, "eventCanceled")
	id207 := e.trigger(`{"hook":"eventCanceled","data":{"eventId":207,"reason":"Snow"},"timestamp":"2026-12-01T09:30:00Z"}`)
	e.trigger(`{"hook":"eventCanceled","data":{"eventId":208,"reason":"Snow"},"timestamp":"2026-12-01T09:31:00Z"}`)
	created := e.trigger(`{"hook":"eventDeleted","data":{"eventId":207},"timestamp":"2026-12-01T08:00:00Z"}`)
	testkit.WaitFor(t, 10*time.Second, "every delivery", func() bool { return len(e.deliveries("")) == 5 })

	search := func(query string) []foundTrigger {
		t.Helper()
		var out struct {
			Triggers   []foundTrigger
			NextCursor *string
		}
		if code := e.do("GET", "/api/v1/triggers?"+query, nil, &out); code != 200 {
			t.Fatalf("GET /api/v1/triggers?%s: %d", query, code)
		}
		return out.Triggers
	}
	got := search("data.eventId=207")
	if len(got) != 2 || got[0].ID != id207 || got[1].ID != created {
		t.Fatalf("data.eventId=207 found %+v, want the cancellation then the deletion (newest first)", got)
	}
	if c := got[0].Deliveries; c.Delivered != 1 || c.Failed != 1 || c.Pending != 0 || c.Skipped != 0 {
		t.Errorf("counts of event 207's cancellation = %+v, want 1 delivered and 1 failed", c)
	}
	if got[0].Data["reason"] != "Snow" || got[0].Timestamp != "2026-12-01T09:30:00.000Z" {
		t.Errorf("found trigger = %+v", got[0])
	}
	if got := search("hook=eventCanceled&data.eventId=207"); len(got) != 1 || got[0].ID != id207 {
		t.Errorf("hook and data.eventId=207 found %+v, want the cancellation only", got)
	}
	if got := search(`data.eventId="207"`); len(got) != 0 {
		t.Errorf(`data.eventId="207" (a string) found %+v, want none: eventId is a number`, got)
	}
	if got := search("since=2026-12-01T09:00:00Z&until=2026-12-01T09:31:00Z"); len(got) != 1 || got[0].ID != id207 {
		t.Errorf("since 09:00 until 09:31 found %+v, want event 207's cancellation only", got)
	}

	// The trigger's page: every attempt, to every webhook.
	var one struct {
		ID         string
		Deliveries []delivery
	}
	if code := e.do("GET", "/api/v1/triggers/"+id207, nil, &one); code != 200 {
		t.Fatalf("GET the trigger: %d", code)
	}
	to := map[string]string{}
	for _, d := range one.Deliveries {
		to[d.WebhookID] = d.Status
	}
	if len(one.Deliveries) != 2 || to[wUp.ID] != "delivered" || to[wDown.ID] != "failed" {
		t.Errorf("the trigger's deliveries = %+v, want delivered to %s and failed to %s", one.Deliveries, wUp.ID, wDown.ID)
	}

	// The log filters by hook and attempt time.
	if ds := e.deliveries("hook=eventDeleted"); len(ds) != 1 || ds[0].TriggerID != created {
		t.Errorf("hook=eventDeleted: %+v", ds)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if ds := e.deliveries("since=" + future); len(ds) != 0 {
		t.Errorf("since an hour from now: %d deliveries, want none", len(ds))
	}
	if ds := e.deliveries("until=" + future + "&status=failed"); len(ds) != 2 || ds[0].WebhookID != wDown.ID || ds[1].WebhookID != wDown.ID {
		t.Errorf("failed until an hour from now: %+v, want both cancellations to %s", ds, wDown.ID)
	}
}

// TestFindRefusesBadParameters: each bad parameter is a 400 naming it.
func TestFindRefusesBadParameters(t *testing.T) {
	e := start(t, nil)
	for _, c := range []struct{ path, field string }{
		{"/api/v1/deliveries?since=yesterday", "since"},
		{"/api/v1/deliveries?until=2026-13-01T00:00:00Z", "until"},
		{"/api/v1/deliveries?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "until"},
		{"/api/v1/triggers?since=1733036400", "since"},
		{"/api/v1/triggers?cursor=made-up", "cursor"},
		{"/api/v1/triggers?cursor=tr_01jd0000000000000000000000", "cursor"},
		{"/api/v1/triggers?data.event%20id=1", "data.event id"},
		{`/api/v1/triggers?data.eventId="207`, "data.eventId"},
		{"/api/v1/triggers?limit=0", "limit"},
	} {
		var out apiError
		if code := e.do("GET", c.path, nil, &out); code != 400 || out.Error.Fields[c.field] == "" {
			t.Errorf("GET %s: %d %+v, want 400 naming %s", c.path, code, out.Error, c.field)
		}
	}
}
