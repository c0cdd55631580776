package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hookd"
)

// InsertTriggersIdempotent stores triggers and the idempotency records of
// their requests in one transaction, after deleting the records that have
// expired. A live record with the same account and key makes it ECONFLICT,
// and nothing is stored.
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
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, ms(now)); err != nil {
			return err
		}
		for _, k := range keys {
			resp := k.Response
			if resp == nil {
				resp = []byte{}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys
				(account_id, key, request_hash, status, response, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
		err := s.insertRows(ctx, tx, insertTrigger, "", triggerCols, len(ts), func(dst []any, i int) []any {
			return triggerArgs(dst, &ts[i], false)
		})
		if isUnique(err) {
			return hookd.Errorf(hookd.ECONFLICT, "a trigger with one of these IDs already exists; nothing was stored")
		}
		return err
	}), "store triggers")
}

// IdempotencyRecord returns the account's record of key that has not expired
// at now.
func (s *Store) IdempotencyRecord(ctx context.Context, accountID, key string, now time.Time) (hookd.IdempotencyRecord, error) {
	r := hookd.IdempotencyRecord{AccountID: accountID, Key: key}
	var created, expires int64
	err := s.read.QueryRowContext(ctx, `SELECT request_hash, status, response, created_at, expires_at FROM idempotency_keys
		WHERE account_id = ? AND key = ? AND expires_at > ?`, accountID, key, ms(now)).
		Scan(&r.RequestHash, &r.Status, &r.Response, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return hookd.IdempotencyRecord{}, hookd.Errorf(hookd.ENOTFOUND, "no answer is stored for the idempotency key %q", key)
	}
	if err != nil {
		return hookd.IdempotencyRecord{}, s.fail(err, "read")
	}
	r.CreatedAt, r.ExpiresAt = fromMs(created), fromMs(expires)
	return r, nil
}
