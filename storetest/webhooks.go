package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// sameWebhook compares every stored field of a webhook.
func sameWebhook(t *testing.T, what string, got, want hookd.Webhook) {
	t.Helper()
	if got.ID != want.ID || got.AccountID != want.AccountID || got.Name != want.Name || got.URL != want.URL ||
		got.Enabled != want.Enabled || !slices.Equal(got.Hooks, want.Hooks) ||
		got.Secret != want.Secret || got.PreviousSecret != want.PreviousSecret {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
	sameTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, what+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameTime(t, what+" PreviousUntil", got.PreviousUntil, want.PreviousUntil)
}

func testWebhookCRUD(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	w := hookd.Webhook{
		ID:        hookd.NewID(hookd.PrefixWebhook),
		AccountID: a.ID,
		Name:      "Calendar sync",
		URL:       "https://example.org/hooks?x=1",
		Hooks:     []string{"eventCreated", "eventCanceled", "roomBookingCreated"},
		Enabled:   true,
		CreatedAt: base.Add(-time.Hour + 123456789*time.Nanosecond), // stored at ms precision
		UpdatedAt: base.Add(-time.Hour + 123456789*time.Nanosecond),
		Secret:    hookd.NewSecret(),
	}
	must(t, s.CreateWebhook(ctx(t), &w))
	got, err := s.Webhook(ctx(t), a.ID, w.ID)
	must(t, err)
	sameWebhook(t, "Webhook after create", got, w)
	if !got.Greylist.Healthy() {
		t.Errorf("new webhook's Greylist = %+v, want the healthy zero state", got.Greylist)
	}
	if !got.PreviousUntil.IsZero() {
		t.Errorf("PreviousUntil = %v, want zero (never rotated)", got.PreviousUntil)
	}

	second := webhook(t, s, a.ID, "https://example.org/other", false, "appointmentCreated")
	list, err := s.Webhooks(ctx(t), a.ID)
	must(t, err)
	sameIDs(t, "Webhooks, oldest first", webhookIDs(list), []string{w.ID, second.ID})
	if len(list) == 2 {
		sameWebhook(t, "Webhooks[0]", list[0], w)
		sameWebhook(t, "Webhooks[1]", list[1], second)
	}

	// A rotation keeps the previous secret for a while.
	old := w.Secret
	w.Name = "Calendar sync (renamed)"
	w.URL = "https://example.net/new"
	w.Hooks = []string{"eventCanceled"}
	w.Enabled = false
	w.Secret = hookd.NewSecret()
	w.PreviousSecret = old
	w.PreviousUntil = base.Add(hookd.RotationOverlap)
	w.UpdatedAt = base.Add(time.Minute)
	must(t, s.UpdateWebhook(ctx(t), &w))
	got, err = s.Webhook(ctx(t), a.ID, w.ID)
	must(t, err)
	sameWebhook(t, "Webhook after update", got, w)

	// CreatedAt is not changed by an update.
	changed := w
	changed.CreatedAt = base.Add(time.Hour)
	must(t, s.UpdateWebhook(ctx(t), &changed))
	got, err = s.Webhook(ctx(t), a.ID, w.ID)
	must(t, err)
	sameTime(t, "CreatedAt after an update that tried to change it", got.CreatedAt, w.CreatedAt)

	must(t, s.DeleteWebhook(ctx(t), a.ID, w.ID))
	wantCode(t, errOf(s.Webhook(ctx(t), a.ID, w.ID)), hookd.ENOTFOUND, "Webhook after delete")
	wantCode(t, s.DeleteWebhook(ctx(t), a.ID, w.ID), hookd.ENOTFOUND, "DeleteWebhook twice")
	wantCode(t, s.UpdateWebhook(ctx(t), &w), hookd.ENOTFOUND, "UpdateWebhook of a deleted webhook")
	list, err = s.Webhooks(ctx(t), a.ID)
	must(t, err)
	sameIDs(t, "Webhooks after delete", webhookIDs(list), []string{second.ID})
}

func testWebhookAccountScoping(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	wa := webhook(t, s, a.ID, "https://a.example/h", true)
	wb := webhook(t, s, b.ID, "https://b.example/h", true)

	list, err := s.Webhooks(ctx(t), b.ID)
	must(t, err)
	sameIDs(t, "Webhooks(beta)", webhookIDs(list), []string{wb.ID})
	wantCode(t, errOf(s.Webhook(ctx(t), b.ID, wa.ID)), hookd.ENOTFOUND, "Webhook of another account")

	stolen := wa
	stolen.AccountID = b.ID
	stolen.Name = "stolen"
	wantCode(t, s.UpdateWebhook(ctx(t), &stolen), hookd.ENOTFOUND, "UpdateWebhook from another account")
	wantCode(t, s.DeleteWebhook(ctx(t), b.ID, wa.ID), hookd.ENOTFOUND, "DeleteWebhook from another account")
	got, err := s.Webhook(ctx(t), a.ID, wa.ID)
	must(t, err)
	sameWebhook(t, "webhook after another account tried to change it", got, wa)

	list, err = s.Webhooks(ctx(t), "acc_nobody")
	must(t, err)
	if len(list) != 0 {
		t.Errorf("Webhooks of an account with none = %d webhooks, want 0", len(list))
	}
	wantCode(t, errOf(s.Webhook(ctx(t), a.ID, "wh_unknown")), hookd.ENOTFOUND, "Webhook of an unknown ID")
}

func testWebhooksVersion(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	version := func() int64 {
		t.Helper()
		v, err := s.WebhooksVersion(ctx(t))
		must(t, err)
		return v
	}
	v0 := version()
	if v := version(); v != v0 {
		t.Errorf("WebhooksVersion changed with no write: %d then %d", v0, v)
	}
	w := webhook(t, s, a.ID, "https://example.org/h", true)
	v1 := version()
	if v1 == v0 {
		t.Error("WebhooksVersion did not change when a webhook was created")
	}
	w.Enabled = false
	must(t, s.UpdateWebhook(ctx(t), &w))
	v2 := version()
	if v2 == v1 {
		t.Error("WebhooksVersion did not change when a webhook was updated")
	}
	must(t, s.DeleteWebhook(ctx(t), a.ID, w.ID))
	if v3 := version(); v3 == v2 || v3 == v1 {
		t.Error("WebhooksVersion did not change when a webhook was deleted")
	}
}

func testEnabledWebhooks(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	wa1 := webhook(t, s, a.ID, "https://a.example/1", true)
	webhook(t, s, a.ID, "https://a.example/2", false)
	wb1 := webhook(t, s, b.ID, "https://b.example/1", true, "eventCreated", "eventCanceled")
	wb2 := webhook(t, s, b.ID, "https://b.example/2", false)

	list, err := s.EnabledWebhooks(ctx(t))
	must(t, err)
	got := webhookIDs(list)
	slices.Sort(got)
	want := []string{wa1.ID, wb1.ID}
	slices.Sort(want)
	sameIDs(t, "EnabledWebhooks", got, want)
	for _, w := range list {
		if w.ID == wb1.ID {
			sameWebhook(t, "enabled webhook", w, wb1)
		}
	}

	wb2.Enabled = true
	must(t, s.UpdateWebhook(ctx(t), &wb2))
	wa1.Enabled = false
	must(t, s.UpdateWebhook(ctx(t), &wa1))
	list, err = s.EnabledWebhooks(ctx(t))
	must(t, err)
	got = webhookIDs(list)
	slices.Sort(got)
	want = []string{wb1.ID, wb2.ID}
	slices.Sort(want)
	sameIDs(t, "EnabledWebhooks after enabling and disabling", got, want)
}

func testWebhookGreylistField(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	const bad = "https://down.example/h"
	wa := webhook(t, s, a.ID, bad, true)
	wa2 := webhook(t, s, a.ID, bad, false) // the state is per URL within an account
	wb := webhook(t, s, b.ID, bad, true)   // another account's: a's failures leave it healthy
	ok := webhook(t, s, a.ID, "https://up.example/h", true)

	var outcomes []hookd.URLOutcome
	want := hookd.URLState{AccountID: a.ID, URL: bad}
	for i := range 4 {
		at := base.Add(time.Duration(i) * time.Second)
		outcomes = append(outcomes, hookd.URLOutcome{AccountID: a.ID, URL: bad, At: at, Error: "HTTP 500 Internal Server Error"})
		want = policy.Apply(want, false, at)
	}
	want.LastError = "HTTP 500 Internal Server Error" // the webhook tells its URL's last error too
	outcomes = append(outcomes, hookd.URLOutcome{AccountID: a.ID, URL: ok.URL, OK: true, At: base})
	must(t, s.RecordDeliveries(ctx(t), hookd.RecordParams{Outcomes: outcomes, Policy: policy}))
	if want.Level != 1 {
		t.Fatalf("test setup: want level 1, have %+v", want)
	}

	check := func(what string, w hookd.Webhook) {
		t.Helper()
		switch w.ID {
		case wa.ID, wa2.ID:
			sameState(t, what+" Greylist", w.Greylist, want)
			if w.Greylist.LastError != want.LastError {
				t.Errorf("%s: Greylist.LastError = %q, want %q", what, w.Greylist.LastError, want.LastError)
			}
		case wb.ID, ok.ID:
			if !w.Greylist.Healthy() {
				t.Errorf("%s: healthy webhook's Greylist = %+v, want the zero state", what, w.Greylist)
			}
		}
	}
	for _, w := range []hookd.Webhook{wa, wa2, wb, ok} {
		got, err := s.Webhook(ctx(t), w.AccountID, w.ID)
		must(t, err)
		check("Webhook", got)
	}
	list, err := s.Webhooks(ctx(t), a.ID)
	must(t, err)
	for _, w := range list {
		check("Webhooks", w)
	}
	list, err = s.EnabledWebhooks(ctx(t))
	must(t, err)
	if len(list) != 3 {
		t.Errorf("EnabledWebhooks = %d webhooks, want 3", len(list))
	}
	for _, w := range list {
		check("EnabledWebhooks", w)
	}
}

func sameState(t *testing.T, what string, got, want hookd.URLState) {
	t.Helper()
	if got.AccountID != want.AccountID || got.URL != want.URL || got.Level != want.Level || got.ConsecutiveFailures != want.ConsecutiveFailures {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	sameTime(t, what+" Until", got.Until, want.Until)
}
