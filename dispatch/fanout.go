package dispatch

import (
	"context"

	"hookd"
)

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
