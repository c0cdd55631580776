package panel_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focused element is the one whose visible
// words (or id) are what, and fails if it takes more than 80 presses or
// focus lands on something not shown.
func (b *browser) tabTo(what string) {
	b.t.Helper()
	for range 80 {
		b.run("press Tab", chromedp.KeyEvent(kb.Tab))
		at := eval[string](b, `(() => {
			const el = document.activeElement;
			if (!el || el === document.body) return "";
			const r = el.getBoundingClientRect();
			const words = [...el.childNodes].filter(n => !(n.classList && n.classList.contains("visually-hidden")))
				.map(n => n.textContent).join("").trim().replace(/\s+/g, " ");
			return (r.width < 2 || r.height < 2 ? "INVISIBLE " : "") + "#" + el.id + "|" + words;
		})()`)
		if strings.HasPrefix(at, "INVISIBLE ") && !strings.Contains(at, "skip") {
			b.t.Fatalf("Tab moved focus to something not shown: %s on %s", at, b.location())
		}
		id, words, _ := strings.Cut(at, "|")
		if words == what || id == "#"+what {
			return
		}
	}
	b.shot("failed")
	b.t.Fatalf("80 presses of Tab did not reach %q on %s", what, b.location())
}

// key presses keys on the focused element; load says the page changes.
func (b *browser) key(keys string, load bool, name string) {
	b.t.Helper()
	if !load {
		b.run("press "+fmt.Sprintf("%q", keys), chromedp.KeyEvent(keys))
		return
	}
	b.run("press "+fmt.Sprintf("%q", keys), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(keys))(ctx, t)
		return chromedp.Void{}, err
	})
	b.shot(name)
}

// TestBrowserKeyboardOnly walks the main flows with the keyboard alone:
// sign in, create a webhook, send it a test.
func TestBrowserKeyboardOnly(t *testing.T) {
	env := startHookd(t)
	b := newBrowser(t, env.URL)
	b.open("/login", "login")
	if got := eval[string](b, `document.activeElement.id`); got != "username" {
		t.Fatalf("the sign-in page starts with focus on %q, want the username", got)
	}
	b.check("login")
	b.key("admin", false, "")
	b.tabTo("password")
	b.key(testPassword, false, "")
	b.key(kb.Enter, true, "signed-in")
	if !strings.HasSuffix(b.location(), "/overview") {
		t.Fatalf("Enter in the sign-in form led to %s", b.location())
	}

	b.tabTo("Webhooks")
	b.key(kb.Enter, true, "webhooks")
	b.tabTo("New webhook")
	b.key(kb.Enter, true, "new-webhook")
	b.tabTo("name")
	b.key("Front desk screen", false, "")
	b.tabTo("url")
	b.key(env.Receiver.URL+"/desk", false, "")
	b.tabTo("hook-eventAdded")
	b.key(" ", false, "")
	b.tabTo("hook-roomBookingCreated")
	b.key(" ", false, "")
	b.shot("new-webhook-filled")
	b.tabTo("Save")
	b.key(kb.Enter, true, "saved")
	b.mustSee(".flash", "Webhook “Front desk screen” created")
	if got := eval[string](b, `document.activeElement.id`); got != "flash" {
		t.Errorf("after Save focus is on %q, want the message", got)
	}

	b.tabTo("Edit")
	b.key(kb.Enter, true, "edit")
	b.tabTo("Send test")
	b.key(kb.Enter, false, "")
	b.waitSee("#test .result", "Delivered: your server answered 200", 10*time.Second)
	if got := eval[string](b, `document.activeElement.id`); got != "test" {
		t.Errorf("after Send test focus is on %q, want the result", got)
	}
	b.shot("test-sent")
	if n := env.Receiver.Count(); n != 1 {
		t.Errorf("the receiver got %d requests, want the test", n)
	}
}
