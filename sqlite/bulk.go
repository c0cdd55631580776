package sqlite

import (
	"context"
	"database/sql"

	"hookd"
)

// CreateWebhooks stores many webhooks in one transaction, as CreateWebhook
// stores one. It is not part of hookd.Store: the benchmark (hookd bench) uses
// it to set up 100,000 subscriptions in a second instead of one durable
// transaction each.
func (s *Store) CreateWebhooks(ctx context.Context, ws []hookd.Webhook) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO webhooks (id, account_id, name, url, hooks, enabled,
			created_at, updated_at, secret, previous_secret, previous_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range ws {
			w := &ws[i]
			if w.ID == "" {
				w.ID = hookd.NewID(hookd.PrefixWebhook)
			}
			w.CreatedAt = stamp(w.CreatedAt)
			if w.UpdatedAt.IsZero() {
				w.UpdatedAt = w.CreatedAt
			}
			w.UpdatedAt = stamp(w.UpdatedAt)
			hooks, err := hooksJSON(w.Hooks)
			if err != nil {
				return err
			}
			_, err = st.ExecContext(ctx, w.ID, w.AccountID, w.Name, w.URL, hooks, w.Enabled, ms(w.CreatedAt),
				ms(w.UpdatedAt), w.Secret, w.PreviousSecret, nullMs(w.PreviousUntil))
			if isUnique(err) {
				return hookd.Errorf(hookd.ECONFLICT, "webhook %s already exists", w.ID)
			} else if err != nil {
				return err
			}
		}
		return nil
	}), "create webhooks")
}
