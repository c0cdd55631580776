package receiver_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/internal/hookdtest"
	"github.com/hookd-dev/hookd/receiver"
)

// TestFromHookd: a real hookd delivers to a Handler, which verifies and
// decodes the typed payload; after a rotation the receiver, which still
// has only the old secret, verifies too; a redelivery of a handled
// trigger is acknowledged and not handled again.
func TestFromHookd(t *testing.T) {
	ctx := context.Background()
	s := hookdtest.Start(t, nil)
	hookd := client.New(s.URL(), hookdtest.APIKey)

	var mu sync.Mutex
	handled := map[string][]client.Payload{}
	h := &receiver.Handler{Logger: slog.New(slog.DiscardHandler), Handle: func(ctx context.Context, d receiver.Delivery) error {
		p, err := d.Payload()
		if err != nil {
			return err
		}
		mu.Lock()
		handled[d.ID] = append(handled[d.ID], p)
		mu.Unlock()
		return nil
	}}
	srv := httptest.NewServer(h)
	defer srv.Close()

	w, err := hookd.CreateWebhook(ctx, client.NewWebhook{Name: "kit", URL: srv.URL, Hooks: []string{"eventCanceled"}})
	if err != nil {
		t.Fatal(err)
	}
	h.Verifier, _ = receiver.NewVerifier(w.Secret) // set before the first delivery can arrive

	// delivered waits for the newest delivery of trigger id to be recorded,
	// and returns it.
	delivered := func(id string) client.Delivery {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			page, err := hookd.Deliveries(ctx, client.DeliveryQuery{TriggerID: id})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Deliveries) > 0 && page.Deliveries[0].Status != client.StatusPending {
				return page.Deliveries[0]
			}
		}
		t.Fatalf("no delivery of %s recorded", id)
		return client.Delivery{}
	}
	tr, err := hookd.Trigger(ctx, client.EventCanceled{EventID: 7, Reason: "Snow"})
	if err != nil {
		t.Fatal(err)
	}
	if d := delivered(tr.ID); d.Status != client.StatusDelivered || *d.StatusCode != 204 {
		t.Fatalf("delivery %+v", d)
	}
	mu.Lock()
	if ps := handled[tr.ID]; len(ps) != 1 || *ps[0].(*client.EventCanceled) != (client.EventCanceled{EventID: 7, Reason: "Snow"}) {
		t.Fatalf("handled %#v", ps)
	}
	mu.Unlock()

	if _, err := hookd.RotateSecret(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	tr2, _ := hookd.Trigger(ctx, client.EventCanceled{EventID: 8, Reason: "Rain"})
	d := delivered(tr2.ID)
	if d.Status != client.StatusDelivered {
		t.Fatalf("after a rotation, with the old secret: %+v", d)
	}

	re, err := hookd.Redeliver(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := hookd.Delivery(ctx, re.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != client.StatusPending {
			mu.Lock()
			n := len(handled[tr2.ID])
			mu.Unlock()
			if r.Status != client.StatusDelivered || *r.StatusCode != 200 || n != 1 {
				t.Fatalf("redelivery %s %v, handled %d times; want delivered with 200, handled once", r.Status, r.StatusCode, n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the redelivery stayed pending")
		}
	}
}
