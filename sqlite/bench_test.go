package sqlite_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"hookd"
	"hookd/sqlite"
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

// BenchmarkInsertTriggers stores batches of 1,000 triggers, each batch one
// durable (fsynced) transaction.
func BenchmarkInsertTriggers(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hookd.db"))
	defer s.Close()
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

// BenchmarkRecordDeliveries records batches of 1,000 delivery results (and
// marks their triggers done, and updates the URL states), each batch one
// durable transaction.
func BenchmarkRecordDeliveries(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hookd.db"))
	defer s.Close()
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

// BenchmarkRecordFanOut records the results of a fan-out as the dispatcher
// does: batches of 1,000 deliveries of a few triggers to many webhooks
// (2,000 webhook IDs, so the per-webhook index is written all over), on a
// log that already holds 100,000 rows.
func BenchmarkRecordFanOut(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hookd.db"))
	defer s.Close()
	const webhooks = 2000
	wid := make([]string, webhooks)
	for i := range wid {
		wid[i] = hookd.NewID(hookd.PrefixWebhook)
	}
	now := time.Now()
	batch := func(n int) hookd.RecordParams {
		tr := hookd.NewID(hookd.PrefixTrigger)
		p := hookd.RecordParams{Policy: hookd.DefaultGreylistPolicy}
		for j := range n {
			if j%webhooks == 0 {
				tr = hookd.NewID(hookd.PrefixTrigger)
			}
			url := "http://127.0.0.1:" + strconv.Itoa(40000+j%4) + "/hooks/" + strconv.Itoa(j%webhooks)
			p.Deliveries = append(p.Deliveries, hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery),
				AccountID: "acc_bench", TriggerID: tr, WebhookID: wid[(j*7919)%webhooks], Hook: "eventCanceled",
				URL: url, Status: hookd.StatusDelivered, StatusCode: 200, DurationMs: 3, AttemptedAt: now})
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{URL: url, OK: true, At: now})
		}
		return p
	}
	for range 100 {
		if err := s.RecordDeliveries(b.Context(), batch(benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	params := make([]hookd.RecordParams, b.N)
	for i := range params {
		params[i] = batch(benchBatch)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.RecordDeliveries(b.Context(), params[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "deliveries/s")
}

// fillLog records total delivered deliveries (a multiple of benchBatch) of
// fan-outs to the given number of webhooks, in batches of benchBatch.
func fillLog(b *testing.B, s *sqlite.Store, webhooks, total int) {
	b.Helper()
	now := time.Now()
	for done := 0; done < total; done += benchBatch {
		p := hookd.RecordParams{Policy: hookd.DefaultGreylistPolicy}
		for j := range benchBatch {
			p.Deliveries = append(p.Deliveries, hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery),
				AccountID: "acc_bench", TriggerID: "tr_" + strconv.Itoa((done+j)/webhooks), WebhookID: "wh_" + strconv.Itoa(j%webhooks),
				Hook: "eventCanceled", URL: "http://127.0.0.1:40000/hooks", Status: hookd.StatusDelivered, StatusCode: 200, AttemptedAt: now})
		}
		if err := s.RecordDeliveries(b.Context(), p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeliveriesByWebhook reads the newest page (50) of one webhook's
// deliveries from a log of 200,000 spread over 2,000 webhooks: with no index
// by webhook, the page is found by reading the account's log newest first,
// here ~100,000 rows.
func BenchmarkDeliveriesByWebhook(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hookd.db"))
	defer s.Close()
	const webhooks, total = 2000, 200_000
	fillLog(b, s, webhooks, total)
	b.ResetTimer()
	for i := range b.N {
		list, _, err := s.Deliveries(b.Context(), hookd.DeliveryFilter{AccountID: "acc_bench", WebhookID: "wh_" + strconv.Itoa(i%webhooks)})
		if err != nil || len(list) != 50 {
			b.Fatal(len(list), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkPrune deletes old deliveries in the server's chunks of 5,000 from
// a log of 2,000-webhook fan-outs, as the retention loop does.
func BenchmarkPrune(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hookd.db"))
	defer s.Close()
	const webhooks, chunk = 2000, 5000
	fillLog(b, s, webhooks, (b.N*chunk+benchBatch-1)/benchBatch*benchBatch)
	b.ResetTimer()
	var n int64
	for range b.N {
		k, err := s.Prune(b.Context(), time.Now(), chunk)
		if err != nil {
			b.Fatal(err)
		}
		n += k
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
