// Package app holds hookd's use cases — what a person or a program can do —
// shared by the REST API and the control panel: validating and saving
// webhooks, accepting triggers durably, sending tests and redeliveries, and
// releasing grey-listed URLs.
package app

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/hookd-dev/hookd"
)

// URLChecker refuses webhook URLs that hookd must not send to (netguard).
type URLChecker interface {
	CheckURL(ctx context.Context, u *url.URL) error
}

// Sender sends one delivery at once, outside the batch schedule (dispatch).
type Sender interface {
	// SendNow sends trigger t to webhook w and records the result under the
	// pending delivery d, which is already stored.
	SendNow(t hookd.Trigger, w hookd.Webhook, d hookd.Delivery)
	// ReleaseURL forgets the account's grey-list state of a URL held in
	// memory (other accounts' states of the URL stay).
	ReleaseURL(accountID, url string)
}

// App is hookd's use cases over a store. Every dependency is required and
// given to New; nothing is set after construction. Reads that need no rule
// go to the store directly (the API's and the panel's lists and pages);
// every write goes through App, so that each rule is applied in one place.
type App struct {
	*Accounts // accounts, API keys, users and sessions

	store     hookd.Store
	catalogue *hookd.Catalogue
	guard     URLChecker
	sender    Sender
	ingest    *Ingester
}

// Deps are what App needs; every field is required.
type Deps struct {
	Store     hookd.Store
	Catalogue *hookd.Catalogue // the hooks: hookd.BuiltinCatalogue() or a file's
	Guard     URLChecker       // refuses webhook URLs hookd must not send to
	Sender    Sender           // sends tests and redeliveries at once
	Now       func() time.Time
}

// New returns an App; Open it before accepting triggers.
func New(d Deps) (*App, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("app.New: Deps.Store is required")
	case d.Catalogue == nil:
		return nil, errors.New("app.New: Deps.Catalogue is required (hookd.BuiltinCatalogue())")
	case d.Guard == nil:
		return nil, errors.New("app.New: Deps.Guard is required")
	case d.Sender == nil:
		return nil, errors.New("app.New: Deps.Sender is required")
	case d.Now == nil:
		return nil, errors.New("app.New: Deps.Now is required (time.Now)")
	}
	return &App{Accounts: NewAccounts(d.Store, d.Now), store: d.Store, catalogue: d.Catalogue, guard: d.Guard, sender: d.Sender,
		ingest: NewIngester(d.Store)}, nil
}

// Catalogue is the hooks webhooks subscribe to and triggers name.
func (a *App) Catalogue() *hookd.Catalogue { return a.catalogue }

// Open starts accepting triggers (the ingester's group commit).
func (a *App) Open() { a.ingest.Open() }

// Close waits for the triggers being stored to be committed, then stops.
func (a *App) Close() { a.ingest.Close() }

// WebhookInput is a webhook to create or the fields of one to change; nil
// fields are left as they are (and are required on create, but Enabled,
// which defaults to true).
type WebhookInput struct {
	Name    *string
	URL     *string
	Hooks   *[]string
	Enabled *bool
}

