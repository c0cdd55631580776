package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// txOf is tx as the steps in storeutil use it.
func txOf(ctx context.Context, tx pgx.Tx) storeutil.Tx {
	return storeutil.NewTx(ctx, tx.Exec, tx.QueryRow, pgx.ErrNoRows)
}

// ClaimNotices leases the waiting notices that are due, oldest first; SKIP
// LOCKED keeps two nodes from claiming one notice.
func (s *Store) ClaimNotices(ctx context.Context, p hookd.NoticeClaim) ([]hookd.Notice, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	// Most polls find nothing: one read says so, without a transaction.
	var waiting bool
	if err := s.pool.QueryRow(ctx, storeutil.NoticesWaiting).Scan(&waiting); err != nil || !waiting {
		return nil, s.fail(ctx, err, "claim notices")
	}
	var out []hookd.Notice
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE webhook_notices n SET lease_node = $1, lease_until = $2, attempts = n.attempts + 1
			FROM (SELECT webhook_id FROM webhook_notices WHERE event_id <> ''
				AND (lease_until IS NULL OR lease_until <= $3) AND (next_at IS NULL OR next_at <= $3)
				AND (told_at IS NULL OR told_at <= $4)
				ORDER BY event_at LIMIT $5 FOR UPDATE SKIP LOCKED) c
			WHERE n.webhook_id = c.webhook_id
			RETURNING n.webhook_id, n.account_id, n.event_id, n.kind, n.url, n.until, n.consecutive_failures,
				n.last_error, n.event_at, n.attempts, n.told`,
			p.Node, toDB(p.Until), toDB(p.Now), toDB(p.TellBefore), p.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.Notice, error) {
			return storeutil.ScanNotice(r, fromDB)
		})
		return err
	})
	storeutil.SortNotices(out)
	return out, s.fail(ctx, err, "claim notices")
}

// FinishNotice records what became of a claimed notice and frees its lease.
func (s *Store) FinishNotice(ctx context.Context, n hookd.Notice, r hookd.NoticeResult) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		return storeutil.FinishNotice(txOf(ctx, tx).Exec, toDB, n, r)
	}), "finish notice")
}
