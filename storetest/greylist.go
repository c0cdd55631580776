package storetest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// greylistURLs records failures of the account's webhooks so that every
// URL in down reaches level 1 and every URL in failing has one failure,
// within that account.
func greylistURLs(t *testing.T, s hookd.Store, accountID string, down, failing []string) {
	t.Helper()
	var outcomes []hookd.URLOutcome
	for _, u := range down {
		for range policy.After {
			outcomes = append(outcomes, hookd.URLOutcome{AccountID: accountID, URL: u, At: base})
		}
	}
	for _, u := range failing {
		outcomes = append(outcomes, hookd.URLOutcome{AccountID: accountID, URL: u, At: base})
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: outcomes, Policy: policy}))
}

func greylisted(accountID, u string) hookd.URLState {
	return hookd.URLState{AccountID: accountID, URL: u, ConsecutiveFailures: policy.After, Level: 1, Until: base.Add(policy.Base)}
}

func testURLStates(t *testing.T, s hookd.Store) {
	const up, down, failing = "https://up.example/h", "https://down.example/h", "https://failing.example/h"
	const acc, other = "acc_urlstates", "acc_other"
	all, err := s.URLStates(ctx(t))
	must(t, err)
	if len(all) != 0 {
		t.Errorf("URLStates of a new store = %+v, want none", all)
	}

	greylistURLs(t, s, acc, []string{down}, []string{failing})
	greylistURLs(t, s, other, nil, []string{down})
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy,
		Outcomes: []hookd.URLOutcome{{AccountID: acc, URL: up, At: base}, {AccountID: acc, URL: up, OK: true, At: base}}}))
	all, err = s.URLStates(ctx(t))
	must(t, err)
	byKey := map[hookd.URLKey]hookd.URLState{}
	for _, st := range all {
		byKey[st.Key()] = st
	}
	if len(all) != 3 || len(byKey) != 3 {
		t.Fatalf("URLStates = %+v, want the grey-listed and the failing URL of one account, and the other account's failing URL", all)
	}
	sameState(t, "grey-listed URL", byKey[hookd.URLKey{AccountID: acc, URL: down}], greylisted(acc, down))
	sameState(t, "failing URL", byKey[hookd.URLKey{AccountID: acc, URL: failing}],
		hookd.URLState{AccountID: acc, URL: failing, ConsecutiveFailures: 1})
	sameState(t, "the same URL in another account", byKey[hookd.URLKey{AccountID: other, URL: down}],
		hookd.URLState{AccountID: other, URL: down, ConsecutiveFailures: 1})
	st := byKey[hookd.URLKey{AccountID: acc, URL: down}]
	if !st.Greylisted(base.Add(time.Second)) {
		t.Error("the grey-listed URL's state does not say it is grey-listed")
	}

	// An expired period keeps its level (the next failure doubles it).
	st, err = urlState(ctx(t), s, acc, down)
	must(t, err)
	if st.Greylisted(base.Add(time.Hour)) || st.Level != 1 {
		t.Errorf("after the period: %+v", st)
	}
}

func testGreylist(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	const shared, onlyA, onlyB, failing, nobody = "https://shared.example/h", "https://a.example/h",
		"https://b.example/h", "https://failing.example/h", "https://nobody.example/h"
	webhook(t, s, a.ID, shared, true)
	webhook(t, s, a.ID, shared, false) // two webhooks with one URL: one entry
	webhook(t, s, a.ID, onlyA, false)  // disabled webhooks still show their URL's state
	webhook(t, s, a.ID, failing, true)
	webhook(t, s, a.ID, "https://healthy.example/h", true)
	webhook(t, s, b.ID, shared, true)
	webhook(t, s, b.ID, onlyB, true)
	// a's failures to onlyB (a has no webhook with it) list it nowhere.
	greylistURLs(t, s, a.ID, []string{shared, onlyA, onlyB, nobody}, []string{failing})
	greylistURLs(t, s, b.ID, []string{shared, onlyB}, nil)

	check := func(accountID string, want ...string) {
		t.Helper()
		got, err := s.Greylist(ctx(t), accountID)
		must(t, err)
		byURL := map[string]hookd.URLState{}
		for _, st := range got {
			byURL[st.URL] = st
		}
		if len(got) != len(want) || len(byURL) != len(want) {
			t.Errorf("Greylist(%s) = %+v, want %v", accountID, got, want)
		}
		for _, u := range want {
			sameState(t, "Greylist entry", byURL[u], greylisted(accountID, u))
		}
	}
	check(a.ID, shared, onlyA)
	check(b.ID, shared, onlyB)
	check("acc_nobody")
}

