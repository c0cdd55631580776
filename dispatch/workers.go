package dispatch

import (
	"context"
	"time"

	"github.com/hookd-dev/hookd"
)

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
		d.sched.done(w.f, r.answer)
		d.results <- r // never blocks: it holds as many as there are tokens
	}
}

// watchSlow returns what the slow-lane loop does every SlowAfter/5: move
// the sends that wait too long for an answer to the slow lane, and stop the
// workers idle for a second while nothing is queued, so that the stacks of
// a burst's workers do not stay.
func (d *Dispatcher) watchSlow() func(now time.Time) {
	var idleSince time.Time
	return func(now time.Time) {
		d.sched.demote(now)
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

// result is one send, made or skipped, waiting to be recorded.
type result struct {
	d      hookd.Delivery
	t      *batchTrigger // nil for a test or redelivery
	answer hostAnswer    // what the scheduler learns of the host
	// recovery is the recovery item the send was (zero when none).
	recovery hookd.RecoveryKey
}

// countsForGreylist is whether the result changes the grey-list state of
// its URL within its account: every send made does, whatever its status; a skipped one does not.
func (r *result) countsForGreylist() bool { return r.answer != noSend }

// send makes one send, or skips it when the URL is grey-listed.
func (d *Dispatcher) send(j job) result {
	now := d.cfg.Now()
	r := result{
		t: j.t,
		d: hookd.Delivery{
			ID: j.t.deliveryID, AccountID: j.w.AccountID, TriggerID: j.t.ID, WebhookID: j.w.ID,
			Hook: j.t.Hook, URL: j.w.URL, AttemptedAt: now, RedeliveryOf: j.t.redeliveryOf,
		},
	}
	key := hookd.URLKey{AccountID: j.w.AccountID, URL: j.w.URL}
	st, known := d.greylist.lookup(key)
	switch {
	case j.t.deliveryID != "":
		r.t = nil // not part of a batch
	case j.t.recovery != (hookd.RecoveryKey{}):
		r.t = nil // not part of a batch, and sent whatever the grey-list says
		r.d.ID = hookd.NewID(hookd.PrefixDelivery)
		r.recovery = j.t.recovery
	default:
		r.d.ID = hookd.NewID(hookd.PrefixDelivery)
		if known && st.Greylisted(now) {
			r.d.Status, r.d.Error = hookd.StatusSkipped, skipReason(st)
			return r
		}
	}
	a := d.attempt(j, now)
	r.d.Status, r.d.StatusCode, r.d.Error, r.d.Response = a.Status, a.StatusCode, a.Error, a.Response
	r.d.ResponseHeaders, r.d.Signature = a.ResponseHeaders, a.Signature
	r.d.DurationMs = a.Duration.Milliseconds()
	r.answer = noAnswer
	if a.Answered {
		r.answer = answered
	}
	delivered := a.Status == hookd.StatusDelivered
	if known || !delivered {
		// Healthy before and after (the common case) changes nothing;
		// otherwise the sends queued behind this one see the change at once.
		d.greylist.update(key, delivered, a.Error, now)
	}
	return r
}

// attempt hands one send to the transport, under one deadline for all of it.
func (d *Dispatcher) attempt(j job, now time.Time) Attempt {
	if j.w.urlErr != nil {
		return Attempt{Status: hookd.StatusFailed, Error: "invalid URL: " + j.w.urlErr.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Timeout)
	defer cancel()
	m := Message{
		URL: j.w.url, Body: j.t.body, TriggerID: j.t.ID, Timestamp: now,
		Signer: j.w.signer(now), idHeader: j.t.idValue,
	}
	// Signed once: the transport sends it and the log keeps it.
	m.signature = m.Signature()
	a := d.transport.Send(ctx, m)
	a.Signature = m.signature
	return a
}
