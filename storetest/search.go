package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// searchTriggers stores the account's triggers for the search tests: hook,
// data and trigger time each, received in this order.
func searchTriggers(t *testing.T, s hookd.Store, accountID string, spec ...struct {
	hook, data string
	at         time.Duration
}) []hookd.Trigger {
	t.Helper()
	ts := make([]hookd.Trigger, len(spec))
	for i, sp := range spec {
		ts[i] = hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: accountID, Hook: sp.hook,
			Data: json.RawMessage(sp.data), Timestamp: base.Add(sp.at), ReceivedAt: base}
	}
	must(t, s.InsertTriggers(ctx(t), ts))
	return ts
}

func foundIDs(ts []hookd.TriggerSummary) []string {
	return ids(ts, func(t hookd.TriggerSummary) string { return t.ID })
}

func testSearchTriggers(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	type sp = struct {
		hook, data string
		at         time.Duration
	}
	tr := searchTriggers(t, s, a.ID,
		sp{"eventCanceled", `{"eventId":207,"reason":"Snow"}`, 3 * time.Hour},
		sp{"eventCanceled", `{"eventId":"207","reason":"Rain"}`, time.Hour},
		sp{"eventCreated", `{"eventId":207}`, 2 * time.Hour},
		sp{"eventCanceled", `{"eventId":208,"reason":"Snow"}`, 4 * time.Hour},
		sp{"eventCanceled", `{"eventId":2070,"ok":true}`, 0},
	)
	searchTriggers(t, s, b.ID, sp{"eventCanceled", `{"eventId":207,"reason":"Snow"}`, 3 * time.Hour})

	search := func(what string, f hookd.TriggerFilter, want ...hookd.Trigger) []hookd.TriggerSummary {
		t.Helper()
		f.AccountID = a.ID
		got, next, err := s.SearchTriggers(ctx(t), f)
		must(t, err)
		if next != "" && f.Limit == 0 {
			t.Errorf("%s: next cursor %q on the only page", what, next)
		}
		sameIDs(t, what, foundIDs(got), triggerIDs(want))
		return got
	}
	// Newest first by trigger time, not by reception.
	search("no filter", hookd.TriggerFilter{}, tr[3], tr[0], tr[2], tr[1], tr[4])
	search("hook", hookd.TriggerFilter{Hook: "eventCreated"}, tr[2])
	search("since inclusive, until exclusive", hookd.TriggerFilter{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour)}, tr[2], tr[1])
	num := func(v float64) []hookd.DataMatch { return []hookd.DataMatch{{Field: "eventId", Value: v}} }
	search("data.eventId=207 matches the number only", hookd.TriggerFilter{Data: num(207)}, tr[0], tr[2])
	search(`data.eventId="207" matches the string only`, hookd.TriggerFilter{Data: []hookd.DataMatch{{Field: "eventId", Value: "207"}}}, tr[1])
	search("hook and data", hookd.TriggerFilter{Hook: "eventCanceled", Data: num(207)}, tr[0])
	search("two data conditions", hookd.TriggerFilter{Data: []hookd.DataMatch{{Field: "eventId", Value: 208.0}, {Field: "reason", Value: "Snow"}}}, tr[3])
	search("a boolean", hookd.TriggerFilter{Data: []hookd.DataMatch{{Field: "ok", Value: true}}}, tr[4])
	search("the number 1 is not true", hookd.TriggerFilter{Data: []hookd.DataMatch{{Field: "ok", Value: 1.0}}})
	search("a missing field matches nothing", hookd.TriggerFilter{Data: []hookd.DataMatch{{Field: "room", Value: "207"}}})

	// Pages follow each other by cursor, with no trigger twice.
	first, next, err := s.SearchTriggers(ctx(t), hookd.TriggerFilter{AccountID: a.ID, Limit: 2})
	must(t, err)
	sameIDs(t, "first page", foundIDs(first), triggerIDs([]hookd.Trigger{tr[3], tr[0]}))
	second, next, err := s.SearchTriggers(ctx(t), hookd.TriggerFilter{AccountID: a.ID, Limit: 2, Cursor: next})
	must(t, err)
	sameIDs(t, "second page", foundIDs(second), triggerIDs([]hookd.Trigger{tr[2], tr[1]}))
	last, next, err := s.SearchTriggers(ctx(t), hookd.TriggerFilter{AccountID: a.ID, Limit: 2, Cursor: next})
	must(t, err)
	sameIDs(t, "last page", foundIDs(last), triggerIDs([]hookd.Trigger{tr[4]}))
	if next != "" {
		t.Errorf("last page has next cursor %q", next)
	}
	_, _, err = s.SearchTriggers(ctx(t), hookd.TriggerFilter{AccountID: b.ID, Cursor: tr[0].ID})
	wantCode(t, err, hookd.EINVALID, "a cursor of another account's trigger")

	// Each trigger found counts its deliveries by status (every attempt).
	w1 := webhook(t, s, a.ID, "https://one.example/h", true)
	w2 := webhook(t, s, a.ID, "https://two.example/h", true)
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Deliveries: []hookd.Delivery{
		delivery(tr[0], w1, hookd.StatusFailed, base), delivery(tr[0], w1, hookd.StatusDelivered, base),
		delivery(tr[0], w2, hookd.StatusSkipped, base), delivery(tr[1], w2, hookd.StatusDelivered, base),
	}}))
	got := search("counts", hookd.TriggerFilter{Until: base.Add(3*time.Hour + time.Millisecond), Limit: 10}, tr[0], tr[2], tr[1], tr[4])
	want := []hookd.DeliveryCounts{{Delivered: 1, Failed: 1, Skipped: 1}, {}, {Delivered: 1}, {}}
	for i := range want {
		if got[i].Deliveries != want[i] {
			t.Errorf("counts of %s = %+v, want %+v", got[i].ID, got[i].Deliveries, want[i])
		}
	}
	if string(got[0].Data) != `{"eventId":207,"reason":"Snow"}` {
		t.Errorf("data = %s, want it as stored", got[0].Data)
	}
}

