package postgres

import (
	"context"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// upsertDeliveries inserts deliveries, or replaces the row with the same ID
// (a pending test or redelivery that has now been sent), in one statement
// over arrays.
func upsertDeliveries(ctx context.Context, tx pgx.Tx, ds []hookd.Delivery) error {
	n := len(ds)
	var (
		ids, accounts, triggers, webhooks = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		hooks, urls, statuses, errs       = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		responses, headers, redeliveries  = make([]string, n), make([]string, n), make([]string, n)
		signatures, recoveries            = make([]string, n), make([]string, n)
		codes                             = make([]int32, n)
		durations                         = make([]int64, n)
		at                                = make([]pgtype.Timestamptz, n)
	)
	for i := range ds {
		d := &ds[i]
		ids[i], accounts[i], triggers[i], webhooks[i] = d.ID, d.AccountID, d.TriggerID, d.WebhookID
		hooks[i], urls[i], statuses[i], errs[i] = d.Hook, d.URL, d.Status, d.Error
		responses[i], codes[i], durations[i], at[i] = d.Response, int32(d.StatusCode), d.DurationMs, toDB(storeutil.Stamp(d.AttemptedAt))
		headers[i], redeliveries[i], signatures[i], recoveries[i] = d.ResponseHeaders, d.RedeliveryOf, d.Signature, d.RecoveryID
	}
	_, err := tx.Exec(ctx, `INSERT INTO deliveries (`+storeutil.DeliveryColumns+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::int[], $9::text[], $10::bigint[], $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
		ON CONFLICT (id) DO UPDATE SET trigger_id = excluded.trigger_id,
			webhook_id = excluded.webhook_id, hook = excluded.hook, url = excluded.url, status = excluded.status,
			status_code = excluded.status_code, error = excluded.error, duration_ms = excluded.duration_ms,
			attempted_at = excluded.attempted_at, response = excluded.response,
			response_headers = excluded.response_headers, redelivery_of = excluded.redelivery_of, signature = excluded.signature,
			recovery_id = excluded.recovery_id`,
		ids, accounts, triggers, webhooks, hooks, urls, statuses, codes, errs, durations, at, responses, headers, redeliveries, signatures, recoveries)
	return err
}

// InsertPendingDelivery stores a pending delivery about to be sent at once,
// and its test trigger, if any, as done so that no dispatcher claims it.
func (s *Store) InsertPendingDelivery(ctx context.Context, t *hookd.Trigger, d *hookd.Delivery) error {
	ctx, cancel := op(ctx)
	defer cancel()
	storeutil.Fill(&d.ID, hookd.PrefixDelivery, &d.AttemptedAt)
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		if t != nil {
			t.ReceivedAt = storeutil.Stamp(t.ReceivedAt)
			t.Timestamp = storeutil.Millis(t.Timestamp)
			err := insertTriggers(ctx, tx, []hookd.Trigger{*t}, true)
			if isUnique(err) {
				return storeutil.Exists("trigger", t.ID)
			} else if err != nil {
				return err
			}
		}
		err := upsertDeliveries(ctx, tx, []hookd.Delivery{*d})
		if isUnique(err) {
			return storeutil.Exists("delivery", d.ID)
		}
		return err
	}), "store delivery")
}

// RecordDeliveries writes one batch of results in one transaction: the
// deliveries, the triggers that are done, and the grey-list state of every
// URL with an outcome. Each URL's state is read, changed with the policy and
// written under a per-URL transaction lock, so that nodes recording outcomes
// of the same URL at once apply them one batch after the other and no
// failure is lost.
func (s *Store) RecordDeliveries(ctx context.Context, p hookd.RecordParams) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		if len(p.Deliveries) > 0 {
			if err := upsertDeliveries(ctx, tx, p.Deliveries); err != nil {
				return err
			}
		}
		if len(p.DoneTriggers) > 0 {
			_, err := tx.Exec(ctx, `UPDATE triggers t SET done = true, lease_node = NULL, lease_until = NULL
				FROM (SELECT id FROM triggers WHERE id = ANY($1) AND NOT done ORDER BY id FOR UPDATE) d
				WHERE t.id = d.id`, p.DoneTriggers)
			if err != nil {
				return err
			}
		}
		if len(p.DoneRecoveries) > 0 {
			if err := doneRecoveries(ctx, tx, p.DoneRecoveries); err != nil {
				return err
			}
		}
		if len(p.Outcomes) > 0 {
			return applyOutcomes(ctx, tx, p)
		}
		return nil
	}), "record deliveries")
}

// urlLockKey is the advisory lock key of an account's grey-list state of a
// URL. Two pairs may share a key: they then take turns, which is only
// slower.
func urlLockKey(k hookd.URLKey) int32 {
	h := fnv.New32a()
	h.Write([]byte(k.AccountID))
	h.Write([]byte{0}) // IDs hold no NUL: ("ab", "c") and ("a", "bc") differ
	h.Write([]byte(k.URL))
	return int32(h.Sum32())
}

// applyOutcomes folds the outcomes into the stored grey-list states of
// their (account, URL) pairs (hookd.FoldOutcomes) and writes back what
// changed. It reads the states first without a lock: the pairs the batch
// cannot change (successes to URLs with no state, as in every fan-out to
// healthy receivers) are left alone, so that nodes sending to the same URLs
// do not queue behind each other's locks. The others are locked, in key
// order so that two batches never wait for each other in a cycle, and read
// again. A state another node writes meanwhile to a pair left alone is
// kept: that node's outcome counts as the later one, as either may be when
// they are concurrent.
func applyOutcomes(ctx context.Context, tx pgx.Tx, p hookd.RecordParams) error {
	policy := p.Policy
	stored, err := readURLStates(ctx, tx, hookd.OutcomeKeys(p.Outcomes))
	if err != nil {
		return err
	}
	pairs := hookd.MayChange(stored, p.Outcomes)
	if len(pairs) == 0 {
		return nil
	}
	keys := make([]int32, 0, len(pairs))
	changing := make(map[hookd.URLKey]bool, len(pairs))
	for _, k := range pairs {
		keys = append(keys, urlLockKey(k))
		changing[k] = true
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int4[]) WITH ORDINALITY AS u(k, i)`,
		lockURLClass, keys); err != nil {
		return err
	}
	if stored, err = readURLStates(ctx, tx, pairs); err != nil {
		return err
	}
	outcomes := slices.DeleteFunc(slices.Clone(p.Outcomes), func(o hookd.URLOutcome) bool { return !changing[o.Key()] })
	upsert, healthy := hookd.FoldOutcomes(policy, stored, outcomes)
	if p.Tell != nil {
		if changes := hookd.GreylistChanges(stored, upsert, healthy); len(changes) > 0 {
			ts, notices := p.Tell(changes)
			if len(ts) > 0 {
				if err := insertTriggers(ctx, tx, ts, false); err != nil {
					return err
				}
			}
			if err := storeutil.StoreNotices(txOf(ctx, tx).Exec, toDB, notices); err != nil {
				return err
			}
		}
	}
	if len(healthy) > 0 {
		accounts, urls := make([]string, 0, len(healthy)), make([]string, 0, len(healthy))
		for _, k := range healthy {
			accounts, urls = append(accounts, k.AccountID), append(urls, k.URL)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM url_states
			WHERE (account_id, url) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, accounts, urls); err != nil {
			return err
		}
	}
	if len(upsert) == 0 {
		return nil
	}
	accounts, urls := make([]string, len(upsert)), make([]string, len(upsert))
	failures, levels := make([]int32, len(upsert)), make([]int32, len(upsert))
	until := make([]pgtype.Timestamptz, len(upsert))
	lastErrors := make([]string, len(upsert))
	for i, st := range upsert {
		accounts[i], urls[i] = st.AccountID, st.URL
		failures[i], levels[i], until[i] = int32(st.ConsecutiveFailures), int32(st.Level), toDB(st.Until)
		lastErrors[i] = st.LastError
	}
	_, err = tx.Exec(ctx, `INSERT INTO url_states (`+storeutil.URLStateColumns+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::text[])
		ON CONFLICT (account_id, url) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
			level = excluded.level, until = excluded.until, last_error = excluded.last_error`, accounts, urls, failures, levels, until, lastErrors)
	return err
}

// readURLStates reads the stored states of pairs, by pair; a healthy pair
// has none.
func readURLStates(ctx context.Context, tx pgx.Tx, pairs []hookd.URLKey) (map[hookd.URLKey]hookd.URLState, error) {
	accounts, urls := make([]string, len(pairs)), make([]string, len(pairs))
	for i, k := range pairs {
		accounts[i], urls[i] = k.AccountID, k.URL
	}
	rows, err := tx.Query(ctx, storeutil.SelectURLStates+`
		WHERE (account_id, url) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, accounts, urls)
	if err != nil {
		return nil, err
	}
	read, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.URLState, error) { return storeutil.ScanURLState(r, fromDB) })
	if err != nil {
		return nil, err
	}
	stored := make(map[hookd.URLKey]hookd.URLState, len(read))
	for _, st := range read {
		stored[st.Key()] = st
	}
	return stored, nil
}

