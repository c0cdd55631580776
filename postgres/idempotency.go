package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"hookd"
)

// InsertTriggersIdempotent stores triggers and the idempotency records of
// their requests in one transaction, after deleting the records that have
// expired. A live record with the same account and key makes it ECONFLICT,
// and nothing is stored; a concurrent transaction inserting the same key
// makes this one wait for its outcome (the primary key's lock).
func (s *Store) InsertTriggersIdempotent(ctx context.Context, keys []hookd.IdempotencyRecord, ts []hookd.Trigger) error {
	if len(keys) == 0 {
		return s.InsertTriggers(ctx, ts)
	}
	now := keys[0].CreatedAt
	for _, k := range keys[1:] {
		if k.CreatedAt.Before(now) {
			now = k.CreatedAt
		}
	}
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, ms(now)); err != nil {
			return err
		}
		for _, k := range keys {
			resp := k.Response
			if resp == nil {
				resp = []byte{}
			}
			_, err := tx.Exec(ctx, `INSERT INTO idempotency_keys
				(account_id, key, request_hash, status, response, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				k.AccountID, k.Key, k.RequestHash, k.Status, resp, ms(k.CreatedAt), ms(k.ExpiresAt))
			if isUnique(err) {
				return hookd.Errorf(hookd.ECONFLICT, "the idempotency key %q is already in use; nothing was stored", k.Key)
			}
			if err != nil {
				return err
			}
		}
		if len(ts) == 0 {
			return nil
		}
		err := insertTriggers(ctx, tx, ts, false)
		if isUnique(err) {
			return hookd.Errorf(hookd.ECONFLICT, "a trigger with one of these IDs already exists; nothing was stored")
		}
		return err
	}), "store triggers")
}

// IdempotencyRecord returns the account's record of key that has not expired
// at now.
func (s *Store) IdempotencyRecord(ctx context.Context, accountID, key string, now time.Time) (hookd.IdempotencyRecord, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	r := hookd.IdempotencyRecord{AccountID: accountID, Key: key}
	err := s.pool.QueryRow(ctx, `SELECT request_hash, status, response, created_at, expires_at FROM idempotency_keys
		WHERE account_id = $1 AND key = $2 AND expires_at > $3`, accountID, key, ms(now)).
		Scan(&r.RequestHash, &r.Status, &r.Response, &r.CreatedAt, &r.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return hookd.IdempotencyRecord{}, hookd.Errorf(hookd.ENOTFOUND, "no answer is stored for the idempotency key %q", key)
	}
	if err != nil {
		return hookd.IdempotencyRecord{}, s.fail(ctx, err, "read")
	}
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	return r, nil
}
