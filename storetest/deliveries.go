package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

func sameDelivery(t *testing.T, what string, got, want hookd.Delivery) {
	t.Helper()
	sameTime(t, what+" AttemptedAt", got.AttemptedAt, want.AttemptedAt)
	got.AttemptedAt, want.AttemptedAt = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testInsertPendingDelivery(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	w := webhook(t, s, a.ID, "https://example.org/h", true)

	// A test delivery: its trigger is stored as done, never claimed.
	test := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: a.ID, Hook: hookd.TestHook,
		Data: []byte(`{}`), Timestamp: base, ReceivedAt: base}
	d := delivery(test, w, hookd.StatusPending, base)
	must(t, s.InsertPendingDelivery(ctx(t), &test, &d))
	got, err := s.Trigger(ctx(t), a.ID, test.ID)
	must(t, err)
	if got.Hook != hookd.TestHook || string(got.Data) != `{}` {
		t.Errorf("test trigger = %+v, want hook test and data {}", got)
	}
	if n := pending(t, s); n != 0 {
		t.Errorf("PendingTriggers after a test delivery = %d, want 0", n)
	}
	if c := claim(t, s, "node-a", base.Add(time.Hour), base.Add(2*time.Hour), 10); len(c) != 0 {
		t.Errorf("a test trigger was claimed: %v", triggerIDs(c))
	}
	gd, err := s.Delivery(ctx(t), a.ID, d.ID)
	must(t, err)
	sameDelivery(t, "pending delivery", gd, d)
	wantCode(t, errOf(s.Delivery(ctx(t), b.ID, d.ID)), hookd.ENOTFOUND, "Delivery of another account")

	// The send's result replaces the pending row.
	sent := d
	sent.Status, sent.StatusCode, sent.DurationMs = hookd.StatusDelivered, 204, 42
	sent.Response = "ok"
	sent.AttemptedAt = base.Add(time.Second)
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: []hookd.Delivery{sent}, Policy: policy}))
	gd, err = s.Delivery(ctx(t), a.ID, d.ID)
	must(t, err)
	sameDelivery(t, "delivery after its result was recorded", gd, sent)
	list, _, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID})
	must(t, err)
	sameIDs(t, "Deliveries after the replacement", deliveryIDs(list), []string{d.ID})

	// A redelivery has no new trigger.
	tr := triggers(a.ID, 1, base)[0]
	must(t, s.InsertTriggers(ctx(t), []hookd.Trigger{tr}))
	again := delivery(tr, w, hookd.StatusPending, base.Add(time.Minute))
	must(t, s.InsertPendingDelivery(ctx(t), nil, &again))
	gd, err = s.Delivery(ctx(t), a.ID, again.ID)
	must(t, err)
	sameDelivery(t, "pending redelivery", gd, again)
}

func testRecordDeliveries(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w1 := webhook(t, s, a.ID, "https://one.example/h", true)
	w2 := webhook(t, s, a.ID, "https://two.example/h", true)
	ts := triggers(a.ID, 600, base)
	must(t, s.InsertTriggers(ctx(t), ts))
	claim(t, s, "node-a", base, base.Add(time.Minute), len(ts))

	// One batch as a dispatcher writes it: thousands of rows, one transaction.
	var ds []hookd.Delivery
	for i, tr := range ts {
		d1 := delivery(tr, w1, hookd.StatusDelivered, base.Add(time.Second))
		d1.Response = strings.Repeat("x", i%100)
		d2 := delivery(tr, w2, hookd.StatusFailed, base.Add(2*time.Second))
		ds = append(ds, d1, d2)
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{
		Deliveries:   ds,
		DoneTriggers: triggerIDs(ts),
		Outcomes:     []hookd.URLOutcome{{AccountID: a.ID, URL: w1.URL, OK: true, At: base}, {AccountID: a.ID, URL: w2.URL, At: base}},
		Policy:       policy,
	}))
	if n := pending(t, s); n != 0 {
		t.Errorf("PendingTriggers after recording = %d, want 0", n)
	}
	for _, i := range []int{0, 1, 599, 1199} {
		got, err := s.Delivery(ctx(t), a.ID, ds[i].ID)
		must(t, err)
		sameDelivery(t, "recorded delivery", got, ds[i])
	}
	var all []hookd.Delivery
	cursor := ""
	for {
		page, next, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, Limit: 500, Cursor: cursor})
		must(t, err)
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != len(ds) {
		t.Errorf("Deliveries = %d rows, want %d", len(all), len(ds))
	}
	st, err := urlState(ctx(t), s, a.ID, w2.URL)
	must(t, err)
	sameState(t, "URL state of the failing URL", st, hookd.URLState{AccountID: a.ID, URL: w2.URL, ConsecutiveFailures: 1})
}

