package storetest

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

func claim(t *testing.T, s hookd.Store, node string, now, until time.Time, limit int) []hookd.Trigger {
	t.Helper()
	got, err := s.ClaimTriggers(ctx(t), hookd.ClaimParams{Node: node, Now: now, Until: until, Limit: limit})
	must(t, err)
	return got
}

func pending(t *testing.T, s hookd.Store) int64 {
	t.Helper()
	n, err := s.PendingTriggers(ctx(t))
	must(t, err)
	return n
}

func testInsertTriggers(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	paris := time.FixedZone("Paris", 3600)
	tr := hookd.Trigger{
		ID:         hookd.NewID(hookd.PrefixTrigger),
		AccountID:  a.ID,
		Hook:       "eventCanceled",
		Data:       json.RawMessage(`{"eventId": 7, "reason": "Snow \u00e9 ☃"}`),
		Timestamp:  time.Date(2026, 12, 1, 8, 0, 0, 123456789, paris), // 07:00:00.123 UTC
		ReceivedAt: base.Add(1500 * time.Microsecond),
	}
	must(t, s.InsertTriggers(ctx(t), []hookd.Trigger{tr}))
	must(t, s.InsertTriggers(ctx(t), nil)) // an empty batch is nothing to do

	got, err := s.Trigger(ctx(t), a.ID, tr.ID)
	must(t, err)
	if got.ID != tr.ID || got.AccountID != a.ID || got.Hook != tr.Hook {
		t.Errorf("Trigger = %+v, want %+v", got, tr)
	}
	if !bytes.Equal(got.Data, tr.Data) {
		t.Errorf("Trigger data = %s, want the same bytes as stored: %s", got.Data, tr.Data)
	}
	sameTime(t, "Timestamp", got.Timestamp, time.Date(2026, 12, 1, 7, 0, 0, 123000000, time.UTC))
	sameTime(t, "ReceivedAt", got.ReceivedAt, base.Add(time.Millisecond))

	wantCode(t, errOf(s.Trigger(ctx(t), b.ID, tr.ID)), hookd.ENOTFOUND, "Trigger of another account")
	wantCode(t, errOf(s.Trigger(ctx(t), a.ID, "tr_unknown")), hookd.ENOTFOUND, "Trigger of an unknown ID")

	// A large batch, across accounts, is stored whole.
	batch := append(triggers(a.ID, 1500, base), triggers(b.ID, 10, base)...)
	must(t, s.InsertTriggers(ctx(t), batch))
	if n := pending(t, s); n != 1511 {
		t.Errorf("PendingTriggers = %d, want 1511", n)
	}
	for _, i := range []int{0, 700, 1499, 1505} {
		got, err := s.Trigger(ctx(t), batch[i].AccountID, batch[i].ID)
		must(t, err)
		if !bytes.Equal(got.Data, batch[i].Data) {
			t.Errorf("batch[%d].Data = %s, want %s", i, got.Data, batch[i].Data)
		}
	}
}

func testInsertTriggersAllOrNothing(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	first := triggers(a.ID, 1, base)
	must(t, s.InsertTriggers(ctx(t), first))

	// The last trigger of this batch reuses an ID: nothing of it is stored.
	batch := triggers(a.ID, 300, base)
	batch = append(batch, first[0])
	if err := s.InsertTriggers(ctx(t), batch); err == nil {
		t.Fatal("InsertTriggers with a duplicate ID succeeded, want an error")
	}
	for _, tr := range batch[:300] {
		if _, err := s.Trigger(ctx(t), a.ID, tr.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("trigger %s of a failed batch: got %v, want ENOTFOUND (all or nothing)", tr.ID, err)
		}
	}
	if n := pending(t, s); n != 1 {
		t.Errorf("PendingTriggers after a failed batch = %d, want 1", n)
	}
}

func testClaimTriggers(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	ts := append(triggers(a.ID, 3, base), triggers(b.ID, 2, base)...)
	// Insert newest first: claims still go oldest (lowest ID) first.
	must(t, s.InsertTriggers(ctx(t), reversed(ts)))

	lease := base.Add(time.Minute)
	// Each account takes a turn: its oldest (lowest ID) first.
	got := claim(t, s, "node-a", base, lease, 2)
	sameIDs(t, "first claim, limit 2: one of each account", triggerIDs(got), []string{ts[0].ID, ts[3].ID})
	if len(got) > 0 {
		if !bytes.Equal(got[0].Data, ts[0].Data) || got[0].AccountID != a.ID || got[0].Hook != ts[0].Hook {
			t.Errorf("claimed trigger = %+v, want %+v", got[0], ts[0])
		}
		sameTime(t, "claimed Timestamp", got[0].Timestamp, ts[0].Timestamp)
	}
	got = claim(t, s, "node-a", base, lease, 2)
	sameIDs(t, "second claim skips leased triggers", triggerIDs(got), []string{ts[1].ID, ts[4].ID})
	got = claim(t, s, "node-b", base.Add(time.Second), lease, 10)
	sameIDs(t, "another node's claim", triggerIDs(got), []string{ts[2].ID})
	got = claim(t, s, "node-b", lease.Add(-time.Millisecond), lease.Add(time.Hour), 10)
	sameIDs(t, "claim while every lease is live", triggerIDs(got), nil)

	// Claimed triggers are still pending until their deliveries are recorded.
	if n := pending(t, s); n != 5 {
		t.Errorf("PendingTriggers = %d, want 5", n)
	}

	// When a lease ends (its node died), another node takes the trigger.
	got = claim(t, s, "node-b", lease.Add(time.Millisecond), lease.Add(time.Hour), 10)
	sameIDs(t, "claim after the leases ended", triggerIDs(got), triggerIDs(ts))
	got = claim(t, s, "node-a", lease.Add(time.Minute), lease.Add(2*time.Hour), 10)
	sameIDs(t, "node-b's new leases are live", triggerIDs(got), nil)

	got = claim(t, s, "node-a", lease.Add(2*time.Hour), lease.Add(3*time.Hour), 0)
	if len(got) != 0 {
		t.Errorf("claim with limit 0 = %d triggers, want none", len(got))
	}
}

