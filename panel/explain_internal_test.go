package panel

import (
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// TestCauseInPlainWords: every status the panel shows says its cause the
// way a receiver's owner reads it: no ISO time, no "level", no HTTP jargon
// beyond the status number.
func TestCauseInPlainWords(t *testing.T) {
	now := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	h := &handler{loc: time.UTC, now: func() time.Time { return now }}
	until := time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC)
	skip := hookd.SkipReason(hookd.URLState{Until: until, ConsecutiveFailures: 5, LastError: "HTTP 500 Internal Server Error"})
	cases := []struct {
		what string
		v    any
		want string
	}{
		{"delivered", hookd.Delivery{Status: hookd.StatusDelivered, StatusCode: 200, DurationMs: 35}, "Your server answered 200 in 35 ms"},
		{"a 500", hookd.Delivery{Status: hookd.StatusFailed, StatusCode: 500, Error: "HTTP 500 Internal Server Error"}, "Your server answered 500"},
		{"no answer", hookd.Delivery{Status: hookd.StatusFailed, Error: hookd.TimeoutReason(10 * time.Second)}, "No answer within 10 s"},
		{"a slow body", hookd.Delivery{Status: hookd.StatusFailed, StatusCode: 200,
			Error: "HTTP 200, then reading the answer failed: " + hookd.TimeoutReason(1500*time.Millisecond)},
			"Your server answered 200 but did not finish its answer within 1.5 s"},
		{"a redirect", hookd.Delivery{Status: hookd.StatusFailed, StatusCode: 302, Error: `HTTP 302: redirect to "/x" not followed`},
			"Your server answered 302, a redirect, which hookd does not follow: point the webhook at the final URL"},
		{"refused", hookd.Delivery{Status: hookd.StatusFailed, Error: "connection refused: nothing listens at that address"},
			"Connection refused: nothing listens at that address"},
		{"skipped", &hookd.Delivery{Status: hookd.StatusSkipped, Error: skip},
			"Not sent: paused until 14:05 UTC after 5 failures in a row; the last: Your server answered 500"},
		{"pending", hookd.Delivery{Status: hookd.StatusPending}, "Being sent now"},
		{"paused", greyState{Listed: true, Until: until, Failures: 5, LastError: "HTTP 503 Service Unavailable"},
			"Paused until 14:05 UTC after 5 failures in a row; the last: Your server answered 503"},
		{"pause over", greyState{Waiting: true, Failures: 5},
			"The pause after 5 failures in a row is over: the next delivery is sent, and paused again for longer if it fails"},
		{"failing", greyState{Failures: 2, LastError: hookd.TimeoutReason(10 * time.Second)}, "2 failures in a row; the last: No answer within 10 s"},
		{"healthy", greyState{}, ""},
		{"nil", (*hookd.Delivery)(nil), ""},
	}
	for _, c := range cases {
		got := h.cause(c.v)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
		if strings.Contains(strings.ToLower(got), "level") || strings.Contains(got, "2026-") {
			t.Errorf("%s: %q uses an inner word or an ISO time", c.what, got)
		}
	}
}