// testDeliveriesFind filters the log by hook and attempt time.
func testDeliveriesFind(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w := webhook(t, s, a.ID, "https://one.example/h", true, "eventCanceled", "eventCreated")
	// Delivery IDs are made at the attempt: attempts a few seconds apart,
	// starting now.
	now := time.Now().UTC().Truncate(time.Millisecond)
	tr := triggers(a.ID, 3, now)
	tr[2].Hook = "eventCreated"
	must(t, s.InsertTriggers(ctx(t), tr))
	var ds []hookd.Delivery
	for i := range 3 {
		ds = append(ds, delivery(tr[i], w, hookd.StatusDelivered, now.Add(time.Duration(i)*time.Second)))
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))
	find := func(what string, f hookd.DeliveryFilter, want ...hookd.Delivery) {
		t.Helper()
		f.AccountID = a.ID
		got, _, err := s.Deliveries(ctx(t), f)
		must(t, err)
		sameIDs(t, what, deliveryIDs(got), deliveryIDs(want))
	}
	find("hook", hookd.DeliveryFilter{Hook: "eventCreated"}, ds[2])
	find("since inclusive", hookd.DeliveryFilter{Since: now.Add(time.Second)}, ds[2], ds[1])
	find("until exclusive", hookd.DeliveryFilter{Until: now.Add(time.Second)}, ds[0])
	find("since and until", hookd.DeliveryFilter{Since: now.Add(time.Second), Until: now.Add(2 * time.Second)}, ds[1])
	find("hook and webhook and range", hookd.DeliveryFilter{WebhookID: w.ID, Hook: "eventCanceled", Since: now}, ds[1], ds[0])
	find("a range long ago", hookd.DeliveryFilter{Since: now.Add(-48 * time.Hour), Until: now.Add(-47 * time.Hour)})
}
