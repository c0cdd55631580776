package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/internal/hookdtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/receiver"
	"github.com/hookd-dev/hookd/server"
)

// runBin runs the real hookd binary with env and stdin, and returns its
// standard output, standard error and exit status.
func runBin(t *testing.T, bin string, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Env = append(os.Environ(), env...)
	c.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestTriggerCommand runs `hookd trigger` against a real hookd: fields
// typed by the catalogue, --data, a JSON Lines batch from standard input,
// and refusals that name the field (or the line) and store nothing.
func TestTriggerCommand(t *testing.T) {
	bin := testkit.BuildHookd(t)
	s := hookdtest.Start(t, nil)
	env := []string{"HOOKD_API=" + s.URL(), "HOOKD_API_KEY=" + hookdtest.APIKey}
	api := client.New(s.URL(), hookdtest.APIKey, client.WithHTTPClient(http.DefaultClient))
	ctx := context.Background()
	data := func(id string) string {
		t.Helper()
		tr, err := api.TriggerByID(ctx, id)
		if err != nil {
			t.Fatalf("trigger %q: %v", id, err)
		}
		return string(tr.Data)
	}

	out, errOut, code := runBin(t, bin, env, "", "trigger", "eventCanceled", "eventId=7", "reason=Snow")
	if code != 0 || !strings.HasPrefix(out, "tr_") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	if got := data(strings.TrimSpace(out)); got != `{"eventId":7,"reason":"Snow"}` {
		t.Errorf("stored data %s", got)
	}

	// Flags after the hook, and from flags rather than the environment.
	out, errOut, code = runBin(t, bin, nil, "", "trigger", "--api", s.URL(), "eventRescheduled", "--key", hookdtest.APIKey,
		"--data", `{"oldEventId":1,"newEventId":2,"reason":"rain"}`, "--at", "2026-12-01T07:00:00Z")
	if code != 0 {
		t.Fatalf("--data: exit %d, %q", code, errOut)
	}
	tr, _ := api.TriggerByID(ctx, strings.TrimSpace(out))
	if !tr.Timestamp.Equal(time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)) || string(tr.Data) != `{"oldEventId":1,"newEventId":2,"reason":"rain"}` {
		t.Errorf("--data --at stored %+v", tr)
	}

	lines := `{"hook":"eventAdded","data":{"recurringId":1}}

{"hook":"eventDeleted","data":{"eventId":2},"timestamp":"2026-12-01T08:00:00Z"}
{"hook":"roomBookingCreated","data":{"bookingId":3}}
`
	out, errOut, code = runBin(t, bin, env, lines, "trigger", "--file", "-")
	ids := strings.Fields(out)
	if code != 0 || len(ids) != 3 {
		t.Fatalf("--file -: exit %d, out %q, err %q", code, out, errOut)
	}
	if data(ids[2]) != `{"bookingId":3}` {
		t.Errorf("the third line stored %s", data(ids[2]))
	}

	// The same command with the same Idempotency-Key stores once and
	// prints the same ids.
	first, _, code1 := runBin(t, bin, env, lines, "trigger", "--file", "-", "--idempotency-key", "import-2026-12-01")
	again, errOut, code2 := runBin(t, bin, env, lines, "trigger", "--file", "-", "--idempotency-key", "import-2026-12-01")
	if code1 != 0 || code2 != 0 || first != again || len(strings.Fields(first)) != 3 {
		t.Errorf("repeated with one key: %q then %q (%s)", first, again, errOut)
	}

	before, _ := api.SearchTriggers(ctx, client.TriggerQuery{Limit: 1000})
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		says  []string
	}{
		{"not an integer", "", []string{"eventCanceled", "eventId=seven", "reason=Snow"}, []string{"data.eventId", "must be an integer"}},
		{"no such field", "", []string{"eventCanceled", "eventId=7", "reason=Snow", "colour=red"}, []string{"data.colour", "eventId, reason"}},
		{"a field missing", "", []string{"eventCanceled", "eventId=7"}, []string{"data.reason"}},
		{"no such hook", "", []string{"eventExploded", "x=1"}, []string{`"eventExploded"`, "eventCanceled"}},
		{"a system hook", "", []string{"webhookRecovered", "url=x"}, []string{`"webhookRecovered"`}},
		{"--data refused by hookd", "", []string{"eventCanceled", "--data", `{"eventId":"7","reason":"Snow"}`}, []string{"data.eventId"}},
		{"a bad line in a batch", "{\"hook\":\"eventAdded\",\"data\":{\"recurringId\":1}}\n\n{\"hook\":\"eventAdded\",\"data\":{\"recurringId\":\"x\"}}\n",
			[]string{"--file", "-"}, []string{"line 3: data.recurringId"}},
		{"a line that is not JSON", "{\"hook\":\n", []string{"--file", "-"}, []string{"line 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runBin(t, bin, env, c.stdin, append([]string{"trigger"}, c.args...)...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, out %q; want a refusal", code, out)
			}
			for _, s := range c.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("the error does not say %q:\n%s", s, errOut)
				}
			}
		})
	}
	after, _ := api.SearchTriggers(ctx, client.TriggerQuery{Limit: 1000})
	if len(after.Triggers) != len(before.Triggers) {
		t.Errorf("refusals stored %d triggers", len(after.Triggers)-len(before.Triggers))
	}

	_, errOut, code = runBin(t, bin, []string{"HOOKD_API=" + s.URL(), "HOOKD_API_KEY=hk_wrong_key_0123456789abcdefghijklmn"}, "", "trigger", "eventAdded", "recurringId=1")
	if code != 1 || !strings.Contains(errOut, "API key") {
		t.Errorf("a wrong key: exit %d, %q", code, errOut)
	}
	_, errOut, code = runBin(t, bin, []string{"HOOKD_API=" + s.URL(), "HOOKD_API_KEY="}, "", "trigger", "eventAdded", "recurringId=1")
	if code != 2 || !strings.Contains(errOut, "HOOKD_API_KEY") {
		t.Errorf("no key: exit %d, %q", code, errOut)
	}
}

