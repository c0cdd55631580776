package api

import (
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
)

type recoverBody struct {
	Since *string `json:"since"`
	Until *string `json:"until"`
}

// recoverWebhook answers POST /api/v1/webhooks/{id}/recover: it queues the
// triggers of the range that the webhook missed (app.Recover) and answers
// 202 with how many.
func (h *Handler) recoverWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var b recoverBody
	if err := decodeObject(body, &b); err != nil {
		h.error(w, r, err)
		return
	}
	errs := hookd.FieldErrors{}
	parse := func(name string, s *string) time.Time {
		if s == nil {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, *s)
		if err != nil {
			errs.Add(name, "must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z")
		}
		return t
	}
	if b.Since == nil {
		errs.Add("since", "is required: the time from which to send what was missed")
	}
	since, until := parse("since", b.Since), parse("until", b.Until)
	if err := errs.Err(); err != nil {
		h.error(w, r, err)
		return
	}
	rec, n, err := h.app.Recover(r.Context(), accountID(r.Context()), r.PathValue("id"), since, until, h.retention)
	h.reply(w, r, http.StatusAccepted, map[string]any{"recovery": map[string]any{
		"id": rec.ID, "webhookId": rec.WebhookID, "since": hookd.FormatTime(rec.Since),
		"until": hookd.FormatTime(rec.Until), "queued": n,
	}}, err)
}

// getRecovery answers GET /api/v1/recoveries/{id}: the recovery that
// POST …/recover answered with, and how far it got.
func (h *Handler) getRecovery(w http.ResponseWriter, r *http.Request) {
	p, err := byID(r, h.store.Recovery)
	h.reply(w, r, http.StatusOK, map[string]any{"recovery": map[string]any{
		"id": p.ID, "webhookId": p.WebhookID, "since": hookd.FormatTime(p.Since), "until": hookd.FormatTime(p.Until),
		"queued": p.Queued, "pending": p.Pending, "delivered": p.Delivered, "failed": p.Failed,
		"dropped": p.Dropped(), "done": p.Done(),
	}}, err)
}
