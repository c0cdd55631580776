package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

func (s *Store) queryURLStates(ctx context.Context, query string, args ...any) ([]hookd.URLState, error) {
	return readAll(ctx, s, storeutil.ScanURLState, query, args...)
}

// URLStates returns every state that is not healthy, of every account, by
// account and URL.
func (s *Store) URLStates(ctx context.Context) ([]hookd.URLState, error) {
	return s.queryURLStates(ctx, storeutil.SelectURLStates+` ORDER BY account_id, url`)
}

// Greylist returns the account's grey-listed states (level above zero) of
// the URLs of its webhooks, by URL.
func (s *Store) Greylist(ctx context.Context, accountID string) ([]hookd.URLState, error) {
	return s.queryURLStates(ctx, storeutil.SelectURLStates+`
		WHERE account_id = $1 AND level > 0 AND url IN (SELECT url FROM webhooks WHERE account_id = $1) ORDER BY url`, accountID)
}

// ReleaseURL clears the account's state of a URL at once, for every node
// (each reloads the states at its next tick); other accounts' states of that
// URL stay. ENOTFOUND when none of the account's webhooks has that URL;
// releasing a healthy URL is not an error.
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
		// Take the pair's lock, as RecordDeliveries does, so that a batch
		// being recorded does not write back the state just released.
		key := urlLockKey(hookd.URLKey{AccountID: accountID, URL: url})
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockURLClass, key); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM url_states WHERE account_id = $1 AND url = $2`, accountID, url)
		return err
	}), "release URL")
}
