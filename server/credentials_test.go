package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// getWebhooks sends GET /api/v1/webhooks with an Authorization header and
// returns the status and the Retry-After header.
func (e *env) getWebhooks(auth string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/v1/webhooks", nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestBearerSchemeAnyCase: the scheme name is case-insensitive (RFC 9110);
// the key is not.
func TestBearerSchemeAnyCase(t *testing.T) {
	e := start(t, nil)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if code, _ := e.getWebhooks(scheme + " " + testKey); code != 200 {
			t.Errorf("%q scheme: %d, want 200", scheme, code)
		}
	}
	for _, auth := range []string{"Basic " + testKey, testKey, "Bearer", "Bearer " + strings.ToUpper(testKey)} {
		if code, _ := e.getWebhooks(auth); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
}

// TestWrongKeysAreSlowedDown: after 20 wrong keys in a minute from one
// address, that address gets 429 with Retry-After for keys this node has
// not seen work, while a real client's known key goes on working.
func TestWrongKeysAreSlowedDown(t *testing.T) {
	e := start(t, nil)
	if code, _ := e.getWebhooks("Bearer " + testKey); code != 200 {
		t.Fatalf("the real key: %d", code)
	}
	fresh := addAccount(t, e.srv) // valid, but never used on this node
	for i := range 20 {
		if code, _ := e.getWebhooks("Bearer hk_guess_" + strings.Repeat("x", i+1)); code != 401 {
			t.Fatalf("wrong key %d: %d, want 401", i+1, code)
		}
	}
	code, retry := e.getWebhooks("Bearer hk_guess_21")
	if code != 429 || retry == "" {
		t.Fatalf("the 21st wrong key: %d (Retry-After %q), want 429 with Retry-After", code, retry)
	}
	if code, _ := e.getWebhooks("Bearer " + fresh); code != 429 {
		t.Errorf("a key not seen on this node, from the throttled address: %d, want 429 (it cannot be told from a guess)", code)
	}
	if code, _ := e.getWebhooks("Bearer " + testKey); code != 200 {
		t.Errorf("the real client's known key while its address is throttled: %d, want 200", code)
	}
}
