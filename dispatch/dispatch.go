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
	"net/http"
	"net/url"
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

// batchTrigger is a claimed trigger and its envelope, shared by its sends.
type batchTrigger struct {
	hookd.Trigger
	body       []byte
	idValue    []string // the webhook-id header value, shared by the sends
	remaining  int      // sends not yet recorded; touched only by the writer
	deliveryID string   // a test or redelivery: the pending row its one send records into
}

// idHeader returns the webhook-id header value (the trigger ID). It is made
// when the trigger is queued, before the sends share it.
func (t *batchTrigger) idHeader() []string { return t.idValue }

// result is one finished (or skipped) send.
type result struct {
	d       hookd.Delivery
	t       *batchTrigger // nil for a test or redelivery
	outcome bool          // whether the send counts for the grey-list
}

// sendOutcome tells the scheduler whether the host answered.
func (r *result) sendOutcome() int {
	switch {
	case r.d.StatusCode > 0:
		return answered
	case r.outcome:
		return noAnswer
	}
	return noSend
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

// maxUnrecorded is how many sends may be started and not yet recorded: the
// slow lane, plus four times the active sends (those in flight and up to a
// writer's batch of finished ones, see recordBatch). Sends held in the slow
// lane by dead hosts must not take the tokens the healthy sends need to keep
// going while the writer gathers a batch.
func maxUnrecorded(cfg Config) int { return cfg.MaxSlow + 4*cfg.MaxConcurrency }

// recordBatch is how many results the writer gathers before it commits
// without waiting out recordLinger: 4 × MaxConcurrency, with the default
// slow lane half of the unrecorded tokens, so that a batch being committed
// leaves the senders the other half.
func recordBatch(cfg Config) int { return min(5000, 4*cfg.MaxConcurrency) }

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

func (d *Dispatcher) leaseLoop(ctx context.Context) {
	defer d.loops.Done()
	t := time.NewTicker(d.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.mu.RLock()
			ids := make([]string, 0, len(d.leased))
			for id := range d.leased {
				ids = append(ids, id)
			}
			d.mu.RUnlock()
			if len(ids) == 0 {
				continue
			}
			until := d.cfg.Now().Add(d.cfg.Lease)
			for start := 0; start < len(ids); start += 1000 {
				end := min(start+1000, len(ids))
				if err := d.store.ExtendLeases(ctx, d.cfg.Node, ids[start:end], until); err != nil && ctx.Err() == nil {
					d.log.Warn("could not renew trigger leases", "err", err)
				}
			}
		}
	}
}

// claimSize is the most triggers one claim takes (fewer when their fan-out
// would queue more than ClaimBelow sends). Each claim and each batch of
// results is a transaction with an fsync on the store's one writer, which
// trigger requests wait for too: with 1,000 a claim, ingesting batches of
// 1,000 with nobody subscribed ran at 84,000–86,000 triggers/s; with 5,000,
// 92,000–104,000 (alternating runs).
const claimSize = 5000

// Tick claims every pending trigger and queues its sends. The tick loop
// calls it every Interval; tests may call it directly.
func (d *Dispatcher) Tick(ctx context.Context) error {
	d.tickMu.Lock()
	defer d.tickMu.Unlock()
	if err := d.refresh(ctx); err != nil {
		return err
	}
	for {
		queued := d.sched.len()
		if queued >= min(d.cfg.ClaimBelow, d.cfg.MaxQueued) {
			// More may be pending: claim it once half of these have gone.
			if !d.waitQueuedBelow(ctx, min(d.cfg.ClaimBelow, d.cfg.MaxQueued)/2) {
				return ctx.Err()
			}
			continue
		}
		d.mu.RLock()
		fan := d.webhooks.maxFanOut()
		d.mu.RUnlock()
		limit := claimSize
		if fan > 0 {
			limit = min(claimSize, max(1, (d.cfg.ClaimBelow-queued)/fan))
		}
		now := d.cfg.Now()
		ts, err := d.store.ClaimTriggers(ctx, hookd.ClaimParams{
			Node: d.cfg.Node, Now: now, Until: now.Add(d.cfg.Lease), Limit: limit,
		})
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return nil
		}
		if err := d.fanOut(ctx, ts); err != nil {
			return err
		}
		if len(ts) < limit {
			return nil
		}
	}
}