// Delivery returns one of the account's deliveries.
func (s *Store) Delivery(ctx context.Context, accountID, id string) (hookd.Delivery, error) {
	return readOne(ctx, s, storeutil.ScanDelivery, "delivery", id, `SELECT `+storeutil.DeliveryColumns+` FROM deliveries WHERE id = $1 AND account_id = $2`, id, accountID)
}

// Deliveries returns a page of the account's deliveries, newest first, and
// the cursor of the next page ("" on the last page).
func (s *Store) Deliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	limit := storeutil.PageLimit(f.Limit)
	q := accountQuery(f.AccountID)
	add := func(cond string, v any) { q.and(cond + " " + q.arg(v)) }
	for _, c := range []struct{ col, v string }{
		{"webhook_id", f.WebhookID}, {"trigger_id", f.TriggerID}, {"status", f.Status}, {"hook", f.Hook},
	} {
		if c.v != "" {
			add(c.col+" =", c.v)
		}
	}
	// The bounds on the IDs let the scan of the account's log by ID stop
	// at the range's ends (there is no index by attempt time).
	if !f.Since.IsZero() {
		add("id >=", hookd.DeliveryIDsFrom(f.Since))
		add("attempted_at >=", toDB(f.Since))
	}
	if !f.Until.IsZero() {
		add("id <", hookd.DeliveryIDsBefore(f.Until))
		add("attempted_at <", toDB(f.Until))
	}
	if f.Cursor != "" {
		add("id <", f.Cursor)
	}
	// One more than the page tells whether there is a next page.
	rows, err := s.pool.Query(ctx, `SELECT `+storeutil.DeliveryColumns+` FROM deliveries`+q.where.String()+
		` ORDER BY id DESC LIMIT `+q.arg(limit+1), q.args...)
	if err != nil {
		return nil, "", s.fail(ctx, err, "read")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.Delivery, error) { return storeutil.ScanDelivery(r, fromDB) })
	if err != nil {
		return nil, "", s.fail(ctx, err, "read")
	}
	if out == nil {
		out = []hookd.Delivery{}
	}
	out, next := storeutil.Page(out, limit)
	return out, next, nil
}

