package panel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/panel"
)

// apiKeyInfo is an API key as GET /api/v1/keys lists it.
type apiKeyInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
}

// apiKeys lists the account's API keys through the API.
func (e *hookdEnv) apiKeys(t *testing.T) []apiKeyInfo {
	t.Helper()
	code, b := e.api(t, "GET", "/api/v1/keys", nil)
	if code != 200 {
		t.Fatalf("GET /api/v1/keys: %d %s", code, b)
	}
	var out struct{ Keys []apiKeyInfo }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Keys
}

// apiKeyNamed returns the ID of the account's key with this name.
func (e *hookdEnv) apiKeyNamed(t *testing.T, name string) string {
	t.Helper()
	for _, k := range e.apiKeys(t) {
		if k.Name == name {
			return k.ID
		}
	}
	t.Fatalf("the account has no API key named %q", name)
	return ""
}

// statusWithKey calls the API with key and returns the answer's status.
func (e *hookdEnv) statusWithKey(t *testing.T, key string) int {
	t.Helper()
	return testkit.Call(t, "GET", e.APIURL+"/api/v1/webhooks", key, nil).Status
}

// panelWithLog serves a second panel over env's store and use cases whose
// every log line, down to debug, is kept: to show what the panel logs.
func panelWithLog(t *testing.T, env *hookdEnv) (string, *testkit.LogBuffer) {
	t.Helper()
	logs := &testkit.LogBuffer{}
	h, err := panel.New(panel.Config{App: env.srv.App, Store: env.srv.Store,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(h)
	t.Cleanup(ps.Close)
	return ps.URL, logs
}

var newKeyRe = regexp.MustCompile(`id="new-key-value"[^>]*value="(hk_[a-z0-9]+)"`)

func TestAPIKeysCreateAndRevoke(t *testing.T) {
	env := startHookd(t)
	base, logs := panelWithLog(t, env)
	c := newClient(t, base)
	c.signIn(testPassword)

	if _, body := c.get("/settings"); !strings.Contains(body, `href="/settings/api-keys"`) {
		t.Fatal("the settings page has no link to API keys for an administrator")
	}
	res, body := c.get("/settings/api-keys")
	if res.StatusCode != 200 {
		t.Fatalf("GET /settings/api-keys: %d", res.StatusCode)
	}
	if !strings.Contains(body, "first key") || !strings.Contains(body, testAPIKey[:7]+"…") {
		t.Error("the list does not show the first key by its name and prefix")
	}
	if strings.Contains(body, testAPIKey) {
		t.Fatal("the list shows a whole key")
	}

	// Post, redirect, get: the key is on the page the redirect leads to.
	res, _ = c.post("/settings/api-keys", url.Values{"name": {"Calendar server"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/api-keys" {
		t.Fatalf("create a key: %d to %q, want 303 to the list", res.StatusCode, res.Header.Get("Location"))
	}
	created := res
	res, body = c.get("/settings/api-keys")
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page with the new key has Cache-Control %q, want no-store", cc)
	}
	m := newKeyRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the answer shows no new key")
	}
	key := m[1]
	if n := strings.Count(body, key); n != 1 {
		t.Errorf("the new key is on the page %d times, want once", n)
	}
	if !strings.Contains(body, "Copy this key now; it will not be shown again") {
		t.Error("the new key is not marked as shown once")
	}
	if !strings.Contains(body, "Calendar server") || !strings.Contains(body, "first key") {
		t.Error("the page with the new key does not list the keys")
	}
	for _, ck := range append(created.Header.Values("Set-Cookie"), res.Header.Values("Set-Cookie")...) {
		if strings.Contains(ck, key) || strings.Contains(ck, key[3:]) {
			t.Errorf("a cookie holds the key readably: %s", ck)
		}
	}
	if code := env.statusWithKey(t, key); code != 200 {
		t.Fatalf("the new key gets %d from the API, want 200", code)
	}
	id := env.apiKeyNamed(t, "Calendar server")

	// Reloading shows the list, not the key, and makes no other key.
	_, body = c.get("/settings/api-keys")
	if strings.Contains(body, key) || strings.Contains(body, "new-key-value") {
		t.Fatal("the list shows the new key again")
	}
	if n := len(env.apiKeys(t)); n != 2 {
		t.Fatalf("%d API keys after creating one and reloading, want 2", n)
	}
	// Its name is taken now.
	res, body = c.post("/settings/api-keys", url.Values{"name": {"calendar server"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is already the name of another key") {
		t.Errorf("a second key named like the first: %d, want 422 with the name refused", res.StatusCode)
	}
	if !strings.Contains(body, "<title>Error: ") {
		t.Error("the refused form's title does not start with Error:")
	}
	// The key was used (statusWithKey above): the list and the confirm
	// page say so, and the confirm page warns that it is in use.
	if !strings.Contains(body, "Last used") {
		t.Error("the list does not say when the key was last used")
	}
	if _, page := c.get("/settings/api-keys/" + id + "/revoke"); !strings.Contains(page, "This key is in use") ||
		!strings.Contains(page, "Revoke this API key?") {
		t.Error("the revoke page does not ask first and warn that the key is in use")
	}
	if !strings.Contains(body, key[:7]+"…") {
		t.Errorf("the list does not show the new key's prefix %s…", key[:7])
	}

	res, _ = c.post("/settings/api-keys/"+id+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/api-keys" {
		t.Fatalf("revoke: %d to %q, want 303 to the list", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = c.get("/settings/api-keys")
	if want := html.EscapeString("API key “Calendar server” revoked. Requests with it now get 401."); !strings.Contains(body, want) {
		t.Errorf("no flash %q after revoking", want)
	}
	if strings.Contains(body, `id="`+id+`"`) {
		t.Error("the revoked key is still listed")
	}
	if code := env.statusWithKey(t, key); code != http.StatusUnauthorized {
		t.Errorf("the revoked key gets %d from the API, want 401", code)
	}
	if _, body = c.get("/settings/api-keys"); strings.Contains(body, "revoked.") {
		t.Error("the flash is shown twice")
	}

	// Revoking it again: the panel's page for what does not exist.
	res, body = c.post("/settings/api-keys/"+id+"/revoke", url.Values{})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "no such API key") {
		t.Errorf("revoking an unknown key: %d, want 404 with a message", res.StatusCode)
	}

	if strings.Contains(logs.String(), key) {
		t.Errorf("the panel's log holds the key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "API key created") {
		t.Errorf("the panel logged no creation:\n%s", logs.String())
	}
}

func TestAPIKeysInvalidName(t *testing.T) {
	env, c := signedIn(t, "/settings/api-keys")
	long := strings.Repeat("é", 201)
	for _, tc := range []struct{ name, want string }{
		{"", "The name is required"},
		{"   ", "The name is required"},
		{long, "The name must be at most 200 characters (it has 201)"},
	} {
		res, body := c.post("/settings/api-keys", url.Values{"name": {tc.name}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("name %q: %d, want 422", tc.name, res.StatusCode)
		}
		if !regexp.MustCompile(`<p class="field-error" id="key-name-error">` + regexp.QuoteMeta(tc.want)).MatchString(body) {
			t.Errorf("name %q: no error %q beside the field", tc.name, tc.want)
		}
		if !strings.Contains(body, `value="`+tc.name+`"`) {
			t.Errorf("name %q: the value is not kept", tc.name)
		}
		if !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("name %q: the field is not marked aria-invalid", tc.name)
		}
		if strings.Contains(body, "new-key-value") {
			t.Errorf("name %q: a key is shown", tc.name)
		}
	}
	if n := len(env.apiKeys(t)); n != 1 {
		t.Fatalf("%d API keys after invalid names, want 1", n)
	}
}

func TestAPIKeysRevokeLastKey(t *testing.T) {
	env, c := signedIn(t, "/settings/api-keys")
	id := env.apiKeyNamed(t, "first key")
	res, _ := c.post("/settings/api-keys/"+id+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking the last key: %d, want 303 back to the list", res.StatusCode)
	}
	_, body := c.get("/settings/api-keys")
	if !strings.Contains(body, `class="flash flash-error"`) || !strings.Contains(body, "Create another key first") {
		t.Error("no error flash saying to create another key first")
	}
	if !strings.Contains(body, `id="`+id+`"`) {
		t.Error("the last key is no longer listed")
	}
	if code := env.statusWithKey(t, testAPIKey); code != 200 {
		t.Fatalf("the last key gets %d from the API, want 200", code)
	}
}

func TestAPIKeysAdminOnly(t *testing.T) {
	env, admin := signedIn(t, "/settings/users")
	c := signedInClerk(t, env, admin)
	if _, body := c.get("/settings"); strings.Contains(body, "/settings/api-keys") {
		t.Error("the settings page links API keys for a user who is not an administrator")
	}
	res, body := c.get("/settings/api-keys")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Administrators only") {
		t.Errorf("GET /settings/api-keys as a non-admin: %d, want 403 like /settings/users", res.StatusCode)
	}
	if res, _ := c.get("/settings/users"); res.StatusCode != http.StatusForbidden {
		t.Errorf("GET /settings/users as a non-admin: %d", res.StatusCode)
	}
	c.get("/settings") // for a valid CSRF token
	if res, _ := c.post("/settings/api-keys", url.Values{"name": {"Sneaky"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("create a key as a non-admin: %d, want 403", res.StatusCode)
	}
	id := env.apiKeyNamed(t, "first key")
	if res, _ := c.post("/settings/api-keys/"+id+"/revoke", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke a key as a non-admin: %d, want 403", res.StatusCode)
	}
	if n := len(env.apiKeys(t)); n != 1 {
		t.Fatalf("%d API keys after a non-admin's requests, want 1", n)
	}
}

func TestAPIKeysCrossSite(t *testing.T) {
	env, c := signedIn(t, "/settings/api-keys")
	evil := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}

	res, body := c.post("/settings/api-keys", url.Values{"name": {"Evil"}}, evil...)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Request refused") {
		t.Errorf("cross-site create: %d, want 403", res.StatusCode)
	}
	if strings.Contains(body, "hk_") {
		t.Error("the refusal shows a key")
	}
	res, _ = c.post("/settings/api-keys", url.Values{"name": {"Evil"}, "csrf": {"forged"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("create with a wrong CSRF token: %d, want 403", res.StatusCode)
	}
	if n := len(env.apiKeys(t)); n != 1 {
		t.Fatalf("%d API keys after refused requests, want 1", n)
	}

	// Revoking needs the panel's origin and token too.
	c.post("/settings/api-keys", url.Values{"name": {"Booking system"}})
	id := env.apiKeyNamed(t, "Booking system")
	if res, _ := c.post("/settings/api-keys/"+id+"/revoke", url.Values{}, evil...); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site revoke: %d, want 403", res.StatusCode)
	}
	if res, _ := c.post("/settings/api-keys/"+id+"/revoke", url.Values{"csrf": {""}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without a CSRF token: %d, want 403", res.StatusCode)
	}
	if n := len(env.apiKeys(t)); n != 2 {
		t.Fatalf("%d API keys after refused revocations, want 2", n)
	}
}

// TestAPIKeysStoredAsHash checks what the store keeps of a key made in
// the panel: its hash, prefix and name, never the key.
func TestAPIKeysStoredAsHash(t *testing.T) {
	env, c := signedIn(t, "/settings/api-keys")
	c.post("/settings/api-keys", url.Values{"name": {"  Room display  "}})
	_, body := c.get("/settings/api-keys")
	m := newKeyRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no new key shown")
	}
	key := m[1]
	ctx := context.Background()
	acc, err := env.srv.Store.AccountByAPIKey(ctx, hookd.HashAPIKey(key))
	if err != nil {
		t.Fatalf("the store does not know the new key by its hash: %v", err)
	}
	keys, err := env.srv.Store.APIKeys(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, k := range keys {
		if k.Hash == hookd.HashAPIKey(key) {
			found = true
			if k.Name != "Room display" || k.Prefix != key[:7] {
				t.Errorf("stored %+v, want the name trimmed and the prefix %s", k, key[:7])
			}
		}
		if strings.Contains(fmt.Sprint(k), key) {
			t.Errorf("the store holds the key itself: %+v", k)
		}
	}
	if !found {
		t.Fatal("the new key is not among the account's keys")
	}
}

// TestBrowserAPIKeys creates a key through the form, sees it once, goes
// back to the list where only its prefix shows, and revokes it.
func TestBrowserAPIKeys(t *testing.T) {
	env, b := signedInBrowser(t)
	b.clickText(".nav a", "Settings", "settings")
	b.clickText("a", "API keys", "api-keys")
	b.mustSee("h1", "API keys")
	b.mustSee(".items", "first key")

	b.typeIn("#key-name", "Room display")
	b.clickText("button", "Create key", "api-key-created")
	b.mustSee("#new-key", "Copy this key now; it will not be shown again")
	key := eval[string](b, `document.querySelector('#new-key-value').value`)
	if !regexp.MustCompile(`^hk_[a-z0-9]{20,}$`).MatchString(key) {
		t.Fatalf("the page shows the key %q", key)
	}
	if n := eval[int](b, fmt.Sprintf(`document.documentElement.outerHTML.split(%q).length - 1`, key)); n != 1 {
		t.Errorf("the key is on the page %d times, want once", n)
	}
	if !eval[bool](b, `!document.querySelector('[data-copy=new-key-value]').hidden`) {
		t.Error("the Copy button is not shown when script runs")
	}
	if strings.Contains(b.location(), key) {
		t.Fatal("the key is in the address")
	}
	b.mustSee(".items", "Room display")
	if code := env.statusWithKey(t, key); code != 200 {
		t.Fatalf("the key shown gets %d from the API, want 200", code)
	}
	b.check("api-key-created")
	b.mustSee("#new-key a", "I have copied it")
	// Reloading neither shows the key again nor makes another.
	b.run("reload", chromedp.Reload())
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), key) {
		t.Fatal("after a reload the page shows the key again")
	}
	if n := len(env.apiKeys(t)); n != 2 {
		t.Fatalf("%d API keys after creating one and reloading, want 2", n)
	}
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), key) {
		t.Fatal("the list shows the whole key again")
	}
	b.mustSee(".items", "Room display")
	b.mustSee(".items", key[:7]+"…")

	id := eval[string](b, `[...document.querySelectorAll('.items .item')].find(li => li.innerText.includes('Room display')).id`)
	b.clickText("#"+id+" a", "Revoke…", "api-key-revoke-confirm")
	b.mustSee("h1", "Revoke this API key?")
	b.mustSee(".notice", "This key is in use")
	b.confirmRemoval("api-key-revoke-confirm", "Revoke key", "API key “Room display” revoked. Requests with it now get 401.", "Room display")
	if code := env.statusWithKey(t, key); code != http.StatusUnauthorized {
		t.Fatalf("the revoked key gets %d from the API, want 401", code)
	}
}
