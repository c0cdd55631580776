package storeutil

import (
	"time"

	"github.com/hookd-dev/hookd"
)

// The reads of one record that both engines make with the same statement.
// Each reads through an engine's Reader; T is how the engine's driver holds
// a stored time, fromDB reads it, and a now is a time as the engine stores
// it (its toDB).

// ReadSession reads the session with this token hash unless it has expired
// at now: ErrNoSession when there is none.
func ReadSession[T any](r Reader, fromDB func(T) time.Time, tokenHash string, now any) (hookd.Session, error) {
	var ss hookd.Session
	var created, expires T
	err := r.QueryRow(`SELECT token_hash, user_id, csrf_token, created_at, expires_at
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, now).
		Scan(&ss.TokenHash, &ss.UserID, &ss.CSRFToken, &created, &expires)
	if err != nil {
		return ss, r.missing(err, ErrNoSession)
	}
	ss.CreatedAt, ss.ExpiresAt = fromDB(created), fromDB(expires)
	return ss, nil
}

// ReadIdempotencyRecord reads the account's record of key that has not
// expired at now: NoIdempotencyRecord when there is none.
func ReadIdempotencyRecord[T any](r Reader, fromDB func(T) time.Time, accountID, key string, now any) (hookd.IdempotencyRecord, error) {
	rec := hookd.IdempotencyRecord{AccountID: accountID, Key: key}
	var created, expires T
	err := r.QueryRow(`SELECT request_hash, status, response, created_at, expires_at FROM idempotency_keys
		WHERE account_id = $1 AND key = $2 AND expires_at > $3`, accountID, key, now).
		Scan(&rec.RequestHash, &rec.Status, &rec.Response, &created, &expires)
	if err != nil {
		return hookd.IdempotencyRecord{}, r.missing(err, NoIdempotencyRecord(key))
	}
	rec.CreatedAt, rec.ExpiresAt = fromDB(created), fromDB(expires)
	return rec, nil
}

// ReadRecovery reads one of the account's recoveries and its progress: its
// items still queued and the deliveries its sends made, by status.
func ReadRecovery[T any](r Reader, fromDB func(T) time.Time, accountID, id string) (hookd.RecoveryProgress, error) {
	var p hookd.RecoveryProgress
	var since, until, created T
	err := r.QueryRow(`SELECT id, account_id, webhook_id, since, until, queued, created_at,
			(SELECT count(*) FROM recovery_items WHERE recovery_id = r.id),
			(SELECT count(*) FROM deliveries WHERE recovery_id = r.id AND account_id = r.account_id AND status = $1),
			(SELECT count(*) FROM deliveries WHERE recovery_id = r.id AND account_id = r.account_id AND status = $2)
		FROM recoveries r WHERE id = $3 AND account_id = $4`, hookd.StatusDelivered, hookd.StatusFailed, id, accountID).
		Scan(&p.ID, &p.AccountID, &p.WebhookID, &since, &until, &p.Queued, &created, &p.Pending, &p.Delivered, &p.Failed)
	if err != nil {
		return p, r.found(err, "recovery", id)
	}
	p.Since, p.Until, p.QueuedAt = fromDB(since), fromDB(until), fromDB(created)
	return p, nil
}
