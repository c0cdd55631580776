package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// maxChunk is the most rows one multi-row INSERT carries. Chunks are powers
// of two, so a handful of prepared statements serve every batch size.
const maxChunk = 256

// insertRows runs prefix + "(?, …), (?, …)…" + suffix for n rows of cols
// columns, in chunks. args appends the values of row i.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, prefix, suffix string, cols, n int, args func(dst []any, i int) []any) error {
	buf := make([]any, 0, min(n, maxChunk)*cols)
	for done := 0; done < n; {
		size := maxChunk
		for size > n-done {
			size /= 2
		}
		st, err := s.stmt(ctx, tx, multiRow(prefix, suffix, cols, size))
		if err != nil {
			return err
		}
		buf = buf[:0]
		for i := done; i < done+size; i++ {
			buf = args(buf, i)
		}
		if _, err := st.ExecContext(ctx, buf...); err != nil {
			return err
		}
		done += size
	}
	return nil
}

// multiRow returns an INSERT statement with rows groups of cols placeholders.
func multiRow(prefix, suffix string, cols, rows int) string {
	group := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	b.Grow(len(prefix) + len(suffix) + rows*(len(group)+2))
	b.WriteString(prefix)
	b.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	b.WriteString(suffix)
	return b.String()
}

// pendingAccounts lists the accounts with pending triggers (a), skipping
// along triggers_pending_account: one probe an account.
const pendingAccounts = `WITH RECURSIVE accounts(a) AS (
	SELECT (SELECT account_id FROM triggers WHERE done = 0 ORDER BY account_id LIMIT 1)
	UNION ALL
	SELECT (SELECT account_id FROM triggers WHERE done = 0 AND account_id > a ORDER BY account_id LIMIT 1)
	FROM accounts WHERE a IS NOT NULL)`

const (
	insertTrigger = `INSERT INTO triggers (id, account_id, hook, data, timestamp, received_at, done)`
	triggerCols   = 7
	// claimHeads lists the accounts with a claimable trigger, the account
	// whose oldest claimable trigger is oldest first, with that trigger.
	claimHeads = pendingAccounts + `, heads(a, head) AS MATERIALIZED (
			SELECT a, (SELECT id FROM triggers WHERE done = 0 AND account_id = a AND lease_until <= ?
				ORDER BY id LIMIT 1)
			FROM accounts WHERE a IS NOT NULL AND a NOT IN (SELECT value FROM json_each(?)))
		SELECT a, head FROM heads WHERE head IS NOT NULL ORDER BY head LIMIT ?`
	// claimAccount leases one account's oldest claimable triggers, from its
	// head on.
	claimAccount = `UPDATE triggers SET lease_node = ?, lease_until = ?
		WHERE id IN (SELECT id FROM triggers WHERE done = 0 AND account_id = ? AND id >= ? AND lease_until <= ?
			ORDER BY id LIMIT ?)
		RETURNING ` + storeutil.TriggerColumns
	doneTriggers = `UPDATE triggers SET done = 1, lease_node = NULL, lease_until = 0
		WHERE id IN (SELECT value FROM json_each(?)) AND done = 0`
)

func triggerArgs(dst []any, t *hookd.Trigger, done bool) []any {
	return append(dst, t.ID, t.AccountID, t.Hook, storeutil.NotNil([]byte(t.Data)), toDB(t.Timestamp), toDB(storeutil.Stamp(t.ReceivedAt)), done)
}

// InsertTriggers stores triggers in one transaction: all or nothing, and on
// disk when it returns nil.
func (s *Store) InsertTriggers(ctx context.Context, ts []hookd.Trigger) error {
	if len(ts) == 0 {
		return nil
	}
	return s.InsertTriggersIdempotent(ctx, nil, ts)
}

// insertTriggers inserts pending triggers in tx, in chunks of prepared
// multi-row statements.
func (s *Store) insertTriggers(ctx context.Context, tx *sql.Tx, ts []hookd.Trigger) error {
	return s.insertRows(ctx, tx, insertTrigger, "", triggerCols, len(ts), func(dst []any, i int) []any {
		return triggerArgs(dst, &ts[i], false)
	})
}