// TestListenForward: hookd delivers to `hookd listen --forward`, which
// verifies each delivery and relays it to a local handler (here the
// receiver kit's), answering hookd with the handler's answer; a request
// that does not verify is answered 401 and not relayed.
func TestListenForward(t *testing.T) {
	bin := testkit.BuildHookd(t)
	s := hookdtest.Start(t, func(c *server.Config) {})
	api := client.New(s.URL(), hookdtest.APIKey, client.WithHTTPClient(http.DefaultClient))
	ctx := context.Background()

	got := make(chan receiver.Delivery, 4)
	handler := &receiver.Handler{Handle: func(ctx context.Context, d receiver.Delivery) error { got <- d; return nil }}
	local := httptest.NewServer(handler)
	defer local.Close()

	addr := testkit.FreeAddr(t)
	w, err := api.CreateWebhook(ctx, client.NewWebhook{Name: "dev", URL: "http://" + addr + "/hooks", Hooks: []string{"eventCanceled"}})
	if err != nil {
		t.Fatal(err)
	}
	handler.Verifier, _ = receiver.NewVerifier(w.Secret)
	var out testkit.LogBuffer
	listen := exec.Command(bin, "listen", "--addr", addr, "--secret", w.Secret, "--forward", local.URL+"/hooks")
	listen.Stdout, listen.Stderr = &out, &out
	if err := listen.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { listen.Process.Kill(); listen.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "receiving webhooks"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("hookd listen did not start:\n%s", out.String())
		}
	}

	tr, err := api.Trigger(ctx, client.EventCanceled{EventID: 7, Reason: "Snow"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		p, _ := d.Payload()
		if d.ID != tr.ID || *p.(*client.EventCanceled) != (client.EventCanceled{EventID: 7, Reason: "Snow"}) {
			t.Errorf("the handler got %+v", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing forwarded:\n%s", out.String())
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		page, _ := api.Deliveries(ctx, client.DeliveryQuery{TriggerID: tr.ID})
		if len(page.Deliveries) == 1 && page.Deliveries[0].Status != client.StatusPending {
			if d := page.Deliveries[0]; d.Status != client.StatusDelivered || *d.StatusCode != 204 {
				t.Errorf("hookd recorded %s %v; want the handler's 204", d.Status, d.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery recorded")
		}
	}

	forged, _ := json.Marshal(map[string]any{"id": "tr_forged", "hook": "eventCanceled", "timestamp": "2026-12-01T07:00:00.000Z", "data": map[string]any{"eventId": 1, "reason": "x"}})
	req, _ := http.NewRequest("POST", "http://"+addr+"/hooks", bytes.NewReader(forged))
	req.Header.Set("webhook-id", "tr_forged")
	req.Header.Set("webhook-timestamp", "1764572400")
	req.Header.Set("webhook-signature", "v1,AAAA")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(got) != 0 {
		t.Errorf("a forged delivery: %d, forwarded %d; output:\n%s", resp.StatusCode, len(got), out.String())
	}
	// listen prints its line after it has answered.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "INVALID"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("listen did not report the forged delivery as INVALID:\n%s", out.String())
		}
	}

	_, errOut, code := runBin(t, bin, nil, "", "listen", "--forward", local.URL)
	if code != 2 || !strings.Contains(errOut, "--secret") {
		t.Errorf("--forward without --secret: exit %d, %q", code, errOut)
	}
}
