package panel_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestBrowserFindExplainRecover walks issue 14's three questions in
// Chromium: "did event 207's cancellation go out, and to whom?" (the
// payload search, the trigger's page, the delivery's detail, whose
// signature header verifies the body shown), "why did it fail?" (a skipped
// delivery names the real failure and until when, in plain words), and
// "send us what we missed" (the count, then the progress; the receiver gets
// each missed trigger once).
func TestBrowserFindExplainRecover(t *testing.T) {
	env := startHookd(t, func(c *server.Config) { c.GreylistAfter = 2 })
	f := &logFixture{env: env, badRecv: testkit.NewReceiver(t, 500)}
	f.ok = env.createWebhook(t, "Library site", env.Receiver.URL, "eventCanceled")
	f.bad = env.createWebhook(t, "Chat bridge", f.badRecv.URL, "eventCanceled")
	var missed []string
	for _, ev := range []int{205, 206, 207} {
		missed = append(missed, f.trigger(t, ev, ""))
		f.waitDeliveries(t, 2*len(missed)) // one batch each: the third is skipped
	}

	b := newBrowser(t, env.URL)
	b.signIn()

	// Find: the payload search.
	b.clickText(".nav a", "Deliveries", "deliveries")
	b.check("deliveries-all")
	if n := eval[int](b, `document.querySelectorAll('table.log tbody tr').length`); n != 6 {
		t.Fatalf("the account-wide log shows %d deliveries, want 6", n)
	}
	b.typeIn("#f-data", "eventId=207")
	b.clickText("button", "Show", "search-207")
	if n := eval[int](b, `document.querySelectorAll('.trigger-found').length`); n != 1 {
		t.Fatalf("searching eventId=207 found %d triggers, want 1", n)
	}
	b.mustSee(".trigger-found", `"eventId":207`)
	b.mustSee(".trigger-found", "Library site")
	b.mustSee(".trigger-found", "Chat bridge")
	b.check("deliveries-search")
	b.clickText(".trigger-found h3 a", "Event canceled", "trigger-207")
	b.mustSee("#payload", `"eventId": 207`)
	b.check("trigger")
	if n := eval[int](b, `document.querySelectorAll('table.log tbody tr').length`); n != 2 {
		t.Fatalf("the trigger's page lists %d attempts, want 2 (one per webhook)", n)
	}

	// Explain: the delivered one's detail; its signature verifies the body.
	if !eval[bool](b, `(() => {
		for (const tr of document.querySelectorAll('table.log tbody tr')) {
			if (tr.children[1].innerText.trim() === "Library site") { tr.querySelector('td.cause a').id = "to-library"; return true; }
		}
		return false;
	})()`) {
		t.Fatal("the trigger's page has no attempt to Library site")
	}
	b.click("#to-library", "delivered-detail")
	b.mustSee("h1", "Library site")
	b.mustSee("#cause", "Your server answered 200")
	b.check("delivery-detail")
	header := func(name string) string {
		return eval[string](b, fmt.Sprintf(`document.querySelector('#sent-headers td[data-header=%q]').innerText`, name))
	}
	id, ts, sig, body := header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"), b.text("#sent-body")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(f.ok.Secret, "whsec_"))
	if err != nil || f.ok.Secret == "" {
		t.Fatalf("the webhook's secret %q: %v", f.ok.Secret, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("the signature shown %q does not verify the body shown (want %q for %s.%s.%s)", sig, want, id, ts, body)
	}
	// And it is what the receiver got.
	var got []byte
	for _, r := range env.Receiver.Requests() {
		if r.Header.Get("webhook-id") == id {
			got = r.Body
		}
	}
	if string(got) != body {
		t.Errorf("the body shown %q is not the body received %q", body, got)
	}

	// Why: a skipped delivery names the real failure and until when.
	b.open("/deliveries?status=skipped", "skipped")
	cause := b.text("table.log td.cause")
	if !regexp.MustCompile(`^Not sent: paused until \d\d:\d\d [A-Z]+ after 2 failures in a row; the last: Your server answered 500`).MatchString(cause) {
		t.Fatalf("the skipped delivery says %q", cause)
	}
	b.click("table.log td.cause a", "skipped-detail")
	b.mustSee("#cause", "Your server answered 500")
	b.check("delivery-detail-skipped")
	// The page's own words (the payload is the producer's data, its
	// timestamp included).
	page := eval[string](b, `(() => { const m = document.querySelector('main').cloneNode(true);
		m.querySelectorAll('pre').forEach(p => p.remove()); return m.innerText; })()`)
	if regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:`).MatchString(page) || strings.Contains(strings.ToLower(page), "level") {
		t.Errorf("the skipped delivery's page shows an ISO time or the word level:\n%s", page)
	}

	// Recover: count, confirm, progress.
	b.open("/settings/webhooks/"+f.bad.ID+"/deliveries", "webhook-deliveries")
	b.clickText(".tabs a", "Send what was missed", "recover-form")
	since := time.Now().Add(-30 * time.Minute).Format("2006-01-02T15:04")
	eval[bool](b, fmt.Sprintf(`(document.querySelector('#since').value = %q, true)`, since))
	b.clickText("button", "Count what was missed", "recover-count")
	b.mustSee("#count-h", "3 triggers to send again")
	b.check("recover-count")
	sentBefore := f.badRecv.Count()
	f.badRecv.SetStatus(200)
	b.clickText("#recover-confirm button", "Send 3 triggers again", "recover-progress")
	b.mustSee("#recovery-progress", "3 queued")
	b.reloadUntil("h1", "Sent what was missed", 15*time.Second)
	b.mustSee("#recovery-progress", "3 sent and delivered")
	b.mustSee("#recovery-progress", "0 waiting")
	b.check("recover-done")
	sent := f.badRecv.SentByID(sentBefore)
	for _, id := range missed {
		if sent[id] != 1 {
			t.Errorf("trigger %s reached the receiver %d times after recovering, want once", id, sent[id])
		}
	}
	if len(sent) != 3 {
		t.Errorf("the recovery sent %v, want the 3 missed triggers", sent)
	}

	// At a phone's width the new pages read top to bottom.
	b.setViewport(375, 812)
	for _, p := range []string{"/deliveries", "/deliveries?data=eventId%3D207", "/triggers/" + missed[2],
		"/settings/webhooks/" + f.bad.ID + "/recover?since=" + since} {
		b.open(p, "375px")
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("at 375px %s is %dpx wide: it scrolls sideways", p, w)
		}
	}
	b.open("/deliveries?status=delivered", "375px-log")
	b.click("table.log td.cause a", "375px-detail")
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375px a delivery's page is %dpx wide: it scrolls sideways", w)
	}
}
