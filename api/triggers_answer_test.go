package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// TestAppendTriggerJSON checks the hand-written batch answer against
// json.Marshal.
func TestAppendTriggerJSON(t *testing.T) {
	for _, tr := range []hookd.Trigger{
		{ID: hookd.NewID(hookd.PrefixTrigger), Hook: "eventCanceled", Timestamp: time.Now()},
		{ID: `odd"<id>&`, Hook: "é", Timestamp: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)},
	} {
		want, _ := json.Marshal(toTriggerJSON(tr))
		if got := appendTriggerJSON(nil, tr); string(got) != string(want) {
			t.Errorf("appendTriggerJSON = %s, want %s", got, want)
		}
	}
}
