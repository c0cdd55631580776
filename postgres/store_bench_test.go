package postgres_test

import (
	"testing"

	"hookd"
	"hookd/postgres"
	"hookd/storetest"
)

func benchOpen(b *testing.B) hookd.Store {
	s, err := postgres.Open(b.Context(), testDatabase(b))
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

// BenchmarkRecordDeliveries records batches of 1,000 delivery results, marks
// their triggers done and updates ten URLs' states, each batch one
// transaction, as the dispatcher's writer does.
func BenchmarkRecordDeliveries(b *testing.B) { storetest.BenchmarkRecordDeliveries(b, benchOpen) }
