package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// InsertTriggers stores triggers in one transaction, all or nothing, and
// committed (on disk, as PostgreSQL's synchronous_commit is configured) when
// it returns nil. The whole batch is one statement over arrays, whatever its
// size.
func (s *Store) InsertTriggers(ctx context.Context, ts []hookd.Trigger) error {
	if len(ts) == 0 {
		return nil
	}
	return s.InsertTriggersIdempotent(ctx, nil, ts)
}

func insertTriggers(ctx context.Context, tx pgx.Tx, ts []hookd.Trigger, done bool) error {
	n := len(ts)
	ids, accounts, hooks := make([]string, n), make([]string, n), make([]string, n)
	data := make([][]byte, n)
	stamps, received := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i := range ts {
		t := &ts[i]
		ids[i], accounts[i], hooks[i] = t.ID, t.AccountID, t.Hook
		data[i] = storeutil.NotNil([]byte(t.Data))
		stamps[i], received[i] = toDB(t.Timestamp), toDB(storeutil.Stamp(t.ReceivedAt))
	}
	_, err := tx.Exec(ctx, `INSERT INTO triggers (id, account_id, hook, data, timestamp, received_at, done)
		SELECT id, account_id, hook, data, ts, received_at, $7
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[], $6::timestamptz[])
			AS u(id, account_id, hook, data, ts, received_at)`,
		ids, accounts, hooks, data, stamps, received, done)
	return err
}

// Trigger returns one of the account's triggers.
func (s *Store) Trigger(ctx context.Context, accountID, id string) (hookd.Trigger, error) {
	return readOne(ctx, s, storeutil.ScanTrigger, "trigger", id, `SELECT `+storeutil.TriggerColumns+` FROM triggers WHERE id = $1 AND account_id = $2`, id, accountID)
}

// pendingAccounts lists the accounts with pending triggers (a), skipping
// along triggers_pending_account: one probe an account.
const pendingAccounts = `WITH RECURSIVE accounts AS (
	(SELECT account_id AS a FROM triggers WHERE NOT done ORDER BY account_id LIMIT 1)
	UNION ALL
	SELECT (SELECT account_id FROM triggers WHERE NOT done AND account_id > accounts.a ORDER BY account_id LIMIT 1)
	FROM accounts WHERE accounts.a IS NOT NULL)`

// The statements of ClaimTriggers (storeutil.FairClaim). A trigger is
// claimable when it is not done and its lease, if any, ended by $now. The
// updates name their rows with = ANY(ARRAY(…)), so that the planner finds
// them by primary key rather than joining the whole table.
const (
	// claimHeads lists the accounts with a claimable trigger, the account
	// whose oldest claimable trigger is oldest first, with that trigger.
	claimHeads = pendingAccounts + `
		SELECT accounts.a, head.id FROM accounts CROSS JOIN LATERAL (
			SELECT id FROM triggers WHERE account_id = accounts.a AND NOT done
				AND (lease_until IS NULL OR lease_until <= $1) ORDER BY id LIMIT 1) head
		WHERE accounts.a IS NOT NULL AND accounts.a <> ALL($2)
		ORDER BY head.id LIMIT $3`
	// claimAccounts leases up to $6 of each account's ($4) oldest claimable
	// triggers, from its head ($5) on. Rows another node is claiming at
	// this moment are skipped, not waited for (SKIP LOCKED).
	claimAccounts = `UPDATE triggers SET lease_node = $1, lease_until = $2
		WHERE id = ANY(ARRAY(SELECT c.id FROM unnest($4::text[], $5::text[]) AS a(account_id, head) CROSS JOIN LATERAL (
			SELECT id FROM triggers WHERE account_id = a.account_id AND id >= a.head AND NOT done
				AND (lease_until IS NULL OR lease_until <= $3)
			ORDER BY id LIMIT $6 FOR UPDATE SKIP LOCKED) c))
		RETURNING ` + storeutil.TriggerColumns
)

