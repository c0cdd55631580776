package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// BenchBatch is the size of the batches the shared benchmarks write: about
// what the ingester and the dispatcher's writer commit at once under load.
const BenchBatch = 1000

// BenchSignature and BenchResponseHeaders are what a delivery of the
// benchmarks keeps of its send: one signature, and the header of a small
// answer as a typical web server sends it.
const (
	BenchSignature       = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
	BenchResponseHeaders = `{"Content-Length":["2"],"Content-Type":["text/plain; charset=utf-8"],"Date":["Thu, 03 Dec 2026 11:20:00 GMT"]}`
)

// benchTriggers returns n new triggers of the account, received now.
func benchTriggers(accountID string, n int) []hookd.Trigger {
	now := time.Now()
	ts := make([]hookd.Trigger, n)
	for i := range ts {
		ts[i] = hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: accountID, Hook: "eventCanceled",
			Data:      triggerData(i, "Snow on the roads"),
			Timestamp: now, ReceivedAt: now}
	}
	return ts
}

// benchStore opens a store for a benchmark and closes it when it ends.
func benchStore(b *testing.B, open func(b *testing.B) hookd.Store) hookd.Store {
	b.Helper()
	s := open(b)
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkInsertTriggers stores batches of BenchBatch triggers, each batch
// one durable transaction, in a store that open returns.
func BenchmarkInsertTriggers(b *testing.B, open func(b *testing.B) hookd.Store) {
	s := benchStore(b, open)
	batches := make([][]hookd.Trigger, b.N)
	for i := range batches {
		batches[i] = benchTriggers("acc_bench", BenchBatch)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.InsertTriggers(b.Context(), batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*BenchBatch)/b.Elapsed().Seconds(), "triggers/s")
}

// BenchmarkClaimTriggers leases batches of BenchBatch pending triggers, as
// the dispatcher's tick does, from a store that holds b.N batches.
func BenchmarkClaimTriggers(b *testing.B, open func(b *testing.B) hookd.Store) {
	benchmarkClaim(b, open, 1)
}

// BenchmarkClaimTriggersAccounts is BenchmarkClaimTriggers with the pending
// triggers of 100 accounts (each batch one account's, in turn): every claim
// shares its BenchBatch among them.
func BenchmarkClaimTriggersAccounts(b *testing.B, open func(b *testing.B) hookd.Store) {
	benchmarkClaim(b, open, 100)
}

func benchmarkClaim(b *testing.B, open func(b *testing.B) hookd.Store, accounts int) {
	s := benchStore(b, open)
	for i := range max(b.N, accounts) {
		if err := s.InsertTriggers(b.Context(), benchTriggers("acc_bench_"+strconv.Itoa(i%accounts), BenchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	b.ResetTimer()
	for range b.N {
		ts, err := s.ClaimTriggers(b.Context(), hookd.ClaimParams{Node: "bench", Now: now, Until: now.Add(time.Minute), Limit: BenchBatch})
		if err != nil || len(ts) != BenchBatch {
			b.Fatalf("claimed %d triggers, want %d: %v", len(ts), BenchBatch, err)
		}
	}
	b.ReportMetric(float64(b.N*BenchBatch)/b.Elapsed().Seconds(), "triggers/s")
}

// BenchmarkRecordDeliveries records batches of BenchBatch delivery results,
// marks their triggers done and updates ten URLs' states (one send in seven
// fails), each batch one durable transaction, as the dispatcher's writer
// does.
func BenchmarkRecordDeliveries(b *testing.B, open func(b *testing.B) hookd.Store) {
	s := benchStore(b, open)
	params := make([]hookd.RecordParams, b.N)
	now := time.Now()
	for i := range params {
		ts := benchTriggers("acc_bench", BenchBatch)
		if err := s.InsertTriggers(b.Context(), ts); err != nil {
			b.Fatal(err)
		}
		p := hookd.RecordParams{Policy: hookd.DefaultGreylistPolicy}
		for j, tr := range ts {
			url := "https://receiver-" + strconv.Itoa(j%10) + ".example/hooks"
			p.Deliveries = append(p.Deliveries, hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery),
				AccountID: "acc_bench", TriggerID: tr.ID, WebhookID: "wh_" + strconv.Itoa(j%10), Hook: tr.Hook,
				URL: url, Status: hookd.StatusDelivered, StatusCode: 200, DurationMs: 15, AttemptedAt: now,
				Signature: BenchSignature, ResponseHeaders: BenchResponseHeaders})
			p.DoneTriggers = append(p.DoneTriggers, tr.ID)
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{AccountID: "acc_bench", URL: url, OK: j%7 != 0, At: now})
		}
		params[i] = p
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.RecordDeliveries(b.Context(), params[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*BenchBatch)/b.Elapsed().Seconds(), "deliveries/s")
}
