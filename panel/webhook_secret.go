package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

type rotatePage struct {
	base
	Webhook hookd.Webhook
}

// webhookRotateConfirm asks before a rotation: receivers that check
// signatures must be given the new secret within a day.
func (h *handler) webhookRotateConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "webhook_rotate", rotatePage{base: h.base(w, r, v, "Rotate the secret of "+wh.Name, "webhooks"), Webhook: wh})
}

// webhookRotate gives the webhook a new signing secret. The old one keeps
// signing beside it for a day so that receivers can switch.
func (h *handler) webhookRotate(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.app.RotateSecret)
	if !ok {
		return
	}
	h.log.Info("panel: webhook secret rotated", "webhook", wh.ID, "user", v.User.Username)
	h.setFlash(w, r, v, "ok", "New secret made. Deliveries are signed with both the new and the old secret until "+
		h.clock(wh.PreviousUntil)+"; update your receiver before then.")
	redirect(w, r, "/settings/webhooks/"+wh.ID+"?reveal=1")
}
