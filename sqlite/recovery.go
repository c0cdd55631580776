package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// recoverable selects, as (webhook_id, trigger_id, account_id, id), the
// newest delivery to a webhook of each trigger of a range when it failed
// or was skipped and the webhook has no item of that trigger queued yet:
// what a recovery sends. The range is read from the index by (account,
// timestamp), each trigger's deliveries by the index by trigger. Its
// arguments are recoverableArgs. QueueRecovery and CountRecoverable both
// read it, so the count shown before confirming is the rule itself.
const recoverable = `SELECT d.webhook_id, d.trigger_id, d.account_id, d.id FROM deliveries d
	WHERE d.account_id = ? AND d.id IN (
		SELECT max(d2.id) FROM triggers t INDEXED BY triggers_search
		JOIN deliveries d2 ON d2.trigger_id = t.id
		WHERE t.account_id = ? AND t.timestamp >= ? AND t.timestamp < ?
			AND d2.account_id = ? AND d2.webhook_id = ?
		GROUP BY d2.trigger_id)
	AND d.status IN (?, ?)
	AND NOT EXISTS (SELECT 1 FROM recovery_items ri WHERE ri.webhook_id = d.webhook_id AND ri.trigger_id = d.trigger_id)`

func recoverableArgs(r hookd.Recovery) []any {
	return []any{r.AccountID, r.AccountID, toDB(r.Since), toDB(r.Until), r.AccountID, r.WebhookID,
		hookd.StatusFailed, hookd.StatusSkipped}
}

// QueueRecovery queues, in one statement, an item for each recoverable
// trigger of the range, and keeps the recovery with that count; a
// webhook's existing item of a trigger is kept (ON CONFLICT DO NOTHING).
func (s *Store) QueueRecovery(ctx context.Context, r hookd.Recovery) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO recovery_items
			(webhook_id, trigger_id, account_id, recovery_id, redelivery_of, queued_at)
			SELECT webhook_id, trigger_id, account_id, ?, id, ? FROM (`+recoverable+`) WHERE true
			ON CONFLICT (webhook_id, trigger_id) DO NOTHING`,
			append([]any{r.ID, toDB(r.QueuedAt)}, recoverableArgs(r)...)...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO recoveries (id, account_id, webhook_id, since, until, queued, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.AccountID, r.WebhookID, toDB(r.Since), toDB(r.Until), n, toDB(r.QueuedAt))
		return err
	})
	return int(n), s.fail(err, "queue recovery")
}

// CountRecoverable counts what QueueRecovery would queue now.
func (s *Store) CountRecoverable(ctx context.Context, r hookd.Recovery) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM (`+recoverable+`)`, recoverableArgs(r)...).Scan(&n)
	return n, s.fail(err, "count recoverable")
}

// Recovery returns a recovery and its progress: its items still queued and
// the deliveries its sends made, by status.
func (s *Store) Recovery(ctx context.Context, accountID, id string) (hookd.RecoveryProgress, error) {
	p, err := storeutil.ReadRecovery(s.reader(ctx), fromDB, accountID, id)
	return p, s.fail(err, "read recovery")
}

// ClaimRecoveries leases up to p.Limit items whose lease has ended, oldest
// first (SQLite has one writer: claims never race).
func (s *Store) ClaimRecoveries(ctx context.Context, p hookd.ClaimParams) ([]hookd.RecoveryItem, error) {
	var out []hookd.RecoveryItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE recovery_items SET lease_node = ?, lease_until = ?
			WHERE (webhook_id, trigger_id) IN (SELECT webhook_id, trigger_id FROM recovery_items
				WHERE lease_until <= ? ORDER BY queued_at, trigger_id LIMIT ?)
			RETURNING account_id, recovery_id, webhook_id, trigger_id, redelivery_of`,
			p.Node, toDB(p.Until), toDB(p.Now), p.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it hookd.RecoveryItem
			if err := rows.Scan(&it.AccountID, &it.RecoveryID, &it.WebhookID, &it.TriggerID, &it.RedeliveryOf); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, s.fail(err, "claim recoveries")
}

// ExtendRecoveries moves the lease end of the items node still holds.
func (s *Store) ExtendRecoveries(ctx context.Context, node string, keys []hookd.RecoveryKey, until time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE recovery_items SET lease_until = ?
			WHERE (webhook_id, trigger_id) IN (`+recoveryKeys+`) AND lease_node = ?`, toDB(until), keyList(keys), node)
		return err
	}), "extend recovery leases")
}

// recoveryKeys reads a keyList parameter as (webhook_id, trigger_id) rows.
const recoveryKeys = `SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`

// keyList encodes recovery keys as one JSON parameter of pairs.
func keyList(keys []hookd.RecoveryKey) string {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.WebhookID, k.TriggerID}
	}
	b, _ := json.Marshal(pairs) // strings: cannot fail
	return string(b)
}

// doneRecoveries deletes recovery items, in the transaction that records
// their deliveries.
func doneRecoveries(ctx context.Context, tx *sql.Tx, keys []hookd.RecoveryKey) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM recovery_items WHERE (webhook_id, trigger_id) IN (`+recoveryKeys+`)`, keyList(keys))
	return err
}
