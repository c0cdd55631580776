package api

import (
	"encoding/json"
	"net/http"

	"github.com/hookd-dev/hookd"
)

type deliveryJSON struct {
	ID           string        `json:"id"`
	TriggerID    string        `json:"triggerId"`
	WebhookID    string        `json:"webhookId"`
	Hook         string        `json:"hook"`
	URL          string        `json:"url"`
	Status       string        `json:"status"`
	StatusCode   *int          `json:"statusCode"`
	Error        string        `json:"error"`
	DurationMs   int64         `json:"durationMs"`
	AttemptedAt  string        `json:"attemptedAt"`
	RedeliveryOf *string       `json:"redeliveryOf"`
	Response     *responseJSON `json:"response"`
}

// responseJSON is what a receiver answered: its header and the first KiB
// of its body.
type responseJSON struct {
	Headers json.RawMessage `json:"headers"`
	Body    string          `json:"body"`
}

func toDeliveryJSON(d hookd.Delivery) deliveryJSON {
	out := deliveryJSON{
		ID: d.ID, TriggerID: d.TriggerID, WebhookID: d.WebhookID, Hook: d.Hook, URL: d.URL,
		Status: d.Status, Error: d.Error, DurationMs: d.DurationMs,
		AttemptedAt: hookd.FormatTime(d.AttemptedAt),
	}
	if d.StatusCode != 0 {
		c := d.StatusCode
		out.StatusCode = &c
		headers := json.RawMessage(d.ResponseHeaders)
		if len(headers) == 0 {
			headers = json.RawMessage(`{}`) // logged before hookd kept headers
		}
		out.Response = &responseJSON{Headers: headers, Body: d.Response}
	}
	if d.RedeliveryOf != "" {
		r := d.RedeliveryOf
		out.RedeliveryOf = &r
	}
	return out
}

func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := hookd.DeliveryFilter{
		AccountID: accountID(r.Context()), WebhookID: q.Get("webhookId"), TriggerID: q.Get("triggerId"),
		Status: q.Get("status"), Hook: q.Get("hook"),
	}
	errs := hookd.FieldErrors{}
	if f.Status != "" && !hookd.ValidStatus(f.Status) {
		errs.Add("status", "must be one of pending, delivered, failed, skipped")
	}
	f.Cursor, f.Since, f.Until, f.Limit = queryPage(q, hookd.PrefixDelivery, errs)
	if err := errs.Err(); err != nil {
		h.error(w, r, err)
		return
	}
	ds, next, err := h.store.Deliveries(r.Context(), f)
	h.reply(w, r, http.StatusOK, map[string]any{"deliveries": each(ds, toDeliveryJSON), "nextCursor": nextCursor(next)}, err)
}

func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := byID(r, h.app.Redeliver)
	h.reply(w, r, http.StatusAccepted, toDeliveryJSON(d), err)
}

type greylistEntryJSON struct {
	URL                 string  `json:"url"`
	Until               *string `json:"until"`
	Level               int     `json:"level"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
}

func toGreylistEntryJSON(s hookd.URLState) greylistEntryJSON {
	return greylistEntryJSON{URL: s.URL, Until: timePtr(s.Until), Level: s.Level, ConsecutiveFailures: s.ConsecutiveFailures}
}

func (h *Handler) listGreylist(w http.ResponseWriter, r *http.Request) {
	states, err := h.store.Greylist(r.Context(), accountID(r.Context()))
	h.reply(w, r, http.StatusOK, map[string]any{"entries": each(states, toGreylistEntryJSON)}, err)
}

func (h *Handler) releaseGreylist(w http.ResponseWriter, r *http.Request) {
	u := r.URL.Query().Get("url")
	if u == "" {
		h.error(w, r, (hookd.FieldErrors{"url": "is required: DELETE /api/v1/greylist?url=<the webhook URL, URL-encoded>"}).Err())
		return
	}
	if err := h.app.ReleaseURL(r.Context(), accountID(r.Context()), u); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
