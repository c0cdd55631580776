package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

func scanWebhook(row storeutil.Scanner) (hookd.Webhook, error) {
	var w hookd.Webhook
	var hooks string
	var created, updated, prevUntil, until sql.NullInt64
	var url, lastError sql.NullString
	var failures, level sql.NullInt64
	err := row.Scan(&w.ID, &w.AccountID, &w.Name, &w.URL, &hooks, &w.Enabled, &created, &updated,
		&w.Secret, &w.PreviousSecret, &prevUntil, &url, &failures, &level, &until, &lastError)
	if err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(hooks), &w.Hooks); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt, w.PreviousUntil = fromDB(created), fromDB(updated), fromDB(prevUntil)
	if url.Valid {
		w.Greylist = hookd.URLState{AccountID: w.AccountID, URL: url.String, ConsecutiveFailures: int(failures.Int64),
			Level: int(level.Int64), Until: fromDB(until), LastError: lastError.String}
	}
	return w, nil
}

func (s *Store) queryWebhooks(ctx context.Context, query string, args ...any) ([]hookd.Webhook, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	out, err := collect(rows, err, scanWebhook)
	return out, s.fail(err, "read")
}

// CreateWebhook stores w; an empty ID, CreatedAt or UpdatedAt is filled in.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook) error {
	ws := []hookd.Webhook{*w}
	err := s.CreateWebhooks(ctx, ws)
	*w = ws[0]
	return err
}

// CreateWebhooks stores many webhooks in one transaction, each as
// CreateWebhook stores one. It is not part of hookd.Store: hookd bench uses
// it to set up 100,000 subscriptions in a second, where one durable
// transaction each takes minutes on a disk that syncs in milliseconds.
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
			storeutil.FillWebhook(w)
			hooks, err := hooksJSON(w.Hooks)
			if err != nil {
				return err
			}
			_, err = st.ExecContext(ctx, w.ID, w.AccountID, w.Name, w.URL, hooks, w.Enabled, toDB(w.CreatedAt),
				toDB(w.UpdatedAt), w.Secret, w.PreviousSecret, toDB(w.PreviousUntil))
			if isUnique(err) {
				return storeutil.Exists("webhook", w.ID)
			} else if err != nil {
				return err
			}
		}
		return nil
	}), "create webhook")
}

func hooksJSON(hooks []string) (string, error) {
	b, err := json.Marshal(storeutil.NotNil(hooks))
	return string(b), err
}

// Webhook returns one of the account's webhooks.
func (s *Store) Webhook(ctx context.Context, accountID, id string) (hookd.Webhook, error) {
	w, err := scanWebhook(s.read.QueryRowContext(ctx, storeutil.SelectWebhooks+` WHERE w.account_id = ? AND w.id = ?`, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, storeutil.NotFound("webhook", id)
	}
	return w, s.fail(err, "read")
}

// Webhooks returns the account's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, accountID string) ([]hookd.Webhook, error) {
	return s.queryWebhooks(ctx, storeutil.SelectWebhooks+` WHERE w.account_id = ? ORDER BY w.created_at, w.id`, accountID)
}

// EnabledWebhooks returns the enabled webhooks of every account, oldest first.
func (s *Store) EnabledWebhooks(ctx context.Context) ([]hookd.Webhook, error) {
	return s.queryWebhooks(ctx, storeutil.SelectWebhooks+` WHERE w.enabled ORDER BY w.created_at, w.id`)
}

// UpdateWebhook saves every field of w but ID, AccountID and CreatedAt. An
// empty UpdatedAt becomes now.
func (s *Store) UpdateWebhook(ctx context.Context, w *hookd.Webhook) error {
	w.UpdatedAt = storeutil.Stamp(w.UpdatedAt)
	hooks, err := hooksJSON(w.Hooks)
	if err != nil {
		return err
	}
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET name = ?, url = ?, hooks = ?, enabled = ?,
			updated_at = ?, secret = ?, previous_secret = ?, previous_until = ?
			WHERE account_id = ? AND id = ?`,
			w.Name, w.URL, hooks, w.Enabled, toDB(w.UpdatedAt), w.Secret, w.PreviousSecret, toDB(w.PreviousUntil),
			w.AccountID, w.ID)
		return notFound(res, err, storeutil.NotFound("webhook", w.ID))
	}), "update webhook")
}

// DeleteWebhook deletes one of the account's webhooks. Its deliveries stay in
// the log.
func (s *Store) DeleteWebhook(ctx context.Context, accountID, id string) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE account_id = ? AND id = ?`, accountID, id)
		return notFound(res, err, storeutil.NotFound("webhook", id))
	}), "delete webhook")
}

// WebhooksVersion changes whenever a webhook is created, changed or deleted.
func (s *Store) WebhooksVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT version FROM webhooks_version`).Scan(&v)
	return v, s.fail(err, "read")
}
