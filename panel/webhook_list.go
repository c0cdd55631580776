package panel

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"hookd"
)

// webhookRow is one webhook as the list and the overview show it.
type webhookRow struct {
	hookd.Webhook
	Hooks []string // readable, with whole groups folded
	Grey  greyState
	Last  *hookd.Delivery
}

// greyState is a URL's grey-list state as a person reads it.
type greyState struct {
	Listed   bool      // deliveries are being skipped now
	Until    time.Time // when Listed: when the next delivery will be tried
	Level    int       // the how-manieth period in a row
	Failures int       // consecutive failures
	Waiting  bool      // a period ended; the next delivery decides
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
	now := h.now()
	rows := make([]webhookRow, len(hooks))
	for i, wh := range hooks {
		rows[i] = webhookRow{Webhook: wh, Hooks: hookSummary(wh.Hooks), Grey: toGrey(wh.Greylist, now)}
		if d, ok := last[wh.ID]; ok {
			rows[i].Last = &d
		}
	}
	return rows, nil
}

func toGrey(s hookd.URLState, now time.Time) greyState {
	g := greyState{Level: s.Level, Failures: s.ConsecutiveFailures}
	if s.Greylisted(now) {
		g.Listed, g.Until = true, s.Until
	} else if s.Level > 0 {
		g.Waiting = true
	}
	return g
}

// hookSummary names a webhook's hooks for a person: a whole group becomes
// "All room booking hooks (5)"; the rest are listed by readable name.
func hookSummary(names []string) []string {
	if len(names) == len(hookd.Catalogue) {
		return []string{fmt.Sprintf("All %d hooks", len(hookd.Catalogue))}
	}
	has := make(map[string]bool, len(names))
	for _, n := range names {
		has[n] = true
	}
	var out []string
	for _, g := range hookGroups() {
		all := true
		for _, hk := range g.Hooks {
			all = all && has[hk.Name]
		}
		if all {
			out = append(out, g.AllLabel)
			continue
		}
		for _, hk := range g.Hooks {
			if has[hk.Name] {
				out = append(out, hookTitle(hk.Name))
			}
		}
	}
	return out
}

// hookGroup is one group of the catalogue as the form shows it.
type hookGroup struct {
	Name     string // "Room bookings"
	ID       string // "room-bookings", for element ids
	AllLabel string // "All room booking hooks (5)"
	Hooks    []hookd.Hook
}

func hookGroups() []hookGroup {
	labels := map[string]string{
		hookd.GroupEvents:       "All event hooks",
		hookd.GroupRoomBookings: "All room booking hooks",
		hookd.GroupAppointments: "All appointment hooks",
	}
	ids := map[string]string{
		hookd.GroupEvents:       "events",
		hookd.GroupRoomBookings: "room-bookings",
		hookd.GroupAppointments: "appointments",
	}
	groups := make([]hookGroup, 0, len(hookd.Groups))
	for _, name := range hookd.Groups {
		g := hookGroup{Name: name, ID: ids[name]}
		for _, hk := range hookd.Catalogue {
			if hk.Group == name {
				g.Hooks = append(g.Hooks, hk)
			}
		}
		g.AllLabel = labels[name] + " (" + strconv.Itoa(len(g.Hooks)) + ")"
		groups = append(groups, g)
	}
	return groups
}
