// Package dispatch sends triggers to webhooks: every batch interval it
// claims the pending triggers, fans each out to the enabled webhooks
// subscribed to its hook, sends them concurrently under a global and a
// per-host cap, records every attempt, and keeps the per-URL grey-list.
package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd-dev/hookd"
)

// Dispatcher delivers triggers to webhooks. Open starts it (Start, to drive
// Tick yourself); Close stops it.
//
// Its parts, each in its own file: Tick claims triggers and holds their
// leases (claim.go), fans them out to the webhooks (fanout.go) into the
// scheduler's host queues (scheduler.go); the sender hands each send to a
// worker, which skips it or makes it through the Transport (workers.go,
// greylist.go, http.go); the writer records the results in batches
// (record.go).
type Dispatcher struct {
	cfg       Config
	store     hookd.Store
	log       *slog.Logger
	m         *Metrics
	transport Transport
	sched     *scheduler
	greylist  *greylistView
	leases    *leaseSet
	// recovering is the recovery items queued, in flight or unrecorded here.
	recovering recoverySet

	// webhooks is the enabled webhooks as of webhooksVer (touched only by
	// Tick, under tickMu).
	webhooks    atomic.Pointer[snapshot]
	webhooksVer int64

	results chan result
	// unrecorded holds a token for every send started and not yet recorded:
	// it caps the results that a killed process loses (their triggers are
	// sent again after the lease) at about four rounds of concurrent sends
	// plus the slow lane.
	unrecorded chan struct{}
	// work hands a send to an idle worker; sender starts a new worker when
	// none is idle, so a dead host's sends never hold up the others.
	work chan sendWork

	tickMu  sync.Mutex  // one tick at a time
	closing atomic.Bool // Close has begun: the writer stops retrying soon
	cancel  context.CancelFunc
	// Close stops them in this order: the loops (no new tick), the workers
	// (no new result), then the writer (every result recorded).
	loops   sync.WaitGroup // tick, lease renewal, slow lane
	workers sync.WaitGroup // the sender and the workers
	writer  sync.WaitGroup
}

// New returns a Dispatcher for cfg, or an error naming each setting of cfg
// that is missing or cannot work.
func New(cfg Config) (*Dispatcher, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withTuning()
	d := &Dispatcher{
		cfg:         cfg,
		store:       cfg.Store,
		log:         cfg.Logger,
		m:           cfg.Metrics,
		transport:   cfg.Transport,
		sched:       newScheduler(cfg.MaxPerHost, cfg.MaxConcurrency, cfg.MaxSlow, cfg.SlowAfter),
		greylist:    newGreylistView(cfg.Policy),
		leases:      newLeaseSet(),
		webhooksVer: -1,
		results:     make(chan result, maxUnrecorded(cfg)),
		unrecorded:  make(chan struct{}, maxUnrecorded(cfg)),
		work:        make(chan sendWork),
	}
	if d.transport == nil {
		d.transport = newHTTPTransport(cfg)
	}
	return d, nil
}

// Node returns the name this dispatcher claims triggers under.
func (d *Dispatcher) Node() string { return d.cfg.Node }

// Start starts the dispatcher but not its tick loop: the sender and its
// workers, the result writer, the slow-lane watch and lease renewal. Whoever
// calls Start claims triggers by calling Tick, as the tests do; Open is
// Start and a Tick every Interval.
func (d *Dispatcher) Start(ctx context.Context) error {
	_, err := d.start(ctx)
	return err
}

// Open starts the dispatcher and its tick loop.
func (d *Dispatcher) Open(ctx context.Context) error {
	ctx, err := d.start(ctx)
	if err != nil {
		return err
	}
	d.loops.Add(1)
	go d.every(ctx, d.cfg.Interval, func(time.Time) { d.tick(ctx) })
	return nil
}

// start starts all but the tick loop and returns the context of the loops,
// which Close cancels.
func (d *Dispatcher) start(ctx context.Context) (context.Context, error) {
	if d.cancel != nil || d.closing.Load() {
		return nil, errors.New("dispatch: the dispatcher was started or closed already")
	}
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.workers.Add(1)
	go d.sender()
	d.writer.Add(1)
	go d.writeResults()
	d.loops.Add(2)
	go d.every(ctx, max(d.cfg.SlowAfter/5, time.Millisecond), d.watchSlow())
	go d.every(ctx, d.cfg.Lease/3, func(time.Time) { d.renewLeases(ctx) })
	return ctx, nil
}

// Close stops claiming, lets sends in flight finish, records their results,
// and hands the triggers it could not finish back to the store at once, so
// that the next node or the next start sends them. A dispatcher that was
// never started hands back what its Ticks claimed.
func (d *Dispatcher) Close() error {
	if !d.closing.CompareAndSwap(false, true) {
		return nil // closed already
	}
	started := d.cancel != nil
	if started {
		d.cancel()
	}
	d.loops.Wait()
	d.tickMu.Lock() // no tick in progress from here on
	dropped := d.sched.close()
	d.workers.Wait()
	if started {
		close(d.results)
		d.writer.Wait()
	}
	d.tickMu.Unlock()
	// The receivers' connections, which another transport (Config.Transport)
	// may keep too.
	if c, ok := d.transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	d.handBack(len(dropped))
	return nil
}

// every calls fn each period until ctx ends. It is one of the loops Close
// stops before the workers: d.loops.Add(1) comes before it.
func (d *Dispatcher) every(ctx context.Context, period time.Duration, fn func(now time.Time)) {
	defer d.loops.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			fn(now)
		}
	}
}

// tick is a Tick of the tick loop, which logs its error and goes on.
func (d *Dispatcher) tick(ctx context.Context) {
	if err := d.Tick(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("dispatch tick failed; trying again at the next tick", "err", err)
	}
}

// Stats is a snapshot of the dispatcher's work, for tests and operators.
type Stats struct {
	Queued int // sends waiting for a worker
	Leased int // claimed triggers not yet done
}

// Stats returns the dispatcher's current load.
func (d *Dispatcher) Stats() Stats {
	return Stats{Queued: d.sched.len(), Leased: d.leases.len()}
}

// Idle reports whether nothing is queued, in flight or unrecorded.
func (d *Dispatcher) Idle() bool {
	s := d.Stats()
	return s.Queued == 0 && s.Leased == 0
}
