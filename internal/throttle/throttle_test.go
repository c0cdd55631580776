package throttle

import (
	"testing"
	"time"
)

func TestWindowBlocksAfterLimitWithinPeriod(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	w := New(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if d := w.Wait("a"); d != 0 {
			t.Fatalf("after %d failures: wait %s, want none", i, d)
		}
		w.Fail("a")
		now = now.Add(10 * time.Second)
	}
	// Failures at 0s, 10s, 20s; now 30s: blocked until the first is a minute old.
	if d := w.Wait("a"); d != 30*time.Second {
		t.Fatalf("after 3 failures: wait %s, want 30s", d)
	}
	if d := w.Wait("b"); d != 0 {
		t.Errorf("another key waits %s", d)
	}
	now = now.Add(30 * time.Second)
	if d := w.Wait("a"); d != 0 {
		t.Errorf("a minute after the first failure: wait %s, want none (2 left in the window)", d)
	}
	w.Fail("a")
	if d := w.Wait("a"); d != 10*time.Second {
		t.Errorf("a third failure in the window: wait %s, want 10s", d)
	}
	w.Forget("a")
	if d := w.Wait("a"); d != 0 {
		t.Errorf("after Forget: wait %s", d)
	}
}

func TestWindowStaysBounded(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	w := New(20, time.Minute, func() time.Time { return now })
	w.MaxKeys = 1000
	for i := range 10_000 {
		w.Fail(string(rune(0x10000 + i)))
	}
	if n := len(w.keys); n > w.MaxKeys {
		t.Errorf("%d keys remembered, want at most %d", n, w.MaxKeys)
	}
}
