package hookd_test

import (
	"maps"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// TestFoldOutcomes checks what a store writes back for a batch of outcomes:
// the not-healthy states to store and the stored (account, URL) pairs that
// are healthy again.
func TestFoldOutcomes(t *testing.T) {
	const a, b, c = "https://a.example/h", "https://b.example/h", "https://c.example/h"
	const mine, theirs = "acc_mine", "acc_theirs"
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	policy := hookd.GreylistPolicy{After: 3, Base: time.Minute, Max: time.Hour}
	failIn := func(acc, u string, at time.Time) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: acc, URL: u, At: at}
	}
	okIn := func(acc, u string, at time.Time) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: acc, URL: u, OK: true, At: at}
	}
	listedIn := func(acc, u string, failures, level int, until time.Time) hookd.URLState {
		return hookd.URLState{AccountID: acc, URL: u, ConsecutiveFailures: failures, Level: level, Until: until}
	}
	fail := func(u string, at time.Time) hookd.URLOutcome { return failIn(mine, u, at) }
	ok := func(u string, at time.Time) hookd.URLOutcome { return okIn(mine, u, at) }
	listed := func(u string, failures, level int, until time.Time) hookd.URLState {
		return listedIn(mine, u, failures, level, until)
	}
	key := func(acc, u string) hookd.URLKey { return hookd.URLKey{AccountID: acc, URL: u} }
	tests := []struct {
		name        string
		policy      hookd.GreylistPolicy
		stored      []hookd.URLState
		outcomes    []hookd.URLOutcome
		wantUpsert  []hookd.URLState
		wantHealthy []hookd.URLKey
	}{
		{name: "no outcomes", policy: policy},
		{name: "successes to healthy URLs write nothing", policy: policy,
			outcomes: []hookd.URLOutcome{ok(a, t0), ok(b, t0), ok(a, t0)}},
		{name: "a first failure is stored", policy: policy,
			outcomes:   []hookd.URLOutcome{fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 1, 0, time.Time{})}},
		{name: "the After-th failure in one batch grey-lists", policy: policy,
			outcomes:   []hookd.URLOutcome{fail(a, t0), fail(a, t0), fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 3, 1, t0.Add(time.Minute))}},
		{name: "a failure continues the stored count", policy: policy,
			stored:     []hookd.URLState{listed(a, 2, 0, time.Time{})},
			outcomes:   []hookd.URLOutcome{fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 3, 1, t0.Add(time.Minute))}},
		{name: "a failure after the period doubles it", policy: policy,
			stored:     []hookd.URLState{listed(a, 3, 1, t0)},
			outcomes:   []hookd.URLOutcome{fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 4, 2, t0.Add(2*time.Minute))}},
		{name: "a success deletes the stored state", policy: policy,
			stored:      []hookd.URLState{listed(a, 5, 2, t0.Add(time.Minute))},
			outcomes:    []hookd.URLOutcome{ok(a, t0)},
			wantHealthy: []hookd.URLKey{key(mine, a)}},
		{name: "outcomes apply in order: failure after success is stored", policy: policy,
			stored:     []hookd.URLState{listed(a, 2, 0, time.Time{})},
			outcomes:   []hookd.URLOutcome{ok(a, t0), fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 1, 0, time.Time{})}},
		{name: "URLs without outcomes are left alone", policy: policy,
			stored:   []hookd.URLState{listed(c, 3, 1, t0.Add(time.Minute))},
			outcomes: []hookd.URLOutcome{ok(a, t0)}},
		{name: "several URLs, in order of first outcome", policy: policy,
			stored:      []hookd.URLState{listed(b, 1, 0, time.Time{}), listed(c, 1, 0, time.Time{})},
			outcomes:    []hookd.URLOutcome{ok(c, t0), fail(b, t0), fail(a, t0), ok(c, t0)},
			wantUpsert:  []hookd.URLState{listed(b, 2, 0, time.Time{}), listed(a, 1, 0, time.Time{})},
			wantHealthy: []hookd.URLKey{key(mine, c)}},
		{name: "one URL in two accounts: each account's failures count apart", policy: policy,
			stored:   []hookd.URLState{listedIn(theirs, a, 2, 0, time.Time{})},
			outcomes: []hookd.URLOutcome{fail(a, t0), fail(a, t0), failIn(theirs, a, t0), fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 3, 1, t0.Add(time.Minute)),
				listedIn(theirs, a, 3, 1, t0.Add(time.Minute))}},
		{name: "one account's failures never grey-list another's URL", policy: policy,
			outcomes:   []hookd.URLOutcome{failIn(theirs, a, t0), failIn(theirs, a, t0), failIn(theirs, a, t0), ok(a, t0)},
			wantUpsert: []hookd.URLState{listedIn(theirs, a, 3, 1, t0.Add(time.Minute))}},
		{name: "a success clears only its own account's state", policy: policy,
			stored:      []hookd.URLState{listed(a, 3, 1, t0), listedIn(theirs, a, 3, 1, t0)},
			outcomes:    []hookd.URLOutcome{okIn(theirs, a, t0)},
			wantHealthy: []hookd.URLKey{key(theirs, a)}},
		{name: "a zero policy grey-lists with the defaults (3 failures, 1m)",
			outcomes:   []hookd.URLOutcome{fail(a, t0), fail(a, t0), fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 3, 1, t0.Add(time.Minute))}},
		{name: "a partly set policy takes the other fields from the defaults", policy: hookd.GreylistPolicy{After: 1},
			outcomes:   []hookd.URLOutcome{fail(a, t0)},
			wantUpsert: []hookd.URLState{listed(a, 1, 1, t0.Add(time.Minute))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stored := map[hookd.URLKey]hookd.URLState{}
			for _, st := range tc.stored {
				stored[st.Key()] = st
			}
			before := maps.Clone(stored)
			upsert, healthy := hookd.FoldOutcomes(tc.policy, stored, tc.outcomes)
			if !reflect.DeepEqual(upsert, tc.wantUpsert) {
				t.Errorf("upsert = %+v\nwant %+v", upsert, tc.wantUpsert)
			}
			if !reflect.DeepEqual(healthy, tc.wantHealthy) {
				t.Errorf("healthy = %v, want %v", healthy, tc.wantHealthy)
			}
			if !maps.Equal(stored, before) {
				t.Errorf("FoldOutcomes changed the stored map: %+v", stored)
			}
		})
	}
}

