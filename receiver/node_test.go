package receiver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/internal/hookdtest"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestOfficialJavaScriptLibraries: real deliveries of hookd, before and
// after a secret rotation, verify with the npm libraries docs/receiving.md
// shows (standardwebhooks, svix), used as it shows them; a tampered body
// does not.
func TestOfficialJavaScriptLibraries(t *testing.T) {
	modules := testkit.NodeModules(t, "standardwebhooks@1.3.0", "svix@1.84.1")
	ctx := context.Background()
	s := hookdtest.Start(t, nil)
	hookd := client.New(s.URL(), hookdtest.APIKey)

	type sent struct {
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	got := make(chan sent, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		got <- sent{h, string(b)}
	}))
	defer rcv.Close()
	w, err := hookd.CreateWebhook(ctx, client.NewWebhook{Name: "js", URL: rcv.URL, Hooks: []string{"eventCanceled"}})
	if err != nil {
		t.Fatal(err)
	}
	receive := func() sent {
		t.Helper()
		select {
		case d := <-got:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
		return sent{}
	}
	hookd.Trigger(ctx, client.EventCanceled{EventID: 7, Reason: "Snow"})
	first := receive()
	newSecret, err := hookd.RotateSecret(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	hookd.Trigger(ctx, client.EventCanceled{EventID: 8, Reason: "Rain"})
	second := receive()
	tampered := second
	tampered.Body = strings.Replace(second.Body, "Rain", "Sun", 1)

	cases, _ := json.Marshal([]map[string]any{
		{"name": "first, with the secret", "secret": w.Secret, "d": first, "ok": true},
		{"name": "after the rotation, with the old secret", "secret": w.Secret, "d": second, "ok": true},
		{"name": "after the rotation, with the new secret", "secret": newSecret, "d": second, "ok": true},
		{"name": "tampered", "secret": w.Secret, "d": tampered, "ok": false},
		{"name": "first, with the new secret", "secret": newSecret, "d": first, "ok": false},
	})
	// As docs/receiving.md uses them: the raw body and the headers.
	out := testkit.Node(t, modules, `
const { Webhook } = require("standardwebhooks");
const svix = require("svix");
for (const c of JSON.parse(process.argv[2])) {
  for (const [lib, wh] of [["standardwebhooks", new Webhook(c.secret)], ["svix", new svix.Webhook(c.secret)]]) {
    let ok = true, hook = "";
    try { hook = wh.verify(c.d.body, c.d.headers).hook; } catch (e) { ok = false; }
    console.log(lib + ": " + c.name + ": " + (ok === c.ok ? "as expected" : "WRONG") + (ok ? " " + hook : ""));
  }
}
`, string(cases))
	t.Log(out)
	if strings.Contains(out, "WRONG") || strings.Count(out, "as expected") != 10 || strings.Count(out, "as expected eventCanceled") != 6 {
		t.Errorf("the JavaScript libraries disagree:\n%s", out)
	}
}
