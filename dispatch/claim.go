package dispatch

import (
	"context"
	"time"

	"hookd"
)

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
