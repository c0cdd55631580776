package panel

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

func TestHookTitle(t *testing.T) {
	testkit.Maps(t, "hookTitle", hookTitle, map[string]string{
		"eventCanceled":          "Event canceled",
		"userRegisteredForEvent": "User registered for event",
		"roomBookingNoShow":      "Room booking no show",
		"appointmentCancelled":   "Appointment canceled",
		"test":                   "Test delivery",
	})
}

func TestHookSummary(t *testing.T) {
	tests := []struct {
		hooks []string
		want  string
	}{
		{hookd.BuiltinCatalogue().Names(), "All 16 hooks, All hookd hooks (2)"},
		{hookd.BuiltinCatalogue().Names()[:16], "All 16 hooks"},
		{[]string{"eventAdded", "webhookRecovered", "goneHook"}, "Event added, Webhook recovered"},
		{[]string{"eventCanceled", "roomBookingCreated"}, "Event canceled, Room booking created"},
		{[]string{"appointmentCreated", "appointmentUpdated", "appointmentCancelled", "eventAdded"},
			"Event added, All appointment hooks (3)"},
	}
	for _, tt := range tests {
		if got := strings.Join(hookSummary(hookd.BuiltinCatalogue(), tt.hooks), ", "); got != tt.want {
			t.Errorf("hookSummary(%v) = %q, want %q", tt.hooks, got, tt.want)
		}
	}
}

func TestToggleGroup(t *testing.T) {
	got := toggleGroup(hookd.BuiltinCatalogue(), []string{"eventAdded", "roomBookingCreated"}, "Room bookings")
	if len(got) != 6 {
		t.Fatalf("select all room bookings: %v", got)
	}
	got = toggleGroup(hookd.BuiltinCatalogue(), got, "Room bookings")
	if strings.Join(got, ",") != "eventAdded" {
		t.Fatalf("clear all room bookings: %v", got)
	}
}

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct{ max, top, step int }{
		{0, 4, 1}, {3, 4, 1}, {5, 6, 2}, {9, 10, 5}, {37, 40, 10}, {120, 150, 50}, {1000, 1000, 500},
	} {
		top, step := niceScale(tt.max)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tt.max, top, step, tt.top, tt.step)
		}
		if top < tt.max || top%step != 0 {
			t.Errorf("niceScale(%d) = %d, %d: does not cover the maximum in whole steps", tt.max, top, step)
		}
	}
}

func TestDeliveryChart(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 5, 30, 0, time.UTC)
	stats := []hookd.DeliveryStat{
		{WebhookID: "a", Minute: now.Truncate(time.Minute), Status: hookd.StatusDelivered, Count: 10},
		{WebhookID: "b", Minute: now.Truncate(time.Minute), Status: hookd.StatusFailed, Count: 2},
		{WebhookID: "a", Minute: now.Add(-30 * time.Minute).Truncate(time.Minute), Status: hookd.StatusSkipped, Count: 3},
		{WebhookID: "a", Minute: now.Add(-2 * time.Hour), Status: hookd.StatusDelivered, Count: 99}, // too old
	}
	b := lastHour(stats, now)
	if len(b) != 60 || b[59].Delivered != 10 || b[59].Failed != 2 || b[29].Skipped != 3 {
		t.Fatalf("buckets: last %+v, middle %+v", b[59], b[29])
	}
	svg := string(deliveryChart(b, time.UTC))
	for _, want := range []string{
		`role="img"`, "last hour: 10 delivered, 2 failed, 3 skipped.", "<title>14:05: 10 delivered, 2 failed, 0 skipped</title>",
		"<title>13:35: 0 delivered, 0 failed, 3 skipped</title>", ">13:06<", ">14:05<",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart has no %q", want)
		}
	}
	if n := strings.Count(svg, "<rect"); n != 3 {
		t.Errorf("the chart has %d bars segments, want 3", n)
	}
	empty := string(deliveryChart(lastHour(nil, now), time.UTC))
	if !strings.Contains(empty, "No deliveries in the last hour") {
		t.Error("an empty chart does not say so")
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	th := newBackoff(func() time.Time { return now })
	key := throttleKey("Admin", "192.0.2.1")
	for i := 0; i < 2; i++ {
		th.fail(key)
		if d := th.wait(key); d != 0 {
			t.Fatalf("after %d failures: wait %s, want none", i+1, d)
		}
	}
	// The third failure in a row starts the waits, as the docs say.
	var waits []time.Duration
	for i := 0; i < 4; i++ {
		th.fail(key)
		waits = append(waits, th.wait(key))
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}; !slices.Equal(waits, want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	if d := th.wait(throttleKey("admin", "192.0.2.2")); d != 0 {
		t.Errorf("another address waits %s", d)
	}
	if d := th.wait(throttleKey("ADMIN ", "192.0.2.1")); d == 0 {
		t.Error("the username's case or spaces escape the throttle")
	}
	now = now.Add(10 * time.Second)
	if d := th.wait(key); d != 0 {
		t.Errorf("after the wait: %s", d)
	}
	for i := 0; i < 30; i++ {
		th.fail(key)
	}
	if d := th.wait(key); d != 15*time.Minute {
		t.Errorf("the longest wait is %s, want 15m", d)
	}
	th.succeed(key)
	if d := th.wait(key); d != 0 {
		t.Errorf("after a success: %s", d)
	}
}

// redirectTricks are targets by which browsers have been led to another
// host: protocol-relative paths, backslashes (read as slashes), characters
// browsers strip (tab, newline), schemes, user info, encodings that decode
// to any of these, and the sign-in page itself (a loop).
var redirectTricks = []string{
	"//evil.example/", "///evil.example", "////evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
	"\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example",
	" //evil.example", "https://evil.example", "https:evil.example", "http:/evil.example", "javascript:alert(1)",
	"JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example@panel.example",
	"/%2F%2Fevil.example", "/%2f/evil.example", "/%5C%5Cevil.example", "/%5c/evil.example", "/.//evil.example",
	"/..//evil.example", "/x/../../evil.example", "//%09/evil.example", "/%09/evil.example", "\x00//evil.example",
	"/\x00/evil.example", "/\u3000/evil.example", "/login", "/login?next=//evil.example", "/./login", "//login",
	"evil.example", "./evil.example", "?next=x", "#frag", "/\xff\xfe", "%2F%2Fevil.example",
}

// browserResolve resolves a Location header as a lenient browser does:
// tabs and newlines dropped, backslashes read as slashes.
func browserResolve(t *testing.T, loc string) *url.URL {
	t.Helper()
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
	ref, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q does not parse: %v", loc, err)
	}
	base, _ := url.Parse("https://panel.example/login")
	return base.ResolveReference(ref)
}

