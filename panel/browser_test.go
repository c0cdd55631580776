package panel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// chromiumPath is Debian's Chromium; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium tab driving the panel. Every page it
// reaches is saved as a PNG in dir, numbered in visiting order.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    int
	// noScript: pages run no script (disableScript); axe is let run
	// for its check only, after the page's own scripts were refused.
	noScript bool
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	_, err := os.Stat(chromiumPath)
	testkit.Require(t, "Chromium", err == nil, "it is not installed at "+chromiumPath+" (apt-get install chromium)")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first action starts the browser; it must not have a deadline.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	dir := os.Getenv("HOOKD_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "screenshots") // ignored by git
	}
	dir, _ = filepath.Abs(filepath.Join(dir, t.Name()))
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of %s are in %s", t.Name(), dir)
	return &browser{t: t, ctx: ctx, base: base, dir: dir}
}

// run runs steps with a deadline; on failure it saves a screenshot and
// stops the test.
func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed")
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// shot saves a full-page PNG of what the browser shows now.
func (b *browser) shot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.n++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}

// shotViewport saves only what fits in the window, for long pages.
func (b *browser) shotViewport(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.n++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}

// open goes to a panel path and saves a screenshot of it.
func (b *browser) open(path, name string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path))
	b.shot(name)
}

// click clicks what sel finds, which loads a new page, and saves a
// screenshot of that page.
func (b *browser) click(sel, name string) {
	b.t.Helper()
	b.run("click "+sel, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))(ctx, t)
		return chromedp.Void{}, err
	})
	b.shot(name)
}

// clickLink follows the link or presses the button whose visible text is
// text, within the elements that sel finds.
func (b *browser) clickText(sel, text, name string) {
	b.t.Helper()
	id := fmt.Sprintf("hookd-test-%d", b.n+1)
	found := eval[bool](b, fmt.Sprintf(`(() => {
		for (const el of document.querySelectorAll(%q)) {
			// The visible words only: skip words for screen readers and
			// elements that are not shown.
			const words = [...el.childNodes]
				.filter(n => !(n.classList && n.classList.contains("visually-hidden")))
				.map(n => n.textContent).join("").trim().replace(/\s+/g, " ");
			const r = el.getBoundingClientRect();
			if (words === %q && r.width > 2 && r.height > 2 && el.getAttribute("aria-hidden") !== "true") {
				el.id = %q; return true;
			}
		}
		return false;
	})()`, sel, text, id))
	if !found {
		b.shot("failed")
		b.t.Fatalf("no %s with the text %q on %s", sel, text, b.location())
	}
	b.click("#"+id, name)
}

