package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookd-dev/hookd"
)

// storeNotices makes each notice the one waiting for its webhook, in the
// transaction that records the change it tells of, in webhook order (the
// order every write of several rows here uses); a lease on an older notice
// stays, so the mailer holding it finishes before this one is sent.
func storeNotices(ctx context.Context, tx pgx.Tx, notices []hookd.Notice) error {
	slices.SortFunc(notices, func(a, b hookd.Notice) int { return strings.Compare(a.WebhookID, b.WebhookID) })
	for _, n := range notices {
		_, err := tx.Exec(ctx, `INSERT INTO webhook_notices (webhook_id, account_id, event_id, kind, url, until,
			consecutive_failures, last_error, event_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_notices WHERE event_id <> '')`).Scan(&waiting); err != nil || !waiting {
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
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (n hookd.Notice, err error) {
			var until, at pgtype.Timestamptz
			err = r.Scan(&n.WebhookID, &n.AccountID, &n.ID, &n.Kind, &n.URL, &until, &n.ConsecutiveFailures,
				&n.LastError, &at, &n.Attempts, &n.Told)
			n.Until, n.At = fromDB(until), fromDB(at)
			return n, err
		})
		return err
	})
	slices.SortFunc(out, func(a, b hookd.Notice) int { return a.At.Compare(b.At) })
	return out, s.fail(ctx, err, "claim notices")
}

// FinishNotice records what became of a claimed notice and frees its lease.
func (s *Store) FinishNotice(ctx context.Context, n hookd.Notice, r hookd.NoticeResult) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		switch {
		case r.Gone:
			_, err = tx.Exec(ctx, `DELETE FROM webhook_notices WHERE webhook_id = $1`, n.WebhookID)
		case r.Sent:
			_, err = tx.Exec(ctx, `UPDATE webhook_notices SET told = $1, told_at = $2, lease_node = NULL, lease_until = NULL,
				event_id = CASE WHEN event_id = $3 THEN '' ELSE event_id END
				WHERE webhook_id = $4`, n.Kind, toDB(r.At), n.ID, n.WebhookID)
		case !r.RetryAt.IsZero():
			_, err = tx.Exec(ctx, `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
				next_at = CASE WHEN event_id = $1 THEN $2 ELSE next_at END WHERE webhook_id = $3`, n.ID, toDB(r.RetryAt), n.WebhookID)
		default:
			_, err = tx.Exec(ctx, `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
				event_id = CASE WHEN event_id = $1 THEN '' ELSE event_id END WHERE webhook_id = $2`, n.ID, n.WebhookID)
		}
		return err
	}), "finish notice")
}