// LastDeliveries returns the newest delivery of each of the account's
// webhooks that has one.
func (s *Store) LastDeliveries(ctx context.Context, accountID string) (map[string]hookd.Delivery, error) {
	list, err := readAll(ctx, s, storeutil.ScanDelivery, `SELECT d.* FROM webhooks w
		CROSS JOIN LATERAL (SELECT `+storeutil.DeliveryColumns+` FROM deliveries WHERE webhook_id = w.id ORDER BY id DESC LIMIT 1) d
		WHERE w.account_id = $1 AND d.account_id = w.account_id`, accountID)
	if err != nil {
		return nil, err
	}
	return storeutil.ByWebhook(list, func(d hookd.Delivery) string { return d.WebhookID }), nil
}

// DeliveryStats counts the account's deliveries attempted since a time by
// webhook, minute (UTC) and status, in that order. It reads the account's
// log by ID from hookd.DeliveryIDsFrom(since), as WebhookHealth does.
func (s *Store) DeliveryStats(ctx context.Context, accountID string, since time.Time) ([]hookd.DeliveryStat, error) {
	return readAll(ctx, s, func(r storeutil.Scanner, fromDB readTime) (st hookd.DeliveryStat, err error) {
		var minute pgtype.Timestamptz
		err = r.Scan(&st.WebhookID, &minute, &st.Status, &st.Count)
		st.Minute = fromDB(minute)
		return st, err
	}, `SELECT webhook_id, date_trunc('minute', attempted_at) AS minute, status, count(*)
		FROM deliveries WHERE account_id = $1 AND id >= $2 AND attempted_at >= $3
		GROUP BY webhook_id, minute, status ORDER BY webhook_id, minute, status`, accountID, hookd.DeliveryIDsFrom(since), toDB(since))
}

// WebhookHealth counts the account's deliveries attempted since a time by
// webhook and status, and joins each webhook's newest failure, in one query.
func (s *Store) WebhookHealth(ctx context.Context, accountID string, since time.Time) (map[string]hookd.WebhookHealth, error) {
	list, err := readAll(ctx, s, storeutil.ScanWebhookHealth, `WITH h AS (
			SELECT webhook_id, count(*) FILTER (WHERE status = 'delivered') AS delivered,
				count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'skipped') AS skipped,
				max(id) FILTER (WHERE status = 'failed') AS last_failed
			FROM deliveries WHERE account_id = $1 AND id >= $2 AND attempted_at >= $3
			GROUP BY webhook_id)
		SELECT h.webhook_id, h.delivered, h.failed, h.skipped, coalesce(d.id, ''), coalesce(d.hook, ''),
			coalesce(d.status_code, 0), coalesce(d.error, ''), d.attempted_at
		FROM h LEFT JOIN deliveries d ON d.account_id = $1 AND d.id = h.last_failed`, accountID, hookd.DeliveryIDsFrom(since), toDB(since))
	if err != nil {
		return nil, err
	}
	return storeutil.ByWebhook(list, func(h hookd.WebhookHealth) string { return h.WebhookID }), nil
}
