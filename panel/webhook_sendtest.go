package panel

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// webhookSendTest sends a test delivery. A script that asks for JSON gets
// the delivery's ID at once and asks for its result later (testResult),
// so that the page is not held while the receiver takes its time; a
// plain form post waits for the result a little and shows it on the
// webhook's page.
func (h *handler) webhookSendTest(w http.ResponseWriter, r *http.Request, v *visitor) {
	d, ok := byID(h, w, r, v, h.app.SendTest)
	if !ok {
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusAccepted, h.testResultOf(d))
		return
	}
	h.waitSent(r.Context(), v.User.AccountID, d.ID)
	redirect(w, r, "/settings/webhooks/"+d.WebhookID+"?test="+d.ID)
}

// testResult answers a script's question about a test it sent: the
// delivery's status, and the sentence the page shows.
func (h *handler) testResult(w http.ResponseWriter, r *http.Request, v *visitor) {
	d, err := h.store.Delivery(r.Context(), v.User.AccountID, r.PathValue("delivery"))
	if err != nil || d.WebhookID != r.PathValue("id") {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "There is no such test delivery."})
		return
	}
	writeJSON(w, http.StatusOK, h.testResultOf(d))
}

type testResultJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Done   bool   `json:"done"`
	Text   string `json:"text"`
}

func (h *handler) testResultOf(d hookd.Delivery) testResultJSON {
	return testResultJSON{ID: d.ID, Status: d.Status, Done: d.Status != hookd.StatusPending, Text: h.deliveryOutcome(d)}
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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