// testGreylistPerAccount holds contract §4: grey-listing is per URL within
// an account. Two accounts have a webhook with one URL; one account's
// failures grey-list its webhook only, and releasing the URL in one account
// leaves the other's state alone.
func testGreylistPerAccount(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	const u = "https://shared.example/h"
	wa := webhook(t, s, a.ID, u, true)
	wb := webhook(t, s, b.ID, u, true)

	greylistURLs(t, s, a.ID, []string{u}, nil)
	list, err := s.Greylist(ctx(t), a.ID)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("Greylist of the failing account = %+v, want its URL", list)
	}
	sameState(t, "the failing account's entry", list[0], greylisted(a.ID, u))
	if list, err = s.Greylist(ctx(t), b.ID); err != nil || len(list) != 0 {
		t.Errorf("Greylist of the other account = %+v (%v), want empty", list, err)
	}
	got, err := s.Webhook(ctx(t), a.ID, wa.ID)
	must(t, err)
	sameState(t, "the failing account's webhook", got.Greylist, greylisted(a.ID, u))
	got, err = s.Webhook(ctx(t), b.ID, wb.ID)
	must(t, err)
	if !got.Greylist.Healthy() {
		t.Errorf("the other account's webhook with the same URL: Greylist = %+v, want level 0, healthy", got.Greylist)
	}
	enabled, err := s.EnabledWebhooks(ctx(t))
	must(t, err)
	for _, w := range enabled {
		if w.ID == wb.ID && !w.Greylist.Healthy() {
			t.Errorf("EnabledWebhooks: the other account's webhook has Greylist %+v, want healthy", w.Greylist)
		}
	}
	// A success in b clears nothing of a's.
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy,
		Outcomes: []hookd.URLOutcome{{AccountID: b.ID, URL: u, OK: true, At: base}}}))
	st, err := urlState(ctx(t), s, a.ID, u)
	must(t, err)
	sameState(t, "a's state after b's success", st, greylisted(a.ID, u))

	// Both grey-listed; releasing in b leaves a's.
	greylistURLs(t, s, b.ID, []string{u}, nil)
	must(t, s.ReleaseURL(ctx(t), b.ID, u))
	st, err = urlState(ctx(t), s, a.ID, u)
	must(t, err)
	sameState(t, "a's state after b released the URL", st, greylisted(a.ID, u))
	if st, err = urlState(ctx(t), s, b.ID, u); err != nil || !st.Healthy() {
		t.Errorf("b's state after b released the URL = %+v (%v), want healthy", st, err)
	}
	all, err := s.URLStates(ctx(t))
	must(t, err)
	if len(all) != 1 || all[0].Key() != (hookd.URLKey{AccountID: a.ID, URL: u}) {
		t.Errorf("URLStates after b released the URL = %+v, want a's state only", all)
	}
}

func testReleaseURL(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	const u, v = "https://down.example/h", "https://b.example/h"
	webhook(t, s, a.ID, u, true)
	webhook(t, s, b.ID, v, true)
	greylistURLs(t, s, a.ID, []string{u}, nil)
	greylistURLs(t, s, b.ID, []string{v}, nil)

	// b has no webhook with u: it cannot release it.
	wantCode(t, s.ReleaseURL(ctx(t), b.ID, u), hookd.ENOTFOUND, "ReleaseURL of another account's URL")
	st, err := urlState(ctx(t), s, a.ID, u)
	must(t, err)
	sameState(t, "state after another account tried to release it", st, greylisted(a.ID, u))

	must(t, s.ReleaseURL(ctx(t), a.ID, u))
	st, err = urlState(ctx(t), s, a.ID, u)
	must(t, err)
	if !st.Healthy() {
		t.Errorf("state after ReleaseURL = %+v, want healthy", st)
	}
	list, err := s.Greylist(ctx(t), a.ID)
	must(t, err)
	if len(list) != 0 {
		t.Errorf("Greylist after ReleaseURL = %+v, want empty", list)
	}
	all, err := s.URLStates(ctx(t))
	must(t, err)
	if len(all) != 1 || all[0].Key() != (hookd.URLKey{AccountID: b.ID, URL: v}) {
		t.Errorf("URLStates after releasing one URL = %+v, want only %s of %s", all, v, b.ID)
	}
	// Releasing a healthy URL of one's own webhook is not an error.
	must(t, s.ReleaseURL(ctx(t), a.ID, u))
	wantCode(t, s.ReleaseURL(ctx(t), a.ID, "https://unknown.example/h"), hookd.ENOTFOUND, "ReleaseURL of an unknown URL")
}

// urlState returns the account's state of one URL as URLStates lists it
// (the zero state with its account and URL when it is healthy): what the
// dispatcher loads.
func urlState(ctx context.Context, s hookd.Store, accountID, url string) (hookd.URLState, error) {
	all, err := s.URLStates(ctx)
	if err != nil {
		return hookd.URLState{}, err
	}
	key := hookd.URLKey{AccountID: accountID, URL: url}
	if i := slices.IndexFunc(all, func(st hookd.URLState) bool { return st.Key() == key }); i >= 0 {
		return all[i], nil
	}
	return hookd.URLState{AccountID: accountID, URL: url}, nil
}

// testConcurrentOutcomes records batches of outcomes from several
// goroutines at once, as several nodes' result writers do, each with
// failures to one URL and successes to healthy others: every failure
// counts (none is lost to a concurrent batch), and the healthy URLs get no
// state.
func testConcurrentOutcomes(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	const writers, batches, healthy = 6, 10, 40
	const failing = "https://failing.example/hook"
	policy := hookd.GreylistPolicy{After: 1000, Base: time.Minute, Max: time.Hour} // counts, never grey-lists
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range batches {
				p := hookd.RecordParams{Policy: policy}
				for i := range healthy {
					p.Outcomes = append(p.Outcomes, hookd.URLOutcome{AccountID: a.ID,
						URL: "https://healthy-" + strconv.Itoa((i+w)%healthy) + ".example/hook", OK: true, At: base})
				}
				p.Outcomes = append(p.Outcomes, hookd.URLOutcome{AccountID: a.ID, URL: failing, Error: "HTTP 503", At: base})
				if err := s.RecordDeliveries(ctx(t), p); err != nil {
					t.Errorf("RecordDeliveries: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	states, err := s.URLStates(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].URL != failing || states[0].ConsecutiveFailures != writers*batches {
		t.Fatalf("states = %+v, want only %s with %d failures in a row", states, failing, writers*batches)
	}
}
