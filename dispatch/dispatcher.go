// Package dispatch sends triggers to webhooks: every batch interval it
// claims the pending triggers, fans each out to the enabled webhooks
// subscribed to its hook, sends them concurrently under a global and a
// per-host cap, records every attempt, and keeps the per-URL grey-list.
package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"hookd"
)

// Config configures a Dispatcher. Zero fields take the defaults named.
type Config struct {
	Store hookd.Store
	// Node names this process in trigger leases; defaults to host-pid-random.
	Node string
	// Interval is how often pending triggers are dispatched; defaults to 5s.
	Interval time.Duration
	// Timeout covers one whole send, reading the answer included; defaults to 10s.
	Timeout time.Duration
	// Lease is how long claimed triggers stay with this node without being
	// renewed; defaults to 30s or 3×Timeout, whichever is longer.
	Lease  time.Duration
	Policy hookd.GreylistPolicy
	// MaxConcurrency caps the active sends: those that started less than
	// SlowAfter ago or have not been moved to the slow lane; defaults to 256.
	MaxConcurrency int
	// SlowAfter is how long a send may wait for its answer before it moves
	// to the slow lane, freeing its active slot for other hosts, and marks
	// its host slow until the host answers quickly again; defaults to 250ms.
	SlowAfter time.Duration
	// MaxSlow caps the sends in the slow lane (connections waiting on slow or
	// dead hosts); defaults to 1024.
	MaxSlow int
	// MaxPerHost caps the sends in flight to one host:port; defaults to 64.
	MaxPerHost int
	// MaxQueued stops claiming more triggers while this many sends wait;
	// defaults to 2,000,000.
	MaxQueued int
	// ClaimBelow is the sends a node keeps queued during a tick: it claims
	// triggers (as many as fit, by the largest fan-out of a hook) only while
	// fewer sends than this wait, and when a burst holds more it claims the
	// rest as its queue drains to half, within the same tick. Other nodes'
	// ticks meanwhile take what it has not claimed, so a burst is shared,
	// and one node never holds a million sends in memory. Defaults to 8,192.
	ClaimBelow int
	// Transport makes the sends; nil is HTTP (http.go), with DialContext and
	// UserAgent, which only it uses.
	Transport Transport
	// DialContext dials receivers (netguard's SSRF-safe dialer); defaults to
	// a plain net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// UserAgent is sent with every delivery; defaults to "hookd".
	UserAgent string
	Logger    *slog.Logger
	Metrics   *Metrics
	// Now is the clock of timestamps and the grey-list; defaults to time.Now.
	Now func() time.Time
}

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

// New returns a Dispatcher for cfg.
func New(cfg Config) *Dispatcher {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = max(30*time.Second, 3*cfg.Timeout)
	}
	if cfg.Policy == (hookd.GreylistPolicy{}) {
		cfg.Policy = hookd.DefaultGreylistPolicy
	}
	if cfg.Policy.After < 1 {
		cfg.Policy.After = 1
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 256
	}
	if cfg.MaxPerHost <= 0 {
		cfg.MaxPerHost = 64
	}
	if cfg.SlowAfter <= 0 {
		cfg.SlowAfter = 250 * time.Millisecond
	}
	if cfg.MaxSlow <= 0 {
		cfg.MaxSlow = 1024
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 2_000_000
	}
	if cfg.ClaimBelow <= 0 {
		cfg.ClaimBelow = 8192
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hookd"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Node == "" {
		host, _ := os.Hostname()
		cfg.Node = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hookd.NewID("")[20:]
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
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
	return d
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
	go d.tickLoop(ctx)
	return nil
}

// start starts all but the tick loop and returns the context of the loops,
// which Close cancels.
func (d *Dispatcher) start(ctx context.Context) (context.Context, error) {
	if d.cancel != nil || d.closing.Load() {
		return nil, errors.New("dispatch: the dispatcher was started already")
	}
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.workers.Add(1)
	go d.sender()
	d.writer.Add(1)
	go d.writeResults()
	d.loops.Add(2)
	go d.slowLoop(ctx)
	go d.renewLoop(ctx)
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
	d.handBack(len(dropped))
	return nil
}

// tickLoop calls Tick every Interval.
func (d *Dispatcher) tickLoop(ctx context.Context) {
	defer d.loops.Done()
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.Tick(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("dispatch tick failed; trying again at the next tick", "err", err)
			}
		}
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
