package storetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hookd-dev/hookd"
)

func idempotencyRecord(accountID, key string, ts []hookd.Trigger) hookd.IdempotencyRecord {
	return hookd.IdempotencyRecord{
		AccountID: accountID, Key: key, RequestHash: "hash-of-" + key, Status: 202,
		Response:  []byte(`{"id":"` + ts[0].ID + `"}`),
		CreatedAt: base, ExpiresAt: base.Add(hookd.IdempotencyTTL),
	}
}

// testIdempotency: triggers and their idempotency record are stored
// together; a live key refuses a second store, all or nothing; keys are per
// account; an expired key is free again.
func testIdempotency(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	ts := triggers(a.ID, 3, base)
	rec := idempotencyRecord(a.ID, "order-42 retry/1", ts)
	must(t, s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{rec}, ts))
	if n := pending(t, s); n != 3 {
		t.Fatalf("PendingTriggers = %d, want 3", n)
	}

	got, err := s.IdempotencyRecord(ctx(t), a.ID, rec.Key, base.Add(hookd.IdempotencyTTL/2))
	must(t, err)
	if got.AccountID != a.ID || got.Key != rec.Key || got.RequestHash != rec.RequestHash || got.Status != 202 ||
		!bytes.Equal(got.Response, rec.Response) {
		t.Errorf("IdempotencyRecord = %+v, want %+v", got, rec)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, rec.CreatedAt)
	sameTime(t, "ExpiresAt", got.ExpiresAt, rec.ExpiresAt)

	wantCode(t, errOf(s.IdempotencyRecord(ctx(t), b.ID, rec.Key, base)), hookd.ENOTFOUND, "IdempotencyRecord of another account's key")
	wantCode(t, errOf(s.IdempotencyRecord(ctx(t), a.ID, "unknown", base)), hookd.ENOTFOUND, "IdempotencyRecord of an unknown key")

	// The same key again: ECONFLICT and nothing of the batch is stored.
	again := triggers(a.ID, 2, base)
	err = s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{idempotencyRecord(a.ID, rec.Key, again)}, again)
	wantCode(t, err, hookd.ECONFLICT, "InsertTriggersIdempotent with a live key")
	for _, tr := range again {
		if _, err := s.Trigger(ctx(t), a.ID, tr.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("trigger %s of a refused keyed insert: got %v, want ENOTFOUND", tr.ID, err)
		}
	}
	// Several keys in one transaction (group commit): one taken key refuses all.
	fresh := triggers(a.ID, 1, base)
	err = s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{
		idempotencyRecord(a.ID, "fresh", fresh), idempotencyRecord(a.ID, rec.Key, again)}, append(fresh, again...))
	wantCode(t, err, hookd.ECONFLICT, "InsertTriggersIdempotent with one live key among two")
	if _, err := s.IdempotencyRecord(ctx(t), a.ID, "fresh", base); hookd.ErrorCode(err) != hookd.ENOTFOUND {
		t.Errorf("the fresh key of a refused insert was stored: %v", err)
	}
	if n := pending(t, s); n != 3 {
		t.Errorf("PendingTriggers after refused inserts = %d, want 3", n)
	}

	// Another account may use the same key.
	bts := triggers(b.ID, 1, base)
	must(t, s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{idempotencyRecord(b.ID, rec.Key, bts)}, bts))

	// Once expired, the key is not found and may be used again.
	later := base.Add(hookd.IdempotencyTTL)
	wantCode(t, errOf(s.IdempotencyRecord(ctx(t), a.ID, rec.Key, later)), hookd.ENOTFOUND, "IdempotencyRecord of an expired key")
	next := triggers(a.ID, 1, later)
	r2 := idempotencyRecord(a.ID, rec.Key, next)
	r2.CreatedAt, r2.ExpiresAt = later, later.Add(hookd.IdempotencyTTL)
	must(t, s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{r2}, next))
	got, err = s.IdempotencyRecord(ctx(t), a.ID, rec.Key, later)
	must(t, err)
	if !bytes.Equal(got.Response, r2.Response) {
		t.Errorf("after expiry the key answers %s, want the new answer %s", got.Response, r2.Response)
	}
	if n := pending(t, s); n != 5 {
		t.Errorf("PendingTriggers = %d, want 5", n)
	}

	// No keys: a plain insert.
	must(t, s.InsertTriggersIdempotent(ctx(t), nil, triggers(a.ID, 1, base)))
}

// testIdempotencyConcurrent: requests racing with the same key store their
// triggers once.
func testIdempotencyConcurrent(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	const racers = 8
	var ok, conflict atomic.Int64
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			ts := triggers(a.ID, 5, base)
			err := s.InsertTriggersIdempotent(ctx(t), []hookd.IdempotencyRecord{idempotencyRecord(a.ID, "same", ts)}, ts)
			switch hookd.ErrorCode(err) {
			case "":
				ok.Add(1)
			case hookd.ECONFLICT:
				conflict.Add(1)
			default:
				t.Errorf("InsertTriggersIdempotent: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || conflict.Load() != racers-1 {
		t.Errorf("%d racers succeeded and %d got ECONFLICT, want 1 and %d", ok.Load(), conflict.Load(), racers-1)
	}
	if n := pending(t, s); n != 5 {
		t.Errorf("PendingTriggers = %d, want 5 (one racer's triggers)", n)
	}
}
