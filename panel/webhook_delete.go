package panel

import (
	"net/http"
)

type webhookDeletePage struct {
	base
	Webhook webhookRow
}

// webhookDeleteConfirm asks before deleting: the page works without
// JavaScript, so the question is a page of its own.
func (h *handler) webhookDeleteConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "webhook_delete", webhookDeletePage{
		base:    h.base(w, r, v, "Delete "+wh.Name, "webhooks"),
		Webhook: webhookRow{Webhook: wh, Hooks: hookSummary(h.app.Catalogue(), wh.Hooks)},
	})
}

func (h *handler) webhookDelete(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	if err := h.app.DeleteWebhook(r.Context(), v.User.AccountID, wh.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: webhook deleted", "webhook", wh.ID, "user", v.User.Username)
	h.setFlash(w, r, v, "ok", "Webhook “"+wh.Name+"” deleted. Nothing more will be sent to "+wh.URL+".")
	redirect(w, r, "/settings/webhooks")
}