// Trigger returns one of the account's triggers.
func (s *Store) Trigger(ctx context.Context, accountID, id string) (hookd.Trigger, error) {
	t, err := storeutil.ScanTrigger(s.read.QueryRowContext(ctx, `SELECT `+storeutil.TriggerColumns+` FROM triggers WHERE id = ? AND account_id = ?`, id, accountID), fromDB)
	if errors.Is(err, sql.ErrNoRows) {
		return t, storeutil.NotFound("trigger", id)
	}
	return t, s.fail(err, "read")
}

// ClaimTriggers leases up to p.Limit pending triggers whose lease has ended
// at p.Now to p.Node until p.Until, each account with such triggers taking
// a turn (storeutil.FairClaim), in one transaction.
func (s *Store) ClaimTriggers(ctx context.Context, p hookd.ClaimParams) ([]hookd.Trigger, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	busy, err := jsonList(p.Busy)
	if err != nil {
		return nil, err
	}
	var out []hookd.Trigger
	err = s.tx(ctx, func(tx *sql.Tx) error {
		claim := func(query string, args ...any) ([]hookd.Trigger, error) {
			st, err := s.stmt(ctx, tx, query)
			if err != nil {
				return nil, err
			}
			rows, err := st.QueryContext(ctx, args...)
			return collect(rows, err, scanTrigger)
		}
		var err error
		out, err = storeutil.FairClaim{
			Heads: func(limit int) (accounts, heads []string, err error) {
				st, err := s.stmt(ctx, tx, claimHeads)
				if err != nil {
					return nil, nil, err
				}
				rows, err := st.QueryContext(ctx, toDB(p.Now), busy, limit)
				if err != nil {
					return nil, nil, err
				}
				defer rows.Close()
				for rows.Next() {
					var a, h string
					if err := rows.Scan(&a, &h); err != nil {
						return nil, nil, err
					}
					accounts, heads = append(accounts, a), append(heads, h)
				}
				return accounts, heads, rows.Err()
			},
			Take: func(accounts, heads []string, k int) ([]hookd.Trigger, error) {
				var out []hookd.Trigger
				for i, a := range accounts {
					ts, err := claim(claimAccount, p.Node, toDB(p.Until), a, heads[i], toDB(p.Now), k)
					if err != nil {
						return nil, err
					}
					out = append(out, ts...)
				}
				return out, nil
			},
		}.Run(p.Limit)
		return err
	})
	if err != nil {
		return nil, s.fail(err, "claim triggers")
	}
	return out, nil
}

// ExtendLeases moves the lease end of the triggers that node still holds.
func (s *Store) ExtendLeases(ctx context.Context, node string, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return err
	}
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE triggers SET lease_until = ?
			WHERE id IN (SELECT value FROM json_each(?)) AND done = 0 AND lease_node = ?`, toDB(until), list, node)
		return err
	}), "extend leases")
}

// SentWebhooks returns, per trigger ID, the webhooks that have a delivered,
// failed or skipped delivery of it.
func (s *Store) SentWebhooks(ctx context.Context, triggerIDs []string) (map[string][]string, error) {
	if len(triggerIDs) == 0 {
		return map[string][]string{}, nil
	}
	list, err := jsonList(triggerIDs)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT trigger_id, webhook_id FROM deliveries
		WHERE trigger_id IN (SELECT value FROM json_each(?)) AND status IN (?, ?, ?)`,
		list, hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped)
	if err != nil {
		return nil, s.fail(err, "read")
	}
	defer rows.Close()
	out, err := storeutil.Pairs(rows)
	return out, s.fail(err, "read")
}

// OldestPendingTrigger returns the reception time of the oldest pending
// trigger (IDs grow with time: the lowest of the accounts' first).
func (s *Store) OldestPendingTrigger(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	err := s.read.QueryRowContext(ctx, pendingAccounts+`
		SELECT received_at FROM triggers WHERE id = (SELECT min((SELECT id FROM triggers
			WHERE done = 0 AND account_id = a ORDER BY id LIMIT 1)) FROM accounts WHERE a IS NOT NULL)`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return fromDB(at), s.fail(err, "read")
}

// PendingTriggers counts triggers not yet done.
func (s *Store) PendingTriggers(ctx context.Context) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM triggers WHERE done = 0`).Scan(&n)
	return n, s.fail(err, "read")
}

// jsonList encodes IDs as one JSON array parameter, read with json_each, so
// that one prepared statement serves any number of IDs.
func jsonList(ids []string) (string, error) {
	if ids == nil {
		return "[]", nil // not null, which json_each reads as one NULL value
	}
	b, err := json.Marshal(ids)
	return string(b), err
}
