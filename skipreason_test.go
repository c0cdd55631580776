package hookd

import (
	"testing"
	"time"
)

func TestSkipReasonReadsBack(t *testing.T) {
	until := time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC)
	for _, last := range []string{"HTTP 500 Internal Server Error", ""} {
		s := SkipReason(URLState{Until: until, ConsecutiveFailures: 5, LastError: last})
		got, ok := ParseSkipReason(s)
		if !ok || !got.Until.Equal(until) || got.Failures != 5 || got.LastError != last {
			t.Errorf("ParseSkipReason(%q) = %+v, %v", s, got, ok)
		}
	}
	if _, ok := ParseSkipReason("HTTP 500 Internal Server Error"); ok {
		t.Error("an HTTP error read as a skip")
	}
	for _, s := range []string{TimeoutReason(10 * time.Second), "HTTP 200, then reading the answer failed: " + TimeoutReason(1500*time.Millisecond)} {
		if d, ok := ParseTimeout(s); !ok || (d != 10*time.Second && d != 1500*time.Millisecond) {
			t.Errorf("ParseTimeout(%q) = %v, %v", s, d, ok)
		}
	}
	if _, ok := ParseTimeout("connection refused"); ok {
		t.Error("a refused connection read as a timeout")
	}
}
