package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Payload is the data of one hook: a type of the built-in catalogue
// (EventCanceled{EventID: 7, Reason: "Snow"}, made from
// catalogue_builtin.json) or Custom for any other hook.
type Payload interface {
	// HookName is the catalogue name of the hook, e.g. "eventCanceled".
	HookName() string
}

// Custom is the payload of any hook, such as one of a --catalogue file:
// Data is marshalled as the trigger's data (nil sends {}).
type Custom struct {
	Hook string
	Data any
}

// HookName returns c.Hook.
func (c Custom) HookName() string { return c.Hook }

// MarshalJSON writes c.Data.
func (c Custom) MarshalJSON() ([]byte, error) {
	if c.Data == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(c.Data)
}

// Accepted is a trigger hookd stored: answered 202, it is durable.
type Accepted struct {
	ID        string    `json:"id"`
	Hook      string    `json:"hook"`
	Timestamp time.Time `json:"timestamp"`
}

// Item is one trigger of a batch: its payload and when the action
// happened (zero: now).
type Item struct {
	Payload Payload
	At      time.Time
}

// Batch makes a batch of payloads that happened now.
func Batch(ps ...Payload) []Item {
	items := make([]Item, len(ps))
	for i, p := range ps {
		items[i] = Item{Payload: p}
	}
	return items
}

type triggerOptions struct {
	at  time.Time
	key string
}

// TriggerOption sets an option of Trigger or TriggerBatch.
type TriggerOption func(*triggerOptions)

// At says when the action happened (default: now); for Trigger.
func At(t time.Time) TriggerOption { return func(o *triggerOptions) { o.at = t } }

// WithIdempotencyKey sends key as the request's Idempotency-Key, e.g. an
// id from your own records, so that sending the same request again — from
// this process or after a restart — stores it once. Without it the client
// makes a random key per call, which covers its own retries.
func WithIdempotencyKey(key string) TriggerOption { return func(o *triggerOptions) { o.key = key } }

type triggerJSON struct {
	Hook      string  `json:"hook"`
	Data      Payload `json:"data"`
	Timestamp string  `json:"timestamp,omitempty"`
}

func toTriggerJSON(p Payload, at time.Time) triggerJSON {
	t := triggerJSON{Hook: p.HookName(), Data: p}
	if !at.IsZero() {
		t.Timestamp = at.UTC().Format(time.RFC3339Nano)
	}
	return t
}

// Trigger tells hookd that p happened: it is stored durably before this
// returns, and delivered to the webhooks subscribed to p's hook at the
// next tick. The request carries an Idempotency-Key, so the client's
// retries (a lost connection, 429, 503) never store it twice.
func (c *Client) Trigger(ctx context.Context, p Payload, opts ...TriggerOption) (Accepted, error) {
	o := options(opts)
	var out Accepted
	err := c.postTriggers(ctx, toTriggerJSON(p, o.at), o.key, &out)
	return out, err
}

// TriggerBatch sends up to 10,000 triggers in one request, stored all or
// nothing: the answer has their ids in the order sent. When one is invalid
// nothing is stored and the *Error's Fields name it by index
// ("[3].data.eventId").
func (c *Client) TriggerBatch(ctx context.Context, items []Item, opts ...TriggerOption) ([]Accepted, error) {
	o := options(opts)
	body := make([]triggerJSON, len(items))
	for i, it := range items {
		body[i] = toTriggerJSON(it.Payload, it.At)
	}
	var out struct{ Triggers []Accepted }
	err := c.postTriggers(ctx, body, o.key, &out)
	return out.Triggers, err
}

func (c *Client) postTriggers(ctx context.Context, body any, key string, out any) error {
	if key == "" {
		key = newIdempotencyKey()
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/triggers", body: body,
		header: http.Header{"Idempotency-Key": {key}}, repeatable: true}, out)
	return err
}

func options(opts []TriggerOption) triggerOptions {
	var o triggerOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}
