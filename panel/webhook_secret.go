package panel

import (
	"net/http"
)

// webhookRotateConfirm asks before a rotation: receivers that check
// signatures must be given the new secret within a day.
func (h *handler) webhookRotateConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.webhookConfirm(w, r, v, "webhook_rotate", "Rotate the secret of ")
}

// webhookRotate gives the webhook a new signing secret. The old one keeps
// signing beside it for a day so that receivers can switch.
func (h *handler) webhookRotate(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.app.RotateSecret)
	if !ok {
		return
	}
	h.webhookDone(w, r, v, wh, "webhook secret rotated", "New secret made. Deliveries are signed with both the new and the old secret until "+
		h.clock(wh.PreviousUntil)+"; update your receiver before then.", "/settings/webhooks/"+wh.ID+"?reveal=1")
}
