package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// SearchTriggers returns a page of the account's triggers that match f,
// newest first by trigger time, and the cursor of the next page. The range
// is read from the index by (account, timestamp, id); the hook and the data
// conditions are checked on each row of it, data as jsonb parsed from the
// stored bytes (jsonb equality: a number equals a number of the same value,
// a string only the same string).
func (s *Store) SearchTriggers(ctx context.Context, f hookd.TriggerFilter) ([]hookd.TriggerSummary, string, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	limit := storeutil.PageLimit(f.Limit)
	q := accountQuery(f.AccountID)
	arg, where := q.arg, q.and
	if f.Hook != "" {
		where(`hook = ` + arg(f.Hook))
	}
	if !f.Since.IsZero() {
		where(`timestamp >= ` + arg(toDB(f.Since)))
	}
	if !f.Until.IsZero() {
		where(`timestamp < ` + arg(toDB(f.Until)))
	}
	for _, m := range f.Data {
		where(`convert_from(data, 'UTF8')::jsonb -> ` + arg(m.Field) + `::text = ` + arg(m.JSON()) + `::jsonb`)
	}
	if f.Cursor != "" {
		var ts pgtype.Timestamptz
		err := s.pool.QueryRow(ctx, `SELECT timestamp FROM triggers WHERE id = $1 AND account_id = $2`, f.Cursor, f.AccountID).Scan(&ts)
		if err != nil {
			return nil, "", s.fail(ctx, missing(err, storeutil.BadCursor()), "read")
		}
		where(`(timestamp, id) < (` + arg(ts) + `, ` + arg(f.Cursor) + `)`)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+storeutil.TriggerColumns+` FROM triggers`+q.where.String()+
		` ORDER BY timestamp DESC, id DESC LIMIT `+arg(limit+1), q.args...)
	if err != nil {
		return nil, "", s.fail(ctx, err, "read")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.TriggerSummary, error) {
		t, err := storeutil.ScanTrigger(r, fromDB)
		return hookd.TriggerSummary{Trigger: t}, err
	})
	if err != nil {
		return nil, "", s.fail(ctx, err, "read")
	}
	out, next := storeutil.PageTriggers(storeutil.NotNil(out), limit)
	return out, next, s.countDeliveries(ctx, f.AccountID, out)
}

// countDeliveries fills in the delivery counts of a page of triggers, in one
// query by the index of deliveries by trigger.
func (s *Store) countDeliveries(ctx context.Context, accountID string, ts []hookd.TriggerSummary) error {
	if len(ts) == 0 {
		return nil
	}
	counts := storeutil.NewCounts(ts)
	rows, err := s.pool.Query(ctx, `SELECT trigger_id, status, count(*) FROM deliveries
		WHERE trigger_id = ANY($1) AND account_id = $2 GROUP BY trigger_id, status`, counts.IDs, accountID)
	if err != nil {
		return s.fail(ctx, err, "read")
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		var n int
		if err := rows.Scan(&id, &status, &n); err != nil {
			return s.fail(ctx, err, "read")
		}
		counts.Add(id, status, n)
	}
	return s.fail(ctx, rows.Err(), "read")
}