// waitQueuedBelow waits until fewer than n sends are queued; false when ctx
// ends or the dispatcher is closing first.
func (d *Dispatcher) waitQueuedBelow(ctx context.Context, n int) bool {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for d.sched.len() >= n {
		if d.closing.Load() {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// refresh reloads the webhooks when they changed and the grey-list states,
// which other nodes may have changed.
func (d *Dispatcher) refresh(ctx context.Context) error {
	ver, err := d.store.WebhooksVersion(ctx)
	if err != nil {
		return err
	}
	if ver != d.webhooksVer {
		ws, err := d.store.EnabledWebhooks(ctx)
		if err != nil {
			return err
		}
		snap := newSnapshot(ws)
		d.mu.Lock()
		d.webhooks, d.webhooksVer = snap, ver
		d.mu.Unlock()
	}
	states, err := d.store.URLStates(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]hookd.URLState, len(states))
	for _, s := range states {
		m[s.URL] = s
	}
	d.mu.Lock()
	d.urlStates = m
	d.mu.Unlock()
	d.m.greylisted.Set(float64(countGreylisted(states, d.cfg.Now())))
	return nil
}

func countGreylisted(states []hookd.URLState, now time.Time) int {
	n := 0
	for _, s := range states {
		if s.Greylisted(now) {
			n++
		}
	}
	return n
}

// fanOut queues the sends of claimed triggers, leaving out webhooks that
// already have a recorded delivery of a re-claimed trigger.
func (d *Dispatcher) fanOut(ctx context.Context, ts []hookd.Trigger) error {
	ids := make([]string, len(ts))
	for i := range ts {
		ids[i] = ts[i].ID
	}
	sent, err := d.store.SentWebhooks(ctx, ids)
	if err != nil {
		return err
	}
	d.mu.RLock()
	snap := d.webhooks
	d.mu.RUnlock()
	var done []string
	for i := range ts {
		d.mu.RLock()
		_, held := d.leased[ts[i].ID]
		d.mu.RUnlock()
		if held {
			// This node's lease ran out (renewals failed, e.g. while the
			// database was away) and it claimed the trigger again: its sends
			// are still queued, in flight or unrecorded here, and SentWebhooks
			// cannot see them yet. Queueing them again would send them twice.
			continue
		}
		bt := &batchTrigger{Trigger: ts[i]}
		subs := snap.subscribers(ts[i].AccountID, ts[i].Hook)
		skip := sent[ts[i].ID]
		// One trigger's jobs at a time: a claim of many big fan-outs never
		// holds all its jobs twice (here and in the host queues).
		jobs := make([]job, 0, len(subs))
		for _, w := range subs {
			if len(skip) > 0 && contains(skip, w.ID) {
				continue
			}
			jobs = append(jobs, job{t: bt, w: w})
		}
		if len(jobs) == 0 {
			done = append(done, ts[i].ID)
			continue
		}
		bt.body, bt.idValue = bt.Envelope(), []string{bt.ID}
		bt.remaining = len(jobs)
		d.mu.Lock()
		d.leased[bt.ID] = bt
		d.mu.Unlock()
		d.m.queued.Add(float64(len(jobs)))
		d.sched.push(jobs)
	}
	if len(done) > 0 {
		if err := d.store.RecordDeliveries(ctx, hookd.RecordParams{DoneTriggers: done, Policy: d.cfg.Policy}); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SendNow sends t to w at once, ahead of the batch schedule, and records the
// result under the pending delivery p. Tests and redeliveries are sent even
// to a grey-listed URL, since a person asked for them; their result counts
// for the grey-list like any other.
func (d *Dispatcher) SendNow(t hookd.Trigger, w hookd.Webhook, p hookd.Delivery) {
	bt := &batchTrigger{Trigger: t, deliveryID: p.ID}
	bt.body, bt.idValue = bt.Envelope(), []string{t.ID}
	e := newWebhookEntry(w)
	d.m.queued.Inc()
	d.sched.push([]job{{t: bt, w: e}})
}

// ReleaseURL forgets a URL's grey-list state at once (the store's state is
// cleared by the caller).
func (d *Dispatcher) ReleaseURL(u string) {
	d.mu.Lock()
	delete(d.urlStates, u)
	d.mu.Unlock()
}

// sendWork is one send handed to a worker.
type sendWork struct {
	j job
	f *flight
}

// sender hands each send the scheduler gives out to an idle worker, or to a
// new one when none is idle: the scheduler, not a fixed pool, caps how many
// run, so sends waiting on a dead host can leave their slot to others.
// Workers are kept for the next sends (a new goroutine per send cost a stack
// growth each); there are never more than the sends in flight.
func (d *Dispatcher) sender() {
	defer d.workers.Done()
	defer close(d.work)
	for {
		d.unrecorded <- struct{}{} // released by the writer once recorded
		j, f, ok := d.sched.next()
		if !ok {
			<-d.unrecorded
			return
		}
		d.m.queued.Dec()
		w := sendWork{j, f}
		select {
		case d.work <- w:
		default:
			d.workers.Add(1)
			go d.worker(w)
		}
	}
}

// stopIdleWorkers ends the workers waiting for work (a zero sendWork).
func (d *Dispatcher) stopIdleWorkers() {
	for {
		select {
		case d.work <- sendWork{}:
		default:
			return
		}
	}
}

func (d *Dispatcher) worker(w sendWork) {
	defer d.workers.Done()
	for ok := true; ok && w.f != nil; w, ok = <-d.work {
		r := d.send(w.j)
		d.sched.done(w.f, r.sendOutcome())
		d.results <- r // never blocks: it holds as many as there are tokens
	}
}

// slowLoop moves sends that wait too long for an answer to the slow lane.
func (d *Dispatcher) slowLoop(ctx context.Context) {
	defer d.loops.Done()
	t := time.NewTicker(max(d.cfg.SlowAfter/5, time.Millisecond))
	defer t.Stop()
	var idleSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.sched.demote(now)
			// Workers idle for a second while nothing is queued stop, so
			// that the stacks of a burst's workers do not stay.
			if d.sched.len() > 0 {
				idleSince = time.Time{}
			} else if idleSince.IsZero() {
				idleSince = now
			} else if now.Sub(idleSince) > time.Second {
				d.stopIdleWorkers()
				idleSince = now
			}
		}
	}
}

// send makes one delivery attempt, or skips it when the URL is grey-listed.
func (d *Dispatcher) send(j job) result {
	now := d.cfg.Now()
	r := result{
		t: j.t,
		d: hookd.Delivery{
			ID: j.t.deliveryID, AccountID: j.w.AccountID, TriggerID: j.t.ID, WebhookID: j.w.ID,
			Hook: j.t.Hook, URL: j.w.URL, AttemptedAt: now,
		},
	}
	d.mu.RLock()
	st, known := d.urlStates[j.w.URL]
	d.mu.RUnlock()
	if j.t.deliveryID != "" {
		r.t = nil // not part of a batch
	} else {
		r.d.ID = hookd.NewID(hookd.PrefixDelivery)
		if known && st.Greylisted(now) {
			r.d.Status = hookd.StatusSkipped
			r.d.Error = "not sent: the URL is grey-listed until " + hookd.FormatTime(st.Until) +
				" after " + strconv.Itoa(st.ConsecutiveFailures) + " consecutive failures"
			return r
		}
	}
	out := d.post(j, now)
	r.d.Status, r.d.StatusCode, r.d.Error, r.d.Response = out.status, out.code, out.err, out.response
	r.d.DurationMs = out.duration.Milliseconds()
	r.outcome = true
	if !known && out.status == hookd.StatusDelivered {
		return r // healthy before and after: nothing to change (the common case)
	}
	// Update this node's view at once, so the sends queued behind this one
	// see the URL grey-listed; the store applies the same rule durably.
	d.mu.Lock()
	st = d.urlStates[j.w.URL]
	st.URL = j.w.URL
	st = d.cfg.Policy.Apply(st, out.status == hookd.StatusDelivered, now)
	if st.Healthy() {
		delete(d.urlStates, j.w.URL)
	} else {
		d.urlStates[j.w.URL] = st
	}
	d.mu.Unlock()
	return r
}

// recordLinger is how long the writer waits for more results after the
// first one before it commits. A commit costs an fsync and rewrites every
// index page it touches, whatever the number of rows: without the wait a
// fan-out committed ~25 rows at a time (a millisecond a commit); with 20 ms,
// a few hundred; with 50 ms, up to recordBatch (the 100,000-webhook fan-out
// ended ~10 % sooner than with 20 ms and batches of 512). The delivery log
// lags the sends by at most this much.
const recordLinger = 50 * time.Millisecond

// writeResults records results in batches: everything that finishes within
// recordLinger of the first result, or while the previous batch was being
// written, goes into one transaction.
func (d *Dispatcher) writeResults() {
	defer d.writer.Done()
	maxBatch := recordBatch(d.cfg)
	linger := time.NewTimer(recordLinger)
	linger.Stop()
	var batch []result
	for first := range d.results {
		batch = append(batch[:0], first)
		linger.Reset(recordLinger)
	gather:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-d.results:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			case <-linger.C:
				break gather
			}
		}
		linger.Stop()
		d.record(batch)
		for range batch {
			<-d.unrecorded
		}
	}
}

