package testkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// Request is one request a Receiver got.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time // when it was read, before any delay
}

// Receiver is a real local HTTP server standing for a webhook's subscriber:
// it records every request (headers and body), then waits for its delay and
// answers with its status, or hands the request to its handler. It is
// closed when the test ends.
type Receiver struct {
	*httptest.Server

	mu      sync.Mutex
	got     []Request
	arrived chan struct{} // closed and replaced at each request
	status  int
	delay   time.Duration
	handler http.HandlerFunc
}

// receiverAnswer is the body of a Receiver's answer without a handler.
const receiverAnswer = `{"ok":true}`

// NewReceiver starts a Receiver that answers with status.
func NewReceiver(t testing.TB, status int) *Receiver {
	t.Helper()
	rc := &Receiver{status: status, arrived: make(chan struct{})}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: time.Now()}
	rc.mu.Lock()
	rc.got = append(rc.got, req)
	close(rc.arrived)
	rc.arrived = make(chan struct{})
	status, delay, handler := rc.status, rc.delay, rc.handler
	rc.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if handler != nil {
		handler(w, r)
		return
	}
	w.WriteHeader(status)
	io.WriteString(w, receiverAnswer)
}

// SetStatus makes the following answers have this status.
func (rc *Receiver) SetStatus(status int) {
	rc.mu.Lock()
	rc.status = status
	rc.mu.Unlock()
}

// SetDelay makes the following answers come d after the request was read:
// a slow subscriber.
func (rc *Receiver) SetDelay(d time.Duration) {
	rc.mu.Lock()
	rc.delay = d
	rc.mu.Unlock()
}

// SetHandler makes h answer the following requests (after they are
// recorded and delayed) instead of the status; nil restores the status.
// The request's body has been read already: h finds it in Requests.
func (rc *Receiver) SetHandler(h http.HandlerFunc) {
	rc.mu.Lock()
	rc.handler = h
	rc.mu.Unlock()
}

// Count returns how many requests arrived so far.
func (rc *Receiver) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// Requests returns the requests that arrived so far, in the order they
// were read.
func (rc *Receiver) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// SentByID counts the requests from the from-th on by their webhook-id
// header: how many times each trigger reached the receiver, for tests that
// check nothing was sent twice and nothing forgotten.
func (rc *Receiver) SentByID(from int) map[string]int {
	sent := map[string]int{}
	for _, r := range rc.Requests()[from:] {
		sent[r.Header.Get("webhook-id")]++
	}
	return sent
}

// WaitAllAtMostTwice waits until every one of ids has reached the receiver
// since its from-th request, fails the test for any sent more than twice,
// and returns how many were sent twice: what a kill in the middle of
// sending may cost (the sends in flight), and nothing more.
func (rc *Receiver) WaitAllAtMostTwice(t testing.TB, from int, ids []string, timeout time.Duration) (twice int) {
	t.Helper()
	WaitFor(t, timeout, "every trigger sent", func() bool {
		sent := rc.SentByID(from)
		for _, id := range ids {
			if sent[id] == 0 {
				return false
			}
		}
		return true
	})
	sent := rc.SentByID(from)
	for _, id := range ids {
		switch n := sent[id]; {
		case n > 2:
			t.Errorf("trigger %s sent %d times", id, n)
		case n == 2:
			twice++
		}
	}
	return twice
}

// Wait waits until at least n requests have arrived and returns them; if
// they do not arrive within timeout, the test fails saying how many came.
// It wakes at each arrival rather than polling.
func (rc *Receiver) Wait(t testing.TB, n int, timeout time.Duration) []Request {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		rc.mu.Lock()
		got, arrived := len(rc.got), rc.arrived
		if got >= n {
			out := slices.Clone(rc.got)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("the receiver at %s got %d requests within %s, want %d", rc.URL, got, timeout, n)
			return nil
		}
	}
}