// testClaimTakesTurns: one account's large backlog does not push another's
// newer triggers out of the next claim, busy accounts are left out, and with
// more accounts than a claim takes the accounts take turns.
func testClaimTakesTurns(t *testing.T, s hookd.Store) {
	big := account(t, s, "big")
	small := account(t, s, "small")
	backlog := triggers(big.ID, 2000, base)
	must(t, s.InsertTriggers(ctx(t), backlog))
	fresh := triggers(small.ID, 3, base.Add(time.Minute))
	must(t, s.InsertTriggers(ctx(t), fresh))
	now, lease := base.Add(time.Minute), base.Add(time.Hour)

	// Two accounts share a claim of 10: the small one's 3 triggers, and the
	// big one's oldest for the rest (its share of 5, then what is left).
	got := claim(t, s, "node-a", now, lease, 10)
	sameIDs(t, "claim of 10 beside a backlog of 2,000", triggerIDs(got),
		append(triggerIDs(backlog[:7]), triggerIDs(fresh)...))
	got = claim(t, s, "node-a", now, lease, 4)
	sameIDs(t, "the big account alone gets whole claims", triggerIDs(got), triggerIDs(backlog[7:11]))

	// A busy account is left out, from its share and from what is left over.
	other := account(t, s, "other")
	more := triggers(other.ID, 20, base.Add(2*time.Minute))
	late := triggers(small.ID, 1, base.Add(3*time.Minute))
	must(t, s.InsertTriggers(ctx(t), append(more, late...)))
	got, err := s.ClaimTriggers(ctx(t), hookd.ClaimParams{Node: "node-a", Now: now, Until: lease, Limit: 10, Busy: []string{big.ID}})
	must(t, err)
	sameIDs(t, "claim of 10 with the big account busy", triggerIDs(got), append(triggerIDs(more[:9]), late[0].ID))
	got, err = s.ClaimTriggers(ctx(t), hookd.ClaimParams{Node: "node-a", Now: now, Until: lease, Limit: 10, Busy: []string{big.ID, other.ID}})
	must(t, err)
	sameIDs(t, "claim with every account that has claimable triggers busy", triggerIDs(got), nil)
}

// testClaimRotates: with more accounts than a claim takes, each claim gives
// one trigger to the accounts whose oldest claimable trigger is oldest, so
// the next claim serves the others.
func testClaimRotates(t *testing.T, s hookd.Store) {
	var first, second []hookd.Trigger
	for _, name := range []string{"c1", "c2", "c3", "c4", "c5"} {
		first = append(first, triggers(account(t, s, name).ID, 1, base)...)
	}
	for _, tr := range first {
		second = append(second, triggers(tr.AccountID, 1, base)...)
	}
	must(t, s.InsertTriggers(ctx(t), append(first, second...)))
	now, lease := base, base.Add(time.Hour)
	got := claim(t, s, "node-a", now, lease, 3)
	sameIDs(t, "first claim of 3 among 5 accounts", triggerIDs(got), triggerIDs(first[:3]))
	got = claim(t, s, "node-a", now, lease, 3)
	sameIDs(t, "second claim: the two accounts left, then the first again", triggerIDs(got),
		[]string{first[3].ID, first[4].ID, second[0].ID})
	got = claim(t, s, "node-a", now, lease, 10)
	sameIDs(t, "the rest", triggerIDs(got), triggerIDs(second[1:]))
}

