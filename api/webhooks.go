package api

import (
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

// webhookJSON is a webhook as the API shows it.
type webhookJSON struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	URL   string   `json:"url"`
	Hooks []string `json:"hooks"`
	// MissingHooks are hooks the webhook subscribes to that the catalogue
	// no longer has (it changed on a restart); absent when there are none.
	MissingHooks []string     `json:"missingHooks,omitempty"`
	Enabled      bool         `json:"enabled"`
	CreatedAt    string       `json:"createdAt"`
	UpdatedAt    string       `json:"updatedAt"`
	Greylist     greylistJSON `json:"greylist"`
	Secret       string       `json:"secret,omitempty"`
}

type greylistJSON struct {
	Until               *string `json:"until"`
	Level               int     `json:"level"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
}

func timePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := hookd.FormatTime(t)
	return &s
}

func (h *Handler) toWebhookJSON(w hookd.Webhook) webhookJSON {
	hooks := w.Hooks
	if hooks == nil {
		hooks = []string{}
	}
	return webhookJSON{
		ID: w.ID, Name: w.Name, URL: w.URL, Hooks: hooks, Enabled: w.Enabled,
		MissingHooks: h.app.Catalogue().Missing(w.Hooks),
		CreatedAt:    hookd.FormatTime(w.CreatedAt), UpdatedAt: hookd.FormatTime(w.UpdatedAt),
		Greylist: greylistJSON{
			Until: timePtr(w.Greylist.Until), Level: w.Greylist.Level,
			ConsecutiveFailures: w.Greylist.ConsecutiveFailures,
		},
	}
}

type webhookBody struct {
	Name    *string   `json:"name"`
	URL     *string   `json:"url"`
	Hooks   *[]string `json:"hooks"`
	Enabled *bool     `json:"enabled"`
}

func (b webhookBody) input() app.WebhookInput {
	return app.WebhookInput{Name: b.Name, URL: b.URL, Hooks: b.Hooks, Enabled: b.Enabled}
}

func (h *Handler) readWebhookBody(r *http.Request) (webhookBody, error) {
	var b webhookBody
	body, err := readBody(r)
	if err != nil {
		return b, err
	}
	return b, decodeObject(body, &b)
}

func (h *Handler) listHooks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"hooks": h.app.Catalogue().Hooks()})
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	b, err := h.readWebhookBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	wh, err := h.app.CreateWebhook(r.Context(), accountID(r.Context()), b.input())
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := h.toWebhookJSON(wh)
	out.Secret = wh.Secret
	w.Header().Set("Location", "/api/v1/webhooks/"+wh.ID)
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) {
	ws, err := h.store.Webhooks(r.Context(), accountID(r.Context()))
	h.reply(w, r, http.StatusOK, map[string]any{"webhooks": each(ws, h.toWebhookJSON)}, err)
}

func (h *Handler) getWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := byID(r, h.store.Webhook)
	h.reply(w, r, http.StatusOK, h.toWebhookJSON(wh), err)
}

func (h *Handler) patchWebhook(w http.ResponseWriter, r *http.Request) {
	b, err := h.readWebhookBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	wh, err := h.app.UpdateWebhook(r.Context(), accountID(r.Context()), r.PathValue("id"), b.input())
	h.reply(w, r, http.StatusOK, h.toWebhookJSON(wh), err)
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := h.app.DeleteWebhook(r.Context(), accountID(r.Context()), r.PathValue("id")); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// secretJSON is a webhook's signing secret, read or rotated.
type secretJSON struct {
	Secret string `json:"secret"`
}

func (h *Handler) getSecret(w http.ResponseWriter, r *http.Request) {
	wh, err := byID(r, h.store.Webhook)
	h.reply(w, r, http.StatusOK, secretJSON{wh.Secret}, err)
}

func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request) {
	wh, err := byID(r, h.app.RotateSecret)
	h.reply(w, r, http.StatusOK, secretJSON{wh.Secret}, err)
}

func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request) {
	d, err := byID(r, h.app.SendTest)
	h.reply(w, r, http.StatusAccepted, toDeliveryJSON(d), err)
}
