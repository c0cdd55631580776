package panel_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// logFixture is a hookd with two webhooks on eventCanceled: "Library site"
// (its receiver answers 200) and "Chat bridge" (500), and two triggers,
// events 207 and 208, delivered to both.
type logFixture struct {
	env        *hookdEnv
	ok, bad    hookd.Webhook
	badRecv    *testkit.Receiver
	t207, t208 string
}

func newLogFixture(t *testing.T) *logFixture {
	t.Helper()
	env := startHookd(t)
	f := &logFixture{env: env, badRecv: testkit.NewReceiver(t, 500)}
	f.ok = env.createWebhook(t, "Library site", env.Receiver.URL, "eventCanceled")
	f.bad = env.createWebhook(t, "Chat bridge", f.badRecv.URL, "eventCanceled")
	f.t207 = f.trigger(t, 207, "")
	f.t208 = f.trigger(t, 208, "")
	f.waitDeliveries(t, 4)
	return f
}

// trigger sends eventCanceled for an event; at is its time ("" now).
func (f *logFixture) trigger(t *testing.T, eventID int, at string) string {
	t.Helper()
	tr := map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": eventID, "reason": "Snow"}}
	if at != "" {
		tr["timestamp"] = at
	}
	code, body := f.env.api(t, "POST", "/api/v1/triggers", tr)
	if code != 202 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	var out struct{ ID string }
	_ = json.Unmarshal(body, &out)
	return out.ID
}

type apiDelivery struct {
	ID, TriggerID, WebhookID, Status string
	RedeliveryOf                     *string
}

func (f *logFixture) deliveries(t *testing.T, query string) []apiDelivery {
	t.Helper()
	code, body := f.env.api(t, "GET", "/api/v1/deliveries?limit=200&"+query, nil)
	if code != 200 {
		t.Fatalf("GET deliveries: %d %s", code, body)
	}
	var out struct{ Deliveries []apiDelivery }
	_ = json.Unmarshal(body, &out)
	return out.Deliveries
}

// waitDeliveries waits until n deliveries are recorded (none pending).
func (f *logFixture) waitDeliveries(t *testing.T, n int) {
	t.Helper()
	testkit.WaitFor(t, 10*time.Second, "the deliveries recorded", func() bool {
		ds := f.deliveries(t, "")
		for _, d := range ds {
			if d.Status == "pending" {
				return false
			}
		}
		return len(ds) >= n
	})
}

