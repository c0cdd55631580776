package panel

import (
	"net/http"
)

// webhookRelease takes the webhook's URL off the grey-list at once: the next
// delivery is sent instead of skipped.
func (h *handler) webhookRelease(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	if err := h.app.ReleaseURL(r.Context(), v.User.AccountID, wh.URL); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: URL released from the grey-list", "webhook", wh.ID, "user", v.User.Username)
	h.setFlash(w, r, v, "ok", "Deliveries to "+wh.URL+" resume: it is off the grey-list, and the next delivery is sent.")
	redirect(w, r, backTo(r, "/settings/webhooks"))
}
