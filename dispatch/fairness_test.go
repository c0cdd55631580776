package dispatch

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// What one tenant can cost another through the dispatcher: tenant A's
// trigger fans out to receivers that accept connections and never answer,
// queued at the same tick as tenant B's trigger to a healthy receiver.
// Caps are small (8 active sends, 16 in the slow lane, 4 per host) and the
// delivery timeout 3s (long enough that a loaded machine's scheduling slack
// stays well inside the bound, while an unfair dispatcher, which would make
// B wait for several rounds of A's timeouts, is far outside it); the figures
// scale with them (see SECURITY.md).
//
// Bound: once B has sends waiting, A may start no more than its fair share
// (half) of each lane, so B waits at most for the sends A had in flight when
// B's were queued — one delivery timeout — plus its own time alone.
func TestOneTenantCannotHoldUpAnother(t *testing.T) {
	const timeout = 3 * time.Second
	const deadHosts, bHooks = 96, 4
	cfg := func(e *env) Config {
		c := e.config("n1")
		c.Timeout, c.MaxConcurrency, c.MaxSlow, c.MaxPerHost = timeout, 8, 16, 4
		return c
	}
	// run stores B's webhooks to a healthy receiver and, with aURLs, A's
	// webhooks; A's trigger is older, so it is claimed and fanned out first,
	// or with aBusy at a tick of its own, after which A's sends fill the
	// slow lane before B's trigger comes. It returns how long B's deliveries
	// took from the tick that claimed B's trigger.
	run := func(name string, aURLs func(healthy string) []string, aBusy bool) time.Duration {
		e := newEnv(t)
		got := make(chan struct{}, bHooks)
		quit := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/a/") {
				select { // A's paths on B's host never answer
				case <-r.Context().Done():
				case <-quit:
				}
				return
			}
			got <- struct{}{}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(quit) })
		b := e.account
		a := e.newAccount("a")
		if aURLs != nil {
			for _, u := range aURLs(srv.URL) {
				e.webhookOf(a, u)
			}
			e.triggerOf(a)
			e.clock.Advance(time.Millisecond)
		}
		for i := range bHooks {
			e.webhookOf(b, srv.URL+"/b/"+strconv.Itoa(i))
		}
		d := e.start(cfg(e))
		if aBusy {
			if err := d.Tick(t.Context()); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "A's sends to fill the slow lane", func() bool { return d.sched.len() == deadHosts-16 })
		}
		e.triggerOf(b)
		start := time.Now()
		if err := d.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range bHooks {
			receive(t, "B's deliveries", got)
		}
		took := time.Since(start)
		t.Logf("%s: B's %d deliveries took %v", name, bHooks, took.Round(time.Millisecond))
		return took
	}
	alone := run("B alone", nil, false)
	bound := 2*alone + timeout + timeout/2 // the half: scheduling slack on a loaded machine
	dead := func(string) []string { return deadURLs(t, deadHosts) }
	for _, c := range []struct {
		name  string
		aURLs func(healthy string) []string
		aBusy bool
		// noWait: B waits for none of A's sends (a host's connections
		// are shared between the accounts sending to it).
		noWait bool
	}{
		{"A's fan-out to " + strconv.Itoa(deadHosts) + " dead hosts queued first, at the same tick", dead, false, false},
		{"A's fan-out to " + strconv.Itoa(deadHosts) + " dead hosts filling the slow lane a tick before", dead, true, false},
		{"A's 40 hanging webhooks on B's host queued first, at the same tick", func(healthy string) []string {
			us := make([]string, 40)
			for i := range us {
				us[i] = healthy + "/a/" + strconv.Itoa(i)
			}
			return us
		}, false, true},
	} {
		took := run(c.name, c.aURLs, c.aBusy)
		if took > bound {
			t.Errorf("%s: B's deliveries took %v, more than %v (twice alone + one delivery timeout)", c.name, took, bound)
		}
		if c.noWait && took >= timeout {
			t.Errorf("%s: B's deliveries took %v: they waited for A's sends to end (%v)", c.name, took, timeout)
		}
	}
}

// deadURLs returns the URLs of n receivers, each its own host:port, that
// accept connections and never answer; the test's end closes them.
func deadURLs(t *testing.T, n int) []string {
	var mu sync.Mutex
	var conns []net.Conn
	us := make([]string, n)
	for i := range us {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		t.Cleanup(func() { ln.Close() })
		us[i] = "http://" + ln.Addr().String() + "/hook"
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return us
}

// A tenant's large backlog whose sends drain slowly does not hold up the
// claim of another tenant's newer trigger: while A's sends fill the node's
// queue (ClaimBelow) and its receiver does not answer, B's trigger, posted
// after A's 200, is claimed and delivered within the next interval, long
// before A's backlog has drained.
func TestBacklogDoesNotHoldUpAnotherTenant(t *testing.T) {
	const backlog, claimBelow = 200, 8
	e := newEnv(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // A's receiver answers only once the test lets it
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce)
	got := make(chan struct{}, 1)
	healthy := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got <- struct{}{} }))
	t.Cleanup(healthy.Close)

	a := e.newAccount("a")
	e.webhookOf(a, slow.URL)
	e.webhook(healthy.URL) // B is e's account
	for range backlog {
		e.triggerOf(a)
	}
	cfg := e.config("n1")
	cfg.Interval, cfg.ClaimBelow, cfg.MaxPerHost = 20*time.Millisecond, claimBelow, 1
	d := e.start(cfg)
	ticked := make(chan error, 1)
	go func() { ticked <- d.Tick(t.Context()) }()
	waitUntil(t, "A's sends to fill the queue", func() bool { return d.sched.len() >= claimBelow-1 }) // one is in flight

	e.clock.Advance(time.Millisecond)
	b := e.trigger()
	start := time.Now()
	receive(t, "B's delivery while A's backlog waits", got)
	took := time.Since(start)
	if n := e.pending(); n < backlog-claimBelow-2 {
		t.Errorf("%d triggers pending when B's was delivered, want A's backlog (about %d) still there", n, backlog)
	}
	t.Logf("B's trigger was delivered %v after it was stored, beside A's backlog of %d with %d sends queued (interval %v)",
		took.Round(time.Millisecond), backlog, d.sched.len(), cfg.Interval)

	releaseOnce()
	if err := receive(t, "the tick to claim A's whole backlog", ticked); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every trigger to be done", func() bool { return e.pending() == 0 })
	if ds := e.deliveries(""); len(ds) != 1 || ds[0].TriggerID != b.ID || ds[0].Status != hookd.StatusDelivered {
		t.Errorf("B's deliveries = %+v, want one delivered of %s", ds, b.ID)
	}
}
