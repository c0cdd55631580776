package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// HookInfo is a hook of the catalogue (GET /api/v1/hooks).
type HookInfo struct {
	Name        string      `json:"name"`
	Group       string      `json:"group"`
	Description string      `json:"description"`
	Fields      []HookField `json:"fields"`
	// System hooks are sent by hookd itself and cannot be triggered.
	System bool `json:"system"`
	// Schema is the JSON Schema (draft 2020-12) of the hook's data.
	Schema json.RawMessage `json:"schema"`
}

// HookField is a field of a hook's data.
type HookField struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // integer, string, boolean, number (time in system hooks)
	Required bool   `json:"required"`
}

// Webhook is a subscription: a name, a URL and a set of hooks.
type Webhook struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	URL   string   `json:"url"`
	Hooks []string `json:"hooks"`
	// MissingHooks are hooks subscribed to that the catalogue no longer has.
	MissingHooks []string      `json:"missingHooks,omitempty"`
	Enabled      bool          `json:"enabled"`
	CreatedAt    time.Time     `json:"createdAt"`
	UpdatedAt    time.Time     `json:"updatedAt"`
	Greylist     GreylistState `json:"greylist"`
	// Secret is set only by CreateWebhook: the whsec_ secret deliveries are
	// signed with (WebhookSecret reads it again).
	Secret string `json:"secret,omitempty"`
}

// GreylistState is a webhook URL's grey-list state; Until is nil when it
// is not grey-listed.
type GreylistState struct {
	Until               *time.Time `json:"until"`
	Level               int        `json:"level"`
	ConsecutiveFailures int        `json:"consecutiveFailures"`
}

// NewWebhook is what CreateWebhook sends. Enabled defaults to true.
type NewWebhook struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Hooks   []string `json:"hooks"`
	Enabled *bool    `json:"enabled,omitempty"`
}

// WebhookChange is what UpdateWebhook sends: the fields that are not nil.
type WebhookChange struct {
	Name    *string   `json:"name,omitempty"`
	URL     *string   `json:"url,omitempty"`
	Hooks   *[]string `json:"hooks,omitempty"`
	Enabled *bool     `json:"enabled,omitempty"`
}

// Ptr returns a pointer to v, for the optional fields of NewWebhook and
// WebhookChange.
func Ptr[T any](v T) *T { return &v }

// Delivery is one send (or skip) of a trigger to a webhook.
type Delivery struct {
	ID          string    `json:"id"`
	TriggerID   string    `json:"triggerId"`
	WebhookID   string    `json:"webhookId"`
	Hook        string    `json:"hook"`
	URL         string    `json:"url"`
	Status      string    `json:"status"` // pending, delivered, failed or skipped
	StatusCode  *int      `json:"statusCode"`
	Error       string    `json:"error"`
	DurationMs  int64     `json:"durationMs"`
	AttemptedAt time.Time `json:"attemptedAt"`
	// RedeliveryOf is the delivery this one sends again, or nil.
	RedeliveryOf *string `json:"redeliveryOf"`
	// Response is what the receiver answered, nil when there was no answer.
	Response *DeliveryResponse `json:"response"`
	// Request is exactly what was sent; only Delivery (one delivery) sets
	// it, and only for a delivery that was sent.
	Request *DeliveryRequest `json:"request,omitempty"`
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
)

