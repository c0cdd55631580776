package panel

import (
	"net/http"
	"sort"
	"time"
)

type overviewPage struct {
	base
	Chart   any // template.HTML
	Hour    minuteCounts
	Minutes []minuteCounts // the minutes with deliveries, for the table
	Colors  any
	// Attention are the webhooks that need a look, worst first, at most
	// overviewAttention of them; Total and Healthy count all of them.
	Attention      []webhookRow
	MoreAttention  int // those needing attention beyond Attention
	Total, Healthy int
}

// overviewAttention is how many webhooks needing attention the overview
// lists; the webhook list shows them all.
const overviewAttention = 5

func (h *handler) overview(w http.ResponseWriter, r *http.Request, v *visitor) {
	now := h.now()
	stats, err := h.store.DeliveryStats(r.Context(), v.User.AccountID, now.Add(-time.Hour))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := h.webhookRows(r, v)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	buckets := lastHour(stats, now)
	p := overviewPage{
		base:   h.base(w, r, v, "Overview", "overview"),
		Chart:  deliveryChart(buckets, h.loc),
		Colors: chartColors,
		Total:  len(rows),
	}
	for _, b := range buckets {
		p.Hour.Delivered += b.Delivered
		p.Hour.Failed += b.Failed
		p.Hour.Skipped += b.Skipped
		if b.total() > 0 {
			p.Minutes = append(p.Minutes, b)
		}
	}
	sort.Slice(p.Minutes, func(i, j int) bool { return p.Minutes[i].Minute.After(p.Minutes[j].Minute) })

	attention := filterWebhooks(rows, "attention")
	sortWebhooks(attention, "attention")
	p.Healthy = len(rows) - len(attention)
	if len(attention) > overviewAttention {
		p.MoreAttention = len(attention) - overviewAttention
		attention = attention[:overviewAttention]
	}
	p.Attention = attention
	h.render(w, r, http.StatusOK, "overview", p)
}
