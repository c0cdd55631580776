package hookd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd"
)

// customCatalogue is a catalogue file with every field type, optional
// fields and a hook with more fields than the validator's fast path holds.
const customCatalogue = `{"groups": [
  {"name": "Orders", "hooks": [
    {"name": "orderPaid", "description": "Called when an order is paid",
     "fields": [{"name": "orderId", "type": "integer"}, {"name": "note", "type": "string", "required": false}]},
    {"name": "order.shipped", "description": "Called when an order leaves the warehouse",
     "fields": [{"name": "orderId", "type": "integer"}, {"name": "weightKg", "type": "number"},
                {"name": "express", "type": "boolean"}, {"name": "carrier", "type": "string", "required": true},
                {"name": "gift", "type": "boolean", "required": false}]}]},
  {"name": "Stock", "hooks": [
    {"name": "stock_low", "description": "Called when an item runs low",
     "fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}, {"name": "c", "type": "string"},
                {"name": "d", "type": "string"}, {"name": "e", "type": "number"}, {"name": "f", "type": "number", "required": false},
                {"name": "g", "type": "boolean"}, {"name": "h", "type": "boolean", "required": false},
                {"name": "i", "type": "integer", "required": false}, {"name": "j", "type": "string"}]},
    {"name": "ping", "fields": []}]}
]}`