// DeliveryResponse is a receiver's answer: its headers and the first KiB
// of its body.
type DeliveryResponse struct {
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// DeliveryRequest is what hookd sent; Body is nil once retention removed
// the trigger.
type DeliveryRequest struct {
	Headers map[string]string `json:"headers"`
	Body    *string           `json:"body"`
}

// DeliveryQuery filters the delivery log; every field is optional.
type DeliveryQuery struct {
	WebhookID, TriggerID, Hook, Status string
	Since, Until                       time.Time
	Limit                              int    // 1–1000, default 50
	Cursor                             string // a page's NextCursor
}

// DeliveryPage is a page of the log, newest first; NextCursor is "" on
// the last page.
type DeliveryPage struct {
	Deliveries []Delivery
	NextCursor string
}

// TriggerQuery filters a trigger search; every field is optional.
type TriggerQuery struct {
	Hook         string
	Since, Until time.Time
	// Data matches payload fields exactly: an int, float, bool or string
	// value compares as a JSON value of that type (up to 4 fields).
	Data   map[string]any
	Limit  int
	Cursor string
}

// FoundTrigger is a trigger found by a search, with its delivery counts.
type FoundTrigger struct {
	Envelope
	Deliveries DeliveryCounts `json:"deliveries"`
}

// Envelope is a trigger as its deliveries carry it and the API shows it.
type Envelope struct {
	// ID is the trigger's ID, also its deliveries' webhook-id header: the
	// same for a redelivery, so a receiver de-duplicates by it.
	ID string `json:"id"`
	// Hook is the catalogue name, e.g. "eventCanceled"; "test" for a test
	// delivery.
	Hook string `json:"hook"`
	// Timestamp is when the action happened.
	Timestamp time.Time `json:"timestamp"`
	// Data is the hook's payload as sent.
	Data json.RawMessage `json:"data"`
}

// DeliveryCounts counts a trigger's deliveries by status.
type DeliveryCounts struct {
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// TriggerPage is a page of a search, newest first.
type TriggerPage struct {
	Triggers   []FoundTrigger
	NextCursor string
}

// TriggerDetail is one trigger and every attempt to deliver it.
type TriggerDetail struct {
	Envelope
	ReceivedAt time.Time  `json:"receivedAt"`
	Deliveries []Delivery `json:"deliveries"`
}

// Recovery is a queued recovery (Recover).
type Recovery struct {
	ID        string    `json:"id"`
	WebhookID string    `json:"webhookId"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Queued    int       `json:"queued"`
}

// RecoveryProgress is how far a recovery got (RecoveryByID): of the
// triggers it queued, how many wait, were delivered or failed, and how many
// will not be sent (Dropped: the webhook was deleted or retention removed
// the trigger). Done is true once nothing waits.
type RecoveryProgress struct {
	Recovery
	Pending   int  `json:"pending"`
	Delivered int  `json:"delivered"`
	Failed    int  `json:"failed"`
	Dropped   int  `json:"dropped"`
	Done      bool `json:"done"`
}

// GreylistEntry is a URL of the account with failures.
type GreylistEntry struct {
	URL string `json:"url"`
	GreylistState
}

// APIKey is an API key of the account; Key is set only by CreateKey.
type APIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is when a request last used the key (recorded at most
	// every 30 s per node); nil: never.
	LastUsedAt *time.Time `json:"lastUsedAt"`
	Current    bool       `json:"current"` // the key of this client
	Key        string     `json:"key,omitempty"`
}

func get(path string, q url.Values) request {
	return request{method: http.MethodGet, path: path, query: q, repeatable: true}
}

// call makes the request r and returns its answer decoded.
func call[T any](ctx context.Context, c *Client, r request) (T, error) {
	var out T
	_, err := c.do(ctx, r, &out)
	return out, err
}

// Hooks returns the catalogue's hooks, system hooks last.
func (c *Client) Hooks(ctx context.Context) ([]HookInfo, error) {
	out, err := call[struct{ Hooks []HookInfo }](ctx, c, get("/api/v1/hooks", nil))
	return out.Hooks, err
}

// CreateWebhook creates a webhook; the answer holds its Secret.
func (c *Client) CreateWebhook(ctx context.Context, w NewWebhook) (Webhook, error) {
	return call[Webhook](ctx, c, request{method: http.MethodPost, path: "/api/v1/webhooks", body: w})
}

// Webhooks returns the account's webhooks, oldest first.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	out, err := call[struct{ Webhooks []Webhook }](ctx, c, get("/api/v1/webhooks", nil))
	return out.Webhooks, err
}

// Webhook returns one webhook.
func (c *Client) Webhook(ctx context.Context, id string) (Webhook, error) {
	return call[Webhook](ctx, c, get("/api/v1/webhooks/"+url.PathEscape(id), nil))
}

// UpdateWebhook changes the fields of ch that are not nil.
func (c *Client) UpdateWebhook(ctx context.Context, id string, ch WebhookChange) (Webhook, error) {
	return call[Webhook](ctx, c, request{method: http.MethodPatch, path: "/api/v1/webhooks/" + url.PathEscape(id), body: ch, repeatable: true})
}

// DeleteWebhook deletes a webhook; its delivery log stays.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/webhooks/" + url.PathEscape(id), repeatable: true}, nil)
	return err
}

// WebhookSecret returns a webhook's current signing secret.
func (c *Client) WebhookSecret(ctx context.Context, id string) (string, error) {
	out, err := call[struct{ Secret string }](ctx, c, get("/api/v1/webhooks/"+url.PathEscape(id)+"/secret", nil))
	return out.Secret, err
}

// RotateSecret gives a webhook a new secret and returns it; the old one
// keeps signing too for 24 hours.
func (c *Client) RotateSecret(ctx context.Context, id string) (string, error) {
	out, err := call[struct{ Secret string }](ctx, c, request{method: http.MethodPost, path: "/api/v1/webhooks/" + url.PathEscape(id) + "/secret/rotate"})
	return out.Secret, err
}

// TestWebhook sends a test delivery at once and returns it, pending.
func (c *Client) TestWebhook(ctx context.Context, id string) (Delivery, error) {
	return call[Delivery](ctx, c, request{method: http.MethodPost, path: "/api/v1/webhooks/" + url.PathEscape(id) + "/test"})
}

// Recover sends the webhook once more what it missed between since and
// until (zero: now): the triggers whose newest delivery to it failed or
// was skipped.
func (c *Client) Recover(ctx context.Context, webhookID string, since, until time.Time) (Recovery, error) {
	body := map[string]string{"since": since.UTC().Format(time.RFC3339Nano)}
	if !until.IsZero() {
		body["until"] = until.UTC().Format(time.RFC3339Nano)
	}
	var out struct{ Recovery Recovery }
	// Repeating a recovery queues nothing twice.
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/webhooks/" + url.PathEscape(webhookID) + "/recover", body: body, repeatable: true}, &out)
	return out.Recovery, err
}

// RecoveryByID returns the progress of a recovery that Recover queued.
func (c *Client) RecoveryByID(ctx context.Context, id string) (RecoveryProgress, error) {
	out, err := call[struct{ Recovery RecoveryProgress }](ctx, c, get("/api/v1/recoveries/"+url.PathEscape(id), nil))
	return out.Recovery, err
}

func (q DeliveryQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("webhookId", q.WebhookID)
	set("triggerId", q.TriggerID)
	set("hook", q.Hook)
	set("status", q.Status)
	setRange(v, q.Since, q.Until, q.Limit, q.Cursor)
	return v
}

func setRange(v url.Values, since, until time.Time, limit int, cursor string) {
	if !since.IsZero() {
		v.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if !until.IsZero() {
		v.Set("until", until.UTC().Format(time.RFC3339Nano))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
}

// Deliveries returns a page of the delivery log, newest first.
func (c *Client) Deliveries(ctx context.Context, q DeliveryQuery) (DeliveryPage, error) {
	return call[DeliveryPage](ctx, c, get("/api/v1/deliveries", q.values())) // a null nextCursor leaves ""
}

// Delivery returns one delivery with exactly what was sent (Request).
func (c *Client) Delivery(ctx context.Context, id string) (Delivery, error) {
	return call[Delivery](ctx, c, get("/api/v1/deliveries/"+url.PathEscape(id), nil))
}

// Redeliver sends a delivery's trigger again now, to the same webhook, and
// returns the new pending delivery.
func (c *Client) Redeliver(ctx context.Context, id string) (Delivery, error) {
	return call[Delivery](ctx, c, request{method: http.MethodPost, path: "/api/v1/deliveries/" + url.PathEscape(id) + "/redeliver"})
}

// SearchTriggers returns a page of the account's triggers, newest first.
func (c *Client) SearchTriggers(ctx context.Context, q TriggerQuery) (TriggerPage, error) {
	v := url.Values{}
	if q.Hook != "" {
		v.Set("hook", q.Hook)
	}
	for field, val := range q.Data {
		b, err := json.Marshal(val)
		if err != nil {
			return TriggerPage{}, err
		}
		v.Set("data."+field, string(b))
	}
	setRange(v, q.Since, q.Until, q.Limit, q.Cursor)
	return call[TriggerPage](ctx, c, get("/api/v1/triggers", v))
}

// TriggerByID returns one trigger and every attempt to deliver it.
func (c *Client) TriggerByID(ctx context.Context, id string) (TriggerDetail, error) {
	return call[TriggerDetail](ctx, c, get("/api/v1/triggers/"+url.PathEscape(id), nil))
}

// Greylist returns the account's URLs with failures.
func (c *Client) Greylist(ctx context.Context) ([]GreylistEntry, error) {
	out, err := call[struct{ Entries []GreylistEntry }](ctx, c, get("/api/v1/greylist", nil))
	return out.Entries, err
}

// ReleaseURL releases a URL from the account's grey-list at once.
func (c *Client) ReleaseURL(ctx context.Context, webhookURL string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/greylist", query: url.Values{"url": {webhookURL}}, repeatable: true}, nil)
	return err
}

// Keys returns the account's API keys, oldest first.
func (c *Client) Keys(ctx context.Context) ([]APIKey, error) {
	out, err := call[struct{ Keys []APIKey }](ctx, c, get("/api/v1/keys", nil))
	return out.Keys, err
}

// CreateKey creates an API key named for what will use it; the answer's
// Key is shown only this once.
func (c *Client) CreateKey(ctx context.Context, name string) (APIKey, error) {
	return call[APIKey](ctx, c, request{method: http.MethodPost, path: "/api/v1/keys", body: map[string]string{"name": name}})
}

// RevokeKey revokes an API key.
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/keys/" + url.PathEscape(id), repeatable: true}, nil)
	return err
}

// OpenAPI returns the OpenAPI 3.1 document of this hookd's API.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	return call[json.RawMessage](ctx, c, get("/api/v1/openapi.json", nil))
}
