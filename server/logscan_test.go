package server_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestLogsHoldNoSecrets runs hookd with DEBUG logging (text and JSON) into
// a buffer, does everything that handles a secret — bootstrap with a
// generated key and password, webhooks, deliveries that fail, secret
// rotation, panel sign-in, a wrong API key and a wrong password — and then
// looks for every secret in the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logBuf testkit.LogBuffer
	var stderr testkit.LogBuffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(slog.NewMultiHandler(slog.NewTextHandler(&logBuf, opts), slog.NewJSONHandler(&logBuf, opts)))
	e := start(t, func(c *server.Config) {
		c.APIKey, c.AdminPassword = "", "" // generated and printed once to Stderr
		c.Stderr = &stderr
		c.Logger = logger
		c.DeliveryTimeout = hostileTimeout
	})

	// The one-time print on Stderr is where the generated secrets are.
	printed := testkit.FirstStartSecrets(stderr.String())
	if len(printed) != 2 {
		t.Fatalf("stderr = %q, want the generated API key and admin password", stderr.String())
	}
	key, password := printed[0], printed[1]
	secrets := map[string]string{
		"API key":                     key,
		"API key without its prefix":  strings.TrimPrefix(key, "hk_"),
		"Authorization header":        "Bearer " + key,
		"admin password":              password,
		"wrong API key":               "hk_wrongwrongwrongwrongwrongwrongwrong",
		"wrong Authorization header":  "Bearer hk_wrongwrongwrongwrongwrongwrongwrong",
		"wrong password":              "not-the-password-but-close",
		"API key in a query string":   "hk_inthequerystringinthequerystring",
		"webhook secret in a payload": "whsec_bm90IGEgc2VjcmV0IGJ1dCBsb29rcyBsaWtlIG9u",
	}

	// Every API call goes as the account of the key it names.
	call := func(method, path, key string, body any, out any) int {
		t.Helper()
		return e.as(key).do(method, path, body, out)
	}

	// Webhooks: one healthy, one failing with 500, one refusing connections.
	ok, failing := testkit.NewReceiver(t, 200), testkit.NewReceiver(t, 500)
	var hooks []webhook
	for i, u := range []string{ok.URL, failing.URL, "http://127.0.0.1:1/closed"} {
		var w webhook
		if code := call("POST", "/api/v1/webhooks", key, map[string]any{"name": "w" + string(rune('0'+i)), "url": u, "hooks": []string{"eventCanceled"}}, &w); code != 201 {
			t.Fatalf("create webhook: %d", code)
		}
		hooks = append(hooks, w)
		secrets["webhook secret "+w.Name] = w.Secret
		secrets["webhook signing key "+w.Name] = strings.TrimPrefix(w.Secret, "whsec_")
	}
	// A trigger whose data holds something that looks like a secret.
	var trig struct{ ID string }
	if code := call("POST", "/api/v1/triggers", key, map[string]any{"hook": "eventCanceled",
		"data": map[string]any{"eventId": 7, "reason": secrets["webhook secret in a payload"]}}, &trig); code != 202 {
		t.Fatalf("trigger: %d", code)
	}
	testkit.WaitFor(t, 30*time.Second, "three finished deliveries", func() bool {
		var out struct{ Deliveries []delivery }
		call("GET", "/api/v1/deliveries?triggerId="+trig.ID, key, nil, &out)
		done := 0
		for _, d := range out.Deliveries {
			if d.Status != "pending" {
				done++
			}
		}
		return done == 3
	})
	// Rotate, read the secret, send a test delivery and a redelivery.
	for _, w := range hooks {
		var rot struct{ Secret string }
		if code := call("POST", "/api/v1/webhooks/"+w.ID+"/secret/rotate", key, nil, &rot); code != 200 {
			t.Fatalf("rotate: %d", code)
		}
		secrets["rotated secret "+w.Name] = rot.Secret
		secrets["rotated signing key "+w.Name] = strings.TrimPrefix(rot.Secret, "whsec_")
		call("GET", "/api/v1/webhooks/"+w.ID+"/secret", key, nil, nil)
		call("POST", "/api/v1/webhooks/"+w.ID+"/test", key, nil, nil)
	}
	var failed struct{ Deliveries []delivery }
	call("GET", "/api/v1/deliveries?status=failed", key, nil, &failed)
	if len(failed.Deliveries) == 0 {
		t.Fatal("no failed delivery")
	}
	// Redeliver the 500 receiver's delivery (the list's order among
	// deliveries made in the same millisecond is not fixed).
	redeliver := ""
	for _, d := range failed.Deliveries {
		if d.WebhookID == hooks[1].ID {
			redeliver = d.ID
		}
	}
	if redeliver == "" {
		t.Fatalf("no failed delivery to the 500 receiver in %+v", failed.Deliveries)
	}
	call("POST", "/api/v1/deliveries/"+redeliver+"/redeliver", key, nil, nil)
	ok.Wait(t, 2, 10*time.Second)      // the test delivery
	failing.Wait(t, 3, 10*time.Second) // the test delivery and the redelivery

	// A second API key: created, used, revoked.
	var newKey struct{ ID, Key string }
	if code := call("POST", "/api/v1/keys", key, map[string]any{"name": "Booking system"}, &newKey); code != 201 {
		t.Fatalf("create key: %d", code)
	}
	secrets["created API key"] = newKey.Key
	call("GET", "/api/v1/keys", newKey.Key, nil, nil)
	if code := call("DELETE", "/api/v1/keys/"+newKey.ID, key, nil, nil); code != 204 {
		t.Fatalf("revoke key: %d", code)
	}
	call("GET", "/api/v1/webhooks", newKey.Key, nil, nil)

	// A wrong key, and a key where it does not belong.
	if code := call("GET", "/api/v1/webhooks", secrets["wrong API key"], nil, nil); code != 401 {
		t.Fatalf("wrong key: %d", code)
	}
	call("GET", "/api/v1/webhooks?api_key="+secrets["API key in a query string"], "", nil, nil)

	// The panel: a wrong password, then a sign-in, a page and a sign-out.
	browser := panelClient(nil)
	resp, token := signIn(t, browser, e.url, secrets["wrong password"])
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	secrets["sign-in CSRF token, wrong password"] = token
	resp, token = signIn(t, browser, e.url, password)
	secrets["sign-in CSRF token"] = token
	session := sessionCookie(resp)
	if session == nil {
		t.Fatalf("signing in gave no session cookie: %d", resp.StatusCode)
	}
	secrets["session cookie"] = session.Value
	token = formToken(t, browser, e.url+"/settings/webhooks")
	secrets["session CSRF token"] = token
	if resp, err := postForm(browser, e.url+"/logout", token); err == nil {
		resp.Body.Close()
	}

	e.srv.Close() // the shutdown logs too

	log := logBuf.String()
	if !strings.Contains(log, "msg=request") || !strings.Contains(log, `"msg":"request"`) || !strings.Contains(log, "failed sign-in") {
		t.Fatalf("the log does not hold what the test did; it was not exercised:\n%s", log)
	}
	for what, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("%s %q is too short to look for", what, s)
		}
		if strings.Contains(log, s) {
			i := strings.Index(log, s)
			t.Errorf("the log holds the %s: …%s…", what, log[max(0, i-200):min(len(log), i+len(s)+50)])
		}
	}
	t.Logf("looked for %d secrets in %d bytes of log", len(secrets), len(log))
}
