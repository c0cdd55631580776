package panel

import (
	"context"
	"net/http"

	"github.com/hookd-dev/hookd"
)

// webhookRelease takes the webhook's URL off the grey-list at once: the next
// delivery is sent instead of skipped.
func (h *handler) webhookRelease(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.webhookAct(w, r, v, "URL released from the grey-list", func(ctx context.Context, accountID string, wh hookd.Webhook) (string, string, error) {
		return "Deliveries to " + wh.URL + " resume: it is off the grey-list, and the next delivery is sent.", backTo(r, "/settings/webhooks"),
			h.app.ReleaseURL(ctx, accountID, wh.URL)
	})
}