func testRecordDeliveriesGreylist(t *testing.T, s hookd.Store) {
	const acc, u = "acc_flaky", "https://flaky.example/h"
	record := func(outcomes ...hookd.URLOutcome) {
		t.Helper()
		must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: outcomes, Policy: policy}))
	}
	fail := func(at time.Time) hookd.URLOutcome { return hookd.URLOutcome{AccountID: acc, URL: u, At: at} }
	ok := func(at time.Time) hookd.URLOutcome { return hookd.URLOutcome{AccountID: acc, URL: u, OK: true, At: at} }
	state := func() hookd.URLState {
		t.Helper()
		st, err := urlState(ctx(t), s, acc, u)
		must(t, err)
		return st
	}

	// Outcomes apply in order: a success last clears the failures before it.
	record(fail(base), fail(base), ok(base))
	if st := state(); !st.Healthy() || st.URL != u {
		t.Errorf("after fail, fail, ok: state = %+v, want healthy", st)
	}
	// A success first does not clear the failures after it.
	record(ok(base), fail(base), fail(base))
	sameState(t, "after ok, fail, fail", state(), hookd.URLState{AccountID: acc, URL: u, ConsecutiveFailures: 2})

	// Each batch reads the state the previous one wrote.
	want := hookd.URLState{AccountID: acc, URL: u, ConsecutiveFailures: 2}
	steps := []struct {
		name string
		at   time.Time
	}{
		{"the third failure: level 1 for 1m", base.Add(time.Second)},
		{"a failure in flight during the period: counted, no new period", base.Add(2 * time.Second)},
		{"the first try after the period: level 2 for 2m", base.Add(time.Minute + 2*time.Second)},
		{"a failure after the second period: level 3 for 4m", base.Add(4 * time.Minute)},
	}
	for _, step := range steps {
		record(fail(step.at))
		want = policy.Apply(want, false, step.at)
		sameState(t, "after "+step.name, state(), want)
	}
	if want.Level != 3 || !want.Until.Equal(base.Add(8*time.Minute)) {
		t.Fatalf("test setup: want level 3 until +8m, have %+v", want)
	}

	// Several URLs in one batch, interleaved.
	const v = "https://other.example/h"
	record(hookd.URLOutcome{AccountID: acc, URL: v, At: base}, ok(base.Add(time.Hour)), hookd.URLOutcome{AccountID: acc, URL: v, At: base})
	if st := state(); !st.Healthy() {
		t.Errorf("after a success: state = %+v, want healthy", st)
	}
	st, err := urlState(ctx(t), s, acc, v)
	must(t, err)
	sameState(t, "the other URL", st, hookd.URLState{AccountID: acc, URL: v, ConsecutiveFailures: 2})

	// A zero policy means the documented defaults (3 failures, 1m).
	const z = "https://zero.example/h"
	zf := hookd.URLOutcome{AccountID: acc, URL: z, At: base}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: []hookd.URLOutcome{zf, zf}}))
	st, err = urlState(ctx(t), s, acc, z)
	must(t, err)
	sameState(t, "two failures with the default policy", st, hookd.URLState{AccountID: acc, URL: z, ConsecutiveFailures: 2})
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: []hookd.URLOutcome{zf}}))
	st, err = urlState(ctx(t), s, acc, z)
	must(t, err)
	sameState(t, "three failures with the default policy", st,
		hookd.URLState{AccountID: acc, URL: z, ConsecutiveFailures: 3, Level: 1, Until: base.Add(time.Minute)})
}

