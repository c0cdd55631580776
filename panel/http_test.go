package panel_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/server"
)

// client is a browser-less visitor of the panel: a cookie jar, no
// automatic redirects, and the CSRF token of the last page it read.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return res, body
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

// post sends a form as the panel's own pages do (same origin, with the
// CSRF token unless the form sets its own).
func (c *client) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	if !form.Has("csrf") {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// signedIn starts hookd and signs its admin in, then opens page, whose
// form gives the client the CSRF token of the posts that follow.
func signedIn(t *testing.T, page string) (*hookdEnv, *client) {
	t.Helper()
	env := startHookd(t)
	c := newClient(t, env.URL)
	c.signIn(testPassword)
	c.get(page)
	return env, c
}

// signedInClerk has the signed-in admin add "clerk", a user who is not an
// administrator, and returns a client signed in as clerk.
func signedInClerk(t *testing.T, env *hookdEnv, admin *client) *client {
	t.Helper()
	if res, _ := admin.post("/settings/users", url.Values{"username": {"clerk"}, "password": {"clerk password 1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: %d", res.StatusCode)
	}
	c := newClient(t, env.URL)
	c.get("/login")
	if res, _ := c.post("/login", url.Values{"username": {"clerk"}, "password": {"clerk password 1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as clerk: %d", res.StatusCode)
	}
	return c
}

func (c *client) signIn(password string) *http.Response {
	c.t.Helper()
	c.get("/login")
	res, _ := c.post("/login", url.Values{"username": {"admin"}, "password": {password}})
	return res
}

func TestSignIn(t *testing.T) {
	env := startHookd(t)
	c := newClient(t, env.URL)

	res, _ := c.get("/")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("GET / signed out: %d to %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = c.get("/settings/webhooks")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("GET /settings/webhooks signed out: %d to %q, want a redirect to /login", res.StatusCode, loc)
	}
	res, body := c.get("/login")
	for _, want := range []string{`name="username"`, `name="password"`, `type="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the sign-in page has no %s", want)
		}
	}

	res, body = c.post("/login", url.Values{"username": {"admin"}, "password": {"wrong password"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "do not match") {
		t.Fatalf("wrong password: %d, want 401 and a message", res.StatusCode)
	}
	if !strings.Contains(body, `value="admin"`) {
		t.Error("the username is not kept after a failed sign-in")
	}

	res = c.signIn(testPassword)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/overview" {
		t.Fatalf("sign-in: %d to %q, want 303 to /overview", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "hookd_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", session)
	}

	for _, p := range []string{"/overview", "/settings", "/settings/webhooks", "/settings/webhooks/new",
		"/settings/users", "/settings/password"} {
		res, body := c.get(p)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
		if !strings.Contains(body, `action="/logout"`) {
			t.Errorf("GET %s has no sign-out form", p)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", p, csp)
		}
	}

	res, _ = c.post("/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	res, _ = c.get("/overview")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out, GET /overview: %d, want a redirect to /login", res.StatusCode)
	}
}

// TestSecureCookieBehindTLSProxy: the session cookie is Secure when a
// trusted proxy (--trusted-proxies) says the client came over TLS, and a
// client cannot claim it by sending the header itself.
func TestSecureCookieBehindTLSProxy(t *testing.T) {
	for _, c := range []struct {
		trusted    string
		wantSecure bool
	}{{"127.0.0.1", true}, {"", false}, {"10.0.0.0/8", false}} {
		env := startHookd(t, func(cfg *server.Config) { cfg.TrustedProxies = c.trusted })
		cl := newClient(t, env.URL)
		cl.get("/login")
		res, _ := cl.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}}, "X-Forwarded-Proto", "https")
		found := false
		for _, ck := range res.Cookies() {
			if ck.Name == "hookd_session" {
				found = true
				if ck.Secure != c.wantSecure {
					t.Errorf("--trusted-proxies %q: the session cookie's Secure is %v, want %v", c.trusted, ck.Secure, c.wantSecure)
				}
			}
		}
		if !found {
			t.Errorf("--trusted-proxies %q: no session cookie", c.trusted)
		}
	}
}

func TestSignInThrottled(t *testing.T) {
	env := startHookd(t)
	c := newClient(t, env.URL)
	c.get("/login")
	// SECURITY.md and docs/panel.md: after 3 failures in a row, a wait.
	for i := 0; i < 3; i++ {
		res, _ := c.post("/login", url.Values{"username": {"admin"}, "password": {"guess"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	// Even the right password must wait now.
	res, body := c.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after 3 failures: %d, want 429 with an explanation", res.StatusCode)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	// Another username from the same address is not held up.
	res, _ = c.post("/login", url.Values{"username": {"someone"}, "password": {"guess"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another username: %d, want 401", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	env, c := signedIn(t, "/settings/webhooks/new")
	form := func() url.Values {
		return url.Values{"name": {"x"}, "url": {env.Receiver.URL}, "hooks": {"eventAdded"}, "enabled": {"true"}}
	}

	f := form()
	f.Set("csrf", "")
	res, body := c.post("/settings/webhooks/new", f)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Request refused") {
		t.Errorf("POST without a CSRF token: %d, want 403", res.StatusCode)
	}
	f = form()
	f.Set("csrf", "forged")
	if res, _ := c.post("/settings/webhooks/new", f); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", res.StatusCode)
	}
	// A valid token does not help a request from another site.
	if res, _ := c.post("/settings/webhooks/new", form(), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", res.StatusCode)
	}
	if n := len(env.webhooks(t)); n != 0 {
		t.Fatalf("%d webhooks were created by refused requests", n)
	}
	// The same form from the panel itself works.
	res, _ = c.post("/settings/webhooks/new", form())
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin POST with the token: %d, want 303", res.StatusCode)
	}
	if n := len(env.webhooks(t)); n != 1 {
		t.Fatalf("%d webhooks, want 1", n)
	}
	// Sign-in itself needs its form token too.
	c2 := newClient(t, env.URL)
	res, _ = c2.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}, "csrf": {"x"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's token: %d, want 403", res.StatusCode)
	}
}

// helpLink is where every page's help link leads: docs/panel.md.
const helpLink = "https://github.com/hookd-dev/hookd/blob/main/docs/panel.md"

func TestStaticAssets(t *testing.T) {
	env := startHookd(t)
	c := newClient(t, env.URL)
	_, body := c.get("/login")
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page links no checksummed stylesheet")
	}
	res, css := c.get(m[1])
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, ":root") {
		t.Fatalf("GET %s: %d %q", m[1], res.StatusCode, res.Header.Get("Cache-Control"))
	}
	// Nothing is loaded from elsewhere; the one outside link is the help.
	if regexp.MustCompile(`(src|href)="https?://`).MatchString(strings.ReplaceAll(body, `href="`+helpLink+`"`, "")) {
		t.Error("the sign-in page loads or links something of another site")
	}
	if !strings.Contains(body, `href="`+helpLink+`"`) {
		t.Error("the sign-in page has no help link")
	}
}

// TestPasswordChangeSignsOutOtherSessions: changing your password keeps
// the session you changed it in and signs out the others (a browser left
// signed in elsewhere, or someone who knew the old password).
func TestPasswordChangeSignsOutOtherSessions(t *testing.T) {
	env := startHookd(t)
	here, there := newClient(t, env.URL), newClient(t, env.URL)
	here.signIn(testPassword)
	there.signIn(testPassword)
	if res, _ := there.get("/settings"); res.StatusCode != http.StatusOK {
		t.Fatalf("the second session: %d", res.StatusCode)
	}
	here.get("/settings/password")
	const next = "a new password, long enough"
	res, _ := here.post("/settings/password", url.Values{"current": {testPassword}, "password": {next}, "confirm": {next}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d", res.StatusCode)
	}
	if res, body := here.get("/settings"); res.StatusCode != http.StatusOK || !strings.Contains(body, "other sessions were signed out") {
		t.Errorf("the session that changed the password: %d, want 200 with the message", res.StatusCode)
	}
	if res, _ := there.get("/settings"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the other session after the change: %d to %q, want a redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}
	if res := newClient(t, env.URL).signIn(testPassword); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with the old password: %d, want 401", res.StatusCode)
	}
	if res := there.signIn(next); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: %d, want 303", res.StatusCode)
	}
}

// TestSignInThrottledPerAddress: invented usernames do not escape the
// throttle: one address gets 20 failed sign-ins a minute, whatever names
// it tries, and the log never holds what was typed as a username.
func TestSignInThrottledPerAddress(t *testing.T) {
	env := startHookd(t)
	h, logs := panelWithLog(t, env)
	c := newClient(t, h)
	c.get("/login")
	for i := range 20 {
		res, _ := c.post("/login", url.Values{"username": {fmt.Sprintf("typed-password-%d", i)}, "password": {"guess"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("invented username %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res, body := c.post("/login", url.Values{"username": {"yet-another"}, "password": {"guess"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("the 21st failed sign-in from one address: %d (Retry-After %q), want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if strings.Contains(logs.String(), "typed-password") {
		t.Errorf("the log holds what was typed as a username:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "failed sign-in") {
		t.Errorf("failed sign-ins are not logged at all:\n%s", logs.String())
	}
}
