package panel

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

type deliveryDetailPage struct {
	base
	D       hookd.Delivery
	Webhook *hookd.Webhook // nil when it was deleted
	Trigger *hookd.Trigger // nil when retention removed it
	Sent    []hookd.Header // nil when nothing was sent
	Body    string         // exactly the body sent (or that would be)
	Pretty  string         // the same, indented
	Answer  []hookd.Header // the answer's headers, as logged
	// Attempts are the trigger's deliveries to the same webhook, oldest
	// first: this one's place among them.
	Attempts []hookd.Delivery
	Others   int // deliveries of the trigger to other webhooks
}

// deliveryDetail shows one delivery: exactly what was sent (the headers,
// the signature among them, and the body) and what came back (status,
// headers, the first KiB of the body), how long it took, and where it
// stands among the trigger's attempts. A deleted webhook's deliveries are
// shown like any other: the log keeps them until retention removes them.
func (h *handler) deliveryDetail(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, acc := r.Context(), v.User.AccountID
	d, ok := byID(h, w, r, v, h.store.Delivery)
	if !ok {
		return
	}
	p := deliveryDetailPage{base: h.base(w, r, v, hookTitle(d.Hook)+" delivery", "deliveries"), D: d, Sent: d.SentHeaders()}
	wh, err := h.store.Webhook(ctx, acc, d.WebhookID)
	switch {
	case err == nil:
		p.Webhook = &wh
	case hookd.ErrorCode(err) != hookd.ENOTFOUND:
		h.fail(w, r, err)
		return
	}
	t, err := h.store.Trigger(ctx, acc, d.TriggerID)
	switch {
	case err == nil:
		p.Trigger = &t
		p.Body = string(t.Envelope())
		p.Pretty = indentJSON(t.Envelope())
	case hookd.ErrorCode(err) != hookd.ENOTFOUND:
		h.fail(w, r, err)
		return
	}
	p.Answer = answerHeaders(d.ResponseHeaders)
	all, err := app.TriggerDeliveries(r.Context(), h.store, acc, d.TriggerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, x := range all {
		if x.WebhookID == d.WebhookID {
			p.Attempts = append(p.Attempts, x)
		} else {
			p.Others++
		}
	}
	slices.Reverse(p.Attempts) // oldest first: the order they were made in
	h.render(w, r, http.StatusOK, "delivery_detail", p)
}

// answerHeaders reads the logged answer's header (a JSON object of lists
// of values) as one line per value, sorted by name.
func answerHeaders(logged string) []hookd.Header {
	var m map[string][]string
	if logged == "" || json.Unmarshal([]byte(logged), &m) != nil {
		return nil
	}
	var out []hookd.Header
	for name, vs := range m {
		for _, v := range vs {
			out = append(out, hookd.Header{Name: name, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
