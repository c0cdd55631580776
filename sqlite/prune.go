package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd-dev/hookd"
)

// Prune deletes up to limit deliveries made before before (each account's
// oldest, by the primary key), up to limit done triggers received before it,
// and the span rows of webhooks whose deliveries are all gone.
func (s *Store) Prune(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, nil
	}
	cutDelivery := hookd.FloorID(hookd.PrefixDelivery, before)
	cutTrigger := hookd.FloorID(hookd.PrefixTrigger, before)
	// The accounts in the log, found by seeking its primary key (account_id,
	// id) from one account to the next: also those no longer in accounts.
	var accounts []string
	for last := ""; ; {
		var a string
		err := s.read.QueryRowContext(ctx, `SELECT account_id FROM deliveries WHERE account_id > ?
			ORDER BY account_id LIMIT 1`, last).Scan(&a)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return 0, s.fail(err, "read")
		}
		accounts, last = append(accounts, a), a
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		left := int64(limit)
		for _, a := range accounts {
			if left == 0 {
				break
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE account_id = ? AND id IN
				(SELECT id FROM deliveries WHERE account_id = ? AND id < ? ORDER BY id LIMIT ?)`, a, a, cutDelivery, left)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n, left = n+k, left-k
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_delivery_span WHERE last_id < ?`, cutDelivery); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM triggers WHERE id IN
			(SELECT id FROM triggers WHERE id < ? AND done = 1 ORDER BY id LIMIT ?)`, cutTrigger, limit)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += k
		// A recovery older than the log it recovered, with nothing left
		// queued, has no progress left to tell.
		res, err = tx.ExecContext(ctx, `DELETE FROM recoveries WHERE id IN
			(SELECT id FROM recoveries r WHERE id < ? AND NOT EXISTS (SELECT 1 FROM recovery_items WHERE recovery_id = r.id)
			ORDER BY id LIMIT ?)`, hookd.FloorID(hookd.PrefixRecovery, before), limit)
		if err != nil {
			return err
		}
		k, _ = res.RowsAffected()
		n += k
		return nil
	})
	return n, s.fail(err, "prune")
}
