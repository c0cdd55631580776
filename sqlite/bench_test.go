package sqlite_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/sqlite"
	"github.com/hookd-dev/hookd/storetest"
)

const benchBatch = storetest.BenchBatch

func benchOpen(b *testing.B) hookd.Store {
	return sqlite.OpenForTest(b, filepath.Join(b.TempDir(), "hookd.db"))
}

// BenchmarkInsertTriggers stores batches of 1,000 triggers, each batch one
// durable (fsynced) transaction.
func BenchmarkInsertTriggers(b *testing.B) { storetest.BenchmarkInsertTriggers(b, benchOpen) }

// BenchmarkClaimTriggers leases batches of 1,000 pending triggers.
func BenchmarkClaimTriggers(b *testing.B) { storetest.BenchmarkClaimTriggers(b, benchOpen) }

// BenchmarkClaimTriggersAccounts leases batches of 1,000 pending triggers of
// 100 accounts, each account taking its turn in every claim.
func BenchmarkClaimTriggersAccounts(b *testing.B) {
	storetest.BenchmarkClaimTriggersAccounts(b, benchOpen)
}

// BenchmarkRecordDeliveries records batches of 1,000 delivery results (and
// marks their triggers done, and updates the URL states), each batch one
// durable transaction.
func BenchmarkRecordDeliveries(b *testing.B) { storetest.BenchmarkRecordDeliveries(b, benchOpen) }

// BenchmarkSearchTriggers searches a million triggers (HOOKD_BENCH=1).
func BenchmarkSearchTriggers(b *testing.B) { storetest.BenchmarkSearchTriggers(b, benchOpen, nil) }

// BenchmarkRecordFanOut records the results of a fan-out as the dispatcher
// does: batches of 1,000 deliveries of a few triggers to many webhooks
// (2,000 webhook IDs, so the per-webhook index is written all over), on a
// log that already holds 100,000 rows.
func BenchmarkRecordFanOut(b *testing.B) {
	s := sqlite.OpenForTest(b, filepath.Join(b.TempDir(), "hookd.db"))
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
				URL: url, Status: hookd.StatusDelivered, StatusCode: 200, DurationMs: 3, AttemptedAt: now,
				Signature: storetest.BenchSignature, ResponseHeaders: storetest.BenchResponseHeaders})
			p.Outcomes = append(p.Outcomes, hookd.URLOutcome{AccountID: "acc_bench", URL: url, OK: true, At: now})
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
	s := sqlite.OpenForTest(b, filepath.Join(b.TempDir(), "hookd.db"))
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
	s := sqlite.OpenForTest(b, filepath.Join(b.TempDir(), "hookd.db"))
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
