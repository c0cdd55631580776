package dispatch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

func TestClaimLimit(t *testing.T) {
	check := func(queued, claimBelow, maxFanOut, want int) {
		t.Helper()
		if got := claimLimit(queued, claimBelow, maxFanOut); got != want {
			t.Errorf("claimLimit(%d, %d, %d) = %d, want %d", queued, claimBelow, maxFanOut, got, want)
		}
	}
	check(0, 8192, 0, claimSize) // nobody subscribed: a claim only marks triggers done
	check(0, 8192, 1, claimSize) // small fan-out: capped at claimSize
	check(0, 8192, 4, 2048)      // fills the queue up to claimBelow
	check(8000, 8192, 4, 48)     // counts what is queued already
	check(0, 8192, 100000, 1)    // a fan-out above claimBelow still claims one
	check(8192, 8192, 1, 1)      // a full queue still claims one
}

// A tick sends every pending trigger to each enabled webhook subscribed to
// its hook, signed, once, and records every delivery.
func TestTickSendsPendingTriggers(t *testing.T) {
	e := newEnv(t)
	var got sentTo
	bad := make(chan string, 100)
	secrets := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
		got.add(r.URL.Path, id)
		if want := strconv.FormatInt(e.clock.Now().Unix(), 10); ts != want {
			bad <- "webhook-timestamp " + ts + ", want " + want
		}
		unix, _ := strconv.ParseInt(ts, 10, 64)
		signer, _ := hookd.NewSigner(secrets[r.URL.Path])
		if sig := r.Header.Get("webhook-signature"); sig != signer.Sign(id, unix, body) {
			bad <- r.URL.Path + ": signature " + sig + " does not verify"
		}
	}))
	defer srv.Close()
	paths := []string{"/a", "/b", "/c"}
	for _, p := range paths {
		secrets[p] = e.webhook(srv.URL + p).Secret
	}
	off := e.webhook(srv.URL + "/disabled")
	off.Enabled = false
	if err := e.store.UpdateWebhook(t.Context(), &off); err != nil {
		t.Fatal(err)
	}
	triggers := []hookd.Trigger{e.trigger(), e.trigger(), e.trigger(), e.trigger()}

	d := e.start(e.config("node-a"))
	e.tick(d)
	e.tick(d) // nothing is pending: nothing is sent again
	got.check(t, paths, triggers)
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}
	ds, _, err := e.store.Deliveries(t.Context(), hookd.DeliveryFilter{AccountID: e.account, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(paths)*len(triggers) {
		t.Errorf("%d deliveries recorded, want %d", len(ds), len(paths)*len(triggers))
	}
	for _, dl := range ds {
		if dl.Status != hookd.StatusDelivered || dl.StatusCode != 200 || !dl.AttemptedAt.Equal(e.clock.Now()) {
			t.Errorf("delivery %+v, want delivered with 200 at %v", dl, e.clock.Now())
		}
	}
	if n := e.pending(); n != 0 {
		t.Errorf("%d triggers still pending", n)
	}
}

// Close lets the send in flight finish and hands the trigger whose other
// sends it did not make back at once: another node claims it without
// waiting for the lease, and sends only to the webhooks not yet sent to.
func TestCloseHandsBackUnfinishedTriggers(t *testing.T) {
	e := newEnv(t)
	var got sentTo
	// The receiver holds the requests until release is closed.
	arrived, release := make(chan string, 10), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.add(r.URL.Path, r.Header.Get("webhook-id"))
		arrived <- r.URL.Path
		<-release
	}))
	defer srv.Close()
	paths := []string{"/a", "/b", "/c"}
	for _, p := range paths {
		e.webhook(srv.URL + p)
	}
	tr := e.trigger()

	a := e.start(e.config("node-a"))
	if err := a.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A host that has not answered yet gets one connection: one send is in
	// flight, two wait.
	receive(t, "the first send", arrived)
	closed := make(chan error)
	go func() { closed <- a.Close() }()
	waitUntil(t, "Close to stop the scheduler", func() bool {
		a.sched.mu.Lock()
		defer a.sched.mu.Unlock()
		return a.sched.closed
	})
	close(release)
	if err := receive(t, "Close", closed); err != nil {
		t.Fatal(err)
	}
	if n := len(arrived); n != 0 {
		t.Fatalf("%d more sends started after Close", n)
	}
	if ds := e.deliveries(""); len(ds) != 1 {
		t.Fatalf("%d deliveries recorded by Close, want the one in flight", len(ds))
	}
	if n := e.pending(); n != 1 {
		t.Fatalf("%d triggers pending after Close, want the one handed back", n)
	}

	b := e.start(e.config("node-b")) // the clock has not moved: no lease ran out
	e.tick(b)
	got.check(t, paths, []hookd.Trigger{tr})
	if n := e.pending(); n != 0 {
		t.Errorf("%d triggers still pending", n)
	}
}

// A node that claimed triggers and stopped (it died: it neither sends nor
// renews) keeps them from the other nodes until its lease runs out, then
// another node claims and sends them.
func TestExpiredLeaseLetsAnotherNodeClaim(t *testing.T) {
	e := newEnv(t)
	var got sentTo
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.add(r.URL.Path, r.Header.Get("webhook-id"))
	}))
	defer srv.Close()
	e.webhook(srv.URL + "/a")
	tr := e.trigger()

	dead := e.dispatcher(e.config("node-a")) // never started: it claims, and sends nothing
	if err := dead.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg := e.config("node-b")
	b := e.start(cfg)
	e.clock.Advance(cfg.Lease - time.Second)
	e.tick(b)
	got.check(t, nil, nil)
	if n := e.pending(); n != 1 {
		t.Fatalf("%d triggers pending while node-a's lease lasts, want 1", n)
	}
	e.clock.Advance(time.Second)
	e.tick(b)
	got.check(t, []string{"/a"}, []hookd.Trigger{tr})
	if ds := e.deliveries(""); len(ds) != 1 || ds[0].TriggerID != tr.ID {
		t.Errorf("deliveries %+v, want one of %s", ds, tr.ID)
	}
}

// changeBeforeClaim is the real store, with a change made by a person just
// before the first claim: after the tick has read its webhooks, before it
// claims.
type changeBeforeClaim struct {
	hookd.Store
	once   sync.Once
	change func()
}

func (s *changeBeforeClaim) ClaimTriggers(ctx context.Context, p hookd.ClaimParams) ([]hookd.Trigger, error) {
	s.once.Do(s.change)
	return s.Store.ClaimTriggers(ctx, p)
}

// A webhook disabled before a trigger was accepted does not get it, even
// when the tick had read the webhooks before the change.
func TestDisabledBeforeTheTriggerGetsNothing(t *testing.T) {
	e := newEnv(t)
	var got sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Store(r.URL.Path, true) }))
	t.Cleanup(srv.Close)
	off, on := e.webhook(srv.URL+"/off"), e.webhook(srv.URL+"/on")
	cfg := e.config("n1")
	cfg.Store = &changeBeforeClaim{Store: e.store, change: func() {
		off.Enabled = false
		if err := e.store.UpdateWebhook(t.Context(), &off); err != nil {
			t.Error(err)
		}
		e.trigger()
	}}
	d := e.start(cfg)
	e.tick(d)
	if _, ok := got.Load("/on"); !ok || len(e.deliveries(on.ID)) != 1 {
		t.Fatalf("the enabled webhook got no delivery")
	}
	if _, ok := got.Load("/off"); ok || len(e.deliveries(off.ID)) != 0 {
		t.Error("a webhook disabled before the trigger was accepted got it")
	}
}
