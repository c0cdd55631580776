package panel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

// logFilter is what the account-wide Deliveries page and its export are
// asked for: the query of GET /deliveries, kept as typed so the form shows
// it again.
type logFilter struct {
	Webhook, Hook, Status string
	Since, Until          string // as typed in the form: local time, "2026-12-03T14:05"
	Data                  string // payload conditions: "eventId=207 reason=Snow"
	Cursor                string

	since, until time.Time
	data         []hookd.DataMatch
	Problems     []string // what is wrong with the query, in words
}

// readLogFilter reads the filters from a query; a value that cannot be used
// is named in Problems (the page says so and shows nothing rather than
// more than was asked for).
func (h *handler) readLogFilter(q url.Values) logFilter {
	f := logFilter{Webhook: q.Get("webhook"), Hook: q.Get("hook"), Status: q.Get("status"),
		Since: q.Get("since"), Until: q.Get("until"), Data: strings.TrimSpace(q.Get("data")), Cursor: q.Get("cursor")}
	if f.Status != "" && !hookd.ValidStatus(f.Status) {
		f.Problems = append(f.Problems, "Status must be one of delivered, failed, skipped or pending.")
	}
	var ok bool
	if f.since, ok = h.readLocalTime(f.Since); !ok {
		f.Problems = append(f.Problems, "“From” is not a date and time, e.g. 2026-12-03 14:05.")
	}
	if f.until, ok = h.readLocalTime(f.Until); !ok {
		f.Problems = append(f.Problems, "“To” is not a date and time, e.g. 2026-12-03 16:00.")
	}
	if !f.since.IsZero() && !f.until.IsZero() && !f.until.After(f.since) {
		f.Problems = append(f.Problems, "“To” must be after “From”.")
	}
	for _, cond := range splitConditions(f.Data) {
		name, value, found := strings.Cut(cond, "=")
		name = strings.TrimPrefix(strings.TrimSpace(name), "data.")
		if !found {
			f.Problems = append(f.Problems, "“"+cond+"” is not a payload condition: write field=value, e.g. eventId=207.")
			continue
		}
		m, problem := hookd.ParseDataMatch(name, value)
		if problem != "" {
			f.Problems = append(f.Problems, "In “"+cond+"”: "+name+" "+problem+".")
			continue
		}
		f.data = append(f.data, m)
	}
	if len(f.data) > hookd.MaxDataMatches {
		f.Problems = append(f.Problems, "At most 4 payload conditions at once.")
	}
	// A page of the search is after a trigger, of the log after a delivery;
	// any other cursor is not one of ours: the newest page.
	prefix := hookd.PrefixDelivery
	if f.searching() {
		prefix = hookd.PrefixTrigger
	}
	f.Cursor = pageCursor(prefix, f.Cursor)
	return f
}

// splitConditions splits "eventId=207 reason=\"Heavy snow\"" at spaces
// outside double quotes.
func splitConditions(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case (r == ' ' || r == '\t' || r == '\n' || r == '\r') && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// readLocalTime reads a datetime-local value ("2026-12-03T14:05", seconds
// optional) in the panel's time zone; "" is the zero time.
func (h *handler) readLocalTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, h.loc); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// localInput formats a time for a datetime-local input.
func (h *handler) localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.loc).Format("2006-01-02T15:04")
}

// query returns the filter as a query string, with cursor in place of its
// own ("" for the first page).
func (f logFilter) query(cursor string) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"webhook": f.Webhook, "hook": f.Hook, "status": f.Status,
		"since": f.Since, "until": f.Until, "data": f.Data, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// searching reports whether the filter has payload conditions: then the
// page finds triggers first and shows the deliveries of each.
func (f logFilter) searching() bool { return len(f.data) > 0 }

// deliveryFilter is the store's filter for the deliveries asked for.
func (f logFilter) deliveryFilter(accountID string) hookd.DeliveryFilter {
	return hookd.DeliveryFilter{AccountID: accountID, WebhookID: f.Webhook, Status: f.Status, Hook: f.Hook,
		Since: f.since, Until: f.until}
}

// foundFilter is the store's filter for up to limit deliveries of a
// trigger a payload search found: the time range chose the trigger, so it
// does not apply to its deliveries again.
func (f logFilter) foundFilter(accountID, triggerID string, limit int) hookd.DeliveryFilter {
	df := f.deliveryFilter(accountID)
	df.TriggerID, df.Since, df.Until, df.Limit = triggerID, time.Time{}, time.Time{}, limit
	return df
}

// triggerFilter is the store's filter for a payload search. The time range
// is the trigger's time here (when it happened), as in the API's search.
func (f logFilter) triggerFilter(accountID string) hookd.TriggerFilter {
	return hookd.TriggerFilter{AccountID: accountID, Hook: f.Hook, Since: f.since, Until: f.until, Data: f.data}
}

// logRow is one delivery of the account-wide log.
type logRow struct {
	hookd.Delivery
	WebhookName string // "" when the webhook was deleted
}

// foundTrigger is one trigger a payload search found, with the deliveries
// of it that the other filters select.
type foundTrigger struct {
	hookd.TriggerSummary
	Data string // its payload's data, compact
	Rows []logRow
}

