package storeutil

import (
	"slices"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// Statements of the notices both engines run alike. Their $N placeholders
// bind by number in both drivers (pgx, and SQLite's $NNN parameters).
const (
	// NoticesWaiting reads whether any notice waits to be sent.
	NoticesWaiting = `SELECT EXISTS (SELECT 1 FROM webhook_notices WHERE event_id <> '')`

	upsertNotice = `INSERT INTO webhook_notices (webhook_id, account_id, event_id, kind, url, until,
		consecutive_failures, last_error, event_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (webhook_id) DO UPDATE SET event_id = excluded.event_id, kind = excluded.kind, url = excluded.url,
		until = excluded.until, consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error,
		event_at = excluded.event_at, attempts = 0, next_at = NULL`
	deleteNotice = `DELETE FROM webhook_notices WHERE webhook_id = $1`
	sentNotice   = `UPDATE webhook_notices SET told = $1, told_at = $2, lease_node = NULL, lease_until = NULL,
		event_id = CASE WHEN event_id = $3 THEN '' ELSE event_id END WHERE webhook_id = $4`
	retryNotice = `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
		next_at = CASE WHEN event_id = $1 THEN $2 ELSE next_at END WHERE webhook_id = $3`
	dropNotice = `UPDATE webhook_notices SET lease_node = NULL, lease_until = NULL,
		event_id = CASE WHEN event_id = $1 THEN '' ELSE event_id END WHERE webhook_id = $2`
)

// Exec runs one statement with its arguments in an engine's transaction.
type Exec func(query string, args ...any) error

// StoreNotices makes each notice the one waiting for its webhook, in the
// transaction that records the change it tells of (toDB stores a time), in webhook order (the
// order every write of several rows uses); a lease on an older notice
// stays, so the mailer holding it finishes before this one is sent.
func StoreNotices[T any](exec Exec, toDB func(time.Time) T, notices []hookd.Notice) error {
	slices.SortFunc(notices, func(a, b hookd.Notice) int { return strings.Compare(a.WebhookID, b.WebhookID) })
	for _, n := range notices {
		if err := exec(upsertNotice, n.WebhookID, n.AccountID, n.ID, n.Kind, n.URL, toDB(n.Until),
			n.ConsecutiveFailures, n.LastError, toDB(n.At)); err != nil {
			return err
		}
	}
	return nil
}

// FinishNotice records what became of a claimed notice and frees its lease:
// a notice of a webhook that is gone is deleted; a sent one is told (and no
// longer waits, unless a newer event replaced it meanwhile); a failed one
// waits until r.RetryAt, or, with no retry, is dropped.
func FinishNotice[T any](exec Exec, toDB func(time.Time) T, n hookd.Notice, r hookd.NoticeResult) error {
	switch {
	case r.Gone:
		return exec(deleteNotice, n.WebhookID)
	case r.Sent:
		return exec(sentNotice, n.Kind, toDB(r.At), n.ID, n.WebhookID)
	case !r.RetryAt.IsZero():
		return exec(retryNotice, n.ID, toDB(r.RetryAt), n.WebhookID)
	default:
		return exec(dropNotice, n.ID, n.WebhookID)
	}
}

// ScanNotice reads a row of a claim's notice: webhook_id, account_id,
// event_id, kind, url, until, consecutive_failures, last_error, event_at,
// attempts, told.
func ScanNotice[T any](row Scanner, fromDB func(T) time.Time) (n hookd.Notice, err error) {
	var until, at T
	err = row.Scan(&n.WebhookID, &n.AccountID, &n.ID, &n.Kind, &n.URL, &until, &n.ConsecutiveFailures,
		&n.LastError, &at, &n.Attempts, &n.Told)
	n.Until, n.At = fromDB(until), fromDB(at)
	return n, err
}

// SortNotices puts claimed notices in the order they are sent: oldest
// event first.
func SortNotices(ns []hookd.Notice) {
	slices.SortFunc(ns, func(a, b hookd.Notice) int { return a.At.Compare(b.At) })
}
