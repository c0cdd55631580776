package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/hookd-dev/hookd"
)

// storeNotices makes each notice the one waiting for its webhook, in the
// transaction that records the change it tells of; a lease on an older
// notice stays, so the mailer holding it finishes before this one is sent.
func storeNotices(ctx context.Context, tx *sql.Tx, notices []hookd.Notice) error {
	slices.SortFunc(notices, func(a, b hookd.Notice) int { return strings.Compare(a.WebhookID, b.WebhookID) })
	for _, n := range notices {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_notices (webhook_id, account_id, event_id, kind, url, until,
			consecutive_failures, last_error, event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (webhook_id) DO UPDATE SET event_id = excluded.event_id, kind = excluded.kind, url = excluded.url,
			until = excluded.until, consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error,
			event_at = excluded.event_at, attempts = 0, next_at = NULL`,
			n.WebhookID, n.AccountID, n.ID, n.Kind, n.URL, toDB(n.Until), n.ConsecutiveFailures, n.LastError, toDB(n.At))
		if err != nil {
			return err
		}
	}
	return nil
}

// ClaimNotices leases the waiting notices that are due, oldest first.
func (s *Store) ClaimNotices(ctx context.Context, p hookd.NoticeClaim) ([]hookd.Notice, error) {
	// Most polls find nothing: a read says so without taking the write lock
	// that deliveries are recorded under.
	var waiting bool
	if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_notices WHERE event_id <> '')`).Scan(&waiting); err != nil || !waiting {
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
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n hookd.Notice
			var until, at sql.NullInt64
			if err := rows.Scan(&n.WebhookID, &n.AccountID, &n.ID, &n.Kind, &n.URL, &until, &n.ConsecutiveFailures,
				&n.LastError, &at, &n.Attempts, &n.Told); err != nil {
				return err
			}
			n.Until, n.At = fromDB(until), fromDB(at)
			out = append(out, n)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b hookd.Notice) int { return a.At.Compare(b.At) })
	return out, s.fail(err, "claim notices")
}

// FinishNotice records what became of a claimed notice and frees its lease.
func (s *Store) FinishNotice(ctx context.Context, n hookd.Notice, r hookd.NoticeResult) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		switch {
		case r.Gone:
			_, err = tx.ExecContext(ctx, `DELETE FROM webhook_notices WHERE webhook_id = ?`, n.WebhookID)
		case r.Sent:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_notices SET told = ?1, told_at = ?2, lease_node = NULL, lease_until = NULL,
				event_id = CASE WHEN event_id = ?3 THEN '' ELSE event_id END
				WHERE webhook_id = ?4`, n.Kind, toDB(r.At), n.ID, n.WebhookID)
		case !r.RetryAt.IsZero():
			_, err = tx.ExecContext(ctx, `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
				next_at = CASE WHEN event_id = ?1 THEN ?2 ELSE next_at END WHERE webhook_id = ?3`, n.ID, toDB(r.RetryAt), n.WebhookID)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
				event_id = CASE WHEN event_id = ?1 THEN '' ELSE event_id END WHERE webhook_id = ?2`, n.ID, n.WebhookID)
		}
		return err
	}), "finish notice")
}