func (b *browser) typeIn(sel, text string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).value = "", true)`, sel))
	b.run("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel))
}

func (b *browser) mustSee(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.shot("failed")
		b.t.Fatalf("%s on %s shows %q; want it to contain %q", sel, b.location(), got, want)
	}
}

// reloadUntil reloads the page until the text of sel contains want: the
// panel is rendered on the server and does not update itself.
func (b *browser) reloadUntil(sel, want string, d time.Duration) {
	b.t.Helper()
	b.seeWithin(sel, want, d, 150*time.Millisecond, func() { b.run("reload", chromedp.Reload()) })
}

// seeWithin looks at the text of sel every pause, calling between (if not
// nil) after each, until it contains want; after d the test fails.
func (b *browser) seeWithin(sel, want string, d, pause time.Duration, between func()) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(b.text(sel), want) {
		if time.Now().After(deadline) {
			b.shot("failed")
			b.t.Fatalf("after %s, %s on %s still does not show %q (it shows %q)", d, sel, b.location(), want, b.text(sel))
		}
		time.Sleep(pause)
		if between != nil {
			between()
		}
	}
}

// mustFlash checks that the page's message says want and has the focus,
// so that a screen reader reads it first.
func (b *browser) mustFlash(want string) {
	b.t.Helper()
	b.mustSee(".flash", want)
	if got := eval[string](b, `document.activeElement.id`); got != "flash" {
		b.t.Errorf("on %s focus is on %q, want the message", b.location(), got)
	}
}

// confirmRemoval checks the confirmation page on screen (shot), presses
// its button labelled confirm, and checks that the message says done and
// the list (.items) no longer shows gone.
func (b *browser) confirmRemoval(shot, confirm, done, gone string) {
	b.t.Helper()
	b.check(shot)
	b.clickText("button", confirm, shot+"-done")
	b.mustSee(".flash", done)
	if strings.Contains(b.text(".items"), gone) {
		b.t.Fatalf("%q is still listed after %q", gone, confirm)
	}
}

// mustRefuseForm checks that a form came back refused as every form does:
// the title starts with "Error: " and the focus is on the error summary.
func (b *browser) mustRefuseForm() {
	b.t.Helper()
	if title := eval[string](b, `document.title`); !strings.HasPrefix(title, "Error: ") {
		b.t.Errorf("after a refused submit the title is %q, want it to start with Error:", title)
	}
	if got := eval[string](b, `document.activeElement.id`); got != "form-errors" {
		b.t.Errorf("after a refused submit focus is on %q, want the error summary", got)
	}
}

// press clicks the button or link with the visible text text, for an
// action that does not load a new page.
func (b *browser) press(sel, text string) {
	b.t.Helper()
	found := eval[bool](b, fmt.Sprintf(`(() => {
		for (const el of document.querySelectorAll(%q)) {
			const words = [...el.childNodes].filter(n => !(n.classList && n.classList.contains("visually-hidden")))
				.map(n => n.textContent).join("").trim().replace(/\s+/g, " ");
			if (words === %q && el.getAttribute("aria-hidden") !== "true") { el.click(); return true; }
		}
		return false;
	})()`, sel, text))
	if !found {
		b.t.Fatalf("no %s with the text %q on %s", sel, text, b.location())
	}
}

// waitSee waits until the text of sel contains want, without reloading:
// for what a script puts on the page.
func (b *browser) waitSee(sel, want string, d time.Duration) {
	b.t.Helper()
	b.seeWithin(sel, want, d, 100*time.Millisecond, nil)
}

func (b *browser) setViewport(w, h int64) {
	b.t.Helper()
	b.run("viewport", chromedp.EmulateViewport(w, h))
}

func (b *browser) disableScript() {
	b.t.Helper()
	b.setScript(false)
	b.noScript = true
}

func (b *browser) setScript(on bool) {
	b.t.Helper()
	b.run("switch JavaScript", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return chromedp.Void{}, err
	})
}

// signIn signs in as the bootstrap admin through the sign-in form.
// signedInBrowser starts hookd and a browser with its admin signed in.
func signedInBrowser(t *testing.T) (*hookdEnv, *browser) {
	t.Helper()
	env := startHookd(t)
	b := newBrowser(t, env.URL)
	b.signIn()
	return env, b
}

func (b *browser) signIn() {
	b.t.Helper()
	b.open("/", "sign-in")
	if !strings.HasSuffix(strings.SplitN(b.location(), "?", 2)[0], "/login") {
		b.t.Fatalf("/ did not lead a stranger to /login but to %s", b.location())
	}
	b.typeIn("#username", "admin")
	b.typeIn("#password", testPassword)
	b.clickText("button", "Sign in", "overview")
	if !strings.HasSuffix(b.location(), "/overview") {
		b.t.Fatalf("after signing in the browser is at %s, want /overview", b.location())
	}
}

// TestBrowserSourceSteps walks the source document's five steps in the
// panel exactly, then triggers a hook through the API and finds the
// delivery in the webhook's log.
func TestBrowserSourceSteps(t *testing.T) {
	env, b := signedInBrowser(t)

	// "New webhook subscriptions can be added via the control panel under Settings."
	b.clickText(".nav a", "Settings", "settings")
	// 1. Click the Webhooks setting and then click the new webhook button.
	b.clickText("a", "Webhooks", "webhooks-empty")
	b.mustSee("h1", "Webhooks")
	b.clickText("a.button", "New webhook", "new-webhook")
	if loc := b.location(); !strings.HasSuffix(loc, "/settings/webhooks/new") {
		t.Fatalf("the New webhook button leads to %s", loc)
	}
	// 2. Give the webhook a name.
	b.typeIn("input[name=name]", "Library website")
	// 3. Enter the url the notification will be sent to.
	b.typeIn("input[name=url]", env.Receiver.URL+"/communico")
	// 4. Select the hooks you want in the subscription (several at once).
	b.run("tick hooks",
		chromedp.Click(chromedp.CSS(`input[name=hooks][value=eventCanceled]`)),
		chromedp.Click(chromedp.CSS(`input[name=hooks][value=roomBookingCreated]`)),
		chromedp.Click(chromedp.CSS(`#group-appointments [data-select-all]`)), // select all, by script
	)
	ticked := eval[[]string](b, `[...document.querySelectorAll('input[name=hooks]:checked')].map(e => e.value)`)
	want := []string{"eventCanceled", "roomBookingCreated", "appointmentCreated", "appointmentUpdated", "appointmentCancelled"}
	if strings.Join(ticked, ",") != strings.Join(want, ",") {
		t.Fatalf("ticked hooks %v, want %v", ticked, want)
	}
	b.shot("new-webhook-filled")
	// 5. Save the webhook.
	b.clickText("button", "Save", "webhooks-saved")

	if !strings.HasSuffix(strings.SplitN(b.location(), "?", 2)[0], "/settings/webhooks") {
		t.Fatalf("Save led to %s, want the webhook list", b.location())
	}
	b.mustSee(".flash", "Library website")
	b.mustSee(".items", "Library website")
	b.mustSee(".items", env.Receiver.URL+"/communico")
	b.mustSee(".items", "Event canceled")
	b.mustSee(".items", "Room booking created")
	b.mustSee(".items", "All appointment hooks (3)")
	b.mustSee(".items", "Enabled")
	b.mustSee(".items", "Nothing sent in 24 h")

	hooks := env.webhooks(t)
	if len(hooks) != 1 || hooks[0].Name != "Library website" || strings.Join(hooks[0].Hooks, ",") != strings.Join(want, ",") {
		t.Fatalf("the API shows %+v", hooks)
	}

	// The host platform says "this happened", through the API.
	code, body := env.api(t, "POST", "/api/v1/triggers", map[string]any{
		"hook": "eventCanceled", "data": map[string]any{"eventId": 7, "reason": "Snow"},
	})
	if code != 202 {
		t.Fatalf("POST /api/v1/triggers: %d %s", code, body)
	}
	testkit.WaitFor(t, 10*time.Second, "the receiver to get the trigger", func() bool { return env.Receiver.Count() == 1 })

	b.clickText(".item-actions a", "Deliveries", "deliveries")
	b.reloadUntil(".deliveries", "Delivered", 10*time.Second)
	b.mustSee(".deliveries", "Event canceled")
	b.mustSee(".deliveries", "Your server answered 200")
	b.run("open the payload", chromedp.Click(chromedp.CSS(".delivery details summary")))
	b.mustSee(".delivery pre.payload", `"reason": "Snow"`)
	b.mustSee(".delivery pre.payload", `"eventId": 7`)
	b.shot("deliveries-payload")

	// The list shows the webhook's health too.
	b.clickText(".crumbs a", "Webhooks", "webhooks-delivered")
	b.mustSee(".items", "100% delivered")
	b.mustSee(".items", "1 delivered, 0 failed in 24 h")
	b.check("webhooks-delivered")

	// And the overview counts it.
	b.clickText(".nav a", "Overview", "overview-delivered")
	b.mustSee(".totals", "1 delivered")
	if n := eval[int](b, `document.querySelectorAll('svg.chart rect').length`); n < 1 {
		t.Fatalf("the overview chart has %d bars, want at least 1", n)
	}
	b.mustSee(".all-well", "all 1 webhook is fine")
	b.check("overview-delivered")
	// On a phone the chart's words are legible and its busiest minute's
	// count is written, not behind a pointer.
	b.setViewport(375, 812)
	if px := eval[float64](b, `Math.min(...[...document.querySelectorAll('svg.chart text.axis')].map(e => e.getBoundingClientRect().height))`); px < 11 {
		t.Errorf("at 375 px the chart's smallest label is %.1f px tall, want 11 px or more", px)
	}
	if got := eval[string](b, `(document.querySelector("svg.chart text.peak") || {textContent: ""}).textContent`); got != "1" {
		t.Errorf("the busiest minute's count on the chart is %q, want 1", got)
	}
	b.shot("overview-chart-375px")
	b.setViewport(1280, 900)

	// Every page, at 1280 px and at a phone's width.
	for _, page := range []struct{ path, name string }{
		{"/settings", "settings"}, {"/settings/webhooks/new", "new-webhook"},
		{"/settings/webhooks/" + hooks[0].ID, "edit"}, {"/settings/webhooks/" + hooks[0].ID + "/deliveries", "deliveries"},
		{"/settings/webhooks/" + hooks[0].ID + "/delete", "delete-confirm"}, {"/settings/users", "users"},
		{"/settings/api-keys", "api-keys"}, {"/settings/password", "password"}, {"/settings/email", "email"},
		{"/deliveries", "deliveries-all"}, {"/nowhere", "not-found"},
	} {
		b.open(page.path, page.name)
		b.check(page.name)
	}
}

