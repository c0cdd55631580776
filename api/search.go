package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

type triggerFoundJSON struct {
	ID         string          `json:"id"`
	Hook       string          `json:"hook"`
	Timestamp  string          `json:"timestamp"`
	Data       json.RawMessage `json:"data"`
	Deliveries countsJSON      `json:"deliveries"`
}

type countsJSON struct {
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// searchTriggers answers GET /api/v1/triggers: the account's triggers by
// hook, trigger time and payload fields (data.<field>=<value>, read by
// hookd.ParseDataMatch), newest first, with their delivery counts.
func (h *Handler) searchTriggers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := hookd.TriggerFilter{AccountID: accountID(r.Context()), Hook: q.Get("hook")}
	errs := hookd.FieldErrors{}
	f.Cursor, f.Since, f.Until, f.Limit = queryPage(q, hookd.PrefixTrigger, errs)
	for name, vs := range q {
		field, ok := strings.CutPrefix(name, "data.")
		if !ok {
			continue
		}
		if len(vs) > 1 {
			errs.Add(name, "must be given once")
			continue
		}
		m, problem := hookd.ParseDataMatch(field, vs[0])
		if problem != "" {
			errs.Add(name, problem)
			continue
		}
		f.Data = append(f.Data, m)
	}
	if len(f.Data) > hookd.MaxDataMatches {
		errs.Add("data", "at most 4 data.<field> conditions")
	}
	if err := errs.Err(); err != nil {
		h.error(w, r, err)
		return
	}
	found, next, err := h.store.SearchTriggers(r.Context(), f)
	h.reply(w, r, http.StatusOK, map[string]any{"triggers": each(found, toTriggerFoundJSON), "nextCursor": nextCursor(next)}, err)
}

func toTriggerFoundJSON(t hookd.TriggerSummary) triggerFoundJSON {
	c := t.Deliveries
	return triggerFoundJSON{ID: t.ID, Hook: t.Hook, Timestamp: hookd.FormatTime(t.Timestamp), Data: t.Data,
		Deliveries: countsJSON{Pending: c.Pending, Delivered: c.Delivered, Failed: c.Failed, Skipped: c.Skipped}}
}

// getTrigger answers GET /api/v1/triggers/{id}: the trigger and every
// attempt to deliver it, to every webhook, newest first.
func (h *Handler) getTrigger(w http.ResponseWriter, r *http.Request) {
	t, err := byID(r, h.store.Trigger)
	if err != nil {
		h.error(w, r, err)
		return
	}
	ds, err := app.TriggerDeliveries(r.Context(), h.store, t.AccountID, t.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": t.ID, "hook": t.Hook, "timestamp": hookd.FormatTime(t.Timestamp),
		"receivedAt": hookd.FormatTime(t.ReceivedAt), "data": t.Data, "deliveries": each(ds, toDeliveryJSON),
	})
}
