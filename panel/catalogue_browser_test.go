package panel_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// shopCatalogue is an operator's catalogue; legacy adds a hook that a
// later version of it drops.
const shopCatalogue = `{"groups": [
  {"name": "Orders", "hooks": [
    {"name": "orderPaid", "description": "Called when an order is paid",
     "fields": [{"name": "orderId", "type": "integer"}, {"name": "note", "type": "string", "required": false}]},
    {"name": "orderShipped", "description": "Called when an order leaves the warehouse",
     "fields": [{"name": "orderId", "type": "integer"}, {"name": "express", "type": "boolean"}]}%s]},
  {"name": "Stock levels", "hooks": [
    {"name": "stockLow", "description": "Called when an item runs low",
     "fields": [{"name": "sku", "type": "string"}, {"name": "left", "type": "number"}]}]}]}`

const legacyHook = `,
    {"name": "orderLegacy", "description": "Called by the old shop", "fields": []}`

// TestBrowserCustomCatalogue: the panel's form shows the groups, order,
// descriptions and fields of a --catalogue file, and after a restart with
// a hook removed, the list and the edit page say so and saving drops it.
func TestBrowserCustomCatalogue(t *testing.T) {
	old := startHookd(t, withCatalogue(t, strings.Replace(shopCatalogue, "%s", legacyHook, 1)))
	created := old.createWebhook(t, "Old shop", old.Receiver.URL, "orderPaid", "orderLegacy")
	env := old.restart(t, withCatalogue(t, strings.Replace(shopCatalogue, "%s", "", 1)))
	b := newBrowser(t, env.URL)
	b.signIn()
	b.open("/settings/webhooks/new", "new-webhook-custom")
	legends := eval[[]string](b, `[...document.querySelectorAll('.hook-group > legend')].map(l => l.innerText.trim())`)
	if want := []string{"Orders (2)", "Stock levels (1)", "hookd (2)"}; !slices.Equal(legends, want) {
		t.Fatalf("the form's groups are %q, want %q", legends, want)
	}
	b.mustSee("#group-stock-levels", "Called when an item runs low")
	eval[bool](b, `(document.querySelectorAll('details.payloads').forEach(d => d.open = true), true)`)
	b.mustSee("#group-stock-levels", "{sku: string, left: number}")
	b.mustSee("#group-orders", "{orderId: integer, note?: string}")
	b.mustSee("#group-hookd", "Sent by hookd itself")
	if strings.Contains(b.text("fieldset.hooks"), "Events") {
		t.Error("the form still shows the built-in Events group")
	}
	b.typeIn("#name", "Warehouse")
	b.typeIn("#url", env.Receiver.URL)
	eval[bool](b, `(document.querySelector('#hook-orderShipped').click(), document.querySelector('#hook-stockLow').click(), true)`)
	b.clickText("button", "Save", "saved-custom")
	b.mustSee(".items", "Order shipped, All stock level hooks (1)")

	b.mustSee("#"+created.ID, "orderLegacy is no longer in the catalogue")
	b.open("/settings/webhooks/"+created.ID, "edit-missing-hook")
	b.mustSee("fieldset.hooks", "orderLegacy is no longer in the catalogue")
	b.clickText("button", "Save", "saved-missing-dropped")
	if strings.Contains(b.text("#"+created.ID), "no longer in the catalogue") {
		t.Error("after saving, the list still flags orderLegacy")
	}
	code, body := env.api(t, "GET", "/api/v1/webhooks/"+created.ID, nil)
	var got struct {
		Hooks        []string
		MissingHooks []string `json:"missingHooks"`
	}
	if err := json.Unmarshal(body, &got); err != nil || code != 200 || !slices.Equal(got.Hooks, []string{"orderPaid"}) || got.MissingHooks != nil {
		t.Errorf("after saving the form: %d %s, want hooks [orderPaid] and nothing missing", code, body)
	}
}
