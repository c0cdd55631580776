package panel_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd/server"
)

// TestBrowserPasswordPage: the hidden username field for password managers
// stays hidden, and new passwords that differ are refused with an error
// summary that takes focus and a title that says Error.
func TestBrowserPasswordPage(t *testing.T) {
	_, b := signedInBrowser(t)
	b.open("/settings/password", "password")
	if d := eval[string](b, `getComputedStyle(document.querySelector('input[name=username]')).display`); d != "none" {
		t.Errorf("the hidden username field is shown (display %s)", d)
	}
	b.typeIn("#current", testPassword)
	b.typeIn("#password", "a new long password 1")
	b.typeIn("#confirm", "a new long password 2")
	b.clickText("button", "Change password", "password-mismatch")
	b.mustSee("#form-errors", "The two new passwords are not the same.")
	b.mustSee("#confirm-error", "The two new passwords are not the same.")
	b.mustRefuseForm()
	b.check("password-mismatch")
}

// TestBrowserUsers adds a user, makes them an administrator, and removes
// them after a confirmation; nobody can remove themselves.
func TestBrowserUsers(t *testing.T) {
	_, b := signedInBrowser(t)
	b.open("/settings/users", "users")
	if n := eval[int](b, `document.querySelectorAll('a[href$="/remove"]').length`); n != 0 {
		t.Errorf("the only user can be removed (%d Remove links)", n)
	}
	b.typeIn("#new-username", "bob")
	b.typeIn("#new-password", "bobs long password")
	b.clickText("button", "Add user", "user-added")
	b.mustSee(".flash", "User “bob” added")
	b.clickText("button", "Make administrator", "bob-admin")
	b.mustFlash("“bob” is now an administrator")
	b.check("users-two-admins")
	b.clickText("button", "Remove administrator rights", "bob-not-admin")
	b.mustSee(".flash", "“bob” is no longer an administrator")
	b.clickText("a", "Remove…", "remove-bob-confirm")
	b.mustSee("h1", "Remove this user?")
	b.confirmRemoval("remove-user-confirm", "Remove user", "User “bob” removed", "bob")
}

// TestBrowserSendTestDoesNotHoldThePage: a receiver that takes its time
// does not hold the page; the result shows when it comes.
func TestBrowserSendTestDoesNotHoldThePage(t *testing.T) {
	env := startHookd(t, func(c *server.Config) { c.DeliveryTimeout = 20 * time.Second })
	gate := make(chan struct{})
	env.Receiver.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		w.WriteHeader(200)
	})
	id := env.createWebhook(t, "Slow receiver", env.Receiver.URL, "eventAdded").ID
	b := newBrowser(t, env.URL)
	b.signIn()
	b.open("/settings/webhooks/"+id, "edit-slow")
	b.press("button", "Send test")
	b.waitSee("#test", "Sending", 5*time.Second)
	// The page is usable meanwhile: the secret can be shown.
	b.run("show the secret", chromedp.Click(chromedp.CSS("#secret summary")))
	b.shot("sending")
	b.check("edit-sending")
	if n := env.Receiver.Count(); n != 1 {
		t.Fatalf("the receiver got %d requests, want the test", n)
	}
	close(gate)
	b.waitSee("#test .result", "Delivered: your server answered 200", 10*time.Second)
	b.shot("test-result")
}
