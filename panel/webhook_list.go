package panel

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// webhooksPerPage is the length of one page of the webhook list: short
// enough to scan, long enough that a small account sees all of it at once.
const webhooksPerPage = 20

// healthPeriod is how far back the list and the overview count outcomes.
const healthPeriod = 24 * time.Hour

// webhookRow is one webhook as the list and the overview show it.
type webhookRow struct {
	hookd.Webhook
	Hooks []string // readable, with whole groups folded
	// Missing are hooks it subscribes to that the catalogue no longer has.
	Missing []string
	Grey    greyState
	Last    *hookd.Delivery
	Health  health
}

// health is a webhook's deliveries over the last 24 hours.
type health struct {
	Delivered, Failed, Skipped int
	Rate                       int  // delivered, in percent of those sent (delivered or failed)
	HasRate                    bool // false when nothing was sent
	LastFailure                *hookd.Delivery
}

// NeedsAttention reports whether a person should look at the webhook:
// its URL is grey-listed, or its newest delivery did not get through.
func (w webhookRow) NeedsAttention() bool {
	if !w.Enabled {
		return false
	}
	return w.Grey.Listed || w.Grey.Waiting ||
		(w.Last != nil && (w.Last.Status == hookd.StatusFailed || w.Last.Status == hookd.StatusSkipped))
}

// attention orders webhooks for the "needs attention first" sort: lower
// comes first.
func (w webhookRow) attention() int {
	switch {
	case !w.Enabled:
		return 4
	case w.Grey.Listed || w.Grey.Waiting:
		return 0
	case w.NeedsAttention():
		return 1
	case w.Health.Failed > 0:
		return 2
	}
	return 3
}

// greyState is a URL's grey-list state as a person reads it.
type greyState struct {
	Listed   bool      // deliveries are being skipped now
	Until    time.Time // when Listed: when the next delivery will be tried
	Failures int       // consecutive failures
	Waiting  bool      // no longer skipped, but the next failure grey-lists it again
	// LastError is the error of the newest failed send, as recorded.
	LastError string
}

// listSorts are the webhook list's orders, the first the default.
var listSorts = []struct{ Value, Label string }{
	{"attention", "Needs attention first"},
	{"name", "Name (A to Z)"},
	{"busiest", "Most deliveries in 24 hours"},
	{"newest", "Newest first"},
}

// listFilters are the webhook list's "Show" choices, the first the default.
var listFilters = []struct{ Value, Label string }{
	{"", "All"},
	{"attention", "Needs attention"},
	{"disabled", "Disabled"},
}

type webhookListPage struct {
	base
	Webhooks []webhookRow // this page's
	Total    int          // the account's webhooks
	Matching int          // those that the search and filter keep
	Query    string
	Sort     string
	Show     string
	Sorts    []sortOption
	Filters  []filterLink
	Page     int
	Pages    int
	Prev     string // URL of the previous page; "" on the first
	Next     string // URL of the next page; "" on the last
	From, To int    // the rows shown, counted from 1
	Saved    string // the webhook just saved, shown first
}

type sortOption struct {
	Value, Label string
	Selected     bool
}

func (h *handler) webhookList(w http.ResponseWriter, r *http.Request, v *visitor) {
	rows, err := h.webhookRows(r, v)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	p := webhookListPage{
		base:  h.base(w, r, v, "Webhooks", "webhooks"),
		Total: len(rows), Query: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Show: q.Get("show"),
	}
	if !slices.ContainsFunc(listSorts, func(s struct{ Value, Label string }) bool { return s.Value == p.Sort }) {
		p.Sort = listSorts[0].Value
	}
	if !slices.ContainsFunc(listFilters, func(s struct{ Value, Label string }) bool { return s.Value == p.Show }) {
		p.Show = ""
	}
	for _, s := range listSorts {
		p.Sorts = append(p.Sorts, sortOption{Value: s.Value, Label: s.Label, Selected: s.Value == p.Sort})
	}
	link := func(show string, page int) string {
		v := url.Values{}
		if p.Query != "" {
			v.Set("q", p.Query)
		}
		if p.Sort != listSorts[0].Value {
			v.Set("sort", p.Sort)
		}
		if show != "" {
			v.Set("show", show)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return "/settings/webhooks"
		}
		return "/settings/webhooks?" + v.Encode()
	}

	found := searchWebhooks(rows, p.Query)
	for _, f := range listFilters {
		n := len(filterWebhooks(found, f.Value))
		p.Filters = append(p.Filters, filterLink{Label: f.Label + " (" + itoa(n) + ")", URL: link(f.Value, 1), Current: f.Value == p.Show})
	}
	shown := filterWebhooks(found, p.Show)
	sortWebhooks(shown, p.Sort)
	if id := q.Get("saved"); id != "" {
		// Just saved: first, where the message about it is.
		if i := slices.IndexFunc(shown, func(row webhookRow) bool { return row.ID == id }); i > 0 {
			row := shown[i]
			copy(shown[1:i+1], shown[:i])
			shown[0] = row
		}
		p.Saved = id
	}
	p.Matching = len(shown)

	p.Pages = max(1, (len(shown)+webhooksPerPage-1)/webhooksPerPage)
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	start := (p.Page - 1) * webhooksPerPage
	end := min(start+webhooksPerPage, len(shown))
	p.Webhooks = shown[start:end]
	p.From, p.To = start+1, end
	if p.Page > 1 {
		p.Prev = link(p.Show, p.Page-1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Show, p.Page+1)
	}
	h.render(w, r, http.StatusOK, "webhooks", p)
}

