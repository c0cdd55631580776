package panel_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd"
)

// TestWebhookFormStrictRules: the panel's form refuses what the API
// refuses, with the same message beside the field: a name with a control
// character and a URL port outside 1 to 65535.
func TestWebhookFormStrictRules(t *testing.T) {
	env := startHookd(t)
	c := newClient(t, env.URL)
	c.signIn(testPassword)
	c.get("/settings/webhooks/new")
	for _, tt := range []struct{ name, url, want string }{
		{"line\nbreak", env.Receiver.URL, "must not contain control characters such as tabs or line breaks (character 5 is U+000A)"},
		{"a\u0085b", env.Receiver.URL, "(character 2 is U+0085)"},
		{"a\x7f", env.Receiver.URL, "(character 2 is U+007F)"},
		{"Port", "http://127.0.0.1:65536/", "must have a port from 1 to 65535"},
		{"Port", "http://127.0.0.1:0/", "must have a port from 1 to 65535"},
	} {
		_, body := c.post("/settings/webhooks/new", url.Values{"name": {tt.name}, "url": {tt.url}, "hooks": {"eventAdded"}})
		if !strings.Contains(html.UnescapeString(body), tt.want) {
			t.Errorf("name %q, URL %s: the form does not say %q", tt.name, tt.url, tt.want)
		}
	}
	if n := len(env.webhooks(t)); n != 0 {
		t.Fatalf("%d webhooks were saved from refused forms", n)
	}
}

// TestDeliveriesPageIgnoresForeignCursor: a cursor hookd did not make never
// reaches the store; the page shows the newest deliveries instead.
func TestDeliveriesPageIgnoresForeignCursor(t *testing.T) {
	env := startHookd(t)
	wh := env.createWebhook(t, "Log", env.Receiver.URL, "eventAdded")
	c := newClient(t, env.URL)
	c.signIn(testPassword)
	for _, cursor := range []string{"' OR '1'='1", "dl_%", "~", hookd.NewID(hookd.PrefixWebhook)} {
		res, body := c.get("/settings/webhooks/" + wh.ID + "/deliveries?cursor=" + url.QueryEscape(cursor))
		if res.StatusCode != http.StatusOK || strings.Contains(body, "on this page") || strings.Contains(body, ">Newest<") {
			t.Errorf("cursor %q: %d, want the newest page (not a later one)", cursor, res.StatusCode)
		}
	}
	res, body := c.get("/settings/webhooks/" + wh.ID + "/deliveries?cursor=" + hookd.NewID(hookd.PrefixDelivery))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "on this page") {
		t.Errorf("a cursor hookd made: %d, want a later page", res.StatusCode)
	}
}
