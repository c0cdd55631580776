package dispatch

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// recordCounter is a store that counts the RecordDeliveries transactions
// that record deliveries.
type recordCounter struct {
	hookd.Store
	calls atomic.Int64
}

func (s *recordCounter) RecordDeliveries(ctx context.Context, p hookd.RecordParams) error {
	if len(p.Deliveries) > 0 {
		s.calls.Add(1)
	}
	return s.Store.RecordDeliveries(ctx, p)
}

// gate is a Transport whose sends all wait until it opens, then succeed.
type gate struct {
	arrived chan struct{}
	open    chan struct{}
}

func (g *gate) Send(ctx context.Context, m Message) Attempt {
	g.arrived <- struct{}{}
	<-g.open
	return Attempt{Status: hookd.StatusDelivered, StatusCode: 204, Duration: time.Millisecond, Answered: true}
}

// Results that finish together are written in a few transactions, not one
// each: a commit costs an fsync whatever its size.
func TestResultsFinishingTogetherAreRecordedInFewTransactions(t *testing.T) {
	e := newEnv(t)
	const hosts = 100
	for i := range hosts {
		e.webhook("http://receiver-" + strconv.Itoa(i) + ".test/hook")
	}
	e.trigger()
	store := &recordCounter{Store: e.store}
	g := &gate{arrived: make(chan struct{}, hosts), open: make(chan struct{})}
	cfg := e.config("node-a")
	cfg.Store, cfg.Transport = store, g
	d := e.start(cfg)
	if err := d.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range hosts {
		receive(t, "the sends to every host", g.arrived)
	}
	close(g.open)
	waitUntil(t, "the sends to be recorded", d.Idle)
	if n := len(e.deliveries("")); n != hosts {
		t.Fatalf("%d deliveries recorded, want %d", n, hosts)
	}
	if n := store.calls.Load(); n > 3 {
		t.Errorf("%d results that finished together took %d transactions, want at most 3", hosts, n)
	}
}
