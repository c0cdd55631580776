package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hookd-dev/hookd"
)

// openapiTemplate is the OpenAPI 3.1 document of the API, written by hand;
// OpenAPI fills in what the catalogue decides. The API tests check every
// answer they get against the document served, so the two cannot drift.
//
//go:embed openapi.json
var openapiTemplate []byte

// OpenAPI returns the OpenAPI 3.1 document of the API with catalogue c:
// each hook's data schema (components.schemas "HookData.<hook>"), the
// trigger request of each hook a producer may send ("Trigger.<hook>"), the
// names a webhook may subscribe to ("HookName"), and, under "webhooks",
// each delivery a subscriber receives ("Envelope.<hook>", with the
// Standard Webhooks headers).
func OpenAPI(c *hookd.Catalogue) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapiTemplate, &doc); err != nil {
		return nil, fmt.Errorf("api/openapi.json: %w", err)
	}
	doc["info"].(map[string]any)["version"] = hookd.Version
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

	var triggers, envelopes []any
	var names []any
	envelope := func(name, description string, data any) {
		schemas["Envelope."+name] = envelopeSchema(name, description, data)
		envelopes = append(envelopes, ref("Envelope."+name))
	}
	webhooks := map[string]any{}
	// The Standard Webhooks headers of a delivery, written out in each
	// operation rather than referred to: some generators make no types
	// for parameters referred to from "webhooks".
	params := doc["components"].(map[string]any)["parameters"].(map[string]any)
	headers := []any{params["WebhookIDHeader"], params["WebhookTimestampHeader"], params["WebhookSignatureHeader"]}
	for _, h := range c.Hooks() {
		var data map[string]any
		if err := json.Unmarshal(h.Schema, &data); err != nil {
			return nil, fmt.Errorf("the schema of hook %s: %w", h.Name, err)
		}
		delete(data, "$schema") // the document's dialect is JSON Schema 2020-12 already
		schemas["HookData."+h.Name] = data
		names = append(names, h.Name)
		envelope(h.Name, h.Description, ref("HookData."+h.Name))
		webhooks[h.Name] = deliveryOperation(h.Name, h.Description, h.Group, headers, envelopeSchema(h.Name, h.Description, data))
		if h.System {
			continue
		}
		schemas["Trigger."+h.Name] = map[string]any{
			"type": "object", "description": h.Description, "additionalProperties": false,
			"required": []any{"hook", "data"},
			"properties": map[string]any{
				"hook":      map[string]any{"type": "string", "const": h.Name},
				"data":      ref("HookData." + h.Name),
				"timestamp": map[string]any{"type": "string", "format": "date-time", "description": "when the action happened; default: now"},
			},
		}
		triggers = append(triggers, ref("Trigger."+h.Name))
	}
	const testDesc = "A test delivery, sent by POST /api/v1/webhooks/{id}/test"
	empty := map[string]any{"type": "object", "maxProperties": 0}
	envelope(hookd.TestHook, testDesc, empty)
	webhooks[hookd.TestHook] = deliveryOperation(hookd.TestHook, testDesc, "hookd", headers, envelopeSchema(hookd.TestHook, testDesc, empty))

	schemas["HookName"] = map[string]any{"type": "string", "description": "a hook of the catalogue", "enum": names}
	if len(triggers) == 0 {
		schemas["TriggerRequest"] = map[string]any{"description": "this catalogue has no hook a producer may trigger", "not": map[string]any{}}
	} else {
		schemas["TriggerRequest"] = map[string]any{"description": "a trigger of one of the catalogue's hooks", "oneOf": triggers}
	}
	schemas["Envelope"] = map[string]any{"description": "the body of a delivery", "oneOf": envelopes}
	doc["webhooks"] = webhooks
	return json.MarshalIndent(doc, "", "  ")
}

// envelopeSchema is the schema of a delivery's body for a hook.
func envelopeSchema(name, description string, data any) map[string]any {
	return map[string]any{
		"type": "object", "description": description, "additionalProperties": false,
		"required": []any{"id", "hook", "timestamp", "data"},
		"properties": map[string]any{
			"id":        map[string]any{"type": "string", "description": "the trigger id, also in the webhook-id header"},
			"hook":      map[string]any{"type": "string", "const": name},
			"timestamp": map[string]any{"$ref": "#/components/schemas/Time"},
			"data":      data,
		},
	}
}

// deliveryOperation is the OpenAPI "webhooks" entry of a hook: the POST a
// subscriber receives.
// The body's schema is written out in full, its data too (they are also
// components.schemas.Envelope.<hook> and HookData.<hook>): generators
// that prune components reached only from "webhooks" would otherwise
// leave a type undefined.
func deliveryOperation(name, description, group string, headers []any, body map[string]any) map[string]any {
	return map[string]any{"post": map[string]any{
		"operationId": "deliver." + name,
		"summary":     description,
		"tags":        []any{group},
		"description": "What hookd POSTs to a webhook subscribed to " + name + ". Verify the signature (Standard Webhooks) before trusting it; answer 2xx within the delivery timeout, and do the work afterwards.",
		"security":    []any{},
		"parameters":  headers,
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
			"schema": body}}},
		"responses": map[string]any{
			"2XX":     map[string]any{"description": "received: the delivery is recorded as delivered"},
			"default": map[string]any{"description": "any other answer, a redirect or no answer in time: the delivery is recorded as failed and not retried"},
		},
	}}
}

func (h *Handler) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeRaw(w, http.StatusOK, h.openapi)
}