func (d *Dispatcher) record(batch []result) {
	p := hookd.RecordParams{Policy: d.cfg.Policy, Deliveries: make([]hookd.Delivery, len(batch))}
	var finished []*batchTrigger
	for i, r := range batch {
		p.Deliveries[i] = r.d
		if r.outcome {
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{URL: r.d.URL, OK: r.d.Status == hookd.StatusDelivered, At: r.d.AttemptedAt})
		}
		if r.t != nil {
			r.t.remaining--
			if r.t.remaining == 0 {
				p.DoneTriggers = append(p.DoneTriggers, r.t.ID)
				finished = append(finished, r.t)
			}
		}
	}
	// Results are never dropped: a store that cannot be written is retried
	// until it can, which holds the workers back through the results channel.
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := d.store.RecordDeliveries(ctx, p)
		cancel()
		if err == nil {
			break
		}
		if d.closing.Load() && attempt >= 2 {
			// Shutting down on a store that cannot be written (a full
			// disk): waiting for it would hold shutdown forever. These
			// triggers are not marked done, so they stay leased and are
			// sent again once the lease ends: at least once, never lost.
			d.log.Error("shutting down without recording deliveries; their triggers are sent again after the lease",
				"deliveries", len(p.Deliveries), "err", err)
			return
		}
		d.log.Error("could not record deliveries; retrying", "deliveries", len(p.Deliveries), "attempt", attempt+1, "err", err)
		if d.closing.Load() {
			continue
		}
		time.Sleep(min(time.Duration(attempt+1)*200*time.Millisecond, 5*time.Second))
	}
	d.mu.Lock()
	for _, t := range finished {
		delete(d.leased, t.ID)
	}
	d.mu.Unlock()
	for _, r := range batch {
		d.m.observe(r.d)
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

var errRedirect = errors.New("redirect not followed")

func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		if u.Scheme == "https" {
			port = "443"
		} else {
			port = "80"
		}
	}
	return u.Hostname() + ":" + port
}
