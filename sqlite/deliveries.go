package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

const (
	deliveryCols = 16
)

// upsertDelivery inserts deliveries or replaces the row with the same ID (a
// pending test or redelivery that has now been sent).
const (
	upsertDelivery       = `INSERT INTO deliveries (` + storeutil.DeliveryColumns + `)`
	upsertDeliverySuffix = ` ON CONFLICT (account_id, id) DO UPDATE SET trigger_id = excluded.trigger_id,
		webhook_id = excluded.webhook_id, hook = excluded.hook, url = excluded.url, status = excluded.status,
		status_code = excluded.status_code, error = excluded.error, duration_ms = excluded.duration_ms,
		attempted_at = excluded.attempted_at, response = excluded.response,
		response_headers = excluded.response_headers, redelivery_of = excluded.redelivery_of, signature = excluded.signature,
		recovery_id = excluded.recovery_id`
)

func deliveryArgs(dst []any, d *hookd.Delivery) []any {
	return append(dst, d.ID, d.AccountID, d.TriggerID, d.WebhookID, d.Hook, d.URL, d.Status, d.StatusCode,
		d.Error, d.DurationMs, toDB(storeutil.Stamp(d.AttemptedAt)), d.Response, d.ResponseHeaders, d.RedeliveryOf, d.Signature, d.RecoveryID)
}

// InsertPendingDelivery stores a pending delivery about to be sent at once,
// and its test trigger, if any, as done so that no dispatcher claims it.
func (s *Store) InsertPendingDelivery(ctx context.Context, t *hookd.Trigger, d *hookd.Delivery) error {
	storeutil.Fill(&d.ID, hookd.PrefixDelivery, &d.AttemptedAt)
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		if t != nil {
			t.ReceivedAt = storeutil.Stamp(t.ReceivedAt)
			t.Timestamp = storeutil.Millis(t.Timestamp)
			_, err := tx.ExecContext(ctx, insertTrigger+` VALUES (?, ?, ?, ?, ?, ?, ?)`, triggerArgs(nil, t, true)...)
			if isUnique(err) {
				return storeutil.Exists("trigger", t.ID)
			} else if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, multiRow(upsertDelivery, "", deliveryCols, 1), deliveryArgs(nil, d)...)
		if isUnique(err) {
			return storeutil.Exists("delivery", d.ID)
		} else if err != nil {
			return err
		}
		return s.recordSpans(ctx, tx, []hookd.Delivery{*d})
	}), "store delivery")
}

// RecordDeliveries writes one batch of results in one transaction: the
// deliveries, the triggers that are done, and the grey-list state of every
// URL with an outcome, read and written in the same transaction.
func (s *Store) RecordDeliveries(ctx context.Context, p hookd.RecordParams) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		if len(p.Deliveries) > 0 {
			err := s.insertRows(ctx, tx, upsertDelivery, upsertDeliverySuffix, deliveryCols, len(p.Deliveries), func(dst []any, i int) []any {
				return deliveryArgs(dst, &p.Deliveries[i])
			})
			if err != nil {
				return err
			}
			if err := s.recordSpans(ctx, tx, p.Deliveries); err != nil {
				return err
			}
		}
		if len(p.DoneTriggers) > 0 {
			list, err := jsonList(p.DoneTriggers)
			if err != nil {
				return err
			}
			st, err := s.stmt(ctx, tx, doneTriggers)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, list); err != nil {
				return err
			}
		}
		if len(p.DoneRecoveries) > 0 {
			if err := doneRecoveries(ctx, tx, p.DoneRecoveries); err != nil {
				return err
			}
		}
		if len(p.Outcomes) > 0 {
			return s.applyOutcomes(ctx, tx, p)
		}
		return nil
	}), "record deliveries")
}

const (
	upsertSpan       = `INSERT INTO webhook_delivery_span (webhook_id, account_id, first_id, last_id)`
	upsertSpanSuffix = ` ON CONFLICT (webhook_id) DO UPDATE SET first_id = min(first_id, excluded.first_id),
		last_id = max(last_id, excluded.last_id)`
	spanCols = 4
)