// validate checks in and applies it to w. Field errors are keyed "name",
// "url" and "hooks".
func (a *App) validate(ctx context.Context, w *hookd.Webhook, in WebhookInput, create bool) error {
	errs := hookd.FieldErrors{}
	if in.Name != nil || create {
		var name string
		if in.Name != nil {
			name = *in.Name
		}
		hookd.ValidateName(name, errs)
		w.Name = name
	}
	if in.URL != nil || create {
		var raw string
		if in.URL != nil {
			raw = *in.URL
		}
		if u := hookd.ValidateURL(raw, errs); u != nil {
			if err := a.guard.CheckURL(ctx, u); err != nil {
				errs.Add("url", err.Error())
			}
		}
		w.URL = raw
	}
	if in.Hooks != nil || create {
		var hooks []string
		if in.Hooks != nil {
			hooks = *in.Hooks
		}
		w.Hooks = a.catalogue.ValidateHooks(hooks, errs)
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	return errs.Err()
}

// CreateWebhook validates in and stores a new webhook with a fresh secret.
func (a *App) CreateWebhook(ctx context.Context, accountID string, in WebhookInput) (hookd.Webhook, error) {
	w := hookd.Webhook{AccountID: accountID, Enabled: true}
	if err := a.validate(ctx, &w, in, true); err != nil {
		return hookd.Webhook{}, err
	}
	now := a.stamp()
	w.ID = hookd.NewID(hookd.PrefixWebhook)
	w.Secret = hookd.NewSecret()
	w.CreatedAt, w.UpdatedAt = now, now
	if err := a.store.CreateWebhook(ctx, &w); err != nil {
		return hookd.Webhook{}, err
	}
	return a.store.Webhook(ctx, accountID, w.ID)
}

// UpdateWebhook validates and applies the fields set in in.
func (a *App) UpdateWebhook(ctx context.Context, accountID, id string, in WebhookInput) (hookd.Webhook, error) {
	w, err := a.store.Webhook(ctx, accountID, id)
	if err != nil {
		return hookd.Webhook{}, err
	}
	if err := a.validate(ctx, &w, in, false); err != nil {
		return hookd.Webhook{}, err
	}
	w.UpdatedAt = a.stamp()
	if err := a.store.UpdateWebhook(ctx, &w); err != nil {
		return hookd.Webhook{}, err
	}
	return a.store.Webhook(ctx, accountID, id)
}

// DeleteWebhook deletes a webhook; its delivery log stays.
func (a *App) DeleteWebhook(ctx context.Context, accountID, id string) error {
	return a.store.DeleteWebhook(ctx, accountID, id)
}

// RotateSecret gives the webhook a new secret. The old one keeps signing
// deliveries, beside the new one, for hookd.RotationOverlap.
func (a *App) RotateSecret(ctx context.Context, accountID, id string) (hookd.Webhook, error) {
	w, err := a.store.Webhook(ctx, accountID, id)
	if err != nil {
		return hookd.Webhook{}, err
	}
	now := a.stamp()
	w.PreviousSecret, w.PreviousUntil = w.Secret, now.Add(hookd.RotationOverlap)
	w.Secret = hookd.NewSecret()
	w.UpdatedAt = now
	if err := a.store.UpdateWebhook(ctx, &w); err != nil {
		return hookd.Webhook{}, err
	}
	return w, nil
}

// SendTest sends a test delivery ({"hook": "test", "data": {}}) to the
// webhook at once and returns its pending delivery; the result replaces it
// in the log when the send ends. Disabled webhooks can be tested too.
func (a *App) SendTest(ctx context.Context, accountID, webhookID string) (hookd.Delivery, error) {
	w, err := a.store.Webhook(ctx, accountID, webhookID)
	if err != nil {
		return hookd.Delivery{}, err
	}
	now := a.stamp()
	t := hookd.Trigger{
		ID: hookd.NewID(hookd.PrefixTrigger), AccountID: accountID, Hook: hookd.TestHook,
		Data: []byte("{}"), Timestamp: now, ReceivedAt: now,
	}
	return a.sendNow(ctx, &t, t, w, "")
}

// Redeliver sends a delivery's trigger to its webhook again, at once, as a
// new delivery row, and returns that pending row.
func (a *App) Redeliver(ctx context.Context, accountID, deliveryID string) (hookd.Delivery, error) {
	old, err := a.store.Delivery(ctx, accountID, deliveryID)
	if err != nil {
		return hookd.Delivery{}, err
	}
	w, err := a.store.Webhook(ctx, accountID, old.WebhookID)
	if err != nil {
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return hookd.Delivery{}, hookd.Errorf(hookd.ENOTFOUND, "the webhook of delivery %s was deleted, so it cannot be redelivered", deliveryID)
		}
		return hookd.Delivery{}, err
	}
	t, err := a.store.Trigger(ctx, accountID, old.TriggerID)
	if err != nil {
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return hookd.Delivery{}, hookd.Errorf(hookd.ENOTFOUND, "the trigger of delivery %s is older than the retention period and was deleted, so it cannot be redelivered", deliveryID)
		}
		return hookd.Delivery{}, err
	}
	return a.sendNow(ctx, nil, t, w, old.ID)
}

