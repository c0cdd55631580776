package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

type triggerPage struct {
	base
	Trigger hookd.Trigger
	Payload string   // the envelope every webhook was sent, indented
	Rows    []logRow // every attempt to every webhook, newest first
	Counts  hookd.DeliveryCounts
}

// triggerPage shows one trigger, its payload, and every attempt to deliver
// it, to every webhook (deleted ones too).
func (h *handler) triggerPage(w http.ResponseWriter, r *http.Request, v *visitor) {
	acc := v.User.AccountID
	t, ok := byID(h, w, r, v, h.store.Trigger)
	if !ok {
		return
	}
	hooks, err := h.store.Webhooks(r.Context(), acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := webhookNames(hooks)
	ds, err := app.TriggerDeliveries(r.Context(), h.store, acc, t.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := triggerPage{base: h.base(w, r, v, hookTitle(t.Hook)+" trigger", "deliveries"), Trigger: t, Payload: indentJSON(t.Envelope())}
	p.Rows = logRows(ds, names)
	for _, d := range ds {
		p.Counts.Add(d.Status, 1)
	}
	h.render(w, r, http.StatusOK, "trigger", p)
}