// assertStaysOnPanel fails unless a redirect to loc ends on a page of the
// panel's own host, and is not the sign-in page.
func assertStaysOnPanel(t *testing.T, in, loc string) {
	t.Helper()
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\n\r") {
		t.Fatalf("safeNext(%q) = %q: not a plain path of this host", in, loc)
	}
	u := browserResolve(t, loc)
	if u.Host != "panel.example" || u.Scheme != "https" || u.User != nil {
		t.Fatalf("safeNext(%q) = %q leads a browser to %s", in, loc, u)
	}
	if u.Path == "/login" {
		t.Fatalf("safeNext(%q) = %q leads back to the sign-in page", in, loc)
	}
}

func TestSafeNext(t *testing.T) {
	testkit.Maps(t, "safeNext", safeNext, map[string]string{
		"":                                  "/overview",
		"/settings/webhooks":                "/settings/webhooks",
		"/settings/webhooks/wh_1?x=1&y=%2F": "/settings/webhooks/wh_1?x=1&y=%2F",
		"/deliveries?status=failed":         "/deliveries?status=failed",
		"/settings/../overview":             "/overview",
	})
	for _, in := range redirectTricks {
		assertStaysOnPanel(t, in, safeNext(in))
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range redirectTricks {
		f.Add(s)
	}
	f.Add("/settings/webhooks")
	f.Fuzz(func(t *testing.T, in string) {
		assertStaysOnPanel(t, in, safeNext(in))
	})
}

func TestGroupIDsAreUnique(t *testing.T) {
	used := map[string]bool{}
	var got []string
	for _, name := range []string{"Room bookings", "Room-bookings", "a-1", "A 1", "Événements", "!!"} {
		got = append(got, groupID(name, used))
	}
	if want := "room-bookings room-bookings-2 a-1 a-1-2 événements group"; strings.Join(got, " ") != want {
		t.Errorf("group ids = %s, want %s", strings.Join(got, " "), want)
	}
}

// A cell a spreadsheet would read as a formula opens as text; other cells,
// numbers and times included, are written as they are.
func TestSpreadsheetSafe(t *testing.T) {
	testkit.Maps(t, "spreadsheetSafe", spreadsheetSafe, map[string]string{
		`=HYPERLINK("http://evil.example","x")`: `'=HYPERLINK("http://evil.example","x")`,
		"+1+1":                                  "'+1+1",
		"-2+3":                                  "'-2+3",
		"@SUM(A1)":                              "'@SUM(A1)",
		"\t=1":                                  "'\t=1",
		"\r=1":                                  "'\r=1",
		"Chat bridge":                           "Chat bridge",
		"500":                                   "500",
		"2026-12-01T07:00:00Z":                  "2026-12-01T07:00:00Z",
		"":                                      "",
		"https://a.example/=x":                  "https://a.example/=x",
	})
}

// TestErrorSummary: a form with no errors has no summary; a refused one
// links each listed field's error to its field, in the order given.
func TestErrorSummary(t *testing.T) {
	if s, err := newErrorSummary("Not saved.", map[string]string{}, "email", "email"); s != nil || err != nil {
		t.Errorf("no errors: %+v, %v; want no summary", s, err)
	}
	s, err := newErrorSummary("The user was not added.", map[string]string{"password": "Too short.", "username": "Taken.", "email": "Bad."},
		"username", "new-username", "password", "new-password")
	want := []fieldLink{{"new-username", "Taken."}, {"new-password", "Too short."}}
	if err != nil || s.Heading != "The user was not added." || !slices.Equal(s.Fields, want) {
		t.Errorf("summary = %+v, %v; want %v", s, err, want)
	}
	if _, err := newErrorSummary("Not saved.", map[string]string{"a": "b"}, "a"); err == nil {
		t.Error("an odd list of fields is not an error")
	}
}
