package dispatch

import (
	"context"
	"time"

	"github.com/hookd-dev/hookd"
)

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

// record writes a batch of results and the triggers they finish in one
// transaction, and updates the grey-list state of the URLs sent to, each
// within the account of the delivery.
func (d *Dispatcher) record(batch []result) {
	p := hookd.RecordParams{Policy: d.cfg.Policy, Deliveries: make([]hookd.Delivery, len(batch)), Tell: d.tell}
	var finished []*batchTrigger
	for i, r := range batch {
		p.Deliveries[i] = r.d
		if r.countsForGreylist() {
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{AccountID: r.d.AccountID, URL: r.d.URL,
				OK: r.d.Status == hookd.StatusDelivered, At: r.d.AttemptedAt, Error: r.d.Error})
		}
		if r.recovery != (hookd.RecoveryKey{}) {
			p.DoneRecoveries = append(p.DoneRecoveries, r.recovery)
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
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := d.store.RecordDeliveries(ctx, p)
		cancel()
		if err == nil {
			break
		}
		if d.closing.Load() && try >= 2 {
			// Shutting down on a store that cannot be written (a full
			// disk): waiting for it would hold shutdown forever. These
			// triggers are not marked done, so they stay leased and are
			// sent again once the lease ends: at least once, never lost.
			d.log.Error("shutting down without recording deliveries; their triggers are sent again after the lease",
				"deliveries", len(p.Deliveries), "err", err)
			return
		}
		d.log.Error("could not record deliveries; retrying", "deliveries", len(p.Deliveries), "attempt", try+1, "err", err)
		if d.closing.Load() {
			continue
		}
		time.Sleep(min(time.Duration(try+1)*200*time.Millisecond, 5*time.Second))
	}
	d.leases.finish(finished)
	if len(p.DoneRecoveries) > 0 {
		d.recovering.drop(p.DoneRecoveries)
	}
	for _, r := range batch {
		d.m.observe(r.d)
	}
}
