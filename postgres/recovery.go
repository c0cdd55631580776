package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// recoverable selects, as (webhook_id, trigger_id, account_id, id), the
// newest delivery to a webhook of each trigger of a range when it failed
// or was skipped and the webhook has no item of that trigger queued yet:
// what a recovery sends. Its parameters are $1 to $6, recoverableArgs;
// a statement that embeds it numbers its own from $7. QueueRecovery and
// CountRecoverable both read it, so the count shown before confirming is
// the rule itself.
const recoverable = `SELECT n.webhook_id, n.trigger_id, n.account_id, n.id FROM (
		SELECT DISTINCT ON (d.trigger_id) d.webhook_id, d.trigger_id, d.account_id, d.id, d.status
		FROM triggers t JOIN deliveries d ON d.trigger_id = t.id
		WHERE t.account_id = $1 AND t.timestamp >= $2 AND t.timestamp < $3 AND d.account_id = $1 AND d.webhook_id = $4
		ORDER BY d.trigger_id, d.id DESC) n
	WHERE n.status IN ($5, $6)
		AND NOT EXISTS (SELECT 1 FROM recovery_items ri WHERE ri.webhook_id = n.webhook_id AND ri.trigger_id = n.trigger_id)`

func recoverableArgs(r hookd.Recovery) []any {
	return []any{r.AccountID, toDB(r.Since), toDB(r.Until), r.WebhookID, hookd.StatusFailed, hookd.StatusSkipped}
}

// QueueRecovery queues, in one statement, an item for each recoverable
// trigger of the range, and keeps the recovery with that count; a
// webhook's existing item of a trigger is kept (ON CONFLICT DO NOTHING), so
// two nodes queueing the same range at once queue each send once.
func (s *Store) QueueRecovery(ctx context.Context, r hookd.Recovery) (int, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO recovery_items
			(webhook_id, trigger_id, account_id, recovery_id, redelivery_of, queued_at)
			SELECT webhook_id, trigger_id, account_id, $7, id, $8 FROM (`+recoverable+`) q
			ON CONFLICT (webhook_id, trigger_id) DO NOTHING`,
			append(recoverableArgs(r), r.ID, toDB(r.QueuedAt))...)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `INSERT INTO recoveries (id, account_id, webhook_id, since, until, queued, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.AccountID, r.WebhookID, toDB(r.Since), toDB(r.Until), n, toDB(r.QueuedAt))
		return err
	})
	if err != nil {
		return 0, s.fail(ctx, err, "queue recovery")
	}
	return int(n), nil
}

// CountRecoverable counts what QueueRecovery would queue now.
func (s *Store) CountRecoverable(ctx context.Context, r hookd.Recovery) (int, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (`+recoverable+`) q`, recoverableArgs(r)...).Scan(&n)
	if err != nil {
		return 0, s.fail(ctx, err, "count recoverable")
	}
	return n, nil
}

// Recovery returns a recovery and its progress: its items still queued and
// the deliveries its sends made, by status.
func (s *Store) Recovery(ctx context.Context, accountID, id string) (hookd.RecoveryProgress, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	p, err := storeutil.ReadRecovery(s.reader(ctx), fromDB, accountID, id)
	return p, s.fail(ctx, err, "read recovery")
}

// ClaimRecoveries leases up to p.Limit items whose lease has ended, oldest
// first. Rows another node is claiming are skipped, not waited for.
func (s *Store) ClaimRecoveries(ctx context.Context, p hookd.ClaimParams) ([]hookd.RecoveryItem, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	var out []hookd.RecoveryItem
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE recovery_items r SET lease_node = $1, lease_until = $2
			FROM (SELECT webhook_id, trigger_id FROM recovery_items WHERE lease_until <= $3
				ORDER BY queued_at, trigger_id LIMIT $4 FOR UPDATE SKIP LOCKED) c
			WHERE r.webhook_id = c.webhook_id AND r.trigger_id = c.trigger_id
			RETURNING r.account_id, r.recovery_id, r.webhook_id, r.trigger_id, r.redelivery_of`,
			p.Node, toDB(p.Until), toDB(p.Now), p.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (it hookd.RecoveryItem, err error) {
			err = r.Scan(&it.AccountID, &it.RecoveryID, &it.WebhookID, &it.TriggerID, &it.RedeliveryOf)
			return it, err
		})
		return err
	})
	return out, s.fail(ctx, err, "claim recoveries")
}

// lockRecoveries is the rows of keys ($1, $2), locked in key order, the
// order every multi-row recovery write here uses, so that a renewal and a
// batch of results never deadlock.
const lockRecoveries = `SELECT webhook_id, trigger_id FROM recovery_items
	WHERE (webhook_id, trigger_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
	ORDER BY webhook_id, trigger_id FOR UPDATE`

func keyArrays(keys []hookd.RecoveryKey) (webhooks, triggers []string) {
	webhooks, triggers = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		webhooks[i], triggers[i] = k.WebhookID, k.TriggerID
	}
	return webhooks, triggers
}

// ExtendRecoveries moves the lease end of the items node still holds.
func (s *Store) ExtendRecoveries(ctx context.Context, node string, keys []hookd.RecoveryKey, until time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	webhooks, triggers := keyArrays(keys)
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE recovery_items r SET lease_until = $3 FROM (`+lockRecoveries+`) l
			WHERE r.webhook_id = l.webhook_id AND r.trigger_id = l.trigger_id AND r.lease_node = $4`,
			webhooks, triggers, toDB(until), node)
		return err
	}), "extend recovery leases")
}

// doneRecoveries deletes recovery items, in the transaction that records
// their deliveries.
func doneRecoveries(ctx context.Context, tx pgx.Tx, keys []hookd.RecoveryKey) error {
	webhooks, triggers := keyArrays(keys)
	_, err := tx.Exec(ctx, `DELETE FROM recovery_items r USING (`+lockRecoveries+`) l
		WHERE r.webhook_id = l.webhook_id AND r.trigger_id = l.trigger_id`, webhooks, triggers)
	return err
}
