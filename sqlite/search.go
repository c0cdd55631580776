package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// SearchTriggers returns a page of the account's triggers that match f,
// newest first by trigger time, and the cursor of the next page. The range
// is read from the index by (account, timestamp); the hook and the data
// conditions are checked on each row of it, data with json_extract on the
// stored text (a BLOB would be read as SQLite's binary JSONB).
func (s *Store) SearchTriggers(ctx context.Context, f hookd.TriggerFilter) ([]hookd.TriggerSummary, string, error) {
	limit := storeutil.PageLimit(f.Limit)
	q := accountQuery(f.AccountID)
	if f.Hook != "" {
		q.and(`hook = ?`, f.Hook)
	}
	if !f.Since.IsZero() {
		q.and(`timestamp >= ?`, toDB(f.Since))
	}
	if !f.Until.IsZero() {
		q.and(`timestamp < ?`, toDB(f.Until))
	}
	for _, m := range f.Data {
		path := `$."` + m.Field + `"` // field names are letters, digits and _ (hookd.ParseDataMatch)
		// json_extract gives a JSON string as TEXT and a number as INTEGER
		// or REAL, and SQLite never finds a TEXT equal to a number: one
		// parse of the row compares value and type. Only true and false,
		// which it gives as 1 and 0, need their JSON type checked.
		q.and(`json_extract(CAST(data AS TEXT), ?) = ?`, path, sqlValue(m.Value))
		if _, ok := m.Value.(bool); ok || m.Value == 0.0 || m.Value == 1.0 {
			q.and(`json_type(CAST(data AS TEXT), ?) IN `+jsonTypes(m.Value), path)
		}
	}
	if f.Cursor != "" {
		var ts sql.NullInt64
		err := s.read.QueryRowContext(ctx, `SELECT timestamp FROM triggers WHERE id = ? AND account_id = ?`, f.Cursor, f.AccountID).Scan(&ts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", storeutil.BadCursor()
		} else if err != nil {
			return nil, "", s.fail(err, "read")
		}
		q.and(`(timestamp, id) < (?, ?)`, ts.Int64, f.Cursor)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+storeutil.TriggerColumns+` FROM triggers INDEXED BY triggers_search`+
		q.where.String()+` ORDER BY timestamp DESC, id DESC LIMIT ?`, q.page(limit)...)
	out, err := collect(rows, err, func(r storeutil.Scanner) (hookd.TriggerSummary, error) {
		t, err := scanTrigger(r)
		return hookd.TriggerSummary{Trigger: t}, err
	})
	if err != nil {
		return nil, "", s.fail(err, "read")
	}
	out, next := storeutil.PageTriggers(out, limit)
	return out, next, s.countDeliveries(ctx, f.AccountID, out)
}

// sqlValue is a data condition's value as json_extract gives it.
func sqlValue(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return 1
		}
		return 0
	}
	return v
}

// jsonTypes is the json_type values a data condition's value matches.
func jsonTypes(v any) string {
	switch b := v.(type) {
	case string:
		return `('text')`
	case bool:
		if b {
			return `('true')`
		}
		return `('false')`
	}
	return `('integer', 'real')`
}

// countDeliveries fills in the delivery counts of a page of triggers, in one
// query by the index of deliveries by trigger.
func (s *Store) countDeliveries(ctx context.Context, accountID string, ts []hookd.TriggerSummary) error {
	if len(ts) == 0 {
		return nil
	}
	counts := storeutil.NewCounts(ts)
	list, err := jsonList(counts.IDs)
	if err != nil {
		return err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT trigger_id, status, count(*) FROM deliveries
		WHERE trigger_id IN (SELECT value FROM json_each(?)) AND account_id = ? GROUP BY trigger_id, status`, list, accountID)
	if err != nil {
		return s.fail(err, "read")
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		var n int
		if err := rows.Scan(&id, &status, &n); err != nil {
			return s.fail(err, "read")
		}
		counts.Add(id, status, n)
	}
	return s.fail(rows.Err(), "read")
}
