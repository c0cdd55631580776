package panel

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/hookd-dev/hookd"
)

// deliveriesPerPage is the length of one page of the delivery log.
const deliveriesPerPage = 25

type deliveriesPage struct {
	base
	Webhook  hookd.Webhook
	Status   string
	Filters  []filterLink
	Rows     []deliveryRow
	Next     string // URL of the next (older) page; "" on the last
	Paged    bool   // this is not the first page
	FirstURL string
}

type filterLink struct {
	Label   string
	URL     string
	Current bool
}

type deliveryRow struct {
	hookd.Delivery
	Payload string // the JSON body that was (or would have been) sent, indented
}

func (h *handler) deliveries(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx := r.Context()
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && !hookd.ValidStatus(status) {
		status = ""
	}
	cursor := q.Get("cursor")
	if cursor != "" && !hookd.ValidID(hookd.PrefixDelivery, cursor) {
		cursor = "" // not one of ours: the newest page, as for an unknown status
	}
	list, next, err := h.store.Deliveries(ctx, hookd.DeliveryFilter{
		AccountID: v.User.AccountID, WebhookID: wh.ID, Status: status,
		Limit: deliveriesPerPage, Cursor: cursor,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	self := "/settings/webhooks/" + wh.ID + "/deliveries"
	link := func(status, cursor string) string {
		v := url.Values{}
		if status != "" {
			v.Set("status", status)
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if len(v) == 0 {
			return self
		}
		return self + "?" + v.Encode()
	}
	p := deliveriesPage{
		base:    h.base(w, r, v, "Deliveries of "+wh.Name, "webhooks"),
		Webhook: wh, Status: status, Paged: cursor != "", FirstURL: link(status, ""),
	}
	for _, f := range []struct{ label, status string }{
		{"All", ""}, {"Delivered", hookd.StatusDelivered}, {"Failed", hookd.StatusFailed},
		{"Skipped", hookd.StatusSkipped}, {"Pending", hookd.StatusPending},
	} {
		p.Filters = append(p.Filters, filterLink{Label: f.label, URL: link(f.status, ""), Current: f.status == status})
	}
	if next != "" {
		p.Next = link(status, next)
	}
	// One trigger may have several deliveries on a page (redeliveries).
	payloads := map[string]string{}
	for _, d := range list {
		pl, ok := payloads[d.TriggerID]
		if !ok {
			pl = h.payload(r, v, d.TriggerID)
			payloads[d.TriggerID] = pl
		}
		p.Rows = append(p.Rows, deliveryRow{Delivery: d, Payload: pl})
	}
	h.render(w, r, http.StatusOK, "deliveries", p)
}

// payload is the body a delivery carries, as readable JSON.
func (h *handler) payload(r *http.Request, v *visitor, triggerID string) string {
	t, err := h.store.Trigger(r.Context(), v.User.AccountID, triggerID)
	if err != nil {
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			h.log.Error("panel: loading a delivery's trigger", "trigger", triggerID, "err", err)
		}
		return ""
	}
	return indentJSON(t.Envelope())
}

// indentJSON is JSON made readable: indented by two spaces.
func indentJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// redeliver sends a delivery's trigger again as a new delivery and shows
// the log with the result on top.
func (h *handler) redeliver(w http.ResponseWriter, r *http.Request, v *visitor) {
	old, err := h.store.Delivery(r.Context(), v.User.AccountID, r.PathValue("delivery"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if old.WebhookID != r.PathValue("id") {
		h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "This delivery does not belong to this webhook."))
		return
	}
	d, err := h.app.Redeliver(r.Context(), v.User.AccountID, old.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d = h.waitSent(r.Context(), v.User.AccountID, d.ID)
	kind, text := "ok", "Sent again. "+h.deliveryOutcome(d)
	if d.Status == hookd.StatusFailed || d.Status == hookd.StatusSkipped {
		kind = "error"
	}
	h.setFlash(w, r, v, kind, text)
	redirect(w, r, "/settings/webhooks/"+old.WebhookID+"/deliveries")
}

// deliveryOutcome says in a sentence how a delivery went: its status and
// its cause (h.cause): "Delivered: your server answered 200 in 32 ms.",
// "Failed: no answer within 10 s.", "Skipped: paused until 14:05 UTC …".
func (h *handler) deliveryOutcome(d hookd.Delivery) string {
	if d.Status == hookd.StatusPending || d.Status == "" {
		return "Still being sent; reload the page to see the result."
	}
	cause := strings.TrimPrefix(h.cause(d), "Not sent: ")
	return upperFirst(d.Status) + ": " + lowerFirst(cause) + "."
}
