package dispatch

import (
	"context"
	"slices"

	"github.com/hookd-dev/hookd"
)

// batchTrigger is a claimed trigger and its envelope, shared by its sends.
type batchTrigger struct {
	hookd.Trigger
	body       []byte
	idValue    []string // the webhook-id header value, shared by the sends
	remaining  int      // sends not yet recorded; touched only by the writer
	deliveryID string   // a test or redelivery: the pending row its one send records into
	// redeliveryOf is the delivery a redelivery sends again (its pending
	// row's RedeliveryOf, kept when the result replaces the row).
	redeliveryOf string
	// recovery is the recovery item this send is (zero when it is none):
	// sent whatever the grey-list says, and deleted when recorded.
	recovery hookd.RecoveryKey
	// recoveryID is the recovery that queued it ("" when none).
	recoveryID string
}

// prepare makes what the trigger's sends share: the envelope and the
// webhook-id header value. It runs before the sends are queued.
func (t *batchTrigger) prepare() {
	t.body, t.idValue = t.Envelope(), []string{t.ID}
}

// refreshWebhooks reloads the enabled webhooks when they have changed since
// the last tick.
func (d *Dispatcher) refreshWebhooks(ctx context.Context) error {
	ver, err := d.store.WebhooksVersion(ctx)
	if err != nil {
		return err
	}
	if ver == d.webhooksVer {
		return nil
	}
	ws, err := d.store.EnabledWebhooks(ctx)
	if err != nil {
		return err
	}
	d.webhooks.Store(newSnapshot(ws))
	d.webhooksVer = ver
	return nil
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
	snap := d.webhooks.Load()
	var done []string
	for i := range ts {
		if d.leases.holds(ts[i].ID) {
			// This node's lease ran out (renewals failed, e.g. while the
			// database was away) and it claimed the trigger again: its sends
			// are still queued, in flight or unrecorded here, and SentWebhooks
			// cannot see them yet. Queueing them again would send them twice.
			continue
		}
		bt := &batchTrigger{Trigger: ts[i]}
		subs := snap.subscribers(ts[i].AccountID, ts[i].Hook)
		skip := sent[ts[i].ID]
		if about := aboutWebhook(&ts[i]); about != "" {
			skip = append(slices.Clip(skip), about)
		}
		// One trigger's jobs at a time: a claim of many big fan-outs never
		// holds all its jobs twice (here and in the host queues).
		jobs := make([]job, 0, len(subs))
		for _, w := range subs {
			if len(skip) > 0 && slices.Contains(skip, w.ID) {
				continue
			}
			jobs = append(jobs, job{t: bt, w: w})
		}
		if len(jobs) == 0 {
			done = append(done, ts[i].ID)
			continue
		}
		bt.prepare()
		bt.remaining = len(jobs)
		d.leases.add(bt)
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

// SendNow sends t to w at once, ahead of the batch schedule, and records the
// result under the pending delivery p. Tests and redeliveries are sent even
// to a grey-listed URL, since a person asked for them; their result counts
// for the grey-list like any other.
func (d *Dispatcher) SendNow(t hookd.Trigger, w hookd.Webhook, p hookd.Delivery) {
	bt := &batchTrigger{Trigger: t, deliveryID: p.ID, redeliveryOf: p.RedeliveryOf}
	bt.prepare()
	d.m.queued.Inc()
	d.sched.push([]job{{t: bt, w: newWebhookEntry(w)}})
}
