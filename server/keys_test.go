package server_test

import (
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
)

type apiKey struct {
	ID, Name, Prefix, CreatedAt, Key string
	Current                          bool
}

// TestAPIKeyLifecycle creates a second API key, uses it, revokes the first,
// and checks that a revoked key gets 401 at once and that the last key
// cannot be revoked.
func TestAPIKeyLifecycle(t *testing.T) {
	e := start(t, nil)
	as := func(key, method, path, body string) (int, string) {
		t.Helper()
		a := testkit.Call(t, method, e.url+path, key, body)
		return a.Status, string(a.Body)
	}

	var list struct{ Keys []apiKey }
	if code := e.do("GET", "/api/v1/keys", nil, &list); code != 200 || len(list.Keys) != 1 || !list.Keys[0].Current || list.Keys[0].Key != "" {
		t.Fatalf("list: %d %+v, want the one bootstrap key, marked current, without the key itself", code, list)
	}
	first := list.Keys[0]
	if !strings.HasPrefix(testKey, first.Prefix) || first.Name != "first key" {
		t.Errorf("bootstrap key = %+v, want the prefix of %q and the name \"first key\"", first, testKey[:7])
	}

	// Bad input says what to fix.
	var apiErr struct {
		Error struct {
			Code   string
			Fields map[string]string
		}
	}
	if code := e.do("POST", "/api/v1/keys", map[string]any{"name": "  "}, &apiErr); code != 400 || apiErr.Error.Fields["name"] == "" {
		t.Errorf("blank name: %d %+v, want 400 with a name error", code, apiErr)
	}
	if code := e.do("POST", "/api/v1/keys", map[string]any{"name": "x", "scope": "all"}, &apiErr); code != 400 || apiErr.Error.Fields["scope"] == "" {
		t.Errorf("unknown field: %d %+v, want 400 naming scope", code, apiErr)
	}

	var created apiKey
	if code := e.do("POST", "/api/v1/keys", map[string]any{"name": "Booking system"}, &created); code != 201 ||
		!strings.HasPrefix(created.Key, "hk_") || created.Current || created.Name != "Booking system" || !strings.HasPrefix(created.Key, created.Prefix) {
		t.Fatalf("create: %d %+v", code, created)
	}
	if code, _ := as(created.Key, "GET", "/api/v1/webhooks", ""); code != 200 {
		t.Fatalf("the new key: %d, want 200", code)
	}
	code, body := as(created.Key, "GET", "/api/v1/keys", "")
	if code != 200 || strings.Contains(body, created.Key) || !strings.Contains(body, `"current":true`) {
		t.Errorf("listing with the new key: %d %s (the key itself must never be listed)", code, body)
	}
	if !strings.Contains(body, `"lastUsedAt":"20`) {
		t.Errorf("listing: %s, want lastUsedAt of the keys that were used", body)
	}
	// A second key of the same name is refused: keys are told apart by name.
	if code := e.do("POST", "/api/v1/keys", map[string]any{"name": "booking system"}, &apiErr); code != 400 || apiErr.Error.Fields["name"] == "" {
		t.Errorf("a second key named like the first: %d %+v, want 400 with a name error", code, apiErr)
	}

	// The new key revokes the first, which stops working at once.
	if code, body := as(created.Key, "DELETE", "/api/v1/keys/"+first.ID, ""); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, _ := as(testKey, "GET", "/api/v1/webhooks", ""); code != 401 {
		t.Errorf("the revoked key: %d, want 401", code)
	}
	if code, body := as(created.Key, "DELETE", "/api/v1/keys/"+first.ID, ""); code != 404 {
		t.Errorf("revoke twice: %d %s, want 404", code, body)
	}
	// The last key stays: the account would be locked out of the API.
	if code, body := as(created.Key, "DELETE", "/api/v1/keys/"+created.ID, ""); code != 409 || !strings.Contains(body, "create another key") {
		t.Errorf("revoke the last key: %d %s, want 409 saying to create another key first", code, body)
	}
	if code, _ := as(created.Key, "GET", "/api/v1/webhooks", ""); code != 200 {
		t.Errorf("the remaining key: %d, want 200", code)
	}
}