// TestBrowserTestAndRedeliver sends a test from the webhook's page and
// redelivers a failed delivery from its log.
func TestBrowserTestAndRedeliver(t *testing.T) {
	env := startHookd(t)
	wh := env.createWebhook(t, "Room display", env.Receiver.URL, "roomBookingCreated")

	b := newBrowser(t, env.URL)
	b.signIn()
	b.open("/settings/webhooks/"+wh.ID, "edit")
	b.press("button", "Send test") // in the background: no new page
	b.waitSee("#test .result", "Delivered: your server answered 200", 10*time.Second)
	if got := eval[string](b, `document.activeElement.id`); got != "test" {
		t.Errorf("after Send test, focus is on %q, want the result", got)
	}
	b.check("edit-test-sent")

	// The secret can be revealed and rotated.
	old := eval[string](b, `document.querySelector('#secret-value').value`)
	if !strings.HasPrefix(old, "whsec_") {
		t.Fatalf("secret %q", old)
	}
	b.run("reveal", chromedp.Click(chromedp.CSS("#secret summary")))
	if !eval[bool](b, `!document.querySelector('[data-copy]').hidden`) {
		t.Error("the Copy button is not shown when script runs")
	}
	b.shot("secret-revealed")
	b.clickText("a", "Rotate secret…", "rotate-confirm")
	b.mustSee("h1", "Rotate the signing secret?")
	b.check("rotate-confirm")
	b.clickText("button", "Rotate secret", "secret-rotated")
	b.mustFlash("New secret")
	if y := eval[float64](b, `window.scrollY`); y != 0 {
		t.Errorf("after rotating, the page is scrolled down %.0f px, away from the message", y)
	}
	if now := eval[string](b, `document.querySelector('#secret-value').value`); now == old || !strings.HasPrefix(now, "whsec_") {
		t.Fatalf("after rotating, the secret is %q (was %q)", now, old)
	}

	// A failing receiver: the delivery fails, then Redeliver succeeds.
	env.Receiver.SetStatus(503)
	if code, body := env.api(t, "POST", "/api/v1/triggers", map[string]any{
		"hook": "roomBookingCreated", "data": map[string]any{"bookingId": 42},
	}); code != 202 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	b.open("/settings/webhooks/"+wh.ID+"/deliveries?status=failed", "deliveries-failed")
	b.reloadUntil(".deliveries", "Failed", 10*time.Second)
	b.mustSee(".deliveries .delivery-error", "Your server answered 503")
	if strings.Contains(b.text(".deliveries"), "HTTP 503 Service Unavailable") {
		t.Error("the log says the status in hookd's words, not the person's")
	}
	b.shot("deliveries-failed")
	env.Receiver.SetStatus(200)
	b.clickText(".deliveries button", "Redeliver", "redelivered")
	b.mustSee(".flash", "Sent again. Delivered: your server answered 200")
	b.mustSee(".deliveries", "Delivered")
	if n := eval[int](b, `document.querySelectorAll('.deliveries .delivery').length`); n != 3 {
		t.Fatalf("the log shows %d deliveries, want 3 (test, failed, redelivered)", n)
	}
	// Filter by status.
	b.clickText(".filters a", "Failed", "filter-failed")
	if n := eval[int](b, `document.querySelectorAll('.deliveries .delivery').length`); n != 1 {
		t.Fatalf("the Failed filter shows %d deliveries, want 1", n)
	}
}

