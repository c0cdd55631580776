// Package dispatch sends triggers to webhooks: every batch interval it
// claims the pending triggers, fans each out to the enabled webhooks
// subscribed to its hook, sends them concurrently under a global and a
// per-host cap, records every attempt, and keeps the per-URL grey-list.
package dispatch

import (
	"context"
	"log/slog"
	"net"
	"net/http"
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

// Dispatcher delivers triggers to webhooks. Open starts it, Close stops it.
type Dispatcher struct {
	cfg    Config
	store  hookd.Store
	log    *slog.Logger
	client *http.Client
	// userAgent is the User-Agent header value, shared by the sends.
	userAgent []string
	sched     *scheduler
	m         *Metrics

	results chan result
	// unrecorded holds a token for every send started and not yet recorded:
	// it caps the results that a killed process loses (their triggers are
	// sent again after the lease) at about four rounds of concurrent sends
	// plus the slow lane.
	unrecorded chan struct{}
	// work hands a send to an idle worker; sender starts a new worker when
	// none is idle, so a dead host's sends never hold up the others.
	work chan sendWork

	mu          sync.RWMutex
	webhooks    *snapshot
	urlStates   map[string]hookd.URLState
	leased      map[string]*batchTrigger // triggers this node holds, by ID
	webhooksVer int64

	tickMu  sync.Mutex  // one tick at a time
	closing atomic.Bool // Close has begun: the writer stops retrying soon
	cancel  context.CancelFunc
	loops   sync.WaitGroup
	workers sync.WaitGroup
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
		sched:       newScheduler(cfg.MaxPerHost, cfg.MaxConcurrency, cfg.MaxSlow, cfg.SlowAfter),
		results:     make(chan result, maxUnrecorded(cfg)),
		unrecorded:  make(chan struct{}, maxUnrecorded(cfg)),
		work:        make(chan sendWork),
		urlStates:   make(map[string]hookd.URLState),
		leased:      make(map[string]*batchTrigger),
		webhooksVer: -1,
	}
	d.client = newClient(cfg)
	d.userAgent = []string{cfg.UserAgent}
	return d
}

// Node returns the name this dispatcher claims triggers under.
func (d *Dispatcher) Node() string { return d.cfg.Node }

// Open starts the sender, the result writer, the tick loop and lease
// renewal.
func (d *Dispatcher) Open(ctx context.Context) error {
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.workers.Add(1)
	go d.sender()
	d.loops.Add(1)
	go d.slowLoop(ctx)
	d.writer.Add(1)
	go d.writeResults()
	d.loops.Add(2)
	go d.tickLoop(ctx)
	go d.leaseLoop(ctx)
	return nil
}

// Close stops claiming, lets sends in flight finish, records their results,
// and hands the triggers it could not finish back to the store at once, so
// that the next node or the next start sends them.
func (d *Dispatcher) Close() error {
	if d.cancel == nil {
		return nil
	}
	d.closing.Store(true)
	d.cancel()
	d.loops.Wait()
	d.tickMu.Lock() // no tick in progress from here on
	dropped := d.sched.close()
	d.workers.Wait()
	close(d.results)
	d.writer.Wait()
	d.tickMu.Unlock()

	d.mu.Lock()
	ids := make([]string, 0, len(d.leased))
	for id := range d.leased {
		ids = append(ids, id)
	}
	d.leased = map[string]*batchTrigger{}
	d.mu.Unlock()
	if len(ids) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.store.ExtendLeases(ctx, d.cfg.Node, ids, d.cfg.Now()); err != nil {
			d.log.Warn("could not hand back unfinished triggers; they are sent after their lease ends",
				"triggers", len(ids), "err", err)
		} else {
			d.log.Info("handed back unfinished triggers", "triggers", len(ids), "sends", len(dropped))
		}
	}
	return nil
}

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
	d.mu.RLock()
	defer d.mu.RUnlock()
	return Stats{Queued: d.sched.len(), Leased: len(d.leased)}
}

// Idle reports whether nothing is queued, in flight or unrecorded.
func (d *Dispatcher) Idle() bool {
	s := d.Stats()
	return s.Queued == 0 && s.Leased == 0
}
