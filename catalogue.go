package hookd

import (
	_ "embed"
	"encoding/json"
	"sync"
)

// FieldType is the JSON type of a payload field.
type FieldType string

const (
	// Integer is a JSON number with no fraction or exponent from
	// -MaxInteger to MaxInteger.
	Integer FieldType = "integer"
	// String is a JSON string of valid Unicode.
	String FieldType = "string"
	// Boolean is true or false.
	Boolean FieldType = "boolean"
	// Number is any JSON number.
	Number FieldType = "number"
	// Time is an RFC 3339 time string. Only system hooks use it: a
	// catalogue file cannot (the contract lists the four types above).
	Time FieldType = "time"
)

// fileTypes are the field types a catalogue file may use, in the order
// its error messages list them.
var fileTypes = []FieldType{Integer, String, Boolean, Number}

// MaxInteger is the largest integer a payload may carry, 2^53-1: beyond it
// a receiver that reads JSON numbers as IEEE doubles (JavaScript, and many
// others by default) gets another number than the one sent. I-JSON (RFC
// 7493, 2.2) sets this range.
const MaxInteger = 1<<53 - 1

// Field is one field of a hook's payload data.
type Field struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
}

// Hook is one entry of the catalogue: something that can happen on the host
// platform and that webhooks subscribe to.
type Hook struct {
	Name        string  `json:"name"`
	Group       string  `json:"group"`
	Description string  `json:"description"`
	Fields      []Field `json:"fields"`
	// System says hookd itself sends the hook; producers cannot post it.
	System bool `json:"system"`
	// Schema is the JSON Schema (draft 2020-12) of the hook's data, made
	// from Fields; ValidateData applies exactly it.
	Schema json.RawMessage `json:"schema"`
}

// Group is a named list of hooks, as the control panel shows them.
type Group struct {
	Name   string
	System bool // the group of the system hooks
	Hooks  []*Hook
}

// Catalogue is the hooks webhooks subscribe to and producers trigger: the
// built-in one (BuiltinCatalogue) or an operator's file (ParseCatalogue),
// with hookd's system hooks always added. It does not change once made.
type Catalogue struct {
	groups []Group
	hooks  []*Hook // in group order
	index  map[string]*Hook
}

// SystemGroup is the group of the system hooks.
const SystemGroup = "hookd"

// System hooks, sent by hookd itself.
const (
	HookWebhookGreylisted = "webhookGreylisted"
	HookWebhookRecovered  = "webhookRecovered"
)

// systemHooks are the hooks hookd sends about an account's own webhooks;
// every catalogue has them.
func systemHooks() []Hook {
	return []Hook{
		{Name: HookWebhookGreylisted, Description: "Sent by hookd when a webhook of the account is grey-listed",
			Fields: []Field{{"webhookId", String, true}, {"url", String, true}, {"until", Time, true},
				{"level", Integer, true}, {"consecutiveFailures", Integer, true}, {"lastError", String, true}}},
		{Name: HookWebhookRecovered, Description: "Sent by hookd when a grey-listed webhook's URL succeeds again",
			Fields: []Field{{"webhookId", String, true}, {"url", String, true}}},
	}
}

// TestHook is the hook name of a test delivery. It is not in the catalogue
// and cannot be triggered or subscribed to.
const TestHook = "test"

// newCatalogue makes a catalogue of groups, adds the system group and
// each hook's schema. The caller has checked names and fields.
func newCatalogue(groups []Group) *Catalogue {
	sys := Group{Name: SystemGroup, System: true}
	for _, h := range systemHooks() {
		h.System = true
		sys.Hooks = append(sys.Hooks, &h)
	}
	c := &Catalogue{groups: append(groups, sys), index: map[string]*Hook{}}
	for _, g := range c.groups {
		for _, h := range g.Hooks {
			h.Group = g.Name
			h.Schema = h.schema()
			c.hooks = append(c.hooks, h)
			c.index[h.Name] = h
		}
	}
	return c
}

//go:embed catalogue_builtin.json
var builtinFile []byte

// BuiltinCatalogue returns the catalogue hookd runs with when no file is
// given: exactly the 16 hooks of the source document (note Id, capital I,
// for appointments) in the groups Events, Room bookings and Appointments,
// and the system hooks. It is a catalogue file itself
// (catalogue_builtin.json), read like any other, once.
func BuiltinCatalogue() *Catalogue { return builtin() }

var builtin = sync.OnceValue(func() *Catalogue {
	c, err := ParseCatalogue(builtinFile)
	if err != nil {
		panic("hookd: the built-in catalogue: " + err.Error())
	}
	return c
})

// Groups returns the groups in display order, the system group last.
func (c *Catalogue) Groups() []Group { return c.groups }

// Hooks returns every hook in group order.
func (c *Catalogue) Hooks() []*Hook { return c.hooks }

// Lookup returns the hook named name.
func (c *Catalogue) Lookup(name string) (*Hook, bool) {
	h, ok := c.index[name]
	return h, ok
}

// Names returns the hook names in catalogue order.
func (c *Catalogue) Names() []string {
	names := make([]string, len(c.hooks))
	for i, h := range c.hooks {
		names[i] = h.Name
	}
	return names
}

// Missing returns the names in hooks that the catalogue lacks, in their
// order: hooks a webhook subscribed to under an earlier catalogue.
func (c *Catalogue) Missing(hooks []string) []string {
	var out []string
	for _, h := range hooks {
		if _, ok := c.index[h]; !ok {
			out = append(out, h)
		}
	}
	return out
}
