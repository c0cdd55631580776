package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd/app"
)

// webhookToggle enables or disables a webhook from the list.
func (h *handler) webhookToggle(w http.ResponseWriter, r *http.Request, v *visitor) {
	enabled := r.PostFormValue("enabled") == "true"
	wh, err := h.app.UpdateWebhook(r.Context(), v.User.AccountID, r.PathValue("id"), app.WebhookInput{Enabled: &enabled})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if wh.Enabled {
		h.setFlash(w, r, v, "ok", "Webhook “"+wh.Name+"” enabled: it receives its hooks again.")
	} else {
		h.setFlash(w, r, v, "ok", "Webhook “"+wh.Name+"” disabled: nothing is sent to it until you enable it.")
	}
	redirect(w, r, backTo(r, "/settings/webhooks"))
}

// backTo returns the form's "back" field when it is a panel page, so that
// one action can be offered on several pages.
func backTo(r *http.Request, def string) string {
	b := r.PostFormValue("back")
	switch b {
	case "/settings/webhooks", "/overview":
		return b
	}
	if id := r.PathValue("id"); id != "" && b == "/settings/webhooks/"+id {
		return b
	}
	return def
}