func testClaimSkipsDoneTriggers(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	oldest := func() time.Time {
		t.Helper()
		at, err := s.OldestPendingTrigger(ctx(t))
		must(t, err)
		return at
	}
	if at := oldest(); !at.IsZero() {
		t.Errorf("OldestPendingTrigger with none pending = %v, want zero", at)
	}
	ts := triggers(a.ID, 4, base)
	for i := range ts {
		ts[i].ReceivedAt = base.Add(time.Duration(i) * time.Second)
	}
	must(t, s.InsertTriggers(ctx(t), ts))
	if at := oldest(); !at.Equal(base) {
		t.Errorf("OldestPendingTrigger = %v, want the first received, %v", at, base)
	}
	got := claim(t, s, "node-a", base, base.Add(time.Minute), 10)
	sameIDs(t, "claim", triggerIDs(got), triggerIDs(ts))

	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{DoneTriggers: []string{ts[0].ID, ts[2].ID}, Policy: policy}))
	if n := pending(t, s); n != 2 {
		t.Errorf("PendingTriggers after two are done = %d, want 2", n)
	}
	if at := oldest(); !at.Equal(base.Add(time.Second)) {
		t.Errorf("OldestPendingTrigger after the first is done = %v, want the second's %v", at, base.Add(time.Second))
	}
	got = claim(t, s, "node-b", base.Add(time.Hour), base.Add(2*time.Hour), 10)
	sameIDs(t, "claim after the leases ended", triggerIDs(got), []string{ts[1].ID, ts[3].ID})

	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{DoneTriggers: []string{ts[1].ID, ts[3].ID}, Policy: policy}))
	got = claim(t, s, "node-b", base.Add(24*time.Hour), base.Add(25*time.Hour), 10)
	sameIDs(t, "claim when every trigger is done", triggerIDs(got), nil)
	if n := pending(t, s); n != 0 {
		t.Errorf("PendingTriggers = %d, want 0", n)
	}
	// Done triggers stay readable.
	_, err := s.Trigger(ctx(t), a.ID, ts[0].ID)
	must(t, err)
}

func testExtendLeases(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	ts := triggers(a.ID, 3, base)
	must(t, s.InsertTriggers(ctx(t), ts))
	got := claim(t, s, "node-a", base, base.Add(time.Minute), 2)
	held := triggerIDs(got)

	// node-a is still working: it extends its leases.
	must(t, s.ExtendLeases(ctx(t), "node-a", held, base.Add(10*time.Minute)))
	got = claim(t, s, "node-b", base.Add(2*time.Minute), base.Add(time.Hour), 10)
	sameIDs(t, "claim after the owner extended its leases", triggerIDs(got), []string{ts[2].ID})

	// node-b cannot extend node-a's leases (nor node-a node-b's).
	must(t, s.ExtendLeases(ctx(t), "node-b", held, base.Add(time.Hour)))
	must(t, s.ExtendLeases(ctx(t), "node-a", []string{ts[2].ID}, base.Add(3*time.Hour)))
	must(t, s.ExtendLeases(ctx(t), "node-a", nil, base.Add(time.Hour)))
	got = claim(t, s, "node-c", base.Add(11*time.Minute), base.Add(2*time.Hour), 10)
	sameIDs(t, "claim after node-a's extended leases ended", triggerIDs(got), held)
	got = claim(t, s, "node-c", base.Add(61*time.Minute), base.Add(2*time.Hour), 10)
	sameIDs(t, "claim after node-b's lease ended", triggerIDs(got), []string{ts[2].ID})

	// node-a lost its triggers to node-c: its extension is ignored.
	must(t, s.ExtendLeases(ctx(t), "node-a", triggerIDs(ts), base.Add(24*time.Hour)))
	got = claim(t, s, "node-d", base.Add(121*time.Minute), base.Add(122*time.Minute), 10)
	sameIDs(t, "claim after node-c's leases ended", triggerIDs(got), triggerIDs(ts))
}

func testSentWebhooks(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w1 := webhook(t, s, a.ID, "https://one.example/h", true)
	w2 := webhook(t, s, a.ID, "https://two.example/h", true)
	w3 := webhook(t, s, a.ID, "https://three.example/h", true)
	w4 := webhook(t, s, a.ID, "https://four.example/h", true)
	ts := triggers(a.ID, 3, base)
	must(t, s.InsertTriggers(ctx(t), ts))
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Deliveries: []hookd.Delivery{
		delivery(ts[0], w1, hookd.StatusDelivered, base),
		delivery(ts[0], w2, hookd.StatusFailed, base),
		delivery(ts[0], w3, hookd.StatusSkipped, base),
		delivery(ts[0], w4, hookd.StatusPending, base), // not sent yet
		delivery(ts[1], w2, hookd.StatusDelivered, base),
	}}))
	got, err := s.SentWebhooks(ctx(t), triggerIDs(ts))
	must(t, err)
	for _, v := range got {
		slices.Sort(v)
	}
	want := []string{w1.ID, w2.ID, w3.ID}
	slices.Sort(want)
	sameIDs(t, "SentWebhooks[0]", got[ts[0].ID], want)
	sameIDs(t, "SentWebhooks[1]", got[ts[1].ID], []string{w2.ID})
	sameIDs(t, "SentWebhooks[2]", got[ts[2].ID], nil)

	got, err = s.SentWebhooks(ctx(t), nil)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("SentWebhooks(nil) = %v, want empty", got)
	}
}
