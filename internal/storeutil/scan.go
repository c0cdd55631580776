package storeutil

import (
	"encoding/json"
	"time"

	"hookd"
)

// Scanner is a row of either engine's driver (database/sql or pgx).
type Scanner interface {
	Scan(dest ...any) error
}

// The Scan functions read one row of the matching column list (columns.go)
// into a record. T is how the engine's driver holds a stored time, and
// fromDB reads it (UTC; zero for NULL). Every destination is in one value,
// which escapes to the heap in one allocation a row: ClaimTriggers reads
// thousands.

// ScanTrigger reads a row of TriggerColumns.
func ScanTrigger[T any](row Scanner, fromDB func(T) time.Time) (hookd.Trigger, error) {
	var r struct {
		t            hookd.Trigger
		data         []byte
		ts, received T
	}
	err := row.Scan(&r.t.ID, &r.t.AccountID, &r.t.Hook, &r.data, &r.ts, &r.received)
	r.t.Data = json.RawMessage(r.data)
	r.t.Timestamp, r.t.ReceivedAt = fromDB(r.ts), fromDB(r.received)
	return r.t, err
}

// ScanDelivery reads a row of DeliveryColumns.
func ScanDelivery[T any](row Scanner, fromDB func(T) time.Time) (hookd.Delivery, error) {
	var r struct {
		d  hookd.Delivery
		at T
	}
	err := row.Scan(&r.d.ID, &r.d.AccountID, &r.d.TriggerID, &r.d.WebhookID, &r.d.Hook, &r.d.URL, &r.d.Status,
		&r.d.StatusCode, &r.d.Error, &r.d.DurationMs, &r.at, &r.d.Response)
	r.d.AttemptedAt = fromDB(r.at)
	return r.d, err
}

// ScanURLState reads a row of URLStateColumns.
func ScanURLState[T any](row Scanner, fromDB func(T) time.Time) (hookd.URLState, error) {
	var r struct {
		st    hookd.URLState
		until T
	}
	err := row.Scan(&r.st.URL, &r.st.ConsecutiveFailures, &r.st.Level, &r.until)
	r.st.Until = fromDB(r.until)
	return r.st, err
}

// ScanAPIKey reads a row of APIKeyColumns.
func ScanAPIKey[T any](row Scanner, fromDB func(T) time.Time) (hookd.APIKey, error) {
	var r struct {
		k       hookd.APIKey
		created T
	}
	err := row.Scan(&r.k.ID, &r.k.AccountID, &r.k.Name, &r.k.Hash, &r.k.Prefix, &r.created)
	r.k.CreatedAt = fromDB(r.created)
	return r.k, err
}

// ScanUser reads a row of UserColumns.
func ScanUser[T any](row Scanner, fromDB func(T) time.Time) (hookd.User, error) {
	var r struct {
		u       hookd.User
		created T
	}
	err := row.Scan(&r.u.ID, &r.u.AccountID, &r.u.Username, &r.u.PasswordHash, &r.u.Admin, &r.created)
	r.u.CreatedAt = fromDB(r.created)
	return r.u, err
}
