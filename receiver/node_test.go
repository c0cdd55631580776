package receiver_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
	cases := verifyCases(t)
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

// TestPythonWithoutALibrary: the Python function docs/receiving.md shows
// for a receiver that cannot install a library (the standard library only)
// verifies the same real deliveries as the official libraries, and refuses
// the tampered one and the wrong secret.
func TestPythonWithoutALibrary(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "receiving.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Python without a library")
	_, rest, ok2 := strings.Cut(rest, "```python\n")
	code, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`docs/receiving.md has no "## Python without a library" section with a python code block`)
	}
	cases := verifyCases(t)
	prog := code + `
import json, sys
for c in json.loads(sys.argv[1]):
    try:
        hook = verify(c["secret"], c["d"]["headers"], c["d"]["body"].encode())["hook"]
        ok = True
    except InvalidSignature:
        hook, ok = "", False
    print(c["name"] + ": " + ("as expected" if ok == c["ok"] else "WRONG") + (" " + hook if ok else ""))
`
	out := testkit.Python(t, prog, string(cases))
	t.Log(out)
	if strings.Contains(out, "WRONG") || strings.Count(out, "as expected") != 5 || strings.Count(out, "as expected eventCanceled") != 3 {
		t.Errorf("the Python code of docs/receiving.md disagrees:\n%s", out)
	}
}

// verifyCases returns, as JSON, real deliveries of hookd (one before a
// secret rotation, one after, and the second with its body tampered) with
// the secret each is checked with and whether it must verify.
func verifyCases(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	s := hookdtest.Start(t, nil)
	hookd := client.New(s.URL(), hookdtest.APIKey)

	type sent struct {
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	rcv := testkit.NewReceiver(t, 200)
	w, err := hookd.CreateWebhook(ctx, client.NewWebhook{Name: "js", URL: rcv.URL, Hooks: []string{"eventCanceled"}})
	if err != nil {
		t.Fatal(err)
	}
	// receive waits for the n-th delivery and returns it as a receiver
	// reads it: the raw body and the headers (named in lower case).
	receive := func(n int) sent {
		t.Helper()
		r := rcv.Wait(t, n, 10*time.Second)[n-1]
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		return sent{h, string(r.Body)}
	}
	hookd.Trigger(ctx, client.EventCanceled{EventID: 7, Reason: "Snow"})
	first := receive(1)
	newSecret, err := hookd.RotateSecret(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	hookd.Trigger(ctx, client.EventCanceled{EventID: 8, Reason: "Rain"})
	second := receive(2)
	tampered := second
	tampered.Body = strings.Replace(second.Body, "Rain", "Sun", 1)

	cases, _ := json.Marshal([]map[string]any{
		{"name": "first, with the secret", "secret": w.Secret, "d": first, "ok": true},
		{"name": "after the rotation, with the old secret", "secret": w.Secret, "d": second, "ok": true},
		{"name": "after the rotation, with the new secret", "secret": newSecret, "d": second, "ok": true},
		{"name": "tampered", "secret": w.Secret, "d": tampered, "ok": false},
		{"name": "first, with the new secret", "secret": newSecret, "d": first, "ok": false},
	})
	return cases
}
