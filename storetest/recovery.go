package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

func itemTriggers(items []hookd.RecoveryItem) []string {
	out := ids(items, func(it hookd.RecoveryItem) string { return it.TriggerID })
	slices.Sort(out)
	return out
}

func sortedIDs(ts ...hookd.Trigger) []string {
	out := triggerIDs(ts)
	slices.Sort(out)
	return out
}

// testRecovery: a recovery queues the triggers of its range whose newest
// delivery to the webhook failed or was skipped, once however often it is
// asked; items are leased like triggers and gone once recorded.
func testRecovery(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w1 := webhook(t, s, a.ID, "https://one.example/h", true)
	w2 := webhook(t, s, a.ID, "https://two.example/h", true)
	tr := make([]hookd.Trigger, 5)
	for i := range tr {
		tr[i] = triggers(a.ID, 1, base.Add(time.Duration(i)*time.Hour))[0]
	}
	must(t, s.InsertTriggers(ctx(t), tr))
	at := base.Add(10 * time.Hour)
	ds := []hookd.Delivery{
		delivery(tr[0], w1, hookd.StatusFailed, at), delivery(tr[0], w1, hookd.StatusDelivered, at), // recovered by hand since
		delivery(tr[1], w1, hookd.StatusDelivered, at), delivery(tr[1], w1, hookd.StatusFailed, at), // newest failed
		delivery(tr[2], w1, hookd.StatusSkipped, at), // grey-listed
		delivery(tr[2], w2, hookd.StatusFailed, at),  // another webhook's
		delivery(tr[4], w1, hookd.StatusFailed, at),  // outside the range
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))
	r := hookd.Recovery{ID: hookd.NewID(hookd.PrefixRecovery), AccountID: a.ID, WebhookID: w1.ID,
		Since: base, Until: base.Add(4 * time.Hour), QueuedAt: at}
	n, err := s.QueueRecovery(ctx(t), r)
	must(t, err)
	if n != 2 {
		t.Fatalf("queued %d, want 2 (the failed and the skipped of the range)", n)
	}
	r2 := r
	r2.ID = hookd.NewID(hookd.PrefixRecovery)
	if n, err := s.QueueRecovery(ctx(t), r2); err != nil || n != 0 {
		t.Fatalf("the same recovery again while queued: queued %d (%v), want 0", n, err)
	}

	claimAt := func(node string, now time.Time) []hookd.RecoveryItem {
		t.Helper()
		items, err := s.ClaimRecoveries(ctx(t), hookd.ClaimParams{Node: node, Now: now, Until: now.Add(time.Minute), Limit: 10})
		must(t, err)
		return items
	}
	items := claimAt("node-a", at)
	sameIDs(t, "claimed", itemTriggers(items), sortedIDs(tr[1], tr[2]))
	for _, it := range items {
		want := map[string]string{tr[1].ID: ds[3].ID, tr[2].ID: ds[4].ID}[it.TriggerID]
		if it.RedeliveryOf != want || it.WebhookID != w1.ID || it.AccountID != a.ID || it.RecoveryID != r.ID {
			t.Errorf("item %+v, want redeliveryOf %s of webhook %s, recovery %s", it, want, w1.ID, r.ID)
		}
	}
	if got := claimAt("node-b", at.Add(time.Second)); len(got) != 0 {
		t.Errorf("node-b claimed %v during node-a's lease", itemTriggers(got))
	}
	// Renewed, the lease holds past its first end; a renewal by another
	// node changes nothing; ended at a time, they are free from then.
	keys := []hookd.RecoveryKey{items[0].Key(), items[1].Key()}
	must(t, s.ExtendRecoveries(ctx(t), "node-a", keys, at.Add(time.Hour)))
	if got := claimAt("node-b", at.Add(2*time.Minute)); len(got) != 0 {
		t.Errorf("node-b claimed %v during node-a's renewed lease", itemTriggers(got))
	}
	must(t, s.ExtendRecoveries(ctx(t), "node-b", keys, at))
	if got := claimAt("node-b", at.Add(2*time.Minute)); len(got) != 0 {
		t.Errorf("node-b ended node-a's lease: claimed %v", itemTriggers(got))
	}
	must(t, s.ExtendRecoveries(ctx(t), "node-a", keys, at.Add(2*time.Minute)))
	// node-a recorded one of the two and died: the other is claimed again
	// after the lease; the recorded one never.
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy,
		DoneRecoveries: []hookd.RecoveryKey{items[0].Key()}}))
	got := claimAt("node-b", at.Add(2*time.Minute))
	sameIDs(t, "claimed after the lease", itemTriggers(got), []string{items[1].TriggerID})
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, DoneRecoveries: []hookd.RecoveryKey{got[0].Key()}}))
	if got := claimAt("node-b", at.Add(time.Hour)); len(got) != 0 {
		t.Errorf("claimed %v after every item was recorded", itemTriggers(got))
	}
	// Recorded, the same range can be recovered again (its newest
	// deliveries are still the failed ones here), as a new recovery.
	r3 := r
	r3.ID = hookd.NewID(hookd.PrefixRecovery)
	if n, err := s.QueueRecovery(ctx(t), r3); err != nil || n != 2 {
		t.Errorf("recovering again after the first was sent: queued %d (%v), want 2", n, err)
	}
	if !strings.HasPrefix(r.ID, hookd.PrefixRecovery) {
		t.Errorf("recovery ID %s", r.ID)
	}
}