// TestBrowserInvalidURL submits a bad URL: the form comes back with the
// error beside the URL field and everything typed kept.
func TestBrowserInvalidURL(t *testing.T) {
	env, b := signedInBrowser(t)
	b.open("/settings/webhooks/new", "new-webhook")
	b.typeIn("#name", "Branch events")
	b.typeIn("#url", "library.example.org/hooks")
	b.run("tick", chromedp.Click(chromedp.CSS(`input[name=hooks][value=eventAdded]`)))
	b.clickText("button", "Save", "invalid-url")

	b.mustSee(".field.has-error", "The URL must start with http:// or https://")
	b.mustSee("#url-error", "Did you mean https://library.example.org/hooks?")
	b.mustRefuseForm()
	b.check("invalid-url")
	if got := eval[string](b, `document.querySelector('#url-error').parentElement.querySelector('input').id`); got != "url" {
		t.Errorf("the URL error is beside the %q field", got)
	}
	if got := eval[string](b, `document.querySelector('#name').value`); got != "Branch events" {
		t.Errorf("the name field holds %q, want it kept", got)
	}
	if got := eval[string](b, `document.querySelector('#url').value`); got != "library.example.org/hooks" {
		t.Errorf("the URL field holds %q, want it kept", got)
	}
	if !eval[bool](b, `document.querySelector('input[value=eventAdded]').checked`) {
		t.Error("the ticked hook is not kept")
	}
	if got := eval[string](b, `document.querySelector('#url').getAttribute('aria-invalid')`); got != "true" {
		t.Error("the URL field is not marked aria-invalid")
	}
	b.mustSee("#form-errors", "The webhook was not saved")
	if n := len(env.webhooks(t)); n != 0 {
		t.Fatalf("%d webhooks saved", n)
	}
	// Fix it and save.
	b.typeIn("#url", env.Receiver.URL)
	b.clickText("button", "Save", "fixed")
	b.mustSee(".items", "Branch events")
}