// ClaimTriggers leases up to p.Limit pending triggers whose lease has ended
// at p.Now to p.Node until p.Until, each account with such triggers taking
// a turn (storeutil.FairClaim), in one transaction. Rows another node is
// claiming at this moment are skipped, not waited for (SKIP LOCKED): nodes
// never block each other and never claim the same trigger while its lease
// is live.
func (s *Store) ClaimTriggers(ctx context.Context, p hookd.ClaimParams) ([]hookd.Trigger, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	busy := storeutil.NotNil(p.Busy)
	var out []hookd.Trigger
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// An account's triggers are read in ID order from its head, a few
		// thousand at most. Where the table's statistics are missing or
		// stale (a fresh store, a sudden backlog) the planner would read
		// every pending trigger of the account with a bitmap scan and sort
		// them, for each claim.
		if _, err := tx.Exec(ctx, `SET LOCAL enable_bitmapscan = off`); err != nil {
			return err
		}
		claim := func(query string, args ...any) ([]hookd.Trigger, error) {
			rows, err := tx.Query(ctx, query, args...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (hookd.Trigger, error) { return storeutil.ScanTrigger(r, fromDB) })
		}
		var err error
		out, err = storeutil.FairClaim{
			Heads: func(limit int) (accounts, heads []string, err error) {
				rows, err := tx.Query(ctx, claimHeads, toDB(p.Now), busy, limit)
				if err != nil {
					return nil, nil, err
				}
				var a, h string
				_, err = pgx.ForEachRow(rows, []any{&a, &h}, func() error {
					accounts, heads = append(accounts, a), append(heads, h)
					return nil
				})
				return accounts, heads, err
			},
			Take: func(accounts, heads []string, k int) ([]hookd.Trigger, error) {
				return claim(claimAccounts, p.Node, toDB(p.Until), toDB(p.Now), accounts, heads, k)
			},
		}.Run(p.Limit)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err, "claim triggers")
	}
	return out, nil
}

// ExtendLeases moves the lease end of the triggers that node still holds.
// Rows are locked in ID order, the order every multi-row trigger update here
// uses, so that a renewal and a batch of results never deadlock.
func (s *Store) ExtendLeases(ctx context.Context, node string, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE triggers t SET lease_until = $1
			FROM (SELECT id FROM triggers WHERE id = ANY($2) AND NOT done AND lease_node = $3
				ORDER BY id FOR UPDATE) l
			WHERE t.id = l.id`, toDB(until), ids, node)
		return err
	}), "extend leases")
}

// SentWebhooks returns, per trigger ID, the webhooks that have a delivered,
// failed or skipped delivery of it.
func (s *Store) SentWebhooks(ctx context.Context, triggerIDs []string) (map[string][]string, error) {
	if len(triggerIDs) == 0 {
		return map[string][]string{}, nil
	}
	ctx, cancel := op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT trigger_id, webhook_id FROM deliveries
		WHERE trigger_id = ANY($1) AND status IN ($2, $3, $4)`,
		triggerIDs, hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped)
	if err != nil {
		return nil, s.fail(ctx, err, "read")
	}
	defer rows.Close()
	out, err := storeutil.Pairs(rows)
	return out, s.fail(ctx, err, "read")
}

// PendingTriggers counts triggers not yet done.
func (s *Store) PendingTriggers(ctx context.Context) (int64, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM triggers WHERE NOT done`).Scan(&n)
	return n, s.fail(ctx, err, "read")
}

// OldestPendingTrigger returns the reception time of the oldest pending
// trigger (IDs grow with time: the lowest of the accounts' first).
func (s *Store) OldestPendingTrigger(ctx context.Context) (time.Time, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var at pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, pendingAccounts+`
		SELECT received_at FROM triggers WHERE id = (SELECT min(head.id) FROM accounts CROSS JOIN LATERAL (
			SELECT id FROM triggers WHERE account_id = accounts.a AND NOT done ORDER BY id LIMIT 1) head)`).Scan(&at)
	return fromDB(at), s.fail(ctx, missing(err, nil), "read")
}
