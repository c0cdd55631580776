package storetest

import (
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// testUserEmail: a user's email is stored, read back and changed.
func testUserEmail(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	u := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "ann", PasswordHash: "h", Email: "ann@example.org", CreatedAt: base}
	must(t, s.CreateUser(ctx(t), &u))
	got, err := s.User(ctx(t), u.ID)
	must(t, err)
	if got.Email != "ann@example.org" {
		t.Errorf("email %q, want ann@example.org", got.Email)
	}
	must(t, s.SetEmail(ctx(t), u.ID, "ann@library.example"))
	users, err := s.Users(ctx(t), a.ID)
	must(t, err)
	if len(users) != 1 || users[0].Email != "ann@library.example" {
		t.Errorf("after SetEmail: %+v", users)
	}
	must(t, s.SetEmail(ctx(t), u.ID, ""))
	got, _ = s.UserByUsername(ctx(t), "ann")
	if got.Email != "" {
		t.Errorf("email %q after clearing it", got.Email)
	}
	wantCode(t, s.SetEmail(ctx(t), hookd.NewID(hookd.PrefixUser), "x@example.org"), hookd.ENOTFOUND, "SetEmail of no user")
}

// testNotices: the notices of grey-list changes are stored with the batch
// that makes them, one waiting per webhook (the newest), claimed by one
// node at a time, and a webhook told is not told again before TellBefore.
func testNotices(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	const u = "https://flaky.example/h"
	var tellAt time.Time
	tell := func(cs []hookd.GreylistChange) ([]hookd.Trigger, []hookd.Notice) {
		var ns []hookd.Notice
		for _, c := range cs {
			if n, ok := hookd.NoticeOf(c, "wh_1", tellAt); ok {
				ns = append(ns, n)
			}
		}
		return nil, ns
	}
	record := func(at time.Time, ok bool, n int) {
		t.Helper()
		tellAt = at
		var os []hookd.URLOutcome
		for i := range n {
			os = append(os, hookd.URLOutcome{AccountID: a.ID, URL: u, OK: ok, At: at.Add(time.Duration(i) * time.Millisecond), Error: "HTTP 500 Internal Server Error"})
		}
		must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy, Outcomes: os, Tell: tell}))
	}
	claimAt := func(node string, now time.Time, tellBefore time.Time) []hookd.Notice {
		t.Helper()
		ns, err := s.ClaimNotices(ctx(t), hookd.NoticeClaim{Node: node, Now: now, Until: now.Add(time.Minute), TellBefore: tellBefore, Limit: 10})
		must(t, err)
		return ns
	}

	if ns := claimAt("a", base, base); len(ns) != 0 {
		t.Fatalf("claimed %+v from an empty store", ns)
	}
	record(base, false, 3) // grey-listed, level 1
	for _, limit := range []int{0, -1} {
		now := base.Add(time.Second)
		ns, err := s.ClaimNotices(ctx(t), hookd.NoticeClaim{Node: "a", Now: now, Until: now.Add(time.Minute), TellBefore: base, Limit: limit})
		if err != nil || len(ns) != 0 {
			t.Fatalf("a claim of at most %d: %+v, %v; want none", limit, ns, err)
		}
	}
	ns := claimAt("a", base.Add(time.Second), base)
	if len(ns) != 1 {
		t.Fatalf("claimed %d notices, want the grey-listing", len(ns))
	}
	n := ns[0]
	if n.Kind != hookd.NoticeGreylisted || n.WebhookID != "wh_1" || n.AccountID != a.ID || n.URL != u ||
		n.LastError != "HTTP 500 Internal Server Error" || n.ConsecutiveFailures != 3 || n.Attempts != 1 || n.Told != "" || n.ID == "" {
		t.Errorf("claimed %+v", n)
	}
	sameTime(t, "notice Until", n.Until, base.Add(2*time.Millisecond).Add(time.Minute))
	sameTime(t, "notice At", n.At, base)
	if again := claimAt("b", base.Add(2*time.Second), base); len(again) != 0 {
		t.Fatalf("node b claimed %+v while node a's lease is live", again)
	}
	// A failed send: tried again from RetryAt, not before.
	must(t, s.FinishNotice(ctx(t), n, hookd.NoticeResult{RetryAt: base.Add(time.Minute)}))
	if again := claimAt("b", base.Add(30*time.Second), base); len(again) != 0 {
		t.Fatalf("claimed %+v before its retry time", again)
	}
	ns = claimAt("b", base.Add(time.Minute), base)
	if len(ns) != 1 || ns[0].Attempts != 2 || ns[0].ID != n.ID {
		t.Fatalf("claimed %+v at the retry time, want the same notice, attempt 2", ns)
	}
	sentAt := base.Add(time.Minute)
	must(t, s.FinishNotice(ctx(t), ns[0], hookd.NoticeResult{Sent: true, At: sentAt}))
	if again := claimAt("a", base.Add(2*time.Minute), base.Add(2*time.Minute)); len(again) != 0 {
		t.Fatalf("claimed %+v after it was sent", again)
	}

	// Recovered 5 minutes later: waiting until the hour since the email is over.
	record(base.Add(5*time.Minute), true, 1)
	hourAgo := func(now time.Time) time.Time { return now.Add(-time.Hour) }
	now := base.Add(6 * time.Minute)
	if got := claimAt("a", now, hourAgo(now)); len(got) != 0 {
		t.Fatalf("claimed %+v within the hour", got)
	}
	// Grey-listed again: the newer notice replaces the waiting recovery.
	record(base.Add(10*time.Minute), false, 3)
	now = sentAt.Add(time.Hour)
	if got := claimAt("a", now.Add(-time.Millisecond), hourAgo(now.Add(-time.Millisecond))); len(got) != 0 {
		t.Fatalf("claimed %+v a millisecond before the hour is over", got)
	}
	ns = claimAt("a", now, hourAgo(now))
	if len(ns) != 1 || ns[0].Kind != hookd.NoticeGreylisted || ns[0].Told != hookd.NoticeGreylisted || ns[0].News() {
		t.Fatalf("claimed %+v after the hour, want the second grey-listing, told already (no news)", ns)
	}
	must(t, s.FinishNotice(ctx(t), ns[0], hookd.NoticeResult{}))
	if got := claimAt("a", now.Add(time.Hour), now); len(got) != 0 {
		t.Fatalf("claimed %+v after it was dropped", got)
	}

	// A newer notice stored while an older one is out keeps waiting.
	record(base.Add(3*time.Hour), true, 1) // recovered
	now = base.Add(3 * time.Hour)
	ns = claimAt("a", now, hourAgo(now))
	if len(ns) != 1 || ns[0].Kind != hookd.NoticeRecovered || !ns[0].News() {
		t.Fatalf("claimed %+v, want the recovery, news", ns)
	}
	record(now.Add(time.Second), false, 3) // grey-listed while the recovery is being sent
	must(t, s.FinishNotice(ctx(t), ns[0], hookd.NoticeResult{Sent: true, At: now.Add(2 * time.Second)}))
	later := now.Add(2*time.Second + time.Hour)
	ns = claimAt("a", later, hourAgo(later))
	if len(ns) != 1 || ns[0].Kind != hookd.NoticeGreylisted || ns[0].Told != hookd.NoticeRecovered || ns[0].Attempts != 1 {
		t.Fatalf("claimed %+v, want the grey-listing stored meanwhile, after the hour", ns)
	}

	// The webhook is gone: its row is forgotten, and a later notice of it
	// starts afresh (nothing told, no hour to wait).
	must(t, s.FinishNotice(ctx(t), ns[0], hookd.NoticeResult{Gone: true}))
	now = later.Add(time.Minute)
	record(now, true, 1)
	ns = claimAt("a", now, now.Add(-time.Hour))
	if len(ns) != 1 || ns[0].Told != "" || ns[0].Kind != hookd.NoticeRecovered || ns[0].News() {
		t.Fatalf("claimed %+v after the webhook's row was forgotten, want a recovery nobody needs (nothing told)", ns)
	}
}