// deliveryLog writes deliveries of two webhooks and two triggers of account
// a, and one of account b, and returns a's in the order they were made.
func deliveryLog(t *testing.T, s hookd.Store) (a hookd.Account, w1, w2 hookd.Webhook, tr []hookd.Trigger, ds []hookd.Delivery) {
	t.Helper()
	a = account(t, s, "alpha")
	b := account(t, s, "beta")
	w1 = webhook(t, s, a.ID, "https://one.example/h", true)
	w2 = webhook(t, s, a.ID, "https://two.example/h", true)
	wb := webhook(t, s, b.ID, "https://one.example/h", true)
	tr = triggers(a.ID, 2, base)
	trb := triggers(b.ID, 1, base)
	must(t, s.InsertTriggers(ctx(t), append(slices.Clone(tr), trb...)))
	statuses := []string{hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped, hookd.StatusDelivered}
	for i := range 8 {
		w := []hookd.Webhook{w1, w2}[i%2]
		ds = append(ds, delivery(tr[i/4], w, statuses[i%4], base.Add(time.Duration(i)*time.Second)))
	}
	other := delivery(trb[0], wb, hookd.StatusDelivered, base)
	// Written in two batches, the second one first: order comes from IDs.
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: reversed(ds[4:]), Policy: policy}))
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: append(reversed(ds[:4]), other), Policy: policy}))
	return
}

func testDeliveries(t *testing.T, s hookd.Store) {
	a, w1, w2, tr, ds := deliveryLog(t, s)
	filter := func(f hookd.DeliveryFilter) []hookd.Delivery {
		t.Helper()
		f.AccountID = a.ID
		got, next, err := s.Deliveries(ctx(t), f)
		must(t, err)
		if next != "" {
			t.Errorf("Deliveries(%+v): next cursor %q on the only page, want empty", f, next)
		}
		return got
	}
	where := func(keep func(d hookd.Delivery) bool) []string {
		var out []string
		for _, d := range reversed(ds) {
			if keep(d) {
				out = append(out, d.ID)
			}
		}
		return out
	}

	got := filter(hookd.DeliveryFilter{})
	sameIDs(t, "Deliveries, newest first", deliveryIDs(got), where(func(hookd.Delivery) bool { return true }))
	if len(got) > 0 {
		sameDelivery(t, "Deliveries[0]", got[0], ds[len(ds)-1])
	}
	got = filter(hookd.DeliveryFilter{WebhookID: w2.ID})
	sameIDs(t, "Deliveries of webhook 2", deliveryIDs(got), where(func(d hookd.Delivery) bool { return d.WebhookID == w2.ID }))
	got = filter(hookd.DeliveryFilter{TriggerID: tr[0].ID})
	sameIDs(t, "Deliveries of trigger 1", deliveryIDs(got), where(func(d hookd.Delivery) bool { return d.TriggerID == tr[0].ID }))
	got = filter(hookd.DeliveryFilter{Status: hookd.StatusDelivered})
	sameIDs(t, "delivered deliveries", deliveryIDs(got), where(func(d hookd.Delivery) bool { return d.Status == hookd.StatusDelivered }))
	got = filter(hookd.DeliveryFilter{WebhookID: w1.ID, TriggerID: tr[1].ID, Status: hookd.StatusSkipped})
	sameIDs(t, "all three filters", deliveryIDs(got), where(func(d hookd.Delivery) bool {
		return d.WebhookID == w1.ID && d.TriggerID == tr[1].ID && d.Status == hookd.StatusSkipped
	}))
	got = filter(hookd.DeliveryFilter{Status: hookd.StatusPending})
	sameIDs(t, "pending deliveries", deliveryIDs(got), nil)
	if got == nil {
		t.Error("Deliveries with no match = nil, want an empty slice (the API answers [])")
	}

	// Another account's filter on a's webhook finds nothing.
	list, _, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: "acc_other", WebhookID: w1.ID})
	must(t, err)
	if len(list) != 0 {
		t.Errorf("another account sees %d of a's deliveries", len(list))
	}
	wantCode(t, errOf(s.Delivery(ctx(t), a.ID, "dl_unknown")), hookd.ENOTFOUND, "Delivery of an unknown ID")
}

func testDeliveriesPagination(t *testing.T, s hookd.Store) {
	a, w1, _, _, ds := deliveryLog(t, s)
	want := deliveryIDs(reversed(ds))
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		list, next, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, Limit: 3, Cursor: cursor})
		must(t, err)
		if len(list) > 3 {
			t.Fatalf("page %d has %d deliveries, want at most 3", page, len(list))
		}
		got = append(got, deliveryIDs(list)...)
		if next == "" {
			break
		}
		if page > len(ds) {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	sameIDs(t, "every page, in order", got, want)

	// A page that ends exactly at the last delivery has no next cursor.
	list, next, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, WebhookID: w1.ID, Limit: 2})
	must(t, err)
	if len(list) != 2 || next == "" {
		t.Fatalf("first page of webhook 1: %d deliveries, next %q; want 2 and a cursor", len(list), next)
	}
	list, next, err = s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, WebhookID: w1.ID, Limit: 2, Cursor: next})
	must(t, err)
	if len(list) != 2 || next != "" {
		t.Errorf("last page of webhook 1: %d deliveries, next %q; want 2 and no cursor", len(list), next)
	}
}

