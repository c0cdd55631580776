package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hookd-dev/hookd/client"
)

// A receiver under test: it answers 204 to every delivery.
func newReceiver() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
}

func Example() {
	ctx := context.Background()
	hookd := client.New(client.HookdURL, client.HookdKey) // e.g. "http://127.0.0.1:8080", os.Getenv("HOOKD_API_KEY")

	t, err := hookd.Trigger(ctx, client.EventCanceled{EventID: 7, Reason: "Snow"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stored", t.Hook, t.ID[:3])
	// Output: stored eventCanceled tr_
}

func ExampleClient_TriggerBatch() {
	ctx := context.Background()
	hookd := client.NewTestClient()

	ts, err := hookd.TriggerBatch(ctx, []client.Item{
		{Payload: client.EventCanceled{EventID: 7, Reason: "Snow"}, At: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)},
		{Payload: client.RoomBookingCreated{BookingID: 12}},
		{Payload: client.Custom{Hook: "eventDeleted", Data: map[string]any{"eventId": 8}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range ts {
		fmt.Println(t.Hook)
	}
	fmt.Println(ts[0].Timestamp.Format(time.RFC3339))
	// Output:
	// eventCanceled
	// roomBookingCreated
	// eventDeleted
	// 2026-12-01T07:00:00Z
}

func ExampleError() {
	ctx := context.Background()
	hookd := client.NewTestClient()

	_, err := hookd.TriggerBatch(ctx, client.Batch(
		client.EventAdded{RecurringID: 1},
		client.Custom{Hook: "eventCanceled", Data: map[string]any{"eventId": "seven", "reason": "Snow"}},
	))
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code)
		fmt.Println(e.Fields["[1].data.eventId"])
	}
	// Output:
	// 400 validation_failed
	// must be an integer
}

func ExampleClient_CreateWebhook() {
	ctx := context.Background()
	hookd := client.NewTestClient()
	receiver := newReceiver()
	defer receiver.Close()

	w, err := hookd.CreateWebhook(ctx, client.NewWebhook{
		Name: "CRM", URL: receiver.URL, Hooks: []string{"eventCanceled", "eventDeleted"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Name, w.Enabled, w.Secret[:6])

	w, err = hookd.UpdateWebhook(ctx, w.ID, client.WebhookChange{Enabled: client.Ptr(false)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Name, w.Enabled)
	if err := hookd.DeleteWebhook(ctx, w.ID); err != nil {
		fmt.Println(err)
	}
	_, err = hookd.Webhook(ctx, w.ID)
	fmt.Println(client.IsNotFound(err))
	// Output:
	// CRM true whsec_
	// CRM false
	// true
}

func ExampleClient_Deliveries() {
	ctx := context.Background()
	hookd := client.NewTestClient()
	receiver := newReceiver()
	defer receiver.Close()

	w, _ := hookd.CreateWebhook(ctx, client.NewWebhook{Name: "Rooms", URL: receiver.URL, Hooks: []string{"roomBookingNoShow"}})
	t, _ := hookd.Trigger(ctx, client.RoomBookingNoShow{BookingID: 31})

	// Deliveries go out at the next tick (--batch-interval).
	for {
		page, err := hookd.Deliveries(ctx, client.DeliveryQuery{TriggerID: t.ID})
		if err != nil {
			fmt.Println(err)
			return
		}
		if len(page.Deliveries) > 0 && page.Deliveries[0].Status != client.StatusPending {
			d := page.Deliveries[0]
			fmt.Println(d.Status, *d.StatusCode, d.WebhookID == w.ID)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Output: delivered 204 true
}

func ExampleClient_SearchTriggers() {
	ctx := context.Background()
	hookd := client.NewTestClient()

	hookd.Trigger(ctx, client.AppointmentCreated{ID: 4242})
	page, err := hookd.SearchTriggers(ctx, client.TriggerQuery{Hook: "appointmentCreated", Data: map[string]any{"Id": 4242}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(page.Triggers), string(page.Triggers[0].Data))
	// Output: 1 {"Id":4242}
}

func ExampleClient_AllTriggers() {
	ctx := context.Background()
	hookd := client.NewTestClient()

	var batch []client.Item
	for i := range 5 {
		batch = append(batch, client.Item{Payload: client.RoomBookingDeleted{BookingID: 7000 + int64(i)}})
	}
	if _, err := hookd.TriggerBatch(ctx, batch); err != nil {
		fmt.Println(err)
		return
	}
	n := 0
	// Two a page: the iterator follows nextCursor.
	for t, err := range hookd.AllTriggers(ctx, client.TriggerQuery{Hook: "roomBookingDeleted", Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = t
		n++
	}
	fmt.Println(n, "triggers")
	// Output: 5 triggers
}