// TestBrowserCrossSitePOST has a page on another site post the panel's
// form, even with a valid CSRF token: the panel refuses it.
func TestBrowserCrossSitePOST(t *testing.T) {
	env, b := signedInBrowser(t)
	b.open("/settings/webhooks/new", "new-webhook")
	token := eval[string](b, `document.querySelector('input[name=csrf]').value`)

	// localhost and 127.0.0.1 are different sites to the browser.
	evil := newEvilSite(t, strings.Replace(env.URL, "127.0.0.1", "localhost", 1), env.URL, token, env.Receiver.URL)
	b.base = ""
	b.open(evil, "evil-site")
	b.clickText("button", "Win a prize", "cross-site-refused")
	b.mustSee("h1", "Request refused")
	if n := len(env.webhooks(t)); n != 0 {
		t.Fatalf("the cross-site POST created %d webhooks", n)
	}
}

// TestBrowserGreylist makes a URL fail until it is grey-listed, sees the
// badge in the list and releases it.
func TestBrowserGreylist(t *testing.T) {
	env := startHookd(t)
	env.Receiver.SetStatus(500)
	env.createWebhook(t, "Old catalogue server", env.Receiver.URL+"/down", "eventAdded")
	for i := 0; i < 3; i++ {
		if code, body := env.api(t, "POST", "/api/v1/triggers", map[string]any{
			"hook": "eventAdded", "data": map[string]any{"recurringId": 100 + i},
		}); code != 202 {
			t.Fatalf("trigger: %d %s", code, body)
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the URL to be grey-listed", func() bool {
		hs := env.webhooks(t)
		return len(hs) == 1 && hs[0].Greylist.Level > 0
	})

	b := newBrowser(t, env.URL)
	b.signIn()
	b.open("/settings/webhooks", "webhooks-greylisted")
	badge := b.text(".badge-grey")
	// In plain words: until when (a clock time and zone, never an ISO
	// time), why, and no inner word such as "level".
	if !regexp.MustCompile(`^Paused until \d\d:\d\d [A-Z+\-0-9]+ after 3 failures in a row; the last: Your server answered 500$`).MatchString(badge) {
		t.Fatalf("grey-list badge %q, want \"Paused until HH:MM UTC after 3 failures in a row; the last: Your server answered 500\"", badge)
	}
	b.open("/overview", "overview-greylisted")
	b.mustSee(".items", "Paused until")
	b.mustSee(".totals", "3 failed")

	b.open("/settings/webhooks", "webhooks-greylisted")
	b.clickText(".item-actions button", "Resume now", "released")
	b.mustSee(".flash", "Deliveries to "+env.Receiver.URL+"/down resume")
	if n := eval[int](b, `document.querySelectorAll('.badge-grey').length`); n != 0 {
		t.Fatal("the grey-list badge is still shown after Release")
	}
	if hs := env.webhooks(t); hs[0].Greylist.Level != 0 || !hs[0].Greylist.Until.IsZero() {
		t.Fatalf("after Release the API shows %+v", hs[0].Greylist)
	}
}