// testRecoveryProgress: the count before confirming is what the recovery
// then queues; a recovery is kept, and its progress is counted from its
// items still queued and the deliveries its sends made.
func testRecoveryProgress(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	w := webhook(t, s, a.ID, "https://one.example/h", true)
	tr := make([]hookd.Trigger, 4)
	for i := range tr {
		tr[i] = triggers(a.ID, 1, base.Add(time.Duration(i)*time.Minute))[0]
	}
	must(t, s.InsertTriggers(ctx(t), tr))
	at := base.Add(time.Hour)
	ds := []hookd.Delivery{
		delivery(tr[0], w, hookd.StatusFailed, at), delivery(tr[1], w, hookd.StatusSkipped, at),
		delivery(tr[2], w, hookd.StatusFailed, at), delivery(tr[3], w, hookd.StatusDelivered, at),
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: ds, Policy: policy}))
	r := hookd.Recovery{ID: hookd.NewID(hookd.PrefixRecovery), AccountID: a.ID, WebhookID: w.ID,
		Since: base, Until: at, QueuedAt: at}
	count, err := s.CountRecoverable(ctx(t), r)
	must(t, err)
	if count != 3 {
		t.Fatalf("CountRecoverable = %d, want 3 (two failed, one skipped)", count)
	}
	n, err := s.QueueRecovery(ctx(t), r)
	must(t, err)
	if n != count {
		t.Fatalf("queued %d, but the count before was %d", n, count)
	}
	if again, err := s.CountRecoverable(ctx(t), r); err != nil || again != 0 {
		t.Errorf("CountRecoverable while queued = %d (%v), want 0: nothing would be queued twice", again, err)
	}
	progress := func() hookd.RecoveryProgress {
		t.Helper()
		p, err := s.Recovery(ctx(t), a.ID, r.ID)
		must(t, err)
		return p
	}
	p := progress()
	if p.Queued != 3 || p.Pending != 3 || p.Delivered != 0 || p.Failed != 0 || p.Done() || p.WebhookID != w.ID ||
		!p.Since.Equal(r.Since) || !p.Until.Equal(r.Until) || !p.QueuedAt.Equal(r.QueuedAt) {
		t.Fatalf("progress right after queueing: %+v", p)
	}
	wantCode(t, errOf(s.Recovery(ctx(t), b.ID, r.ID)), hookd.ENOTFOUND, "Recovery of another account")
	wantCode(t, errOf(s.Recovery(ctx(t), a.ID, "rcv_unknown")), hookd.ENOTFOUND, "Recovery of an unknown ID")

	items, err := s.ClaimRecoveries(ctx(t), hookd.ClaimParams{Node: "n", Now: at, Until: at.Add(time.Minute), Limit: 10})
	must(t, err)
	if len(items) != 3 {
		t.Fatalf("claimed %d items, want 3", len(items))
	}
	// One delivered, one failed again, one dropped (its trigger gone).
	sent := func(it hookd.RecoveryItem, status string) hookd.Delivery {
		tri := tr[slices.IndexFunc(tr, func(x hookd.Trigger) bool { return x.ID == it.TriggerID })]
		d := delivery(tri, w, status, at.Add(time.Minute))
		d.RedeliveryOf, d.RecoveryID = it.RedeliveryOf, it.RecoveryID
		return d
	}
	d0, d1 := sent(items[0], hookd.StatusDelivered), sent(items[1], hookd.StatusFailed)
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Deliveries: []hookd.Delivery{d0, d1},
		DoneRecoveries: []hookd.RecoveryKey{items[0].Key(), items[1].Key()}}))
	if p := progress(); p.Pending != 1 || p.Delivered != 1 || p.Failed != 1 || p.Dropped() != 0 || p.Done() {
		t.Errorf("progress after two sends: %+v (dropped %d)", p, p.Dropped())
	}
	if got, err := s.Delivery(ctx(t), a.ID, d0.ID); err != nil || got.RecoveryID != r.ID {
		t.Errorf("the recovery's delivery reads back with recovery %q (%v), want %s", got.RecoveryID, err, r.ID)
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, DoneRecoveries: []hookd.RecoveryKey{items[2].Key()}}))
	if p := progress(); p.Pending != 0 || p.Delivered != 1 || p.Failed != 1 || p.Dropped() != 1 || !p.Done() {
		t.Errorf("progress at the end: %+v (dropped %d)", p, p.Dropped())
	}
}
