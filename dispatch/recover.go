package dispatch

import (
	"context"
	"sync"

	"github.com/hookd-dev/hookd"
)

// recoveryClaim is the most recovery items one tick claims: a recovery of
// a long outage is sent a slice per tick, so it never crowds out the
// triggers arriving meanwhile.
const recoveryClaim = 200

// recoverySet holds the recovery items this node has claimed and not yet
// recorded, so that a claim after their lease ended (the queue was long)
// does not queue them twice here.
type recoverySet struct {
	mu   sync.Mutex
	held map[hookd.RecoveryKey]struct{}
}

// take adds k and reports whether it was not held yet.
func (s *recoverySet) take(k hookd.RecoveryKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = make(map[hookd.RecoveryKey]struct{})
	}
	if _, ok := s.held[k]; ok {
		return false
	}
	s.held[k] = struct{}{}
	return true
}

// keys returns the items held; with all, the set is emptied too.
func (s *recoverySet) keys(all bool) []hookd.RecoveryKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]hookd.RecoveryKey, 0, len(s.held))
	for k := range s.held {
		out = append(out, k)
	}
	if all {
		clear(s.held)
	}
	return out
}

func (s *recoverySet) drop(keys []hookd.RecoveryKey) {
	s.mu.Lock()
	for _, k := range keys {
		delete(s.held, k)
	}
	s.mu.Unlock()
}

// claimRecoveries queues the sends of up to recoveryClaim recovery items,
// while the queue has room. Each is sent like a redelivery: to its
// webhook, enabled or not, whatever the grey-list says (a person asked
// for it), as a new delivery whose RedeliveryOf is the failed or skipped
// one; the item is deleted when that delivery is recorded. An item whose
// webhook or trigger is gone (deleted, or removed by retention) is dropped.
func (d *Dispatcher) claimRecoveries(ctx context.Context) error {
	if d.sched.len() >= d.cfg.ClaimBelow/2 {
		return nil
	}
	now := d.cfg.Now()
	items, err := d.store.ClaimRecoveries(ctx, hookd.ClaimParams{
		Node: d.cfg.Node, Now: now, Until: now.Add(d.cfg.Lease), Limit: recoveryClaim,
	})
	if err != nil || len(items) == 0 {
		return err
	}
	webhooks := map[string]*webhookEntry{}
	var jobs []job
	var gone []hookd.RecoveryKey
	for _, it := range items {
		w, seen := webhooks[it.WebhookID]
		if !seen {
			hw, err := d.store.Webhook(ctx, it.AccountID, it.WebhookID)
			switch {
			case err == nil:
				w = newWebhookEntry(hw)
			case hookd.ErrorCode(err) != hookd.ENOTFOUND:
				return err
			}
			webhooks[it.WebhookID] = w
		}
		t, err := d.store.Trigger(ctx, it.AccountID, it.TriggerID)
		if err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
			return err
		}
		if w == nil || err != nil {
			gone = append(gone, it.Key())
			continue
		}
		if !d.recovering.take(it.Key()) {
			continue // still queued or in flight here
		}
		bt := &batchTrigger{Trigger: t, redeliveryOf: it.RedeliveryOf, recovery: it.Key(), recoveryID: it.RecoveryID}
		bt.prepare()
		jobs = append(jobs, job{t: bt, w: w})
	}
	if len(gone) > 0 {
		if err := d.store.RecordDeliveries(ctx, hookd.RecordParams{DoneRecoveries: gone, Policy: d.cfg.Policy}); err != nil {
			return err
		}
	}
	if len(jobs) > 0 {
		d.m.queued.Add(float64(len(jobs)))
		d.sched.push(jobs)
	}
	return nil
}
