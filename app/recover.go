package app

import (
	"context"
	"time"

	"github.com/hookd-dev/hookd"
)

// Recover queues, once, every trigger of the account with a trigger time
// in [since, until) whose newest delivery to the webhook failed or was
// skipped; the dispatcher sends them at its next ticks as redeliveries,
// whatever the grey-list says. A zero until is now. It returns the
// recovery with how many sends it queued: repeating it while the first is
// queued queues none twice. ENOTFOUND when the account has no such
// webhook; EINVALID when until is not after since or the range is longer
// than maxRange (the retention; 0: no bound). The recovery is kept, so
// that its progress can be read (Store.Recovery) by its ID.
func (a *App) Recover(ctx context.Context, accountID, webhookID string, since, until time.Time, maxRange time.Duration) (hookd.Recovery, int, error) {
	return a.recovery(ctx, accountID, webhookID, since, until, maxRange, a.store.QueueRecovery)
}

// PreviewRecovery says what Recover with the same arguments would queue
// now, without queueing anything: the range it would cover (until filled
// in) and how many sends. It checks the same things as Recover.
func (a *App) PreviewRecovery(ctx context.Context, accountID, webhookID string, since, until time.Time, maxRange time.Duration) (hookd.Recovery, int, error) {
	return a.recovery(ctx, accountID, webhookID, since, until, maxRange, a.store.CountRecoverable)
}

// recovery checks a recovery's range and webhook, makes it, and returns it
// with the number of sends that sends (queueing them, or counting them)
// says of it.
func (a *App) recovery(ctx context.Context, accountID, webhookID string, since, until time.Time, maxRange time.Duration,
	sends func(context.Context, hookd.Recovery) (int, error)) (hookd.Recovery, int, error) {
	now := a.stamp()
	if until.IsZero() {
		until = now
	}
	switch {
	case !until.After(since):
		return hookd.Recovery{}, 0, (hookd.FieldErrors{"until": "must be after since"}).Err()
	case maxRange > 0 && until.Sub(since) > maxRange:
		return hookd.Recovery{}, 0, (hookd.FieldErrors{"since": "is too far before until: a recovery spans at most the retention period, " +
			maxRange.String() + "; older deliveries are deleted"}).Err()
	}
	if _, err := a.store.Webhook(ctx, accountID, webhookID); err != nil {
		return hookd.Recovery{}, 0, err
	}
	r := hookd.Recovery{ID: hookd.NewID(hookd.PrefixRecovery), AccountID: accountID, WebhookID: webhookID,
		Since: since, Until: until, QueuedAt: now}
	n, err := sends(ctx, r)
	return r, n, err
}
