package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/dispatch"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// subscribe adds hooks to a webhook in the store directly: the system hooks
// join the catalogue in another change, and until then the API refuses them.
func (e *env) subscribe(id string, hooks ...string) {
	e.t.Helper()
	ctx := context.Background()
	acc, err := e.srv.Store.AccountByAPIKey(ctx, hookd.HashAPIKey(e.key))
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := e.srv.Store.Webhook(ctx, acc.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	w.Hooks = append(w.Hooks, hooks...)
	if err := e.srv.Store.UpdateWebhook(ctx, &w); err != nil {
		e.t.Fatal(err)
	}
}

// TestSystemHooksTellOfGreylisting: a team's monitoring endpoint subscribed
// to webhookGreylisted and webhookRecovered is told when a webhook of the
// account is grey-listed (with the last error) and when it recovers; the
// webhook itself is never told about itself.
func TestSystemHooksTellOfGreylisting(t *testing.T) {
	e := start(t, func(c *server.Config) {
		c.GreylistAfter = 2
		c.GreylistBase = 200 * time.Millisecond
	})
	monitor := testkit.NewReceiver(t, 200)
	flaky := testkit.NewReceiver(t, 500)
	mon := e.createWebhook("Monitoring", monitor.URL, "eventAdded")
	e.subscribe(mon.ID, dispatch.HookWebhookGreylisted, dispatch.HookWebhookRecovered)
	w := e.createWebhook("Library site", flaky.URL, "eventDeleted")
	e.subscribe(w.ID, dispatch.HookWebhookRecovered)
	for range 2 {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":1}}`)
		e.waitDelivery("triggerId="+id, "failed")
	}
	got := monitor.Wait(t, 1, 10*time.Second)[0]
	var greylisted struct {
		Hook string
		Data struct {
			WebhookID, URL, Until, LastError string
			Level, ConsecutiveFailures       int
		}
	}
	if err := json.Unmarshal(got.Body, &greylisted); err != nil {
		t.Fatal(err)
	}
	d := greylisted.Data
	if greylisted.Hook != "webhookGreylisted" || d.WebhookID != w.ID || d.URL != flaky.URL || d.Level != 1 ||
		d.ConsecutiveFailures != 2 || d.LastError != "HTTP 500 Internal Server Error" || d.Until == "" {
		t.Errorf("told %s, want webhookGreylisted of %s at level 1 after 2 failures, HTTP 500", got.Body, w.ID)
	}

	// The URL answers again: the monitor is told, the webhook is not.
	flaky.SetStatus(200)
	testkit.WaitFor(t, 10*time.Second, "a delivery after the period", func() bool {
		id := e.trigger(`{"hook":"eventDeleted","data":{"eventId":2}}`)
		return e.waitDeliveryDone("triggerId="+id) == "delivered"
	})
	got = monitor.Wait(t, 2, 10*time.Second)[1]
	var recovered struct {
		Hook string
		Data struct{ WebhookID, URL string }
	}
	json.Unmarshal(got.Body, &recovered)
	if recovered.Hook != "webhookRecovered" || recovered.Data.WebhookID != w.ID || recovered.Data.URL != flaky.URL {
		t.Errorf("told %s, want webhookRecovered of %s", got.Body, w.ID)
	}
	// Once the dispatcher is idle every send of the recovery's trigger is
	// recorded: had it gone to the webhook it is about, that delivery would
	// be in the log too.
	e.waitDelivery("hook=webhookRecovered", "delivered")
	testkit.WaitFor(t, 10*time.Second, "the dispatcher idle", e.srv.Dispatcher.Idle)
	ds := e.deliveries("hook=webhookRecovered")
	if len(ds) != 1 || ds[0].WebhookID != mon.ID {
		t.Fatalf("webhookRecovered deliveries %+v, want one, to the monitor only", ds)
	}
	if slices.ContainsFunc(flaky.Requests(), func(r testkit.Request) bool { return r.Header.Get("webhook-id") == ds[0].TriggerID }) {
		t.Error("the webhook was told about itself")
	}
}

// waitDeliveryDone waits until the one delivery matching query is no
// longer pending and returns its status.
func (e *env) waitDeliveryDone(query string) string {
	e.t.Helper()
	var st string
	testkit.WaitFor(e.t, 10*time.Second, "the delivery of "+query, func() bool {
		ds := e.deliveries(query)
		if len(ds) == 1 && ds[0].Status != "pending" {
			st = ds[0].Status
		}
		return st != ""
	})
	return st
}