type allDeliveriesPage struct {
	base
	Filter   logFilter
	Choices  []choice // the webhook, hook and status filters
	Rows     []logRow
	Triggers []foundTrigger
	Search   bool
	Next     string
	FirstURL string
	Paged    bool
	CSV      string // export links with the same filters
	JSONL    string
}

// choice is a filter's drop-down: Any (value "") first, then Options.
type choice struct {
	ID, Name, Label, Any string
	Options              []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// newChoice is the drop-down of values, each labelled by label, with
// selected chosen.
func newChoice(id, name, label, anyLabel, selected string, values []string, labelOf func(string) string) choice {
	c := choice{ID: id, Name: name, Label: label, Any: anyLabel}
	for _, v := range values {
		c.Options = append(c.Options, option{Value: v, Label: labelOf(v), Selected: v == selected})
	}
	return c
}

// allDeliveriesPerPage is the length of a page of the account-wide log, and
// of a page of triggers found by a payload search.
const allDeliveriesPerPage = 50

// allDeliveries shows the account's whole delivery log, every webhook's,
// with filters; with payload conditions it finds the triggers instead and
// shows, for each, its deliveries: "did event 207's cancellation go out,
// and to whom?"
func (h *handler) allDeliveries(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, acc := r.Context(), v.User.AccountID
	f := h.readLogFilter(r.URL.Query())
	hooks, err := h.store.Webhooks(ctx, acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := webhookNames(hooks)
	p := allDeliveriesPage{
		base:   h.base(w, r, v, "Deliveries", "deliveries"),
		Filter: f, Search: f.searching(), Paged: f.Cursor != "",
		FirstURL: "/deliveries?" + f.query("").Encode(),
	}
	var ids, hookNames []string
	for _, wh := range hooks {
		ids = append(ids, wh.ID)
	}
	for _, hk := range h.app.Catalogue().Hooks() {
		hookNames = append(hookNames, hk.Name)
	}
	p.Choices = []choice{
		newChoice("f-webhook", "webhook", "Webhook", "All webhooks", f.Webhook, ids, func(id string) string { return names[id] }),
		newChoice("f-hook", "hook", "Hook", "All hooks", f.Hook, hookNames, hookTitle),
		newChoice("f-status", "status", "Status", "Any status", f.Status,
			[]string{hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped, hookd.StatusPending}, upperFirst),
	}
	exp := f.query("")
	exp.Set("format", "csv")
	p.CSV = "/deliveries/export?" + exp.Encode()
	exp.Set("format", "jsonl")
	p.JSONL = "/deliveries/export?" + exp.Encode()
	if len(f.Problems) > 0 {
		h.render(w, r, http.StatusBadRequest, "deliveries_all", p)
		return
	}
	var next string
	if f.searching() {
		tf := f.triggerFilter(acc)
		tf.Limit, tf.Cursor = allDeliveriesPerPage, f.Cursor
		var found []hookd.TriggerSummary
		found, next, err = h.store.SearchTriggers(ctx, tf)
		for _, t := range found {
			if err != nil {
				break
			}
			var ds []hookd.Delivery
			ds, _, err = h.store.Deliveries(ctx, f.foundFilter(acc, t.ID, 100))
			p.Triggers = append(p.Triggers, foundTrigger{TriggerSummary: t, Data: string(t.Data), Rows: logRows(ds, names)})
		}
	} else {
		df := f.deliveryFilter(acc)
		df.Limit, df.Cursor = allDeliveriesPerPage, f.Cursor
		var ds []hookd.Delivery
		ds, next, err = h.store.Deliveries(ctx, df)
		p.Rows = logRows(ds, names)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if next != "" {
		p.Next = "/deliveries?" + f.query(next).Encode()
	}
	h.render(w, r, http.StatusOK, "deliveries_all", p)
}

// pageCursor is the cursor of a page link when it is an ID of prefix, and
// "" (the first page) when it is not.
func pageCursor(prefix, cursor string) string {
	if !hookd.ValidID(prefix, cursor) {
		return ""
	}
	return cursor
}

// logRows are the log's rows of ds, each with its webhook's name of names
// (webhookNames).
func logRows(ds []hookd.Delivery, names map[string]string) []logRow {
	rows := make([]logRow, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, logRow{Delivery: d, WebhookName: names[d.WebhookID]})
	}
	return rows
}

func webhookNames(hooks []hookd.Webhook) map[string]string {
	names := make(map[string]string, len(hooks))
	for _, wh := range hooks {
		names[wh.ID] = wh.Name
	}
	return names
}

// eachDelivery calls fn with every delivery the filter selects, newest
// first, a page at a time, so that an export of a long log is streamed
// rather than held. With payload conditions it walks the triggers found
// and their deliveries.
func (h *handler) eachDelivery(ctx context.Context, acc string, f logFilter, fn func(hookd.Delivery) error) error {
	const page = 500
	each := func(df hookd.DeliveryFilter) error { return app.EachDelivery(ctx, h.store, df, fn) }
	if !f.searching() {
		df := f.deliveryFilter(acc)
		df.Limit = page
		return each(df)
	}
	tf := f.triggerFilter(acc)
	tf.Limit = page
	for {
		found, next, err := h.store.SearchTriggers(ctx, tf)
		if err != nil {
			return err
		}
		for _, t := range found {
			if err := each(f.foundFilter(acc, t.ID, page)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		tf.Cursor = next
	}
}
