package main

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestKill9MidRecovery: hookd on SQLite is killed with SIGKILL while it
// sends a recovery of 300 missed triggers, and started again on the same
// file. Every missed trigger is sent (the items it had not recorded are
// claimed again after their lease), and the only ones sent twice are sends
// it had made and not yet recorded.
func TestKill9MidRecovery(t *testing.T) {
	const key = "hk_recover_kill_0123456789abcdefghijkl"
	k := newKillable(t, key, "100ms", "1s")
	addr := testkit.FreeAddr(t)
	base := "http://" + addr
	p := k.start(t, addr)

	rc := testkit.NewReceiver(t, 500)
	var w struct{ ID string }
	a := testkit.Call(t, "POST", base+"/api/v1/webhooks", key,
		map[string]any{"name": "r", "url": rc.URL, "hooks": []string{"eventAdded"}})
	if a.Status != 201 || json.Unmarshal(a.Body, &w) != nil {
		t.Fatalf("create webhook: %d %s", a.Status, a.Body)
	}
	const missed = 300
	items := make([]map[string]any, missed)
	for i := range items {
		at := time.Date(2026, 12, 1, 9, 0, i, 0, time.UTC)
		items[i] = map[string]any{"hook": "eventAdded", "data": map[string]any{"recurringId": i}, "timestamp": at.Format(time.RFC3339)}
	}
	ids := testkit.PostTriggers(t, base, key, items)
	testkit.WaitMissed(t, base, key, missed, 30*time.Second)
	before := rc.Count()

	rc.SetStatus(200)
	rc.SetDelay(20 * time.Millisecond)
	testkit.Recover(t, base, key, w.ID, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", missed)
	testkit.WaitFor(t, 30*time.Second, "the recovery under way", func() bool { return rc.Count()-before >= missed/6 })
	p.Stop(syscall.SIGKILL)

	k.start(t, addr)
	twice := rc.WaitAllAtMostTwice(t, before, ids, 60*time.Second)
	// At most one claim (200 items) can have been sent and not recorded.
	if twice > 200 {
		t.Errorf("%d triggers sent twice, more than one claim could hold", twice)
	}
	t.Logf("recovery of %d triggers, killed after %d sends: %d sent twice (in flight at the kill)", missed, missed/6, twice)
}
