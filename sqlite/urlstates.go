package sqlite

import (
	"context"
	"database/sql"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

func (s *Store) queryURLStates(ctx context.Context, query string, args ...any) ([]hookd.URLState, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	out, err := collect(rows, err, scanURLState)
	return out, s.fail(err, "read")
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
		WHERE account_id = ? AND level > 0 AND url IN (SELECT url FROM webhooks WHERE account_id = ?) ORDER BY url`,
		accountID, accountID)
}

// ReleaseURL clears the account's state of a URL at once; other accounts'
// states of that URL stay. ENOTFOUND when none of the account's webhooks has
// that URL; releasing a healthy URL is not an error.
func (s *Store) ReleaseURL(ctx context.Context, accountID, url string) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE account_id = ? AND url = ?`, accountID, url).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return storeutil.NoWebhookWithURL(url)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM url_states WHERE account_id = ? AND url = ?`, accountID, url)
		return err
	}), "release URL")
}