func testDeliveriesDefaultLimit(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w := webhook(t, s, a.ID, "https://example.org/h", true)
	ts := triggers(a.ID, 60, base)
	must(t, s.InsertTriggers(ctx(t), ts))
	var ds []hookd.Delivery
	for _, tr := range ts {
		ds = append(ds, delivery(tr, w, hookd.StatusDelivered, base))
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))
	list, next, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID})
	must(t, err)
	if len(list) != 50 || next == "" {
		t.Fatalf("Deliveries with no limit: %d deliveries, next %q; want 50 and a cursor", len(list), next)
	}
	sameIDs(t, "first page", deliveryIDs(list), deliveryIDs(reversed(ds))[:50])
	list, next, err = s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, Cursor: next})
	must(t, err)
	sameIDs(t, "second page", deliveryIDs(list), deliveryIDs(reversed(ds))[50:])
	if next != "" {
		t.Errorf("second page's next cursor = %q, want none", next)
	}
}

func testLastDeliveries(t *testing.T, s hookd.Store) {
	a, w1, w2, tr, ds := deliveryLog(t, s)
	w3 := webhook(t, s, a.ID, "https://three.example/h", true) // never delivered to
	got, err := s.LastDeliveries(ctx(t), a.ID)
	must(t, err)
	if len(got) != 2 {
		t.Errorf("LastDeliveries = %d webhooks, want 2", len(got))
	}
	sameDelivery(t, "last delivery of webhook 1", got[w1.ID], ds[6])
	sameDelivery(t, "last delivery of webhook 2", got[w2.ID], ds[7])
	if _, ok := got[w3.ID]; ok {
		t.Error("LastDeliveries has a webhook with no delivery")
	}

	// A newer delivery becomes the last one.
	d := delivery(tr[0], w1, hookd.StatusFailed, base.Add(time.Hour))
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: []hookd.Delivery{d}, Policy: policy}))
	got, err = s.LastDeliveries(ctx(t), a.ID)
	must(t, err)
	sameDelivery(t, "last delivery of webhook 1 after another", got[w1.ID], d)

	got, err = s.LastDeliveries(ctx(t), "acc_nobody")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("LastDeliveries of an account with no webhook = %d, want 0", len(got))
	}
}

// twoAccounts is what the tests of a delivery summary start from: account
// a with webhooks w1 and w2, account b with wb at w1's URL, and a trigger
// of each (tr, trb) stored.
type twoAccounts struct {
	a          hookd.Account
	w1, w2, wb hookd.Webhook
	tr, trb    hookd.Trigger
}

func newTwoAccounts(t *testing.T, s hookd.Store) twoAccounts {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	f := twoAccounts{
		a:   a,
		w1:  webhook(t, s, a.ID, "https://one.example/h", true),
		w2:  webhook(t, s, a.ID, "https://two.example/h", true),
		wb:  webhook(t, s, b.ID, "https://one.example/h", true),
		tr:  triggers(a.ID, 1, base)[0],
		trb: triggers(b.ID, 1, base)[0],
	}
	must(t, s.InsertTriggers(ctx(t), []hookd.Trigger{f.tr, f.trb}))
	return f
}

// at is the time d after base.
func at(d time.Duration) time.Time { return base.Add(d) }

