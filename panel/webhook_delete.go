package panel

import (
	"context"
	"net/http"

	"github.com/hookd-dev/hookd"
)

// webhookDeleteConfirm asks before deleting.
func (h *handler) webhookDeleteConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.webhookConfirm(w, r, v, "webhook_delete", "Delete ")
}

func (h *handler) webhookDelete(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.webhookAct(w, r, v, "webhook deleted", func(ctx context.Context, accountID string, wh hookd.Webhook) (string, string, error) {
		return "Webhook “" + wh.Name + "” deleted. Nothing more will be sent to " + wh.URL + ".", "/settings/webhooks",
			h.app.DeleteWebhook(ctx, accountID, wh.ID)
	})
}
