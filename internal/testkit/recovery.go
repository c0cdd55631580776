package testkit

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// PostTriggers posts a batch of triggers (the JSON of items) to hookd at
// base as key's account and returns their IDs; t fails unless it answers
// 202.
func PostTriggers(t testing.TB, base, key string, items any) []string {
	t.Helper()
	var accepted struct{ Triggers []struct{ ID string } }
	a := Call(t, "POST", base+"/api/v1/triggers", key, items)
	if a.Status != 202 || json.Unmarshal(a.Body, &accepted) != nil {
		t.Fatalf("POST triggers: %d %s", a.Status, a.Body)
	}
	ids := make([]string, len(accepted.Triggers))
	for i, tr := range accepted.Triggers {
		ids[i] = tr.ID
	}
	return ids
}

// WaitMissed waits until the newest 1,000 triggers of key's account have n
// failed or skipped deliveries in all (GET /api/v1/triggers): the sends a
// recovery then makes again.
func WaitMissed(t testing.TB, base, key string, n int, timeout time.Duration) {
	t.Helper()
	WaitFor(t, timeout, fmt.Sprintf("%d failed or skipped deliveries", n), func() bool {
		var out struct {
			Triggers []struct{ Deliveries struct{ Failed, Skipped int } }
		}
		json.Unmarshal(Call(t, "GET", base+"/api/v1/triggers?limit=1000", key, nil).Body, &out)
		got := 0
		for _, tr := range out.Triggers {
			got += tr.Deliveries.Failed + tr.Deliveries.Skipped
		}
		return got == n
	})
}

// Recover asks hookd at base to send again a webhook's failed and skipped
// deliveries of the triggers timed in [since, until) (RFC 3339); t fails
// unless it answers 202 with want queued.
func Recover(t testing.TB, base, key, webhookID, since, until string, want int) {
	t.Helper()
	var rec struct{ Recovery struct{ Queued int } }
	a := Call(t, "POST", base+"/api/v1/webhooks/"+webhookID+"/recover", key, map[string]any{"since": since, "until": until})
	if a.Status != 202 || json.Unmarshal(a.Body, &rec) != nil || rec.Recovery.Queued != want {
		t.Fatalf("recover: %d %s, want 202 with %d queued", a.Status, a.Body, want)
	}
}
