package panel

import (
	"context"
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
)

// webhookSendTest sends a test delivery, waits for its result a little and
// shows it on the webhook's page.
func (h *handler) webhookSendTest(w http.ResponseWriter, r *http.Request, v *visitor) {
	d, ok := byID(h, w, r, v, h.app.SendTest)
	if !ok {
		return
	}
	h.waitSent(r.Context(), v.User.AccountID, d.ID)
	redirect(w, r, "/settings/webhooks/"+d.WebhookID+"?test="+d.ID+"#test")
}

// waitSent waits until a pending delivery has its result, up to testWait or
// until the visitor gives up, so that the next page can show it.
func (h *handler) waitSent(ctx context.Context, accountID, id string) hookd.Delivery {
	ctx, cancel := context.WithTimeout(ctx, h.testWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		d, err := h.store.Delivery(ctx, accountID, id)
		if err == nil && d.Status != hookd.StatusPending {
			return d
		}
		select {
		case <-ctx.Done():
			return d
		case <-tick.C:
		}
	}
}
