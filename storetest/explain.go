package storetest

import (
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// testDeliveryExplained: what a delivery keeps to explain itself (the
// signature sent, the answer's header, the delivery it re-sends) is read
// back as written, from a recorded batch and from a pending row that its
// result replaces.
func testDeliveryExplained(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w := webhook(t, s, a.ID, "https://one.example/h", true)
	tr := triggers(a.ID, 1, base)
	must(t, s.InsertTriggers(ctx(t), tr))
	first := delivery(tr[0], w, hookd.StatusFailed, base)
	first.Signature = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
	first.ResponseHeaders = `{"Content-Type":["text/plain"],"Retry-After":["120"]}`
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: []hookd.Delivery{first}, Policy: policy}))
	got, err := s.Delivery(ctx(t), a.ID, first.ID)
	must(t, err)
	sameDelivery(t, "a recorded delivery", got, first)

	again := delivery(tr[0], w, hookd.StatusPending, base.Add(time.Minute))
	again.RedeliveryOf = first.ID
	must(t, s.InsertPendingDelivery(ctx(t), nil, &again))
	sent := again
	sent.Status, sent.StatusCode, sent.Signature, sent.ResponseHeaders = hookd.StatusDelivered, 200, "v1,abc", `{}`
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: []hookd.Delivery{sent}, Policy: policy}))
	got, err = s.Delivery(ctx(t), a.ID, again.ID)
	must(t, err)
	sameDelivery(t, "a redelivery after its result", got, sent)
}

// testGreylistLastError: a URL's state keeps the error of its newest failed
// send, through batches, and a success clears it with the state.
func testGreylistLastError(t *testing.T, s hookd.Store) {
	const acc, u = "acc_flaky", "https://flaky.example/h"
	fail := func(at time.Time, why string) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: acc, URL: u, At: at, Error: why}
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: []hookd.URLOutcome{
		fail(base, "HTTP 502 Bad Gateway"), fail(base, "HTTP 500 Internal Server Error")}}))
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: []hookd.URLOutcome{
		fail(base.Add(time.Second), "no answer within 10s")}}))
	st, err := urlState(ctx(t), s, acc, u)
	must(t, err)
	if st.Level != 1 || st.LastError != "no answer within 10s" {
		t.Errorf("after three failures: %+v, want level 1 and the last error", st)
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: []hookd.URLOutcome{
		{AccountID: acc, URL: u, At: base.Add(time.Hour), OK: true}, fail(base.Add(time.Hour), "HTTP 503 Service Unavailable")}}))
	st, err = urlState(ctx(t), s, acc, u)
	must(t, err)
	if st.ConsecutiveFailures != 1 || st.LastError != "HTTP 503 Service Unavailable" {
		t.Errorf("after a success and a failure: %+v, want 1 failure, HTTP 503", st)
	}
}

// testGreylistTell: the triggers that tell of grey-list changes are stored
// in the batch's transaction, pending, once per change.
func testGreylistTell(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	const u = "https://flaky.example/h"
	var told []hookd.GreylistChange
	tell := func(cs []hookd.GreylistChange) ([]hookd.Trigger, []hookd.Notice) {
		told = append(told, cs...)
		ts := triggers(a.ID, len(cs), base)
		for i := range ts {
			ts[i].Hook = "webhookGreylisted"
			if cs[i].Recovered() {
				ts[i].Hook = "webhookRecovered"
			}
		}
		return ts, nil
	}
	out := func(ok bool, at time.Time) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: a.ID, URL: u, OK: ok, At: at, Error: "HTTP 500 Internal Server Error"}
	}
	record := func(os ...hookd.URLOutcome) {
		t.Helper()
		must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: os, Tell: tell}))
	}
	record(out(false, base), out(false, base))
	if len(told) != 0 {
		t.Fatalf("told %+v before the URL was grey-listed", told)
	}
	record(out(false, base), out(false, base.Add(time.Second))) // grey-listed; the second is in flight
	if len(told) != 1 || told[0].Recovered() || told[0].After.Level != 1 || told[0].After.LastError != "HTTP 500 Internal Server Error" {
		t.Fatalf("told %+v, want one grey-listing at level 1 with the last error", told)
	}
	record(out(true, base.Add(time.Hour)))
	if len(told) != 2 || !told[1].Recovered() || told[1].Before.Level != 1 {
		t.Fatalf("told %+v, want a recovery second", told)
	}
	got := claim(t, s, "node-a", base.Add(time.Hour), base.Add(2*time.Hour), 10)
	if len(got) != 2 || got[0].Hook != "webhookGreylisted" || got[1].Hook != "webhookRecovered" {
		t.Errorf("claimed %+v, want the two system triggers, pending", got)
	}
}
