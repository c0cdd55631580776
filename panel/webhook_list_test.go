package panel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd"
)

// manyWebhooks gives the test account n webhooks through the API and a day
// of deliveries written straight into the store: one delivered for each,
// and for every failing one (by index) failures, the newest last.
func manyWebhooks(t *testing.T, env *hookdEnv, n int, failing map[int]bool) []string {
	t.Helper()
	ctx := context.Background()
	admin, err := env.srv.Store.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = env.createWebhook(t, fmt.Sprintf("Branch %03d display", i), fmt.Sprintf("%s/branch-%03d", env.Receiver.URL, i),
			"eventAdded", "eventCanceled").ID
	}
	now := time.Now().UTC()
	var trs []hookd.Trigger
	var ds []hookd.Delivery
	for i, id := range ids {
		at := now.Add(-time.Duration(n-i) * time.Minute)
		tr := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: admin.AccountID, Hook: "eventAdded",
			Data: json.RawMessage(`{"recurringId":1}`), Timestamp: at, ReceivedAt: at}
		trs = append(trs, tr)
		d := hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), AccountID: admin.AccountID, TriggerID: tr.ID,
			WebhookID: id, Hook: tr.Hook, URL: env.Receiver.URL, Status: hookd.StatusDelivered, StatusCode: 200,
			DurationMs: 20, AttemptedAt: at}
		ds = append(ds, d)
		if failing[i] {
			f := d
			f.ID, f.Status, f.StatusCode, f.Error, f.AttemptedAt = hookd.NewID(hookd.PrefixDelivery), hookd.StatusFailed, 500,
				"HTTP 500 Internal Server Error", at.Add(time.Second)
			ds = append(ds, f)
		}
	}
	env.storeDone(t, trs, ds)
	return ids
}

// serverTime is how long the server took to answer the page the browser
// shows now, from the browser's navigation timing.
func (b *browser) serverTime() time.Duration {
	b.t.Helper()
	ms := eval[float64](b, `(() => { const n = performance.getEntriesByType("navigation")[0]; return n.responseStart - n.requestStart; })()`)
	return time.Duration(ms * float64(time.Millisecond))
}

// TestBrowserWebhookListAt500 is a librarian's list at 500 webhooks: the
// failing ones come first with their last error in plain words; search,
// sort and paging keep the page short.
func TestBrowserWebhookListAt500(t *testing.T) {
	env := startHookd(t)
	failing := map[int]bool{3: true, 77: true, 150: true, 311: true, 499: true}
	manyWebhooks(t, env, 500, failing)
	b := newBrowser(t, env.URL)
	b.signIn()

	b.open("/settings/webhooks", "list-500")
	// Once more, warm: the figure printed is the page's, not the first
	// page load's.
	b.run("reload", chromedp.Reload())
	server, height := b.serverTime(), eval[int](b, `document.documentElement.scrollHeight`)
	t.Logf("webhook list at 500 webhooks: server time %s, page height %d px at 1280 px", server, height)
	if height > 4000 {
		t.Errorf("the list at 500 webhooks is %d px tall, want it under 4000 px", height)
	}
	rows := eval[[]string](b, `[...document.querySelectorAll('.webhook-list .item-title')].map(e => e.innerText)`)
	if len(rows) != 20 {
		t.Fatalf("the first page shows %d webhooks, want 20", len(rows))
	}
	for i, want := range []string{"Branch 003 display", "Branch 077 display", "Branch 150 display", "Branch 311 display", "Branch 499 display"} {
		if rows[i] != want {
			t.Errorf("row %d is %q, want the failing %q first (rows %v)", i+1, rows[i], want, rows[:6])
		}
	}
	b.mustSee(".webhook-list li:first-child", "50% delivered")
	b.mustSee(".webhook-list li:first-child .delivery-error", "Your server answered 500")
	if got := b.text(".webhook-list"); strings.Contains(got, "HTTP 500: HTTP 500") || strings.Contains(got, "HTTP 500 Internal Server Error") {
		t.Errorf("the list says the status twice: %q", got)
	}
	b.mustSee(".webhook-list li:nth-child(6)", "100% delivered")
	b.mustSee("#list-count", "Showing 1–20 of 500 webhooks")
	b.mustSee(".filters", "Needs attention (5)")
	b.check("list-500")

	// Paging.
	b.clickText(".pager a", "Next", "list-500-page2")
	b.mustSee(".pager", "Page 2 of 25")
	b.mustSee("#list-count", "Showing 21–40 of 500")

	// Search, by a part of the URL.
	b.open("/settings/webhooks", "list-500-again")
	b.typeIn("#q", "branch-042")
	b.clickText("button", "Apply", "list-500-search")
	if n := eval[int](b, `document.querySelectorAll('.webhook-list .item').length`); n != 1 {
		t.Fatalf("searching for branch-042 shows %d webhooks, want 1", n)
	}
	b.mustSee(".webhook-list", "Branch 042 display")
	b.mustSee("#list-count", "Showing 1–1 of 1 match among 500 webhooks")
	b.check("list-500-search")

	// Sort by name; the search is kept off.
	b.open("/settings/webhooks", "list-500-sort")
	b.run("sort by name", chromedp.SetValue(chromedp.CSS("#sort"), "name"))
	b.clickText("button", "Apply", "list-500-by-name")
	if first := b.text(".webhook-list .item-title"); first != "Branch 000 display" {
		t.Errorf("sorted by name, the first row is %q", first)
	}
	// Only those needing attention.
	b.clickText(".filters a", "Needs attention (5)", "list-500-attention")
	if n := eval[int](b, `document.querySelectorAll('.webhook-list .item').length`); n != 5 {
		t.Errorf("Needs attention shows %d webhooks, want 5", n)
	}

	// The overview lists the webhooks that need a look, not all 500.
	b.open("/overview", "overview-500")
	server, height = b.serverTime(), eval[int](b, `document.documentElement.scrollHeight`)
	t.Logf("overview at 500 webhooks: server time %s, page height %d px at 1280 px", server, height)
	if height > 3000 {
		t.Errorf("the overview at 500 webhooks is %d px tall, want it under 3000 px", height)
	}
	b.mustSee("#wh-h + p", "5 webhooks need a look")
	b.check("overview-500")
}
