package testkit

import (
	"testing"
	"time"
)

// pollEvery is how often WaitFor checks its condition: often enough that a
// test does not wait long after the condition holds, rarely enough that a
// condition making an API call does not load the machine.
const pollEvery = 20 * time.Millisecond

// WaitFor polls cond until it holds, for something that happens on another
// goroutine or process (a delivery, a log row, a shutdown) and offers no
// signal to wait on. If cond does not hold within timeout, the test fails
// with a message naming what was awaited.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollEvery)
	}
}
