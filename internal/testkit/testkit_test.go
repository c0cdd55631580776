package testkit

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that notes a failure or a skip instead of
// reporting it, to test what the helpers do when something is missing.
// Like the real one, Fatalf and Skipf end the goroutine: run calls through
// record.
type recorder struct {
	testing.TB
	fatal, skip string
	failed      bool     // what Failed answers
	cleanups    []func() // run by the test itself, not at its end
	logs        []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, a ...any) {
	r.fatal = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (r *recorder) Cleanup(f func())             { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Failed() bool                 { return r.failed }
func (r *recorder) Logf(format string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(format, a...)) }
func (r *recorder) Skipf(format string, a ...any) {
	r.skip = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

// record runs f with a recorder on a goroutine of its own and returns it.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r
}

func TestReceiverRecordsAndAnswers(t *testing.T) {
	rc := NewReceiver(t, http.StatusAccepted)
	a := Call(t, "POST", rc.URL+"/hooks/1", "hk_secret", map[string]int{"eventId": 7}, "webhook-id", "trg_1")
	if a.Status != http.StatusAccepted || string(a.Body) != receiverAnswer {
		t.Errorf("answer %d %s, want 202 %s", a.Status, a.Body, receiverAnswer)
	}
	got := rc.Wait(t, 1, time.Second)
	r := got[0]
	if r.Method != "POST" || r.Path != "/hooks/1" || string(r.Body) != `{"eventId":7}` ||
		r.Header.Get("webhook-id") != "trg_1" || r.Header.Get("Authorization") != "Bearer hk_secret" ||
		r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("recorded %+v %s", r, r.Body)
	}

	rc.SetStatus(http.StatusServiceUnavailable)
	if a := Call(t, "GET", rc.URL, "", nil); a.Status != http.StatusServiceUnavailable {
		t.Errorf("after SetStatus(503): %d", a.Status)
	}
	if r := rc.Requests()[1]; r.Header.Get("Authorization") != "" || r.Header.Get("Content-Type") != "" || len(r.Body) != 0 {
		t.Errorf("a call without key or body sent %v %q", r.Header, r.Body)
	}

	rc.SetHandler(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "teapot", http.StatusTeapot) })
	if a := Call(t, "GET", rc.URL, "", nil); a.Status != http.StatusTeapot || string(a.Body) != "teapot\n" {
		t.Errorf("with a handler: %d %q, want the handler's answer", a.Status, a.Body)
	}
	if n := rc.Count(); n != 3 {
		t.Errorf("Count = %d, want 3 (a request answered by the handler is recorded too)", n)
	}
}

func TestReceiverDelay(t *testing.T) {
	rc := NewReceiver(t, http.StatusOK)
	rc.SetDelay(200 * time.Millisecond)
	start := time.Now()
	Call(t, "POST", rc.URL, "", "x")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("answered after %s, want at least the 200ms delay", d)
	}
}

func TestReceiverWaitWakesAtArrival(t *testing.T) {
	rc := NewReceiver(t, http.StatusOK)
	go func() {
		for range 3 {
			Send("POST", rc.URL, "", "x")
		}
	}()
	if got := rc.Wait(t, 3, 10*time.Second); len(got) < 3 {
		t.Errorf("Wait returned %d requests, want 3", len(got))
	}
	r := record(t, func(tb testing.TB) { rc.Wait(tb, 4, 50*time.Millisecond) })
	if !strings.Contains(r.fatal, "got 3 requests within 50ms, want 4") {
		t.Errorf("Wait for a request that does not come: %q", r.fatal)
	}
}

func TestWaitFor(t *testing.T) {
	n := 0
	WaitFor(t, time.Second, "the third look", func() bool { n++; return n == 3 })
	r := record(t, func(tb testing.TB) { WaitFor(tb, 30*time.Millisecond, "the impossible", func() bool { return false }) })
	if r.fatal != "timed out after 30ms waiting for the impossible" {
		t.Errorf("WaitFor that times out: %q", r.fatal)
	}
}

func TestLogBuffer(t *testing.T) {
	var b LogBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				io.WriteString(&b, "line\n")
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "line\n"); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}

func TestRequire(t *testing.T) {
	t.Setenv("HOOKD_REQUIRE_ALL", "")
	if r := record(t, func(tb testing.TB) { Require(tb, "Chromium", true, "installed") }); r.fatal != "" || r.skip != "" {
		t.Errorf("available: %+v", r)
	}
	r := record(t, func(tb testing.TB) { Require(tb, "Chromium", false, "not at /usr/bin/chromium") })
	if r.fatal != "" || !strings.Contains(r.skip, "needs Chromium: not at /usr/bin/chromium") {
		t.Errorf("missing: skip %q fatal %q, want a skip naming it and why", r.skip, r.fatal)
	}
	t.Setenv("HOOKD_REQUIRE_ALL", "1")
	r = record(t, func(tb testing.TB) { Require(tb, "Chromium", false, "not at /usr/bin/chromium") })
	if r.skip != "" || !strings.Contains(r.fatal, "needs Chromium: not at /usr/bin/chromium") || !strings.Contains(r.fatal, "HOOKD_REQUIRE_ALL=1") {
		t.Errorf("missing with HOOKD_REQUIRE_ALL=1: skip %q fatal %q, want a failure naming it", r.skip, r.fatal)
	}
	t.Setenv("HOOKD_TEST_POSTGRES", "")
	r = record(t, func(tb testing.TB) { PostgresDSN(tb) })
	if !strings.Contains(r.fatal, "HOOKD_TEST_POSTGRES") {
		t.Errorf("PostgresDSN without HOOKD_TEST_POSTGRES: %q", r.fatal)
	}
	t.Setenv("HOOKD_TEST_POSTGRES", "postgres://db/x")
	if dsn := PostgresDSN(t); dsn != "postgres://db/x" {
		t.Errorf("PostgresDSN = %q", dsn)
	}
}

func TestOptIn(t *testing.T) {
	t.Setenv("HOOKD_SOMETHING", "")
	r := record(t, func(tb testing.TB) { OptIn(tb, "HOOKD_SOMETHING", "a chore") })
	if r.skip != "skipped: a chore; set HOOKD_SOMETHING=1 to run it" {
		t.Errorf("OptIn without the variable: skip %q", r.skip)
	}
	t.Setenv("HOOKD_SOMETHING", "1")
	if r := record(t, func(tb testing.TB) { OptIn(tb, "HOOKD_SOMETHING", "a chore") }); r.skip != "" || r.fatal != "" {
		t.Errorf("OptIn with HOOKD_SOMETHING=1: %+v", r)
	}
}

func TestSendWithoutAnswer(t *testing.T) {
	addr := FreeAddr(t) // nothing listens there
	if _, err := Send("GET", "http://"+addr+"/", "", nil); err == nil {
		t.Error("Send to a closed port: no error")
	}
	r := record(t, func(tb testing.TB) { Call(tb, "GET", "http://"+addr+"/x", "", nil) })
	if !strings.Contains(r.fatal, "GET http://"+addr+"/x") {
		t.Errorf("Call to a closed port: %q", r.fatal)
	}
}