func testDeliveryStats(t *testing.T, s hookd.Store) {
	f := newTwoAccounts(t, s)
	a, w1, w2, wb, tr, trb := f.a, f.w1, f.w2, f.wb, f.tr, f.trb
	ds := []hookd.Delivery{
		delivery(tr, w1, hookd.StatusDelivered, at(-time.Minute)), // before since
		delivery(tr, w1, hookd.StatusDelivered, at(0)),
		delivery(tr, w1, hookd.StatusDelivered, at(59*time.Second+999*time.Millisecond)),
		delivery(tr, w1, hookd.StatusFailed, at(30*time.Second)),
		delivery(tr, w1, hookd.StatusDelivered, at(60*time.Second)),
		delivery(tr, w2, hookd.StatusSkipped, at(3*time.Minute+5*time.Second)),
		delivery(tr, w2, hookd.StatusSkipped, at(3*time.Minute+6*time.Second)),
		delivery(trb, wb, hookd.StatusDelivered, at(0)),
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))

	got, err := s.DeliveryStats(ctx(t), a.ID, base)
	must(t, err)
	want := []hookd.DeliveryStat{
		{WebhookID: w1.ID, Minute: base, Status: hookd.StatusDelivered, Count: 2},
		{WebhookID: w1.ID, Minute: base, Status: hookd.StatusFailed, Count: 1},
		{WebhookID: w1.ID, Minute: base.Add(time.Minute), Status: hookd.StatusDelivered, Count: 1},
		{WebhookID: w2.ID, Minute: base.Add(3 * time.Minute), Status: hookd.StatusSkipped, Count: 2},
	}
	order := func(x, y hookd.DeliveryStat) int {
		if c := strings.Compare(x.WebhookID, y.WebhookID); c != 0 {
			return c
		}
		if c := x.Minute.Compare(y.Minute); c != 0 {
			return c
		}
		return strings.Compare(x.Status, y.Status)
	}
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if len(got) != len(want) {
		t.Fatalf("DeliveryStats:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i].WebhookID != want[i].WebhookID || got[i].Status != want[i].Status || got[i].Count != want[i].Count {
			t.Errorf("DeliveryStats[%d] = %+v, want %+v", i, got[i], want[i])
		}
		sameTime(t, "DeliveryStats Minute", got[i].Minute, want[i].Minute)
	}
}

func testWebhookHealth(t *testing.T, s hookd.Store) {
	f := newTwoAccounts(t, s)
	a, w1, w2, wb, tr, trb := f.a, f.w1, f.w2, f.wb, f.tr, f.trb
	w3 := webhook(t, s, a.ID, "https://three.example/h", true) // nothing since
	// Delivery IDs are made at the attempt: these are made in time order.
	ds := []hookd.Delivery{
		delivery(tr, w3, hookd.StatusFailed, at(-2*time.Minute)),
		delivery(tr, w1, hookd.StatusFailed, at(-time.Minute)), // before since
		delivery(tr, w1, hookd.StatusDelivered, at(0)),
		delivery(tr, w1, hookd.StatusFailed, at(10*time.Second)),
	}
	newest := delivery(tr, w1, hookd.StatusFailed, at(40*time.Second))
	newest.StatusCode, newest.Error = 0, "connection refused"
	ds = append(ds, newest,
		delivery(tr, w1, hookd.StatusDelivered, at(50*time.Second)),
		delivery(tr, w1, hookd.StatusSkipped, at(55*time.Second)),
		delivery(tr, w2, hookd.StatusDelivered, at(3*time.Minute)),
		delivery(trb, wb, hookd.StatusFailed, at(0)),
	)
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))

	got, err := s.WebhookHealth(ctx(t), a.ID, base)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("WebhookHealth has %d webhooks, want 2 (w1, w2): %+v", len(got), got)
	}
	h1 := got[w1.ID]
	if h1.Delivered != 2 || h1.Failed != 2 || h1.Skipped != 1 {
		t.Errorf("w1's health = %d delivered, %d failed, %d skipped; want 2, 2, 1", h1.Delivered, h1.Failed, h1.Skipped)
	}
	if f := h1.LastFailure; f == nil {
		t.Error("w1 has no last failure")
	} else {
		if f.ID != newest.ID || f.Error != "connection refused" || f.StatusCode != 0 || f.Status != hookd.StatusFailed ||
			f.WebhookID != w1.ID || f.Hook != newest.Hook {
			t.Errorf("w1's last failure = %+v, want the newest one (%s, connection refused)", f, newest.ID)
		}
		sameTime(t, "LastFailure.AttemptedAt", f.AttemptedAt, newest.AttemptedAt)
	}
	h2 := got[w2.ID]
	if h2.Delivered != 1 || h2.Failed != 0 || h2.Skipped != 0 || h2.LastFailure != nil {
		t.Errorf("w2's health = %+v, want 1 delivered and no failure", h2)
	}
	if _, ok := got[w3.ID]; ok {
		t.Error("w3, with no delivery since, has a health row")
	}
	if _, ok := got[wb.ID]; ok {
		t.Error("another account's webhook is in the health")
	}
	got, err = s.WebhookHealth(ctx(t), "acc_nobody", base)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("WebhookHealth of an account with nothing = %d rows, want 0", len(got))
	}
}