// TestDeliveriesPageWithoutScript: the account-wide log, its filters, the
// payload search, a delivery's detail and a trigger's page, as plain GETs.
func TestDeliveriesPageWithoutScript(t *testing.T) {
	f := newLogFixture(t)
	c := newClient(t, f.env.URL)
	c.signIn(testPassword)

	res, body := c.get("/deliveries")
	if res.StatusCode != 200 || strings.Count(body, `href="/deliveries/dl_`) < 8 {
		t.Fatalf("GET /deliveries: %d, want 200 listing 4 deliveries\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Library site", "Chat bridge", "Your server answered 500", "Your server answered 200"} {
		if !strings.Contains(body, want) {
			t.Errorf("the log does not show %q", want)
		}
	}
	// Filters: one webhook, one status.
	_, body = c.get("/deliveries?webhook=" + f.bad.ID + "&status=failed")
	if strings.Count(body, `<tr id="dl_`) != 2 || strings.Contains(body, "Your server answered 200") {
		t.Errorf("webhook and status filters: %d rows", strings.Count(body, `<tr id="dl_`))
	}
	// Payload search: event 207 only, with where it went.
	_, body = c.get("/deliveries?data=" + url.QueryEscape("eventId=207"))
	if !strings.Contains(body, `href="/triggers/`+f.t207+`"`) || strings.Contains(body, f.t208) {
		t.Errorf("searching eventId=207 does not find only its trigger")
	}
	if !strings.Contains(body, "1 delivered · 1 failed · 0 skipped") {
		t.Errorf("the trigger found does not count its deliveries")
	}
	// The string "207" is not the number 207.
	_, body = c.get("/deliveries?data=" + url.QueryEscape(`eventId="207"`))
	if strings.Contains(body, f.t207) || !strings.Contains(body, "No trigger has this payload") {
		t.Errorf(`eventId="207" found the trigger of the number 207`)
	}
	// Filters that cannot be used say why, with 400.
	for q, want := range map[string]string{
		"status=lost":                                   "Status must be one of",
		"since=yesterday":                               "is not a date and time",
		"data=" + url.QueryEscape("eventId"):            "write field=value",
		"data=" + url.QueryEscape("a-b=1"):              "is not a field name",
		"since=2026-12-03T10:00&until=2026-12-03T09:00": "must be after",
	} {
		res, body := c.get("/deliveries?" + q)
		if res.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("GET /deliveries?%s: %d, want 400 saying %q", q, res.StatusCode, want)
		}
	}
	// A time range that holds nothing.
	_, body = c.get("/deliveries?until=2020-01-01T00:00")
	if !strings.Contains(body, "No deliveries match") {
		t.Error("a range before every delivery shows deliveries")
	}

	// The trigger's page: its payload and every attempt to every webhook.
	res, body = c.get("/triggers/" + f.t207)
	if res.StatusCode != 200 || !strings.Contains(body, `&#34;eventId&#34;: 207`) ||
		!strings.Contains(body, "Library site") || !strings.Contains(body, "Chat bridge") {
		t.Fatalf("GET /triggers/%s: %d\n%s", f.t207, res.StatusCode, body)
	}
	if res, _ := c.get("/triggers/tr_unknown"); res.StatusCode != 404 {
		t.Errorf("an unknown trigger: %d, want 404", res.StatusCode)
	}

	// A delivery's detail: what was sent, what came back.
	failed := f.deliveries(t, "triggerId="+f.t207+"&webhookId="+f.bad.ID)[0]
	res, body = c.get("/deliveries/" + failed.ID)
	for _, want := range []string{"webhook-signature", "v1,", "webhook-id", f.t207, "Status <strong id=\"answer-status\">500</strong>",
		`{&#34;ok&#34;:true}`, "Your server answered 500", "Chat bridge"} {
		if !strings.Contains(body, want) {
			t.Errorf("the detail of a failed delivery does not show %q", want)
		}
	}
	// A deleted webhook's deliveries stay readable.
	if code, b := f.env.api(t, "DELETE", "/api/v1/webhooks/"+f.bad.ID, nil); code != 204 {
		t.Fatalf("delete webhook: %d %s", code, b)
	}
	res, body = c.get("/deliveries/" + failed.ID)
	if res.StatusCode != 200 || !strings.Contains(body, "a deleted webhook") || !strings.Contains(body, "webhook-signature") {
		t.Errorf("the delivery of a deleted webhook: %d", res.StatusCode)
	}
	_, body = c.get("/deliveries")
	if !strings.Contains(body, "Deleted webhook") {
		t.Error("the log does not name the deleted webhook's deliveries as such")
	}
}

