package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// InsertTriggersIdempotent stores triggers and the idempotency records of
// their requests in one transaction, after deleting the records that have
// expired. A live record with the same account and key makes it ECONFLICT,
// and nothing is stored; a concurrent transaction inserting the same key
// makes this one wait for its outcome (the primary key's lock).
func (s *Store) InsertTriggersIdempotent(ctx context.Context, keys []hookd.IdempotencyRecord, ts []hookd.Trigger) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		return storeutil.IdempotentInsert{
			DeleteExpired: func(now time.Time) error {
				_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, toDB(now))
				return err
			},
			InsertKey: func(k hookd.IdempotencyRecord) error {
				_, err := tx.Exec(ctx, `INSERT INTO idempotency_keys
					(account_id, key, request_hash, status, response, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					k.AccountID, k.Key, k.RequestHash, k.Status, k.Response, toDB(k.CreatedAt), toDB(k.ExpiresAt))
				return err
			},
			InsertTriggers: func(ts []hookd.Trigger) error { return insertTriggers(ctx, tx, ts, false) },
			IsUnique:       isUnique,
		}.Run(keys, ts)
	}), "store triggers")
}

// IdempotencyRecord returns the account's record of key that has not expired
// at now.
func (s *Store) IdempotencyRecord(ctx context.Context, accountID, key string, now time.Time) (hookd.IdempotencyRecord, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	r, err := storeutil.ReadIdempotencyRecord(s.reader(ctx), fromDB, accountID, key, toDB(now))
	return r, s.fail(ctx, err, "read")
}
