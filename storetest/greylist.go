package storetest

import (
	"context"
	"testing"
	"time"

	"hookd"
)

// greylistURLs records failures so that every URL in down reaches level 1
// and every URL in failing has one failure.
func greylistURLs(t *testing.T, s hookd.Store, down, failing []string) {
	t.Helper()
	var outcomes []hookd.URLOutcome
	for _, u := range down {
		for range policy.After {
			outcomes = append(outcomes, hookd.URLOutcome{URL: u, At: base})
		}
	}
	for _, u := range failing {
		outcomes = append(outcomes, hookd.URLOutcome{URL: u, At: base})
	}
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: outcomes, Policy: policy}))
}

func greylisted(u string) hookd.URLState {
	return hookd.URLState{URL: u, ConsecutiveFailures: policy.After, Level: 1, Until: base.Add(policy.Base)}
}

func testURLStates(t *testing.T, s hookd.Store) {
	const up, down, failing = "https://up.example/h", "https://down.example/h", "https://failing.example/h"
	all, err := s.URLStates(ctx(t))
	must(t, err)
	if len(all) != 0 {
		t.Errorf("URLStates of a new store = %+v, want none", all)
	}

	greylistURLs(t, s, []string{down}, []string{failing})
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Policy: policy,
		Outcomes: []hookd.URLOutcome{{URL: up, At: base}, {URL: up, OK: true, At: base}}}))
	all, err = s.URLStates(ctx(t))
	must(t, err)
	byURL := map[string]hookd.URLState{}
	for _, st := range all {
		byURL[st.URL] = st
	}
	if len(all) != 2 || len(byURL) != 2 {
		t.Fatalf("URLStates = %+v, want the grey-listed and the failing URL only", all)
	}
	sameState(t, "grey-listed URL", byURL[down], greylisted(down))
	sameState(t, "failing URL", byURL[failing], hookd.URLState{URL: failing, ConsecutiveFailures: 1})
	st := byURL[down]
	if !st.Greylisted(base.Add(time.Second)) {
		t.Error("the grey-listed URL's state does not say it is grey-listed")
	}

	// An expired period keeps its level (the next failure doubles it).
	st, err = urlState(ctx(t), s, down)
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
	greylistURLs(t, s, []string{shared, onlyA, onlyB, nobody}, []string{failing})

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
			sameState(t, "Greylist entry", byURL[u], greylisted(u))
		}
	}
	check(a.ID, shared, onlyA)
	check(b.ID, shared, onlyB)
	check("acc_nobody")
}

func testReleaseURL(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	const u, v = "https://down.example/h", "https://b.example/h"
	webhook(t, s, a.ID, u, true)
	webhook(t, s, b.ID, v, true)
	greylistURLs(t, s, []string{u, v}, nil)

	// b has no webhook with u: it cannot release it.
	wantCode(t, s.ReleaseURL(ctx(t), b.ID, u), hookd.ENOTFOUND, "ReleaseURL of another account's URL")
	st, err := urlState(ctx(t), s, u)
	must(t, err)
	sameState(t, "state after another account tried to release it", st, greylisted(u))

	must(t, s.ReleaseURL(ctx(t), a.ID, u))
	st, err = urlState(ctx(t), s, u)
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
	if len(all) != 1 || all[0].URL != v {
		t.Errorf("URLStates after releasing one URL = %+v, want only %s", all, v)
	}
	// Releasing a healthy URL of one's own webhook is not an error.
	must(t, s.ReleaseURL(ctx(t), a.ID, u))
	wantCode(t, s.ReleaseURL(ctx(t), a.ID, "https://unknown.example/h"), hookd.ENOTFOUND, "ReleaseURL of an unknown URL")
}

// urlState returns the state of one URL as URLStates lists it (the zero
// state with its URL when it is healthy): what the dispatcher loads.
func urlState(ctx context.Context, s hookd.Store, url string) (hookd.URLState, error) {
	all, err := s.URLStates(ctx)
	if err != nil {
		return hookd.URLState{}, err
	}
	for _, st := range all {
		if st.URL == url {
			return st, nil
		}
	}
	return hookd.URLState{URL: url}, nil
}