// sendNow stores a pending delivery of t to w and hands it to the sender;
// redeliveryOf is the delivery it sends again ("" for a test).
func (a *App) sendNow(ctx context.Context, newTrigger *hookd.Trigger, t hookd.Trigger, w hookd.Webhook, redeliveryOf string) (hookd.Delivery, error) {
	d := hookd.Delivery{
		ID: hookd.NewID(hookd.PrefixDelivery), AccountID: w.AccountID, TriggerID: t.ID, WebhookID: w.ID,
		Hook: t.Hook, URL: w.URL, Status: hookd.StatusPending, AttemptedAt: a.stamp(), RedeliveryOf: redeliveryOf,
	}
	if err := a.store.InsertPendingDelivery(ctx, newTrigger, &d); err != nil {
		return hookd.Delivery{}, err
	}
	a.sender.SendNow(t, w, d)
	return d, nil
}

// ReleaseURL takes a URL off the account's grey-list at once; other
// accounts with the same URL keep their grey-list state.
func (a *App) ReleaseURL(ctx context.Context, accountID, rawURL string) error {
	if err := a.store.ReleaseURL(ctx, accountID, rawURL); err != nil {
		return err
	}
	a.sender.ReleaseURL(accountID, rawURL)
	return nil
}

// Trigger stores triggers durably, all or nothing, and fills in their IDs,
// account and reception time. When it returns nil they will be delivered.
func (a *App) Trigger(ctx context.Context, accountID string, ts []hookd.Trigger) error {
	now := a.stamp()
	for i := range ts {
		ts[i].ID = hookd.NewID(hookd.PrefixTrigger)
		ts[i].AccountID = accountID
		ts[i].ReceivedAt = now
	}
	return a.ingest.Insert(ctx, ts)
}

// TriggerRequest is a trigger request made with an idempotency key.
type TriggerRequest struct {
	Key         string // the Idempotency-Key header, already checked
	RequestHash string // hex SHA-256 of the request body
	// Answer renders the body of the 202 answer from the triggers, once
	// their IDs are set; it is stored with them.
	Answer func(ts []hookd.Trigger) []byte
}

// TriggerIdempotent stores triggers like Trigger, together with the answer
// to the request in the same transaction, unless the account already used
// the key in the last 24 hours: then it stores nothing and returns the
// remembered answer (replayed true), or EKEYREUSED when that answer was for
// another body. Requests racing with the same key store once: the loser's
// transaction fails on the key and it returns the winner's answer.
func (a *App) TriggerIdempotent(ctx context.Context, accountID string, req TriggerRequest, ts []hookd.Trigger) (status int, body []byte, replayed bool, err error) {
	for attempt := 0; ; attempt++ {
		now := a.stamp()
		rec, err := a.store.IdempotencyRecord(ctx, accountID, req.Key, now)
		if err == nil {
			if rec.RequestHash != req.RequestHash {
				return 0, nil, false, hookd.Errorf(hookd.EKEYREUSED,
					"the Idempotency-Key %q was used in the last 24 hours with another body; use a new key for a new request", req.Key)
			}
			return rec.Status, rec.Response, true, nil
		} else if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			return 0, nil, false, err
		}
		for i := range ts {
			ts[i].ID = hookd.NewID(hookd.PrefixTrigger)
			ts[i].AccountID = accountID
			ts[i].ReceivedAt = now
		}
		answer := req.Answer(ts)
		rec = hookd.IdempotencyRecord{
			AccountID: accountID, Key: req.Key, RequestHash: req.RequestHash,
			Status: 202, Response: bytes.Clone(answer), CreatedAt: now, ExpiresAt: now.Add(hookd.IdempotencyTTL),
		}
		err = a.ingest.InsertIdempotent(ctx, rec, ts)
		if err == nil {
			return 202, answer, false, nil
		}
		// ECONFLICT: another request with this key committed first; read
		// its answer (once more at most: a key that expires in between is
		// free again).
		if hookd.ErrorCode(err) != hookd.ECONFLICT || attempt > 0 {
			return 0, nil, false, err
		}
	}
}
