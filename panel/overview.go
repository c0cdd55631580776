package panel

import (
	"net/http"
	"sort"
	"time"

	"github.com/hookd-dev/hookd"
)

type overviewPage struct {
	base
	Chart    any // template.HTML
	Hour     minuteCounts
	Minutes  []minuteCounts // the minutes with deliveries, for the table
	Webhooks []overviewRow
	Colors   any
}

// overviewRow is one webhook's health over the last 24 hours.
type overviewRow struct {
	webhookRow
	Delivered, Failed, Skipped int
	Rate                       int  // success rate in percent of sent deliveries
	HasRate                    bool // false when nothing was sent
}

func (h *handler) overview(w http.ResponseWriter, r *http.Request, v *visitor) {
	now := h.now()
	stats, err := h.store.DeliveryStats(r.Context(), v.User.AccountID, now.Add(-24*time.Hour))
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

	byHook := map[string]*overviewRow{}
	for _, row := range rows {
		p.Webhooks = append(p.Webhooks, overviewRow{webhookRow: row})
	}
	for i := range p.Webhooks {
		byHook[p.Webhooks[i].ID] = &p.Webhooks[i]
	}
	for _, s := range stats {
		o := byHook[s.WebhookID]
		if o == nil {
			continue
		}
		switch s.Status {
		case hookd.StatusDelivered:
			o.Delivered += s.Count
		case hookd.StatusFailed:
			o.Failed += s.Count
		case hookd.StatusSkipped:
			o.Skipped += s.Count
		}
	}
	for i := range p.Webhooks {
		o := &p.Webhooks[i]
		if sent := o.Delivered + o.Failed; sent > 0 {
			o.HasRate = true
			o.Rate = o.Delivered * 100 / sent
		}
	}
	h.render(w, r, http.StatusOK, "overview", p)
}
