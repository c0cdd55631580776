package sqlite

import (
	"context"
	"database/sql"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// txOf is tx as the steps in storeutil use it.
func txOf(ctx context.Context, tx *sql.Tx) storeutil.Tx {
	return storeutil.NewTx(ctx, tx.ExecContext, tx.QueryRowContext, sql.ErrNoRows)
}

// ClaimNotices leases the waiting notices that are due, oldest first.
func (s *Store) ClaimNotices(ctx context.Context, p hookd.NoticeClaim) ([]hookd.Notice, error) {
	if p.Limit <= 0 {
		return nil, nil // as PostgreSQL: SQLite's LIMIT would read a negative one as none
	}
	// Most polls find nothing: a read says so without taking the write lock
	// that deliveries are recorded under.
	var waiting bool
	if err := s.read.QueryRowContext(ctx, storeutil.NoticesWaiting).Scan(&waiting); err != nil || !waiting {
		return nil, s.fail(err, "claim notices")
	}
	var out []hookd.Notice
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE webhook_notices SET lease_node = ?1, lease_until = ?2, attempts = attempts + 1
			WHERE webhook_id IN (SELECT webhook_id FROM webhook_notices WHERE event_id <> ''
				AND coalesce(lease_until, 0) <= ?3 AND coalesce(next_at, 0) <= ?3 AND coalesce(told_at, 0) <= ?4
				ORDER BY event_at LIMIT ?5)
			RETURNING webhook_id, account_id, event_id, kind, url, until, consecutive_failures, last_error, event_at, attempts, told`,
			p.Node, toDB(p.Until), toDB(p.Now), toDB(p.TellBefore), p.Limit)
		out, err = collect(rows, err, func(r storeutil.Scanner) (hookd.Notice, error) { return storeutil.ScanNotice(r, fromDB) })
		return err
	})
	storeutil.SortNotices(out)
	return out, s.fail(err, "claim notices")
}

// FinishNotice records what became of a claimed notice and frees its lease.
func (s *Store) FinishNotice(ctx context.Context, n hookd.Notice, r hookd.NoticeResult) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		return storeutil.FinishNotice(txOf(ctx, tx).Exec, toDB, n, r)
	}), "finish notice")
}
