package postgres_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"hookd"
	"hookd/postgres"
)

const benchBatch = 1000

func benchTriggers(accountID string, n int) []hookd.Trigger {
	now := time.Now()
	ts := make([]hookd.Trigger, n)
	for i := range ts {
		ts[i] = hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: accountID, Hook: "eventCanceled",
			Data:      json.RawMessage(`{"eventId":` + strconv.Itoa(i) + `,"reason":"Snow on the roads"}`),
			Timestamp: now, ReceivedAt: now}
	}
	return ts
}

func benchStore(b *testing.B) *postgres.Store {
	s, err := postgres.Open(b.Context(), testDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkInsertTriggers stores batches of 1,000 triggers, each batch one
// committed transaction.
func BenchmarkInsertTriggers(b *testing.B) {
	s := benchStore(b)
	batches := make([][]hookd.Trigger, b.N)
	for i := range batches {
		batches[i] = benchTriggers("acc_bench", benchBatch)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.InsertTriggers(b.Context(), batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "triggers/s")
}

// BenchmarkRecordDeliveries records batches of 1,000 delivery results, marks
// their triggers done and updates ten URLs' states, each batch one
// transaction, as the dispatcher's writer does.
func BenchmarkRecordDeliveries(b *testing.B) {
	s := benchStore(b)
	params := make([]hookd.RecordParams, b.N)
	now := time.Now()
	for i := range params {
		ts := benchTriggers("acc_bench", benchBatch)
		if err := s.InsertTriggers(b.Context(), ts); err != nil {
			b.Fatal(err)
		}
		p := hookd.RecordParams{Policy: hookd.DefaultGreylistPolicy}
		for j, tr := range ts {
			url := "https://receiver-" + strconv.Itoa(j%10) + ".example/hooks"
			p.Deliveries = append(p.Deliveries, hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery),
				AccountID: "acc_bench", TriggerID: tr.ID, WebhookID: "wh_" + strconv.Itoa(j%10), Hook: tr.Hook,
				URL: url, Status: hookd.StatusDelivered, StatusCode: 200, DurationMs: 15, AttemptedAt: now})
			p.DoneTriggers = append(p.DoneTriggers, tr.ID)
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{URL: url, OK: j%7 != 0, At: now})
		}
		params[i] = p
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.RecordDeliveries(b.Context(), params[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "deliveries/s")
}
