package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"hookd"
	"hookd/internal/storeutil"
)

func (s *Store) queryURLStates(ctx context.Context, query string, args ...any) ([]hookd.URLState, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(ctx, err, "read")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.URLState, error) { return storeutil.ScanURLState(r, fromDB) })
	if err != nil {
		return nil, s.fail(ctx, err, "read")
	}
	if out == nil {
		out = []hookd.URLState{}
	}
	return out, nil
}

// URLStates returns every URL state that is not healthy, by URL.
func (s *Store) URLStates(ctx context.Context) ([]hookd.URLState, error) {
	return s.queryURLStates(ctx, storeutil.SelectURLStates+` ORDER BY url`)
}

// Greylist returns the grey-listed states (level above zero) of the URLs of
// the account's webhooks, by URL.
func (s *Store) Greylist(ctx context.Context, accountID string) ([]hookd.URLState, error) {
	return s.queryURLStates(ctx, storeutil.SelectURLStates+`
		WHERE level > 0 AND url IN (SELECT url FROM webhooks WHERE account_id = $1) ORDER BY url`, accountID)
}

// ReleaseURL clears a URL's state at once, for every node (each reloads the
// states at its next tick). ENOTFOUND when none of the account's webhooks has
// that URL; releasing a healthy URL is not an error.
func (s *Store) ReleaseURL(ctx context.Context, accountID, url string) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE account_id = $1 AND url = $2)`, accountID, url).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return storeutil.NoWebhookWithURL(url)
		}
		// Take the URL's lock, as RecordDeliveries does, so that a batch
		// being recorded does not write back the state just released.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockURLClass, urlLockKey(url)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM url_states WHERE url = $1`, url)
		return err
	}), "release URL")
}
