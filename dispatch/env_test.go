package dispatch

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/sqlitetest"
)

// The tests drive dispatchers against a real SQLite store: a dispatcher is
// started with Start (no tick loop), each test calls Tick, and the clock
// (Config.Now) moves only when a test moves it. Waiting for sends to be
// recorded polls with a deadline (waitUntil); nothing sleeps.

// settings is a Config with the settings of hookd serve at the contract's
// defaults.
func settings(store hookd.Store) Config {
	return Config{Store: store, Interval: 5 * time.Second, Timeout: 10 * time.Second, Lease: 30 * time.Second,
		Policy: hookd.DefaultGreylistPolicy, MaxConcurrency: 256, MaxPerHost: 64}
}

// openStore opens a new SQLite store in a temporary directory.
func openStore(tb testing.TB) hookd.Store { return sqlitetest.Open(tb) }

// clock is the tests' Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a store with one account, and a clock.
type env struct {
	t       *testing.T
	store   hookd.Store
	clock   *clock
	account string
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, store: openStore(t), clock: &clock{now: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)}}
	e.account = e.newAccount("test")
	return e
}

// otherAccount returns an env of a new account in e's store, on e's clock:
// its webhooks, triggers and deliveries are that account's.
func (e *env) otherAccount() *env {
	o := *e
	o.account = e.newAccount("other")
	return &o
}

func (e *env) newAccount(name string) string {
	a := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: name, CreatedAt: e.clock.Now()}
	if err := e.store.CreateAccount(e.t.Context(), &a); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// config is settings(e.store) on e's clock, for node.
func (e *env) config(node string) Config {
	cfg := settings(e.store)
	cfg.Node, cfg.Now = node, e.clock.Now
	return cfg
}

// dispatcher returns a dispatcher of cfg that is not started; the test's end
// closes it.
func (e *env) dispatcher(cfg Config) *Dispatcher {
	e.t.Helper()
	d, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { d.Close() })
	return d
}

// start returns a started dispatcher of cfg, which the test drives with
// tick.
func (e *env) start(cfg Config) *Dispatcher {
	e.t.Helper()
	d := e.dispatcher(cfg)
	if err := d.Start(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// webhook stores an enabled webhook to url subscribed to eventCanceled.
func (e *env) webhook(url string) hookd.Webhook {
	e.t.Helper()
	return e.webhookOf(e.account, url)
}

// webhookOf stores an enabled webhook of account to url subscribed to
// eventCanceled.
func (e *env) webhookOf(account, url string) hookd.Webhook {
	e.t.Helper()
	now := e.clock.Now()
	w := hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook), AccountID: account, Name: url, URL: url,
		Hooks: []string{"eventCanceled"}, Enabled: true, CreatedAt: now, UpdatedAt: now, Secret: hookd.NewSecret()}
	if err := e.store.CreateWebhook(e.t.Context(), &w); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// trigger stores an eventCanceled trigger received now.
func (e *env) trigger() hookd.Trigger {
	e.t.Helper()
	return e.triggerOf(e.account)
}

// triggerOf stores an eventCanceled trigger of account received now.
func (e *env) triggerOf(account string) hookd.Trigger {
	e.t.Helper()
	now := e.clock.Now()
	tr := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: account, Hook: "eventCanceled",
		Data: json.RawMessage(`{"eventId":7,"reason":"Snow"}`), Timestamp: now, ReceivedAt: now}
	if err := e.store.InsertTriggers(e.t.Context(), []hookd.Trigger{tr}); err != nil {
		e.t.Fatal(err)
	}
	return tr
}

// deliveries returns the deliveries recorded for webhook, newest first.
func (e *env) deliveries(webhook string) []hookd.Delivery {
	e.t.Helper()
	ds, _, err := e.store.Deliveries(e.t.Context(), hookd.DeliveryFilter{AccountID: e.account, WebhookID: webhook, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// pending returns the number of triggers not yet done.
func (e *env) pending() int64 {
	e.t.Helper()
	n, err := e.store.PendingTriggers(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// tick runs one Tick of d and waits until every send it queued is recorded.
func (e *env) tick(d *Dispatcher) {
	e.t.Helper()
	if err := d.Tick(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	waitUntil(e.t, "the dispatcher to record its sends", d.Idle)
}

// waitUntil polls cond until it holds, and fails the test if it does not
// within 10 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-poll.C:
		}
	}
}

// receive waits for a value from ch, for at most 10 seconds.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// sentTo counts the requests per (path, webhook-id) a receiver got.
type sentTo struct {
	mu    sync.Mutex
	count map[string]int
}

func (s *sentTo) add(path, triggerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == nil {
		s.count = map[string]int{}
	}
	s.count[path+" "+triggerID]++
}

// check fails the test unless each path got each trigger exactly once.
func (s *sentTo) check(t *testing.T, paths []string, triggers []hookd.Trigger) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, p := range paths {
		for _, tr := range triggers {
			if n := s.count[p+" "+tr.ID]; n != 1 {
				t.Errorf("%s got trigger %s %d times, want once", p, tr.ID, n)
			}
			total++
		}
	}
	if got := sum(s.count); got != total {
		t.Errorf("the receiver got %d requests, want %d", got, total)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// urlState returns the stored grey-list state of url within e's account
// (the zero state when it is healthy), read as the dispatcher reads it:
// from URLStates.
func (e *env) urlState(url string) (hookd.URLState, error) {
	states, err := e.store.URLStates(context.Background())
	for _, s := range states {
		if s.Key() == (hookd.URLKey{AccountID: e.account, URL: url}) {
			return s, err
		}
	}
	return hookd.URLState{}, err
}