// searchWebhooks keeps the webhooks whose name or URL contains every word
// of query, in any case.
func searchWebhooks(rows []webhookRow, query string) []webhookRow {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return rows
	}
	var out []webhookRow
	for _, row := range rows {
		text := strings.ToLower(row.Name + " " + row.URL)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(text, w) }) {
			out = append(out, row)
		}
	}
	return out
}

func filterWebhooks(rows []webhookRow, show string) []webhookRow {
	if show == "" {
		return slices.Clone(rows)
	}
	var out []webhookRow
	for _, row := range rows {
		if (show == "attention" && row.NeedsAttention()) || (show == "disabled" && !row.Enabled) {
			out = append(out, row)
		}
	}
	return out
}

func sortWebhooks(rows []webhookRow, by string) {
	byName := func(a, b webhookRow) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	}
	slices.SortStableFunc(rows, func(a, b webhookRow) int {
		switch by {
		case "name":
			return byName(a, b)
		case "busiest":
			return cmp.Or(cmp.Compare(b.Health.total(), a.Health.total()), byName(a, b))
		case "newest":
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
		}
		return cmp.Or(cmp.Compare(a.attention(), b.attention()), cmp.Compare(a.Health.sortRate(), b.Health.sortRate()), byName(a, b))
	})
}

func (s health) total() int { return s.Delivered + s.Failed + s.Skipped }

// sortRate is the success rate, with "nothing sent" after every rate.
func (s health) sortRate() int {
	if !s.HasRate {
		return 101
	}
	return s.Rate
}

// webhookRows loads the account's webhooks with their grey-list state, last
// delivery and health over the last 24 hours: three queries, whatever the
// number of webhooks.
func (h *handler) webhookRows(r *http.Request, v *visitor) ([]webhookRow, error) {
	hooks, err := h.store.Webhooks(r.Context(), v.User.AccountID)
	if err != nil {
		return nil, err
	}
	row, err := h.rowMaker(r, v)
	if err != nil {
		return nil, err
	}
	rows := make([]webhookRow, len(hooks))
	for i, wh := range hooks {
		rows[i] = row(wh)
	}
	return rows, nil
}

// rowMaker reads the account's last deliveries and health (two queries)
// and returns what makes a webhook's row from them: for the list, and for
// the one webhook an edit page has loaded.
func (h *handler) rowMaker(r *http.Request, v *visitor) (func(hookd.Webhook) webhookRow, error) {
	ctx := r.Context()
	last, err := h.store.LastDeliveries(ctx, v.User.AccountID)
	if err != nil {
		return nil, err
	}
	now, cat := h.now(), h.app.Catalogue()
	healths, err := h.store.WebhookHealth(ctx, v.User.AccountID, now.Add(-healthPeriod))
	if err != nil {
		return nil, err
	}
	return func(wh hookd.Webhook) webhookRow {
		row := webhookRow{Webhook: wh, Hooks: hookSummary(cat, wh.Hooks), Missing: cat.Missing(wh.Hooks),
			Grey: toGrey(wh.Greylist, now)}
		if d, ok := last[wh.ID]; ok {
			row.Last = &d
		}
		if s, ok := healths[wh.ID]; ok {
			hs := health{Delivered: s.Delivered, Failed: s.Failed, Skipped: s.Skipped, LastFailure: s.LastFailure}
			if sent := s.Delivered + s.Failed; sent > 0 {
				hs.HasRate, hs.Rate = true, s.Delivered*100/sent
			}
			row.Health = hs
		}
		return row
	}, nil
}

func toGrey(s hookd.URLState, now time.Time) greyState {
	g := greyState{Failures: s.ConsecutiveFailures, LastError: s.LastError}
	if s.Greylisted(now) {
		g.Listed, g.Until = true, s.Until
	} else if s.Level > 0 {
		g.Waiting = true
	}
	return g
}
