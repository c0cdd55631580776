package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/postgres"
	"github.com/hookd-dev/hookd/storetest"
)

func benchOpen(b *testing.B) hookd.Store {
	s, err := postgres.Open(b.Context(), pgtest.Database(b))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkInsertTriggers stores batches of 1,000 triggers, each batch one
// committed transaction.
func BenchmarkInsertTriggers(b *testing.B) { storetest.BenchmarkInsertTriggers(b, benchOpen) }

// BenchmarkClaimTriggers leases batches of 1,000 pending triggers.
func BenchmarkClaimTriggers(b *testing.B) { storetest.BenchmarkClaimTriggers(b, benchOpen) }

// BenchmarkClaimTriggersAccounts leases batches of 1,000 pending triggers of
// 100 accounts, each account taking its turn in every claim.
func BenchmarkClaimTriggersAccounts(b *testing.B) {
	storetest.BenchmarkClaimTriggersAccounts(b, benchOpen)
}

// BenchmarkRecordDeliveries records batches of 1,000 delivery results, marks
// their triggers done and updates ten URLs' states, each batch one
// transaction, as the dispatcher's writer does.
func BenchmarkRecordDeliveries(b *testing.B) { storetest.BenchmarkRecordDeliveries(b, benchOpen) }

// BenchmarkSearchTriggers searches a million triggers (HOOKD_BENCH=1), with
// the planner's statistics made after the store is filled.
func BenchmarkSearchTriggers(b *testing.B) {
	var dsn string
	open := func(b *testing.B) hookd.Store {
		dsn = pgtest.Database(b)
		s, err := postgres.Open(b.Context(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	storetest.BenchmarkSearchTriggers(b, open, func(b *testing.B) {
		conn, err := pgx.Connect(b.Context(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(b.Context())
		if _, err := conn.Exec(b.Context(), `ANALYZE triggers`); err != nil {
			b.Fatal(err)
		}
	})
}