// recordSpans widens each webhook's span of delivery IDs to cover ds.
func (s *Store) recordSpans(ctx context.Context, tx *sql.Tx, ds []hookd.Delivery) error {
	type span struct{ account, first, last string }
	spans := make(map[string]*span, min(len(ds), 4096))
	order := make([]string, 0, min(len(ds), 4096))
	for i := range ds {
		d := &ds[i]
		sp := spans[d.WebhookID]
		if sp == nil {
			spans[d.WebhookID] = &span{d.AccountID, d.ID, d.ID}
			order = append(order, d.WebhookID)
			continue
		}
		sp.first, sp.last = min(sp.first, d.ID), max(sp.last, d.ID)
	}
	// In webhook order, so that the statement walks the table's pages
	// once, front to back.
	slices.Sort(order)
	return s.insertRows(ctx, tx, upsertSpan, upsertSpanSuffix, spanCols, len(order), func(dst []any, i int) []any {
		sp := spans[order[i]]
		return append(dst, order[i], sp.account, sp.first, sp.last)
	})
}

// applyOutcomes loads the stored states of the outcomes' (account, URL)
// pairs in one query, folds the outcomes into them (hookd.FoldOutcomes) and
// writes back what changed, in the transaction of the batch.
func (s *Store) applyOutcomes(ctx context.Context, tx *sql.Tx, p hookd.RecordParams) error {
	outcomes, policy := p.Outcomes, p.Policy
	if allOK(outcomes) {
		// Successes only change pairs that have a row (a success clears
		// it); when no pair has one, as while every receiver is healthy,
		// there is nothing to read or write.
		var any bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM url_states)`).Scan(&any); err != nil || !any {
			return err
		}
	}
	list, err := jsonKeys(hookd.OutcomeKeys(outcomes))
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, storeutil.SelectURLStates+`
		WHERE (account_id, url) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`, list)
	if err != nil {
		return err
	}
	stored := map[hookd.URLKey]hookd.URLState{}
	for rows.Next() {
		st, err := storeutil.ScanURLState(rows, fromDB)
		if err != nil {
			rows.Close()
			return err
		}
		stored[st.Key()] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	upsert, healthy := hookd.FoldOutcomes(policy, stored, outcomes)
	if p.Tell != nil {
		if changes := hookd.GreylistChanges(stored, upsert, healthy); len(changes) > 0 {
			ts, notices := p.Tell(changes)
			if len(ts) > 0 {
				if err := s.insertTriggers(ctx, tx, ts); err != nil {
					return err
				}
			}
			if err := storeutil.StoreNotices(txOf(ctx, tx).Exec, toDB, notices); err != nil {
				return err
			}
		}
	}
	for _, k := range healthy {
		if _, err := tx.ExecContext(ctx, `DELETE FROM url_states WHERE account_id = ? AND url = ?`, k.AccountID, k.URL); err != nil {
			return err
		}
	}
	for _, st := range upsert {
		_, err := tx.ExecContext(ctx, `INSERT INTO url_states (`+storeutil.URLStateColumns+`)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, url) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
			level = excluded.level, until = excluded.until, last_error = excluded.last_error`,
			st.AccountID, st.URL, st.ConsecutiveFailures, st.Level, toDB(st.Until), st.LastError)
		if err != nil {
			return err
		}
	}
	return nil
}

// jsonKeys writes keys as a JSON list of [account, URL] pairs, one
// parameter that json_each reads.
func jsonKeys(keys []hookd.URLKey) (string, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.AccountID, k.URL}
	}
	b, err := json.Marshal(pairs)
	return string(b), err
}

func allOK(outcomes []hookd.URLOutcome) bool {
	for _, o := range outcomes {
		if !o.OK {
			return false
		}
	}
	return true
}

// Delivery returns one of the account's deliveries.
func (s *Store) Delivery(ctx context.Context, accountID, id string) (hookd.Delivery, error) {
	return readOne(ctx, s, storeutil.ScanDelivery, "delivery", id, `SELECT `+storeutil.DeliveryColumns+` FROM deliveries WHERE id = ? AND account_id = ?`, id, accountID)
}

// Deliveries returns a page of the account's deliveries, newest first, and
// the cursor of the next page ("" on the last page).
func (s *Store) Deliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	limit := storeutil.PageLimit(f.Limit)
	q := accountQuery(f.AccountID)
	if f.WebhookID != "" {
		// No index by webhook (see migration 0004): the account's log is
		// read newest first from the webhook's newest delivery down to its
		// first, keeping its rows.
		var first, last string
		err := s.read.QueryRowContext(ctx, `SELECT first_id, last_id FROM webhook_delivery_span
			WHERE webhook_id = ? AND account_id = ?`, f.WebhookID, f.AccountID).Scan(&first, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return []hookd.Delivery{}, "", nil
		} else if err != nil {
			return nil, "", s.fail(err, "read")
		}
		q.and(`id >= ? AND id <= ?`, first, last)
	}
	for _, c := range []struct{ col, v string }{
		{"webhook_id", f.WebhookID}, {"trigger_id", f.TriggerID}, {"status", f.Status}, {"hook", f.Hook},
	} {
		if c.v != "" {
			q.and(c.col+" = ?", c.v)
		}
	}
	// Delivery IDs are made at the attempt (or just before it, for a
	// pending one), so the account's log between the IDs of the range,
	// widened by an hour for clocks that disagree, holds the range's rows.
	if !f.Since.IsZero() {
		q.and(`id >= ? AND attempted_at >= ?`, hookd.DeliveryIDsFrom(f.Since), toDB(f.Since))
	}
	if !f.Until.IsZero() {
		q.and(`id < ? AND attempted_at < ?`, hookd.DeliveryIDsBefore(f.Until), toDB(f.Until))
	}
	if f.Cursor != "" {
		q.and(`id < ?`, f.Cursor)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+storeutil.DeliveryColumns+` FROM deliveries`+q.where.String()+` ORDER BY id DESC LIMIT ?`, q.page(limit)...)
	out, err := collect(rows, err, scanDelivery)
	if err != nil {
		return nil, "", s.fail(err, "read")
	}
	out, next := storeutil.Page(out, limit)
	return out, next, nil
}

// LastDeliveries returns the newest delivery of each of the account's
// webhooks that has one.
func (s *Store) LastDeliveries(ctx context.Context, accountID string) (map[string]hookd.Delivery, error) {
	list, err := readAll(ctx, s, storeutil.ScanDelivery, `SELECT `+prefixed("d.", storeutil.DeliveryColumns)+` FROM webhooks w
		JOIN webhook_delivery_span sp ON sp.webhook_id = w.id
		JOIN deliveries d ON d.account_id = w.account_id AND d.id = sp.last_id
		WHERE w.account_id = ?`, accountID)
	return storeutil.ByWebhook(list, func(d hookd.Delivery) string { return d.WebhookID }), err
}

func prefixed(p, cols string) string {
	return p + strings.ReplaceAll(cols, ", ", ", "+p)
}

// DeliveryStats counts the account's deliveries attempted since a time by
// webhook, minute (UTC) and status, in that order.
func (s *Store) DeliveryStats(ctx context.Context, accountID string, since time.Time) ([]hookd.DeliveryStat, error) {
	// The account's log from hookd.DeliveryIDsFrom(since) holds the
	// period's rows.
	rows, err := s.read.QueryContext(ctx, `SELECT webhook_id, attempted_at - attempted_at % 60000 AS minute, status, count(*)
		FROM deliveries WHERE account_id = ? AND id >= ? AND attempted_at >= ?
		GROUP BY webhook_id, minute, status ORDER BY webhook_id, minute, status`,
		accountID, hookd.DeliveryIDsFrom(since), toDB(since))
	out, err := collect(rows, err, func(r storeutil.Scanner) (st hookd.DeliveryStat, err error) {
		var minute sql.NullInt64
		err = r.Scan(&st.WebhookID, &minute, &st.Status, &st.Count)
		st.Minute = fromDB(minute)
		return st, err
	})
	return out, s.fail(err, "read")
}

// WebhookHealth counts the account's deliveries attempted since a time by
// webhook and status, and joins each webhook's newest failure, in one query.
func (s *Store) WebhookHealth(ctx context.Context, accountID string, since time.Time) (map[string]hookd.WebhookHealth, error) {
	// As in DeliveryStats, the ID bound keeps the scan to the period's rows.
	list, err := readAll(ctx, s, storeutil.ScanWebhookHealth, `WITH h AS (
			SELECT webhook_id, sum(status = 'delivered') AS delivered, sum(status = 'failed') AS failed,
				sum(status = 'skipped') AS skipped, max(CASE WHEN status = 'failed' THEN id END) AS last_failed
			FROM deliveries WHERE account_id = ? AND id >= ? AND attempted_at >= ?
			GROUP BY webhook_id)
		SELECT h.webhook_id, h.delivered, h.failed, h.skipped, coalesce(d.id, ''), coalesce(d.hook, ''),
			coalesce(d.status_code, 0), coalesce(d.error, ''), d.attempted_at
		FROM h LEFT JOIN deliveries d ON d.account_id = ? AND d.id = h.last_failed`,
		accountID, hookd.DeliveryIDsFrom(since), toDB(since), accountID)
	return storeutil.ByWebhook(list, func(h hookd.WebhookHealth) string { return h.WebhookID }), err
}