// BenchmarkFoldOutcomes folds a batch of 1,000 outcomes to ten URLs (one in
// seven fails), as RecordDeliveries does for each batch it writes.
func BenchmarkFoldOutcomes(b *testing.B) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	outcomes := make([]hookd.URLOutcome, 1000)
	for i := range outcomes {
		outcomes[i] = hookd.URLOutcome{AccountID: "acc_1", URL: "https://receiver-" + strconv.Itoa(i%10) + ".example/hooks", OK: i%7 != 0, At: now}
	}
	stored := map[hookd.URLKey]hookd.URLState{}
	for b.Loop() {
		hookd.FoldOutcomes(hookd.DefaultGreylistPolicy, stored, outcomes)
	}
}

// TestFoldOutcomesKeepsLastError: the state remembers the newest failure's
// error, so that a skipped delivery can name it; a success clears it.
func TestFoldOutcomesKeepsLastError(t *testing.T) {
	k := hookd.URLKey{"acc", "https://x.example/"}
	at := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	fail := func(why string) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: k.AccountID, URL: k.URL, At: at, Error: why}
	}
	up, _ := hookd.FoldOutcomes(hookd.GreylistPolicy{}, nil, []hookd.URLOutcome{fail("HTTP 500 Internal Server Error"), fail("HTTP 502 Bad Gateway")})
	if len(up) != 1 || up[0].LastError != "HTTP 502 Bad Gateway" {
		t.Fatalf("after two failures: %+v, want the last error HTTP 502", up)
	}
	stored := map[hookd.URLKey]hookd.URLState{k: up[0]}
	up, healthy := hookd.FoldOutcomes(hookd.GreylistPolicy{}, stored, []hookd.URLOutcome{{AccountID: k.AccountID, URL: k.URL, At: at, OK: true}})
	if len(up) != 0 || len(healthy) != 1 {
		t.Errorf("after a success: upsert %+v healthy %v, want the state deleted", up, healthy)
	}
}

// TestMayChange: a batch's outcomes can change the state of a pair with a
// failure or with a stored state, never of a pair with successes only and
// no state; and folding only the pairs MayChange names writes the same as
// folding them all.
func TestMayChange(t *testing.T) {
	const a, b, c, d = "https://a.example/h", "https://b.example/h", "https://c.example/h", "https://d.example/h"
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	ok := func(acc, u string) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: acc, URL: u, OK: true, At: t0}
	}
	fail := func(acc, u string) hookd.URLOutcome {
		return hookd.URLOutcome{AccountID: acc, URL: u, OK: false, Error: "HTTP 500", At: t0}
	}
	stored := map[hookd.URLKey]hookd.URLState{
		{AccountID: "acc_1", URL: b}: {AccountID: "acc_1", URL: b, ConsecutiveFailures: 1},
	}
	outcomes := []hookd.URLOutcome{
		ok("acc_1", a), ok("acc_1", a), // healthy and stays so: left alone
		ok("acc_1", b),                   // has a state: a success clears it
		ok("acc_1", c), fail("acc_1", c), // a failure among successes
		ok("acc_2", b), // the same URL in another account, healthy there
		fail("acc_2", d),
	}
	got := hookd.MayChange(stored, outcomes)
	want := []hookd.URLKey{{AccountID: "acc_1", URL: b}, {AccountID: "acc_1", URL: c}, {AccountID: "acc_2", URL: d}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("MayChange = %v, want %v", got, want)
	}
	if got := hookd.MayChange(nil, []hookd.URLOutcome{ok("acc_1", a), ok("acc_1", c)}); len(got) != 0 {
		t.Errorf("successes to healthy URLs: %v, want none", got)
	}
	changing := map[hookd.URLKey]bool{}
	for _, k := range got {
		changing[k] = true
	}
	var some []hookd.URLOutcome
	for _, o := range outcomes {
		if changing[o.Key()] {
			some = append(some, o)
		}
	}
	policy := hookd.DefaultGreylistPolicy
	u1, h1 := hookd.FoldOutcomes(policy, stored, outcomes)
	u2, h2 := hookd.FoldOutcomes(policy, stored, some)
	if !reflect.DeepEqual(u1, u2) || !reflect.DeepEqual(h1, h2) {
		t.Errorf("folding all: %v %v; folding those MayChange names: %v %v", u1, h1, u2, h2)
	}
}
