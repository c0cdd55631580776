package api

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// requestJSON is what hookd sent: the headers and the body.
type requestJSON struct {
	Headers map[string]string `json:"headers"`
	Body    *string           `json:"body"` // null when retention removed the trigger
}

type deliveryDetailJSON struct {
	deliveryJSON
	Request *requestJSON `json:"request"`
}

// getDelivery answers GET /api/v1/deliveries/{id}: the delivery, exactly
// what was sent and what came back. Of the request only the signature is
// stored: the other headers and the body are made again from the trigger
// and the attempt time (hookd.Delivery.SentHeaders, hookd.Trigger.Envelope).
// A skipped or pending delivery has sent nothing yet: its request is null.
// The delivery of a deleted webhook is read like any other: the log is
// history and keeps it until retention removes it.
func (h *Handler) getDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := byID(r, h.store.Delivery)
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := deliveryDetailJSON{deliveryJSON: toDeliveryJSON(d)}
	if sent := d.SentHeaders(); sent != nil {
		req := &requestJSON{Headers: make(map[string]string, len(sent))}
		for _, hd := range sent {
			req.Headers[hd.Name] = hd.Value
		}
		t, err := h.store.Trigger(r.Context(), d.AccountID, d.TriggerID)
		switch {
		case err == nil:
			body := string(t.Envelope())
			req.Body = &body
		case hookd.ErrorCode(err) != hookd.ENOTFOUND:
			h.error(w, r, err)
			return
		}
		out.Request = req
	}
	writeJSON(w, http.StatusOK, out)
}
