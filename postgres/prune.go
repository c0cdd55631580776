package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
)

// Prune deletes up to limit deliveries made before before and up to limit
// done triggers received before it, oldest first, by their time-ordered
// IDs. Several nodes may prune at once: each skips the rows another is
// deleting (SKIP LOCKED), so they neither wait for nor deadlock with each
// other.
func (s *Store) Prune(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		n = 0
		tag, err := tx.Exec(ctx, `DELETE FROM deliveries WHERE id IN
			(SELECT id FROM deliveries WHERE id < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			hookd.FloorID(hookd.PrefixDelivery, before), limit)
		if err != nil {
			return err
		}
		n += tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM triggers WHERE id IN
			(SELECT id FROM triggers WHERE id < $1 AND done ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			hookd.FloorID(hookd.PrefixTrigger, before), limit)
		if err != nil {
			return err
		}
		n += tag.RowsAffected()
		// A recovery older than the log it recovered, with nothing left
		// queued, has no progress left to tell.
		tag, err = tx.Exec(ctx, `DELETE FROM recoveries WHERE id IN
			(SELECT id FROM recoveries r WHERE id < $1 AND NOT EXISTS (SELECT 1 FROM recovery_items WHERE recovery_id = r.id)
			ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			hookd.FloorID(hookd.PrefixRecovery, before), limit)
		if err != nil {
			return err
		}
		n += tag.RowsAffected()
		return nil
	})
	return n, s.fail(ctx, err, "prune")
}
