package hookd

import "time"

// Recovery asks to send once more every trigger of a time range (by trigger
// time, Since inclusive, Until exclusive) whose newest delivery to the
// webhook failed or was skipped (contract §2, Recover).
type Recovery struct {
	ID        string
	AccountID string
	WebhookID string
	Since     time.Time
	Until     time.Time
	QueuedAt  time.Time
}

// RecoveryItem is one send a recovery queued: the trigger to send to the
// webhook once more, as a new delivery whose RedeliveryOf is the failed or
// skipped one. A webhook has at most one item per trigger: recovering the
// same range again while it is queued queues nothing twice. The item is
// deleted in the transaction that records its delivery, so it is sent
// once (a send in flight when its node dies is sent again after the lease).
type RecoveryItem struct {
	AccountID    string
	RecoveryID   string
	WebhookID    string
	TriggerID    string
	RedeliveryOf string
}

// Key returns the item's identity: the webhook and the trigger.
func (it RecoveryItem) Key() RecoveryKey { return RecoveryKey{it.WebhookID, it.TriggerID} }

// RecoveryKey names a recovery item.
type RecoveryKey struct {
	WebhookID string
	TriggerID string
}

// PrefixRecovery is the prefix of recovery IDs.
const PrefixRecovery = "rcv_"

// RecoveryProgress is a recovery and how far it has got. Queued is fixed
// when the recovery is made; Pending counts its items not yet sent, and
// Delivered and Failed the deliveries its sends made, so the numbers come
// from the work itself, not from a counter kept beside it.
type RecoveryProgress struct {
	Recovery
	Queued    int // sends the recovery queued
	Pending   int // of those, not sent yet
	Delivered int // sent, answered 2xx
	Failed    int // sent, not answered 2xx in time
}

// Dropped counts the queued sends that could no longer be made: their
// webhook was deleted or retention removed their trigger first.
func (p RecoveryProgress) Dropped() int {
	return max(0, p.Queued-p.Pending-p.Delivered-p.Failed)
}

// Done reports whether every queued send has been made or dropped.
func (p RecoveryProgress) Done() bool { return p.Pending == 0 }
