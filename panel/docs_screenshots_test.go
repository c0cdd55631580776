package panel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestBrowserDocsScreenshots refreshes the screenshots in docs/screenshots
// that the README and docs/panel.md show. It runs only when asked:
//
//	HOOKD_DOCS_SCREENSHOTS=1 go test -run DocsScreenshots ./panel/
//
// Besides live webhooks and triggers sent through the API, it writes an
// hour of past deliveries straight into the store so that the overview's
// chart has something to show.
func TestBrowserDocsScreenshots(t *testing.T) {
	testkit.OptIn(t, "HOOKD_DOCS_SCREENSHOTS", "a chore that refreshes docs/screenshots")
	env := startHookd(t)
	ctx := context.Background()
	down := testkit.NewReceiver(t, 503)
	create := func(name, url string, hooks ...string) string { return env.createWebhook(t, name, url, hooks...).ID }
	events := []string{"eventAdded", "eventSeriesCanceled", "eventCanceled", "eventSeriesDeleted", "eventDeleted",
		"eventSeriesStatusChanged", "eventRescheduled", "userRegisteredForEvent"}
	web := create("Library website", env.Receiver.URL+"/communico/events", events...)
	rooms := create("Room display screens", env.Receiver.URL+"/rooms", "roomBookingNoShow", "roomBookingCreated", "roomBookingUpdated", "roomBookingDeleted", "roomBookingStatusChanged")
	appts := create("Appointment reminders", env.Receiver.URL+"/reminders", "appointmentCreated", "appointmentCancelled")
	old := create("Old catalogue server", down.URL+"/catalogue/hooks", "eventAdded", "eventCanceled")

	// An hour of history.
	admin, err := env.srv.Store.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var triggers []hookd.Trigger
	var deliveries []hookd.Delivery
	for m := 59; m >= 1; m-- {
		at := now.Add(-time.Duration(m) * time.Minute)
		n := 2 + (m*7)%5
		if m > 20 && m < 30 {
			n += 4 // a busy spell
		}
		for i := 0; i < n; i++ {
			tr := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: admin.AccountID, Hook: "eventAdded",
				Data: json.RawMessage(fmt.Sprintf(`{"recurringId":%d}`, 9000+m*10+i)), Timestamp: at, ReceivedAt: at}
			wh, status, code := web, hookd.StatusDelivered, 200
			switch {
			case i%3 == 1:
				wh = rooms
				tr.Hook, tr.Data = "roomBookingCreated", json.RawMessage(fmt.Sprintf(`{"bookingId":%d}`, 500+m))
			case i%3 == 2:
				wh = appts
				tr.Hook, tr.Data = "appointmentCreated", json.RawMessage(fmt.Sprintf(`{"Id":%d}`, 70+m))
			}
			if m%13 == 0 && i == 0 {
				status, code = hookd.StatusFailed, 502
			}
			triggers = append(triggers, tr)
			deliveries = append(deliveries, hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), AccountID: admin.AccountID,
				TriggerID: tr.ID, WebhookID: wh, Hook: tr.Hook, URL: env.Receiver.URL, Status: status, StatusCode: code,
				DurationMs: int64(20 + (m*31+i*17)%180), AttemptedAt: at.Add(time.Duration(i) * time.Second)})
		}
	}
	env.storeDone(t, triggers, deliveries)

	// Live: the website gets a cancellation; the old server fails until
	// it is grey-listed.
	_ = old
	code, body := env.api(t, "POST", "/api/v1/triggers", map[string]any{"hook": "eventCanceled",
		"data": map[string]any{"eventId": 4711, "reason": "The library is closed because of snow"}})
	if code != 202 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	var snow struct{ ID string }
	_ = json.Unmarshal(body, &snow)
	env.Receiver.Wait(t, 1, 10*time.Second) // the first deliveries
	for i := 0; i < 3; i++ {
		env.api(t, "POST", "/api/v1/triggers", map[string]any{"hook": "eventAdded", "data": map[string]any{"recurringId": 12000 + i}})
		time.Sleep(250 * time.Millisecond)
	}
	testkit.WaitFor(t, 10*time.Second, "the old server to be grey-listed", func() bool {
		for _, w := range env.webhooks(t) {
			if w.ID == old && w.Greylist.Level > 0 {
				return true
			}
		}
		return false
	})
	// Due while grey-listed: skipped.
	env.api(t, "POST", "/api/v1/triggers", map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": 4712, "reason": "Rescheduled"}})
	time.Sleep(500 * time.Millisecond)

	docs, _ := filepath.Abs(filepath.Join("..", "docs", "screenshots"))
	if err := os.MkdirAll(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env.URL)
	// save writes the page as it is at 1280 px and at 375 px, each checked
	// with axe-core.
	save := func(name string) {
		t.Helper()
		for _, width := range []int64{1280, 375} {
			file := name
			if width == 375 {
				file += "-375px"
			}
			b.setViewport(width, map[int64]int64{1280: 900, 375: 812}[width])
			src := b.shot(file)
			if name == "deliveries" || name == "new-webhook" || name == "edit" {
				src = b.shotViewport(file)
			}
			b.axe(file)
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docs, file+".png"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b.setViewport(1280, 900)
	}
	b.open("/login", "login-page")
	save("login")
	b.signIn()
	b.open("/overview", "overview-page")
	save("overview")
	b.open("/settings/webhooks", "webhooks-page")
	save("webhooks")
	b.open("/settings/webhooks/new", "new")
	b.typeIn("#name", "Events calendar feed")
	b.typeIn("#url", "https://calendar.example.org/hooks/communico")
	b.run("select all events", chromedp.Click(chromedp.CSS("#group-events [data-select-all]")))
	save("new-webhook")
	b.open("/settings/webhooks/"+old, "edit-page")
	save("edit")
	b.open("/settings/webhooks/"+web+"/deliveries", "deliveries-page")
	save("deliveries")
	// API keys: one made for the booking system, shown once.
	env.api(t, "POST", "/api/v1/keys", map[string]any{"name": "Calendar server"})
	b.open("/settings/api-keys", "api-keys-page")
	b.typeIn("#key-name", "Room booking system")
	b.click(`form[action="/settings/api-keys"] button[type=submit]`, "api-key-created")
	save("api-keys")
	b.open("/settings/users", "users-page")
	save("users")
	// The account's log, searched; a trigger; a skipped delivery; what
	// was missed.
	b.open("/deliveries?data="+url.QueryEscape("eventId=4711"), "deliveries-all-page")
	save("deliveries-all")
	b.open("/triggers/"+snow.ID, "trigger-page")
	save("trigger")
	skipped, _, err := env.srv.Store.Deliveries(ctx, hookd.DeliveryFilter{AccountID: admin.AccountID, WebhookID: old,
		Status: hookd.StatusSkipped, Limit: 1})
	if err != nil || len(skipped) == 0 {
		t.Fatalf("no skipped delivery of the old server (%v)", err)
	}
	b.open("/deliveries/"+skipped[0].ID, "delivery-page")
	save("delivery")
	b.open("/settings/webhooks/"+old+"/recover?since="+url.QueryEscape(now.Add(-time.Hour).Format("2006-01-02T15:04")), "recover-page")
	save("recover")
	t.Logf("docs screenshots written to %s", docs)
}
