package dispatch

import (
	"context"
	"strconv"
	"time"

	"hookd"
)

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