// TestBrowserWithoutJavaScript creates a webhook with script disabled:
// "Select all" and Save work as plain form posts.
func TestBrowserWithoutJavaScript(t *testing.T) {
	env := startHookd(t)
	b := newBrowser(t, env.URL)
	b.disableScript()
	b.signIn()
	b.open("/settings/webhooks/new", "new-webhook-noscript")
	if !eval[bool](b, `document.querySelector('[data-copy]') === null`) {
		t.Log("copy button present on the new form")
	}
	b.typeIn("#name", "Room bookings feed")
	b.typeIn("#url", env.Receiver.URL)
	b.click("#group-room-bookings [data-select-all]", "select-all-noscript")
	if got := eval[string](b, `document.querySelector('#name').value`); got != "Room bookings feed" {
		t.Fatalf("after Select all, the name is %q", got)
	}
	n := eval[int](b, `document.querySelectorAll('#group-room-bookings input[name=hooks]:checked').length`)
	if n != 5 {
		t.Fatalf("Select all without script ticked %d room booking hooks, want 5", n)
	}
	b.mustSee("#group-room-bookings [data-select-all]", "Clear all")
	b.clickText("button", "Save", "saved-noscript")
	b.mustSee(".items", "All room booking hooks (5)")
	b.check("saved-noscript")

	// The webhook's page: no dead Copy button, and Send test posts and
	// shows the result at the top.
	b.clickText(".item-actions a", "Edit", "edit-noscript")
	b.run("show the secret", chromedp.Click(chromedp.CSS("#secret summary")))
	if d := eval[string](b, `getComputedStyle(document.querySelector('[data-copy]')).display`); d != "none" {
		t.Errorf("without script the Copy button is shown (display %s), though it cannot work", d)
	}
	b.clickText("button", "Send test", "test-noscript")
	b.mustSee("#test .result", "Delivered: your server answered 200")
	if y := eval[float64](b, `window.scrollY`); y != 0 {
		t.Errorf("after Send test the page is scrolled %.0f px down", y)
	}
	b.check("test-noscript")
}
