package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

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
