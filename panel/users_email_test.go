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
