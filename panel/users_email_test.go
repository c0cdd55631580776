package panel_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUserEmail: an administrator adds a user with an email address, sets,
// changes and clears one beside a user's name; a bad address is refused
// with a sentence saying what to write, and nothing changes.
func TestUserEmail(t *testing.T) {
	env, admin := signedIn(t, "/settings/users")
	res, body := admin.post("/settings/users", url.Values{"username": {"clerk"}, "password": {"clerk password 1"}, "email": {"not an address"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The email address must be one address such as name@example.org.") ||
		!strings.Contains(body, `value="not an address"`) {
		t.Fatalf("adding a user with a bad email: %d, want 422 with the error beside the field and the value kept", res.StatusCode)
	}
	if res, _ := admin.post("/settings/users", url.Values{"username": {"clerk"}, "password": {"clerk password 1"}, "email": {" clerk@library.example "}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user with an email: %d", res.StatusCode)
	}
	ctx := context.Background()
	clerk, err := env.srv.Store.UserByUsername(ctx, "clerk")
	if err != nil || clerk.Email != "clerk@library.example" {
		t.Fatalf("clerk: %+v, %v; want the email, trimmed", clerk, err)
	}
	_, body = admin.get("/settings/users")
	if !strings.Contains(body, `value="clerk@library.example"`) {
		t.Error("the users page does not show the clerk's email")
	}

	admin.post("/settings/users/"+clerk.ID+"/email", url.Values{"email": {"front-desk@library.example"}})
	_, body = admin.get("/settings/users")
	if !strings.Contains(body, "Notifications for “clerk” go to front-desk@library.example now.") {
		t.Errorf("no confirmation of the changed email:\n%s", body)
	}
	admin.post("/settings/users/"+clerk.ID+"/email", url.Values{"email": {"front desk@library"}})
	_, body = admin.get("/settings/users")
	if !strings.Contains(body, "The email address was not changed. The email address must be one address such as name@example.org.") {
		t.Errorf("no refusal of the bad email:\n%s", body)
	}
	if u, _ := env.srv.Store.User(ctx, clerk.ID); u.Email != "front-desk@library.example" {
		t.Errorf("after a refused change the email is %q", u.Email)
	}
	admin.post("/settings/users/"+clerk.ID+"/email", url.Values{"email": {""}})
	if u, _ := env.srv.Store.User(ctx, clerk.ID); u.Email != "" {
		t.Errorf("after clearing it the email is %q", u.Email)
	}
	if res, _ := admin.post("/settings/users/usr_nosuchuser/email", url.Values{"email": {"a@example.org"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("setting the email of no user: %d, want 404", res.StatusCode)
	}
}

// TestOwnEmail: a user who is not an administrator sets, changes and clears
// their own email address under Settings; a bad one is refused beside the
// field with the value kept; the Users page stays the administrators'.
func TestOwnEmail(t *testing.T) {
	env, admin := signedIn(t, "/settings/users")
	clerk := signedInClerk(t, env, admin)
	_, body := clerk.get("/settings")
	if !strings.Contains(body, `href="/settings/email"`) {
		t.Fatal("the settings page has no way to one's email address")
	}
	res, body := clerk.get("/settings/email")
	if res.StatusCode != 200 || !strings.Contains(body, `name="email"`) {
		t.Fatalf("GET /settings/email: %d", res.StatusCode)
	}
	res, body = clerk.post("/settings/email", url.Values{"email": {"clerk at library"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The email address must be one address such as name@example.org.") ||
		!strings.Contains(body, `value="clerk at library"`) || !strings.Contains(body, "<title>Error:") {
		t.Fatalf("a bad address: %d, want 422 with the error, the value kept and an Error: title\n%s", res.StatusCode, body)
	}
	ctx := context.Background()
	if res, _ := clerk.post("/settings/email", url.Values{"email": {"clerk@library.example"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set own email: %d", res.StatusCode)
	}
	if u, _ := env.srv.Store.UserByUsername(ctx, "clerk"); u.Email != "clerk@library.example" {
		t.Fatalf("clerk's email is %q", u.Email)
	}
	if _, body := clerk.get("/settings"); !strings.Contains(body, "Notifications go to clerk@library.example now.") ||
		!strings.Contains(body, "<strong>clerk@library.example</strong>") {
		t.Errorf("no confirmation on the settings page:\n%s", body)
	}
	clerk.get("/settings/email")
	clerk.post("/settings/email", url.Values{"email": {""}})
	if u, _ := env.srv.Store.UserByUsername(ctx, "clerk"); u.Email != "" {
		t.Errorf("after clearing it the email is %q", u.Email)
	}
	if res, _ := clerk.get("/settings/users"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the Users page for a user who is not an administrator: %d, want 403", res.StatusCode)
	}
}