func TestParseCatalogue(t *testing.T) {
	c, err := hookd.ParseCatalogue([]byte(customCatalogue))
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range c.Groups() {
		groups = append(groups, g.Name)
	}
	if got := strings.Join(groups, ", "); got != "Orders, Stock, hookd" {
		t.Errorf("groups = %s, want the file's in order and the system group last", got)
	}
	if got := strings.Join(c.Names(), " "); got != "orderPaid order.shipped stock_low ping webhookGreylisted webhookRecovered" {
		t.Errorf("hooks = %s", got)
	}
	h, ok := c.Lookup("orderPaid")
	if !ok || h.Group != "Orders" || h.System || h.Description != "Called when an order is paid" {
		t.Fatalf("orderPaid = %+v", h)
	}
	if !h.Fields[0].Required || h.Fields[1].Required {
		t.Errorf("orderPaid fields = %+v: required defaults to true, note is optional", h.Fields)
	}
	if _, ok := c.Lookup("eventAdded"); ok {
		t.Error("a catalogue file keeps the built-in hooks; it replaces them")
	}
	g, ok := c.Lookup("webhookGreylisted")
	if !ok || !g.System || g.Group != "hookd" {
		t.Errorf("webhookGreylisted = %+v, want a system hook of group hookd", g)
	}
	var schema struct {
		Required   []string                  `json:"required"`
		Properties map[string]map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(h.Schema, &schema); err != nil || strings.Join(schema.Required, ",") != "orderId" ||
		schema.Properties["note"]["type"] != "string" {
		t.Errorf("orderPaid schema = %s (%v)", h.Schema, err)
	}
}

// TestParseCatalogueRefuses: every kind of bad file is refused with a
// message naming the hook (or group) and what is wrong.
func TestParseCatalogueRefuses(t *testing.T) {
	hook := func(h string) string { return `{"groups": [{"name": "G", "hooks": [` + h + `]}]}` }
	for _, tt := range []struct {
		name, file string
		want       []string
	}{
		{"not JSON", `{"groups": [`, []string{"not valid JSON"}},
		{"not an object", `[]`, []string{`must be a JSON object {"groups"`}},
		{"no groups", `{"groups": []}`, []string{`"groups" is missing or empty`}},
		{"unknown top-level key", `{"groups": [], "version": 2}`, []string{`unknown field "version"`}},
		{"duplicate member", `{"groups": [], "groups": []}`, []string{"groups appears twice"}},
		{"empty group", `{"groups": [{"name": "G", "hooks": []}]}`, []string{`group "G"`, "at least one hook"}},
		{"unnamed group", `{"groups": [{"hooks": [{"name": "a"}]}]}`, []string{"group 1", `"name" is missing`}},
		{"duplicate group", `{"groups": [{"name": "G", "hooks": [{"name": "a"}]}, {"name": "G", "hooks": [{"name": "b"}]}]}`,
			[]string{`group "G" is already defined`}},
		{"system group", `{"groups": [{"name": "hookd", "hooks": [{"name": "a"}]}]}`, []string{`"hookd" is the group of hookd's system hooks`}},
		{"unknown group key", `{"groups": [{"name": "G", "colour": "red", "hooks": [{"name": "a"}]}]}`, []string{"group 1", `unknown field "colour"`}},
		{"bad name", hook(`{"name": "9lives"}`), []string{`hook "9lives"`, "must start with a letter"}},
		{"long name", hook(`{"name": "` + strings.Repeat("a", 65) + `"}`), []string{"1 to 64"}},
		{"space in name", hook(`{"name": "order paid"}`), []string{`hook "order paid"`, "must start with a letter"}},
		{"no name", hook(`{"description": "x"}`), []string{`group "G", hook 1`, `"name" is missing`}},
		{"duplicate hook", `{"groups": [{"name": "G", "hooks": [{"name": "a"}]}, {"name": "H", "hooks": [{"name": "a"}]}]}`,
			[]string{`hook "a"`, "defined twice"}},
		{"system hook redefined", hook(`{"name": "webhookRecovered", "fields": []}`), []string{`hook "webhookRecovered"`, "is a system hook"}},
		{"test hook", hook(`{"name": "test"}`), []string{`hook "test"`, "test deliveries"}},
		{"unknown hook key", hook(`{"name": "a", "fileds": []}`), []string{`hook "a"`, `unknown field "fileds"`}},
		{"unknown type", hook(`{"name": "a", "fields": [{"name": "x", "type": "float"}]}`),
			[]string{`hook "a", field "x"`, `type "float" is not one of integer, string, boolean, number`}},
		{"time is not a file type", hook(`{"name": "a", "fields": [{"name": "x", "type": "time"}]}`), []string{`type "time"`}},
		{"no type", hook(`{"name": "a", "fields": [{"name": "x"}]}`), []string{`hook "a", field "x"`, `type ""`}},
		{"duplicate field", hook(`{"name": "a", "fields": [{"name": "x", "type": "string"}, {"name": "x", "type": "integer"}]}`),
			[]string{`hook "a", field "x"`, "defined twice"}},
		{"bad field name", hook(`{"name": "a", "fields": [{"name": "x y", "type": "string"}]}`), []string{`hook "a", field "x y"`, "must start with a letter"}},
		{"unknown field key", hook(`{"name": "a", "fields": [{"name": "x", "type": "string", "optional": true}]}`),
			[]string{`hook "a", field 1`, `unknown field "optional"`}},
		{"required not a boolean", hook(`{"name": "a", "fields": [{"name": "x", "type": "string", "required": "no"}]}`),
			[]string{`hook "a", field 1`, "required"}},
		{"lone surrogate", hook(`{"name": "a", "description": "\ud800"}`), []string{`hook "a"`, "surrogate"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hookd.ParseCatalogue([]byte(tt.file))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestParseCatalogueReportsEveryProblem(t *testing.T) {
	_, err := hookd.ParseCatalogue([]byte(`{"groups": [{"name": "G", "hooks": [
		{"name": "a", "fields": [{"name": "x", "type": "float"}]},
		{"name": "b!", "fields": []}]}]}`))
	if err == nil || !strings.Contains(err.Error(), `hook "a"`) || !strings.Contains(err.Error(), `hook "b!"`) {
		t.Errorf("error = %v, want both hooks' problems at once", err)
	}
}

// FuzzParseCatalogue feeds ParseCatalogue any bytes: it never panics, and a
// catalogue it accepts has the system hooks, finds each of its hooks by
// name and publishes a schema of valid JSON for each.
func FuzzParseCatalogue(f *testing.F) {
	f.Add([]byte(customCatalogue))
	f.Add([]byte(`{"groups": [{"name": "G", "hooks": [{"name": "a", "fields": [{"name": "x", "type": "number", "required": false}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := hookd.ParseCatalogue(data)
		if err != nil {
			return
		}
		if _, ok := c.Lookup(hookd.HookWebhookGreylisted); !ok {
			t.Fatal("no system hooks")
		}
		for _, h := range c.Hooks() {
			if got, ok := c.Lookup(h.Name); !ok || got != h || !json.Valid(h.Schema) {
				t.Fatalf("hook %q: lookup %v, schema %s", h.Name, ok, h.Schema)
			}
		}
	})
}
