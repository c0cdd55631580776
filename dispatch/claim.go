package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/hookd-dev/hookd"
)

// claimSize is the most triggers one claim takes (fewer when their fan-out
// would queue more than ClaimBelow sends). Each claim and each batch of
// results is a transaction with an fsync on the store's one writer, which
// trigger requests wait for too: with 1,000 a claim, ingesting batches of
// 1,000 with nobody subscribed ran at 84,000–86,000 triggers/s; with 5,000,
// 92,000–104,000 (alternating runs).
const claimSize = 5000

// claimLimit is how many triggers to claim while queued sends wait: as many
// as keep the queue under claimBelow if each trigger fans out to maxFanOut
// webhooks (the largest fan-out of a hook), at least one so that a hook
// with more subscribers than claimBelow is still sent, and at most
// claimSize. With no webhook at all (maxFanOut 0) a claim only marks the
// triggers done, and takes claimSize.
func claimLimit(queued, claimBelow, maxFanOut int) int {
	if maxFanOut <= 0 {
		return claimSize
	}
	return min(claimSize, max(1, (claimBelow-queued)/maxFanOut))
}

// Tick claims every pending trigger and queues its sends, each account
// with pending triggers taking a turn (ClaimTriggers). Open's tick loop
// calls it every Interval; a dispatcher started with Start is driven by
// calling it (the tests do).
func (d *Dispatcher) Tick(ctx context.Context) error {
	d.tickMu.Lock()
	defer d.tickMu.Unlock()
	start := time.Now()
	defer func() { d.m.tick.Observe(time.Since(start).Seconds()) }()
	if err := d.refreshWebhooks(ctx); err != nil {
		return err
	}
	if err := d.refreshGreylist(ctx); err != nil {
		return err
	}
	if err := d.claimRecoveries(ctx); err != nil {
		return err
	}
	for {
		queued := d.sched.len()
		full := min(d.cfg.ClaimBelow, d.cfg.MaxQueued)
		if queued >= full {
			// The queue is full. The accounts with nothing queued here
			// still take their turn: claim their triggers alone, so that
			// one account's slowly draining sends do not hold up the
			// others' for as long as they take. Then claim the rest once
			// half of the queue has gone, looking again every interval.
			if room := d.cfg.MaxQueued - queued; room > 0 {
				limit := claimLimit(0, min(full, room), d.webhooks.Load().maxFanOut())
				if _, err := d.claim(ctx, limit, d.sched.busy()); err != nil {
					return err
				}
			}
			if !d.waitQueuedBelow(ctx, full/2, d.cfg.Interval) {
				return ctx.Err()
			}
			continue
		}
		limit := claimLimit(queued, d.cfg.ClaimBelow, d.webhooks.Load().maxFanOut())
		n, err := d.claim(ctx, limit, nil)
		if err != nil || n < limit {
			return err
		}
	}
}

// claim claims up to limit triggers of the accounts not busy and queues
// their sends; it returns how many it claimed.
func (d *Dispatcher) claim(ctx context.Context, limit int, busy []string) (int, error) {
	now := d.cfg.Now()
	ts, err := d.store.ClaimTriggers(ctx, hookd.ClaimParams{
		Node: d.cfg.Node, Now: now, Until: now.Add(d.cfg.Lease), Limit: limit, Busy: busy,
	})
	if err != nil || len(ts) == 0 {
		return 0, err
	}
	// A webhook disabled, deleted or changed before these triggers were
	// accepted must not get them: the snapshot read at the start of the
	// tick may be older than that change, so look again (one version read
	// when nothing changed).
	if err := d.refreshWebhooks(ctx); err != nil {
		return 0, err
	}
	return len(ts), d.fanOut(ctx, ts)
}

// waitQueuedBelow waits until fewer than n sends are queued, or for at
// most wait; false when ctx ends or the dispatcher is closing first.
func (d *Dispatcher) waitQueuedBelow(ctx context.Context, n int, wait time.Duration) bool {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(wait)
	for d.sched.len() >= n {
		if d.closing.Load() {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline:
			return true
		case <-t.C:
		}
	}
	return true
}

// leaseSet holds the triggers this node has claimed and not yet finished,
// by ID: their leases are renewed, fan-out does not queue them twice, and
// Close hands them back.
type leaseSet struct {
	mu   sync.RWMutex
	held map[string]*batchTrigger
}

func newLeaseSet() *leaseSet { return &leaseSet{held: make(map[string]*batchTrigger)} }

func (l *leaseSet) add(t *batchTrigger) {
	l.mu.Lock()
	l.held[t.ID] = t
	l.mu.Unlock()
}

func (l *leaseSet) holds(id string) bool {
	l.mu.RLock()
	_, ok := l.held[id]
	l.mu.RUnlock()
	return ok
}

// finish drops triggers whose every send is recorded.
func (l *leaseSet) finish(ts []*batchTrigger) {
	if len(ts) == 0 {
		return
	}
	l.mu.Lock()
	for _, t := range ts {
		delete(l.held, t.ID)
	}
	l.mu.Unlock()
}

// ids returns the IDs held; with drop, the set is emptied too.
func (l *leaseSet) ids(drop bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.held))
	for id := range l.held {
		ids = append(ids, id)
	}
	if drop {
		clear(l.held)
	}
	return ids
}

func (l *leaseSet) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.held)
}

// renewLeases extends the leases held by a Lease; it runs every third of
// one, so a lease is renewed well before it ends.
func (d *Dispatcher) renewLeases(ctx context.Context) {
	until := d.cfg.Now().Add(d.cfg.Lease)
	// The recovery items queued here may wait behind a slow host for longer
	// than a lease: renewed, no other node sends them meanwhile.
	if err := d.store.ExtendRecoveries(ctx, d.cfg.Node, d.recovering.keys(false), until); err != nil && ctx.Err() == nil {
		d.log.Warn("could not renew recovery leases", "err", err)
	}
	ids := d.leases.ids(false)
	if len(ids) == 0 {
		return
	}
	for start := 0; start < len(ids); start += 1000 {
		end := min(start+1000, len(ids))
		if err := d.store.ExtendLeases(ctx, d.cfg.Node, ids[start:end], until); err != nil && ctx.Err() == nil {
			d.log.Warn("could not renew trigger leases", "err", err)
		}
	}
}

// handBack ends the leases of the triggers this node could not finish, so
// that another node (or the next start) claims them at once rather than
// after their lease. dropped is the number of their sends not made.
func (d *Dispatcher) handBack(dropped int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if keys := d.recovering.keys(true); len(keys) > 0 {
		if err := d.store.ExtendRecoveries(ctx, d.cfg.Node, keys, d.cfg.Now()); err != nil {
			d.log.Warn("could not hand back unsent recovery items; they are sent after their lease ends", "items", len(keys), "err", err)
		}
	}
	ids := d.leases.ids(true)
	if len(ids) == 0 {
		return
	}
	if err := d.store.ExtendLeases(ctx, d.cfg.Node, ids, d.cfg.Now()); err != nil {
		d.log.Warn("could not hand back unfinished triggers; they are sent after their lease ends",
			"triggers", len(ids), "err", err)
	} else {
		d.log.Info("handed back unfinished triggers", "triggers", len(ids), "sends", dropped)
	}
}
