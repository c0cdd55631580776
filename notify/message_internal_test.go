package notify

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone below on any machine

	"github.com/hookd-dev/hookd"
)

// TestUntilInPlainWords: until when is written in the configured zone with
// its name, and how long that is from now.
func TestUntilInPlainWords(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	n := hookd.Notice{Kind: hookd.NoticeGreylisted, URL: "https://x.example/h", At: at, Until: at.Add(5 * time.Minute),
		ConsecutiveFailures: 3, LastError: "timed out after 10s (the whole request, reading the answer included)"}
	e := compose(n, hookd.Webhook{ID: "wh_1", Name: "Site"}, "https://hookd.example.org/", paris, at, time.Hour)
	for _, want := range []string{"Until:      Thursday 3 December 2026, 14:05:00 CET (in 5 minutes)",
		"Last error: timed out after 10s", "https://hookd.example.org/settings/webhooks/wh_1/deliveries", "every hour"} {
		if !strings.Contains(e.body, want) {
			t.Errorf("the email does not say %q:\n%s", want, e.body)
		}
	}
}
