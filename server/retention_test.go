package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestRetentionPrunesOldDeliveries runs hookd with a one-second retention:
// a delivery disappears from the log once it is older than that, cannot be
// redelivered any more, and the webhook's later deliveries are logged and
// listed as before.
func TestRetentionPrunesOldDeliveries(t *testing.T) {
	e := start(t, func(c *server.Config) {
		c.Retention = time.Second
		c.PruneInterval = 50 * time.Millisecond
	})
	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Calendar sync", rc.URL, "eventCanceled")
	old := e.trigger(`{"hook":"eventCanceled","data":{"eventId":1,"reason":"Snow"}}`)
	first := e.waitDelivery("triggerId="+old, "delivered")
	testkit.WaitFor(t, 10*time.Second, "the delivery to be pruned", func() bool {
		return len(e.deliveries("webhookId="+w.ID)) == 0 && len(e.deliveries("")) == 0
	})
	var apiErr struct {
		Error struct{ Code, Message string }
	}
	if code := e.do("GET", "/api/v1/deliveries/"+first.ID, nil, &apiErr); code != 404 || apiErr.Error.Code != "not_found" {
		t.Errorf("GET a pruned delivery: %d %+v, want 404 not_found", code, apiErr)
	}
	if code := e.do("POST", "/api/v1/deliveries/"+first.ID+"/redeliver", nil, &apiErr); code != 404 {
		t.Errorf("redeliver a pruned delivery: %d %+v, want 404", code, apiErr)
	}

	// Later deliveries are logged and found by webhook as before.
	fresh := e.trigger(`{"hook":"eventCanceled","data":{"eventId":2,"reason":"Rain"}}`)
	testkit.WaitFor(t, 10*time.Second, "the new delivery", func() bool { return rc.Count() == 2 })
	testkit.WaitFor(t, 10*time.Second, "the new delivery in the log by webhook", func() bool {
		ds := e.deliveries("webhookId=" + w.ID)
		return len(ds) == 1 && ds[0].TriggerID == fresh && ds[0].Status == "delivered"
	})
	if !strings.Contains(string(rc.Requests()[1].Body), `"eventId":2`) {
		t.Errorf("second body = %s", rc.Requests()[1].Body)
	}
}
