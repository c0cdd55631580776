package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// testConcurrentInsertAndClaim inserts triggers from many goroutines while two
// nodes claim at the same time: while leases are live, every trigger is
// claimed exactly once.
func testConcurrentInsertAndClaim(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	const inserters, batches, perBatch = 8, 20, 10
	const total = inserters * batches * perBatch

	var mu sync.Mutex
	claimedBy := map[string]string{}
	var inserted atomic.Int64
	var insertWG, claimWG sync.WaitGroup
	stop := make(chan struct{})

	for range inserters {
		insertWG.Go(func() {
			for range batches {
				ts := triggers(a.ID, perBatch, base)
				if err := s.InsertTriggers(ctx(t), ts); err != nil {
					t.Errorf("InsertTriggers: %v", err)
					return
				}
				inserted.Add(perBatch)
			}
		})
	}
	for _, node := range []string{"node-a", "node-b"} {
		claimWG.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.ClaimTriggers(ctx(t), hookd.ClaimParams{
					Node: node, Now: base, Until: base.Add(time.Hour), Limit: 7,
				})
				if err != nil {
					t.Errorf("ClaimTriggers(%s): %v", node, err)
					return
				}
				mu.Lock()
				for _, tr := range got {
					if other, ok := claimedBy[tr.ID]; ok {
						t.Errorf("trigger %s claimed by %s and by %s while the lease was live", tr.ID, other, node)
					}
					claimedBy[tr.ID] = node
				}
				mu.Unlock()
			}
		})
	}
	insertWG.Wait()
	// Let the claimers drain what is left, then stop them.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(claimedBy)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) || t.Failed() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	claimWG.Wait()

	if got := inserted.Load(); got != total {
		t.Fatalf("inserted %d triggers, want %d", got, total)
	}
	if len(claimedBy) != total {
		t.Errorf("claimed %d distinct triggers, want %d", len(claimedBy), total)
	}
	if n := pending(t, s); n != total {
		t.Errorf("PendingTriggers = %d, want %d", n, total)
	}
	if got := claim(t, s, "node-c", base.Add(time.Minute), base.Add(2*time.Hour), total); len(got) != 0 {
		t.Errorf("node-c claimed %d triggers whose leases are live", len(got))
	}
}

// testNoticesClaimedOnce: nodes claiming at once never get the same notice.
func testNoticesClaimedOnce(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	var notices []hookd.Notice
	for i := range 20 {
		u := "https://h" + string(rune('a'+i)) + ".example/"
		notices = append(notices, hookd.Notice{ID: hookd.NewID(hookd.PrefixNotice), WebhookID: hookd.NewID(hookd.PrefixWebhook),
			AccountID: a.ID, Kind: hookd.NoticeRecovered, URL: u, At: base})
	}
	// Stored through a change that grey-lists a URL (Tell is asked only then).
	os := make([]hookd.URLOutcome, 3)
	for i := range os {
		os[i] = hookd.URLOutcome{AccountID: a.ID, URL: "https://y.example/", At: base, Error: "HTTP 500"}
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: os,
		Tell: func([]hookd.GreylistChange) ([]hookd.Trigger, []hookd.Notice) { return nil, notices }}))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for node := range 4 {
		wg.Go(func() {
			for range 10 {
				ns, err := s.ClaimNotices(ctx(t), hookd.NoticeClaim{Node: string(rune('a' + node)), Now: base.Add(time.Second),
					Until: base.Add(time.Minute), TellBefore: base, Limit: 3})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, n := range ns {
					seen[n.WebhookID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != len(notices) {
		t.Errorf("claimed %d webhooks' notices, want %d", len(seen), len(notices))
	}
	for w, c := range seen {
		if c != 1 {
			t.Errorf("notice of %s claimed %d times", w, c)
		}
	}
}
