package storetest

import (
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// testPrune checks the delivery log's retention: deliveries and done
// triggers made before the cut-off go, in chunks of at most the limit;
// newer rows and triggers not yet done stay.
func testPrune(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	w := webhook(t, s, a.ID, "https://one.example/h", true)
	wb := webhook(t, s, b.ID, "https://two.example/h", true)

	oldTr := triggers(a.ID, 3, base)
	must(t, s.InsertTriggers(ctx(t), oldTr))
	var oldDs []hookd.Delivery
	for i := range 5 {
		oldDs = append(oldDs, delivery(oldTr[i%2], w, hookd.StatusDelivered, base))
	}
	oldB := triggers(b.ID, 1, base)
	must(t, s.InsertTriggers(ctx(t), oldB))
	oldDs = append(oldDs, delivery(oldB[0], wb, hookd.StatusFailed, base), delivery(oldB[0], wb, hookd.StatusDelivered, base))
	// oldTr[2] stays pending: it was never sent.
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: oldDs, Policy: policy,
		DoneTriggers: []string{oldTr[0].ID, oldTr[1].ID, oldB[0].ID}}))

	time.Sleep(5 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)

	newTr := triggers(a.ID, 1, base)
	must(t, s.InsertTriggers(ctx(t), newTr))
	newDs := []hookd.Delivery{delivery(newTr[0], w, hookd.StatusDelivered, base), delivery(newTr[0], w, hookd.StatusFailed, base)}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Deliveries: newDs, Policy: policy, DoneTriggers: []string{newTr[0].ID}}))

	n, err := s.Prune(ctx(t), cut, 3)
	must(t, err)
	if n < 1 || n > 6 {
		t.Fatalf("Prune with a limit of 3 deleted %d rows, want 1 to 6 (3 deliveries and 3 triggers at most)", n)
	}
	total := n
	for range 10 {
		n, err = s.Prune(ctx(t), cut, 3)
		must(t, err)
		if n == 0 {
			break
		}
		total += n
	}
	if want := int64(len(oldDs) + 3); total != want {
		t.Errorf("Prune deleted %d rows in all, want %d (%d deliveries and 3 done triggers)", total, want, len(oldDs))
	}
	for _, d := range oldDs {
		wantCode(t, errOf(s.Delivery(ctx(t), d.AccountID, d.ID)), hookd.ENOTFOUND, "an old delivery after Prune")
	}
	for _, d := range newDs {
		_, err := s.Delivery(ctx(t), d.AccountID, d.ID)
		must(t, err)
	}
	for _, tr := range []hookd.Trigger{oldTr[0], oldTr[1], oldB[0]} {
		wantCode(t, errOf(s.Trigger(ctx(t), tr.AccountID, tr.ID)), hookd.ENOTFOUND, "an old done trigger after Prune")
	}
	if _, err := s.Trigger(ctx(t), a.ID, oldTr[2].ID); err != nil {
		t.Errorf("an old trigger not yet done was pruned: %v", err)
	}
	if _, err := s.Trigger(ctx(t), a.ID, newTr[0].ID); err != nil {
		t.Errorf("a new done trigger was pruned: %v", err)
	}
	pending, err := s.PendingTriggers(ctx(t))
	must(t, err)
	if pending != 1 {
		t.Errorf("PendingTriggers = %d after Prune, want 1", pending)
	}

	list, next, err := s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: a.ID, WebhookID: w.ID})
	must(t, err)
	sameIDs(t, "webhook's log after Prune", deliveryIDs(list), deliveryIDs(reversed(newDs)))
	if next != "" {
		t.Errorf("nextCursor = %q, want none", next)
	}
	list, _, err = s.Deliveries(ctx(t), hookd.DeliveryFilter{AccountID: b.ID, WebhookID: wb.ID})
	must(t, err)
	if len(list) != 0 {
		t.Errorf("a webhook whose deliveries were all pruned still lists %d", len(list))
	}
	last, err := s.LastDeliveries(ctx(t), b.ID)
	must(t, err)
	if len(last) != 0 {
		t.Errorf("LastDeliveries after all of the account's deliveries were pruned: %v", last)
	}
	last, err = s.LastDeliveries(ctx(t), a.ID)
	must(t, err)
	sameDelivery(t, "last delivery after Prune", last[w.ID], newDs[1])

	if n, err := s.Prune(ctx(t), cut, 0); err != nil || n != 0 {
		t.Errorf("Prune with a limit of 0 = %d, %v; want 0, nil", n, err)
	}
}