// TestDeliveriesExport: the filtered log as CSV and as JSON Lines, every
// row, the documented columns.
func TestDeliveriesExport(t *testing.T) {
	f := newLogFixture(t)
	c := newClient(t, f.env.URL)
	c.signIn(testPassword)

	get := func(q string) (*http.Response, string) {
		t.Helper()
		res, body := c.get("/deliveries/export?" + q)
		if res.StatusCode != 200 {
			t.Fatalf("export %s: %d %s", q, res.StatusCode, body)
		}
		return res, body
	}
	res, body := get("format=csv")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV export: Content-Type %q, Content-Disposition %q", ct, res.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantCols := "id,attemptedAt,webhookId,webhookName,hook,triggerId,url,status,statusCode,durationMs,cause,error,redeliveryOf"
	if len(rows) != 5 || strings.Join(rows[0], ",") != wantCols {
		t.Fatalf("CSV export: %d rows, header %v; want 4 deliveries under %s", len(rows), rows[0], wantCols)
	}
	byStatus := map[string]int{}
	for _, r := range rows[1:] {
		byStatus[r[7]]++
		if r[7] == "failed" && (r[8] != "500" || r[10] != "Your server answered 500" || r[3] != "Chat bridge") {
			t.Errorf("failed row %v", r)
		}
		if _, err := time.Parse(time.RFC3339, r[1]); err != nil {
			t.Errorf("attemptedAt %q is not RFC 3339", r[1])
		}
	}
	if byStatus["delivered"] != 2 || byStatus["failed"] != 2 {
		t.Errorf("CSV rows by status %v", byStatus)
	}
	// The same filters as the page: the payload search and a status.
	_, body = get("format=jsonl&status=failed&data=" + url.QueryEscape("eventId=207"))
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("JSON Lines: %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 1 || lines[0]["triggerId"] != f.t207 || lines[0]["statusCode"] != float64(500) ||
		lines[0]["webhookId"] != f.bad.ID || lines[0]["redeliveryOf"] != nil {
		t.Fatalf("JSON Lines of failed eventId=207: %v", lines)
	}
	if res, _ := c.get("/deliveries/export?format=xml"); res.StatusCode != 400 {
		t.Errorf("format=xml: %d, want 400", res.StatusCode)
	}
}

// TestRecoverWithoutScript: the recover form counts first, queues on
// confirming (a POST with the CSRF token), then shows the progress; the
// receiver gets each missed trigger once.
func TestRecoverWithoutScript(t *testing.T) {
	f := newLogFixture(t)
	c := newClient(t, f.env.URL)
	c.signIn(testPassword)
	base := "/settings/webhooks/" + f.bad.ID + "/recover"
	res, body := c.get(base)
	if res.StatusCode != 200 || !strings.Contains(body, `name="since"`) {
		t.Fatalf("GET %s: %d", base, res.StatusCode)
	}
	since := time.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	res, body = c.get(base + "?since=" + since)
	if res.StatusCode != 200 || !strings.Contains(body, "2 triggers to send again") {
		t.Fatalf("counting: %d\n%s", res.StatusCode, body)
	}
	m := regexpFind(t, body, `name="since" value="([^"]+Z)"`)
	until := regexpFind(t, body, `name="until" value="([^"]+Z)"`)
	// Without the CSRF token nothing is queued.
	if res, _ := c.post(base, url.Values{"since": {m}, "until": {until}, "csrf": {"wrong"}}); res.StatusCode != 403 {
		t.Fatalf("recover without the CSRF token: %d, want 403", res.StatusCode)
	}
	sentBefore := f.badRecv.Count()
	f.badRecv.SetStatus(200)
	res, _ = c.post(base, url.Values{"since": {m}, "until": {until}})
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.Contains(loc, "/recoveries/rcv_") {
		t.Fatalf("recover: %d to %q, want 303 to the progress", res.StatusCode, loc)
	}
	testkit.WaitFor(t, 10*time.Second, "the recovery done", func() bool {
		_, body = c.get(loc)
		return strings.Contains(body, "Sent what was missed")
	})
	for _, want := range []string{"<strong>2</strong> queued", "<strong>0</strong> waiting", "<strong>2</strong> sent and delivered", "<strong>0</strong> sent and failed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the progress does not say %q\n%s", want, body)
		}
	}
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a finished recovery still reloads itself")
	}
	sent := f.badRecv.SentByID(sentBefore)
	if len(sent) != 2 || sent[f.t207] != 1 || sent[f.t208] != 1 {
		t.Errorf("the receiver got %v, want each missed trigger once", sent)
	}
	// Counted again, nothing is left.
	_, body = c.get(base + "?since=" + since)
	if !strings.Contains(body, "Nothing to send") {
		t.Error("after the recovery, counting again finds something")
	}
	// A range that cannot be: said on the form.
	res, body = c.get(base + "?since=" + since + "&until=2020-01-01T00:00")
	if res.StatusCode != 400 || !strings.Contains(body, "must be after since") {
		t.Errorf("until before since: %d", res.StatusCode)
	}
}

func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", re)
	}
	return m[1]
}

// TestDeliveriesPaging: the log goes back a page at a time, keeping its
// filters, and every delivery is on exactly one page.
func TestDeliveriesPaging(t *testing.T) {
	env := startHookd(t)
	f := &logFixture{env: env}
	f.ok = env.createWebhook(t, "Library site", env.Receiver.URL, "eventCanceled")
	batch := make([]map[string]any, 60)
	for i := range batch {
		batch[i] = map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": 1000 + i, "reason": "Snow"}}
	}
	if code, body := env.api(t, "POST", "/api/v1/triggers", batch); code != 202 {
		t.Fatalf("trigger batch: %d %s", code, body)
	}
	f.waitDeliveries(t, 60)
	c := newClient(t, env.URL)
	c.signIn(testPassword)
	seen := map[string]bool{}
	rowRe := regexp.MustCompile(`<tr id="(dl_[^"]+)"`)
	nextRe := regexp.MustCompile(`<a class="button" href="([^"]+)" rel="next">Older</a>`)
	page, pages := "/deliveries?status=delivered&webhook="+f.ok.ID, 0
	for page != "" {
		pages++
		res, body := c.get(page)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", page, res.StatusCode)
		}
		for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("delivery %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		page = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			page = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(page, "status=delivered") || !strings.Contains(page, "webhook="+f.ok.ID) {
				t.Fatalf("the Older link %q drops the filters", page)
			}
		}
	}
	if pages != 2 || len(seen) != 60 {
		t.Errorf("%d pages holding %d deliveries, want 2 pages of all 60", pages, len(seen))
	}
}
