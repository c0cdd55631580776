package storeutil

import (
	"encoding/json"
	"time"

	"github.com/hookd-dev/hookd"
)

// Scanner is a row of either engine's driver (database/sql or pgx).
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result of either engine's driver, read row by row.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Pairs reads rows of two strings (a, b) into a map from each a to its bs,
// in the order read: SentWebhooks' (trigger, webhook) rows, for one.
func Pairs(rows Rows) (map[string][]string, error) {
	out := map[string][]string{}
	var a, b string
	for rows.Next() {
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[a] = append(out[a], b)
	}
	return out, rows.Err()
}

// The Scan functions read one row of the matching column list (columns.go)
// into a record. T is how the engine's driver holds a stored time, and
// fromDB reads it (UTC; zero for NULL).

// ScanTrigger reads a row of TriggerColumns. Every destination is in one
// value, which escapes to the heap in one allocation a row: ClaimTriggers
// reads thousands.
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
func ScanDelivery[T any](row Scanner, fromDB func(T) time.Time) (d hookd.Delivery, err error) {
	var at T
	err = row.Scan(&d.ID, &d.AccountID, &d.TriggerID, &d.WebhookID, &d.Hook, &d.URL, &d.Status,
		&d.StatusCode, &d.Error, &d.DurationMs, &at, &d.Response, &d.ResponseHeaders, &d.RedeliveryOf, &d.Signature, &d.RecoveryID)
	d.AttemptedAt = fromDB(at)
	return d, err
}

// ScanURLState reads a row of URLStateColumns.
func ScanURLState[T any](row Scanner, fromDB func(T) time.Time) (st hookd.URLState, err error) {
	var until T
	err = row.Scan(&st.AccountID, &st.URL, &st.ConsecutiveFailures, &st.Level, &until, &st.LastError)
	st.Until = fromDB(until)
	return st, err
}

// ScanAccount reads a row of AccountColumns.
func ScanAccount[T any](row Scanner, fromDB func(T) time.Time) (a hookd.Account, err error) {
	var created T
	err = row.Scan(&a.ID, &a.Name, &created)
	a.CreatedAt = fromDB(created)
	return a, err
}

// ScanAPIKey reads a row of APIKeyColumns.
func ScanAPIKey[T any](row Scanner, fromDB func(T) time.Time) (k hookd.APIKey, err error) {
	var created, used T
	err = row.Scan(&k.ID, &k.AccountID, &k.Name, &k.Hash, &k.Prefix, &created, &used)
	k.CreatedAt, k.LastUsedAt = fromDB(created), fromDB(used)
	return k, err
}

// ScanUser reads a row of UserColumns.
func ScanUser[T any](row Scanner, fromDB func(T) time.Time) (u hookd.User, err error) {
	var created T
	err = row.Scan(&u.ID, &u.AccountID, &u.Username, &u.PasswordHash, &u.Admin, &u.Email, &created)
	u.CreatedAt = fromDB(created)
	return u, err
}
