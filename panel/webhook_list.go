package panel

import (
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
)

// webhookRow is one webhook as the list and the overview show it.
type webhookRow struct {
	hookd.Webhook
	Hooks []string // readable, with whole groups folded
	// Missing are hooks it subscribes to that the catalogue no longer has.
	Missing []string
	Grey    greyState
	Last    *hookd.Delivery
}

// greyState is a URL's grey-list state as a person reads it.
type greyState struct {
	Listed   bool      // deliveries are being skipped now
	Until    time.Time // when Listed: when the next delivery will be tried
	Level    int       // the how-manieth period in a row
	Failures int       // consecutive failures
	Waiting  bool      // a period ended; the next delivery decides
	// LastError is the error of the newest failed send, as recorded.
	LastError string
}

type webhookListPage struct {
	base
	Webhooks []webhookRow
}

func (h *handler) webhookList(w http.ResponseWriter, r *http.Request, v *visitor) {
	rows, err := h.webhookRows(r, v)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "webhooks", webhookListPage{
		base:     h.base(w, r, v, "Webhooks", "webhooks"),
		Webhooks: rows,
	})
}

// webhookRows loads the account's webhooks with their grey-list state and
// last delivery.
func (h *handler) webhookRows(r *http.Request, v *visitor) ([]webhookRow, error) {
	ctx := r.Context()
	hooks, err := h.store.Webhooks(ctx, v.User.AccountID)
	if err != nil {
		return nil, err
	}
	last, err := h.store.LastDeliveries(ctx, v.User.AccountID)
	if err != nil {
		return nil, err
	}
	now, cat := h.now(), h.app.Catalogue()
	rows := make([]webhookRow, len(hooks))
	for i, wh := range hooks {
		rows[i] = webhookRow{Webhook: wh, Hooks: hookSummary(cat, wh.Hooks), Missing: cat.Missing(wh.Hooks),
			Grey: toGrey(wh.Greylist, now)}
		if d, ok := last[wh.ID]; ok {
			rows[i].Last = &d
		}
	}
	return rows, nil
}

func toGrey(s hookd.URLState, now time.Time) greyState {
	g := greyState{Level: s.Level, Failures: s.ConsecutiveFailures, LastError: s.LastError}
	if s.Greylisted(now) {
		g.Listed, g.Until = true, s.Until
	} else if s.Level > 0 {
		g.Waiting = true
	}
	return g
}
