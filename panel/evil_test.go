package panel_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// newEvilSite serves, under another site's name, a page whose form posts a
// new webhook to the panel with a stolen CSRF token. It returns the page's
// URL.
func newEvilSite(t *testing.T, _ string, panelURL, token, target string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><title>Prize</title>
<form method="post" action="%s/settings/webhooks/new">
<input type="hidden" name="csrf" value="%s">
<input type="hidden" name="name" value="evil">
<input type="hidden" name="url" value="%s">
<input type="hidden" name="hooks" value="eventAdded">
<input type="hidden" name="enabled" value="true">
<button type="submit">Win a prize</button>
</form>`, html.EscapeString(panelURL), html.EscapeString(token), html.EscapeString(target))
	}))
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	return "http://localhost:" + u.Port() + strings.TrimPrefix(u.Path, "/") + "/"
}
