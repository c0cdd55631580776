package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// scanWebhook reads a row of storeutil.SelectWebhooks.
func scanWebhook(row storeutil.Scanner, fromDB readTime) (hookd.Webhook, error) {
	var w hookd.Webhook
	var created, updated, prevUntil, until pgtype.Timestamptz
	var url, lastError *string
	var failures, level *int
	err := row.Scan(&w.ID, &w.AccountID, &w.Name, &w.URL, &w.Hooks, &w.Enabled, &created, &updated,
		&w.Secret, &w.PreviousSecret, &prevUntil, &url, &failures, &level, &until, &lastError)
	if err != nil {
		return w, err
	}
	if w.Hooks == nil {
		w.Hooks = []string{}
	}
	w.CreatedAt, w.UpdatedAt, w.PreviousUntil = fromDB(created), fromDB(updated), fromDB(prevUntil)
	if url != nil {
		w.Greylist = hookd.URLState{AccountID: w.AccountID, URL: *url, ConsecutiveFailures: *failures, Level: *level, Until: fromDB(until), LastError: *lastError}
	}
	return w, nil
}

func (s *Store) queryWebhooks(ctx context.Context, query string, args ...any) ([]hookd.Webhook, error) {
	return readAll(ctx, s, scanWebhook, query, args...)
}

// CreateWebhook stores w; an empty ID, CreatedAt or UpdatedAt is filled in.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook) error {
	ctx, cancel := op(ctx)
	defer cancel()
	storeutil.FillWebhook(w)
	_, err := s.pool.Exec(ctx, `INSERT INTO webhooks (id, account_id, name, url, hooks, enabled,
		created_at, updated_at, secret, previous_secret, previous_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		w.ID, w.AccountID, w.Name, w.URL, storeutil.NotNil(w.Hooks), w.Enabled, toDB(w.CreatedAt), toDB(w.UpdatedAt),
		w.Secret, w.PreviousSecret, toDB(w.PreviousUntil))
	if isUnique(err) {
		return storeutil.Exists("webhook", w.ID)
	}
	return s.fail(ctx, err, "create webhook")
}

// Webhook returns one of the account's webhooks.
func (s *Store) Webhook(ctx context.Context, accountID, id string) (hookd.Webhook, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	w, err := scanWebhook(s.pool.QueryRow(ctx, storeutil.SelectWebhooks+` WHERE w.account_id = $1 AND w.id = $2`, accountID, id), fromDB)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, storeutil.NotFound("webhook", id)
	}
	return w, s.fail(ctx, err, "read")
}

// Webhooks returns the account's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, accountID string) ([]hookd.Webhook, error) {
	return s.queryWebhooks(ctx, storeutil.SelectWebhooks+` WHERE w.account_id = $1 ORDER BY w.created_at, w.id`, accountID)
}

// EnabledWebhooks returns the enabled webhooks of every account, oldest first.
func (s *Store) EnabledWebhooks(ctx context.Context) ([]hookd.Webhook, error) {
	return s.queryWebhooks(ctx, storeutil.SelectWebhooks+` WHERE w.enabled ORDER BY w.created_at, w.id`)
}

// UpdateWebhook saves every field of w but ID, AccountID and CreatedAt. An
// empty UpdatedAt becomes now.
func (s *Store) UpdateWebhook(ctx context.Context, w *hookd.Webhook) error {
	ctx, cancel := op(ctx)
	defer cancel()
	w.UpdatedAt = storeutil.Stamp(w.UpdatedAt)
	tag, err := s.pool.Exec(ctx, `UPDATE webhooks SET name = $1, url = $2, hooks = $3, enabled = $4,
		updated_at = $5, secret = $6, previous_secret = $7, previous_until = $8
		WHERE account_id = $9 AND id = $10`,
		w.Name, w.URL, storeutil.NotNil(w.Hooks), w.Enabled, toDB(w.UpdatedAt), w.Secret, w.PreviousSecret, toDB(w.PreviousUntil),
		w.AccountID, w.ID)
	if err != nil {
		return s.fail(ctx, err, "update webhook")
	}
	if tag.RowsAffected() == 0 {
		return storeutil.NotFound("webhook", w.ID)
	}
	return nil
}

// DeleteWebhook deletes one of the account's webhooks. Its deliveries stay in
// the log.
func (s *Store) DeleteWebhook(ctx context.Context, accountID, id string) error {
	ctx, cancel := op(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE account_id = $1 AND id = $2`, accountID, id)
	if err != nil {
		return s.fail(ctx, err, "delete webhook")
	}
	if tag.RowsAffected() == 0 {
		return storeutil.NotFound("webhook", id)
	}
	return nil
}

// WebhooksVersion changes whenever a webhook is created, changed or deleted,
// on any node.
func (s *Store) WebhooksVersion(ctx context.Context) (int64, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM webhooks_version`).Scan(&v)
	return v, s.fail(ctx, err, "read")
}
