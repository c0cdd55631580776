package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// writeCatalogue writes a catalogue file and returns its path.
func writeCatalogue(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalogue.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const shopCatalogue = `{"groups": [
  {"name": "Orders", "hooks": [
    {"name": "orderPaid", "description": "Called when an order is paid",
     "fields": [{"name": "orderId", "type": "integer"}, {"name": "note", "type": "string", "required": false}]}]},
  {"name": "Shipping", "hooks": [
    {"name": "parcelSent", "description": "Called when a parcel leaves",
     "fields": [{"name": "parcelId", "type": "integer"}, {"name": "express", "type": "boolean"}, {"name": "weightKg", "type": "number"}]}]}]}`

type hookJSON struct {
	Name   string          `json:"name"`
	Group  string          `json:"group"`
	System bool            `json:"system"`
	Schema json.RawMessage `json:"schema"`
	Fields []struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Required bool   `json:"required"`
	} `json:"fields"`
}

// TestCustomCatalogue: with --catalogue, the API lists the file's hooks
// (and the system hooks) with their groups and schemas, a trigger of a
// custom hook reaches a real receiver with its data, and the built-in
// hooks and the system hooks are refused from producers.
func TestCustomCatalogue(t *testing.T) {
	e := start(t, func(c *server.Config) { c.Catalogue = writeCatalogue(t, shopCatalogue) })

	var list struct{ Hooks []hookJSON }
	if code := e.do("GET", "/api/v1/hooks", nil, &list); code != 200 {
		t.Fatalf("GET /api/v1/hooks: %d", code)
	}
	var got []string
	for _, h := range list.Hooks {
		got = append(got, h.Group+"/"+h.Name)
	}
	if want := "Orders/orderPaid Shipping/parcelSent hookd/webhookGreylisted hookd/webhookRecovered"; strings.Join(got, " ") != want {
		t.Fatalf("hooks = %s, want %s", strings.Join(got, " "), want)
	}
	paid := list.Hooks[0]
	if len(paid.Fields) != 2 || !paid.Fields[0].Required || paid.Fields[1].Required || paid.System || !list.Hooks[3].System {
		t.Errorf("orderPaid = %+v", paid)
	}
	var schema struct {
		Dialect    string         `json:"$schema"`
		Required   []string       `json:"required"`
		Additional *bool          `json:"additionalProperties"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(paid.Schema, &schema); err != nil || schema.Dialect != "https://json-schema.org/draft/2020-12/schema" ||
		!slices.Equal(schema.Required, []string{"orderId"}) || schema.Additional == nil || *schema.Additional || len(schema.Properties) != 2 {
		t.Errorf("orderPaid schema = %s", paid.Schema)
	}

	rc := testkit.NewReceiver(t, 200)
	w := e.createWebhook("Shop", rc.URL, "orderPaid", "parcelSent", "webhookRecovered")
	if !slices.Equal(w.Hooks, []string{"orderPaid", "parcelSent", "webhookRecovered"}) {
		t.Errorf("webhook hooks = %v: a webhook may subscribe to custom and system hooks", w.Hooks)
	}
	id := e.trigger(`{"hook": "parcelSent", "data": {"weightKg": 2.5, "express": true, "parcelId": 31}, "timestamp": "2026-12-01T07:00:00Z"}`)
	rc.Wait(t, 1, 10*time.Second)
	want := `{"id":"` + id + `","hook":"parcelSent","timestamp":"2026-12-01T07:00:00.000Z","data":{"parcelId":31,"express":true,"weightKg":2.5}}`
	if body := string(rc.Requests()[0].Body); body != want {
		t.Errorf("delivered %s\nwant      %s", body, want)
	}
	e.trigger(`{"hook": "orderPaid", "data": {"orderId": 7}}`)
	if body := string(rc.Wait(t, 2, 10*time.Second)[1].Body); !strings.Contains(body, `"data":{"orderId":7}`) {
		t.Errorf("orderPaid without its optional note delivered %s", body)
	}

	for _, c := range []struct{ body, field, says string }{
		{`{"hook": "eventAdded", "data": {"recurringId": 1}}`, "hook", "is not a hook"},
		{`{"hook": "webhookRecovered", "data": {"webhookId": "wh_1", "url": "https://example.org"}}`, "hook", "hookd itself sends it"},
		{`{"hook": "orderPaid", "data": {"orderId": "7"}}`, "data.orderId", "must be an integer"},
		{`{"hook": "parcelSent", "data": {"parcelId": 1, "express": "yes", "weightKg": 1}}`, "data.express", "true or false"},
		{`[7]`, "[0].trigger", `{"hook": "orderPaid", "data": {...}}`},
	} {
		var ae apiError
		if code := e.do("POST", "/api/v1/triggers", c.body, &ae); code != 400 || !strings.Contains(ae.Error.Fields[c.field], c.says) {
			t.Errorf("%s: %d %+v, want 400 with %s saying %q", c.body, code, ae.Error, c.field, c.says)
		}
	}
}

// TestCatalogueChangeOnRestart: a hook removed from the catalogue on a
// restart is flagged on the webhooks subscribed to it, which keep their
// other hooks; a trigger of it accepted before the restart is still
// delivered, new ones are refused.
func TestCatalogueChangeOnRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hookd.db")
	v1 := writeCatalogue(t, `{"groups": [{"name": "Orders", "hooks": [
		{"name": "orderPaid", "fields": [{"name": "orderId", "type": "integer"}]},
		{"name": "orderRefunded", "fields": [{"name": "orderId", "type": "integer"}]}]}]}`)
	v2 := writeCatalogue(t, `{"groups": [{"name": "Orders", "hooks": [
		{"name": "orderPaid", "fields": [{"name": "orderId", "type": "integer"}]}]}]}`)
	rc := testkit.NewReceiver(t, 200)

	// Batches every hour: the trigger stays pending across the restart.
	e := start(t, func(c *server.Config) { c.DB, c.Catalogue, c.BatchInterval = db, v1, time.Hour })
	w := e.createWebhook("Shop", rc.URL, "orderPaid", "orderRefunded")
	before := e.trigger(`{"hook": "orderRefunded", "data": {"orderId": 1}}`)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if n := rc.Count(); n != 0 {
		t.Fatalf("the receiver got %d requests before the restart; the test needs the trigger pending", n)
	}

	e = start(t, func(c *server.Config) { c.DB, c.Catalogue = db, v2 })
	var got struct {
		webhook
		MissingHooks []string `json:"missingHooks"`
	}
	if code := e.do("GET", "/api/v1/webhooks/"+w.ID, nil, &got); code != 200 ||
		!slices.Equal(got.Hooks, []string{"orderPaid", "orderRefunded"}) || !slices.Equal(got.MissingHooks, []string{"orderRefunded"}) {
		t.Fatalf("webhook after the restart: %d %+v, want both hooks kept and orderRefunded missing", code, got)
	}
	if body := string(rc.Wait(t, 1, 10*time.Second)[0].Body); !strings.Contains(body, `"id":"`+before+`","hook":"orderRefunded"`) {
		t.Errorf("first delivery after the restart = %s, want the orderRefunded trigger accepted before it", body)
	}
	e.trigger(`{"hook": "orderPaid", "data": {"orderId": 2}}`)
	if body := string(rc.Wait(t, 2, 10*time.Second)[1].Body); !strings.Contains(body, `"hook":"orderPaid"`) {
		t.Errorf("second delivery = %s, want the webhook's remaining hook orderPaid", body)
	}
	var ae apiError
	if code := e.do("POST", "/api/v1/triggers", `{"hook": "orderRefunded", "data": {"orderId": 3}}`, &ae); code != 400 {
		t.Errorf("a trigger of the removed hook: %d, want 400", code)
	}
	if code := e.do("PATCH", "/api/v1/webhooks/"+w.ID, map[string]any{"hooks": []string{"orderPaid", "orderRefunded"}}, &ae); code != 400 {
		t.Errorf("PATCH naming the removed hook: %d, want 400", code)
	}
	if code := e.do("PATCH", "/api/v1/webhooks/"+w.ID, map[string]any{"name": "Shop 2"}, &got); code != 200 || !slices.Equal(got.MissingHooks, []string{"orderRefunded"}) {
		t.Errorf("PATCH without hooks: %d %+v, want the missing hook kept", code, got)
	}
	got.MissingHooks = nil
	if code := e.do("PATCH", "/api/v1/webhooks/"+w.ID, map[string]any{"hooks": []string{"orderPaid"}}, &got); code != 200 || got.MissingHooks != nil {
		t.Errorf("PATCH leaving it out: %d %+v, want it dropped", code, got)
	}
}
