package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// What the tests of this package start from: a running hookd (env), its
// API as one account uses it, and its panel as a browser signs in to it.

const testKey = "hk_test_key_for_e2e_0123456789abcdef"

// env is a running hookd with an API client of one account (its key).
type env struct {
	t   *testing.T
	srv *server.Server
	url string
	key string
}

func start(t *testing.T, mod func(*server.Config)) *env {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = filepath.Join(t.TempDir(), "hookd.db")
	cfg.BatchInterval = 50 * time.Millisecond
	cfg.DeliveryTimeout = 2 * time.Second
	cfg.AllowPrivateURLs = true
	cfg.APIKey = testKey
	cfg.AdminPassword = "correct horse battery staple"
	cfg.Stderr = io.Discard
	if mod != nil {
		mod(&cfg)
	}
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &env{t: t, srv: s, url: s.URL(), key: testKey}
}

// do sends an API request and decodes a JSON answer into out (if not nil).
func (e *env) do(method, path string, body any, out any) int {
	e.t.Helper()
	a := testkit.Call(e.t, method, e.url+path, e.key, body)
	if out != nil && len(a.Body) > 0 {
		if err := json.Unmarshal(a.Body, out); err != nil {
			e.t.Fatalf("%s %s: answer is not JSON: %s", method, path, a.Body)
		}
	}
	return a.Status
}

// The API's answers, read as the Go client reads them.
type (
	webhook  = client.Webhook
	delivery = client.Delivery
)

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func (e *env) createWebhook(name, url string, hooks ...string) webhook {
	e.t.Helper()
	var w webhook
	if code := e.do("POST", "/api/v1/webhooks", map[string]any{"name": name, "url": url, "hooks": hooks}, &w); code != 201 {
		e.t.Fatalf("create webhook: %d", code)
	}
	return w
}

func (e *env) trigger(body string) string {
	e.t.Helper()
	var out struct{ ID string }
	if code := e.do("POST", "/api/v1/triggers", body, &out); code != 202 {
		e.t.Fatalf("trigger %s: %d", body, code)
	}
	return out.ID
}

// waitDelivery waits until the deliveries matching query are one, with
// status, and returns it.
func (e *env) waitDelivery(query, status string) delivery {
	e.t.Helper()
	var d delivery
	testkit.WaitFor(e.t, 10*time.Second, "one "+status+" delivery for "+query, func() bool {
		ds := e.deliveries(query)
		if len(ds) == 1 && ds[0].Status == status {
			d = ds[0]
			return true
		}
		return false
	})
	return d
}

func (e *env) deliveries(query string) []delivery {
	e.t.Helper()
	var out struct{ Deliveries []delivery }
	if code := e.do("GET", "/api/v1/deliveries?"+query, nil, &out); code != 200 {
		e.t.Fatalf("deliveries: %d", code)
	}
	return out.Deliveries
}

// addAccount creates a second account with its own API key and returns it.
func addAccount(t *testing.T, s *server.Server) string {
	t.Helper()
	_, key, err := s.App.CreateAccount(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// as returns an API client of the same hookd for the account of key.
func (e *env) as(key string) *env {
	o := *e
	o.key = key
	return &o
}

// panelClient is a browser of the panel: a cookie jar, and no automatic
// redirects, so that a test sees the 303 of a sign-in and the cookie it
// sets. tr is its transport; nil is http.DefaultTransport.
func panelClient(tr http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken loads page (a URL) and returns the CSRF token of its form. It
// fails the test with t.Error, not t.Fatal, so that a goroutine may call it.
func formToken(t *testing.T, c *http.Client, page string) string {
	resp, err := c.Get(page)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Errorf("no CSRF token on %s (%d): %.200s", page, resp.StatusCode, strings.TrimSpace(string(b)))
		return ""
	}
	return string(m[1])
}

// signIn signs in to the panel at base as admin with password, as its
// sign-in page does, and returns the answer (its body read and closed) and
// the CSRF token the form was sent with.
func signIn(t *testing.T, c *http.Client, base, password string) (*http.Response, string) {
	t.Helper()
	token := formToken(t, c, base+"/login")
	if token == "" {
		t.FailNow()
	}
	resp, err := postForm(c, base+"/login", token, "username", "admin", "password", password)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, token
}

// postForm posts a form of the panel to action with its CSRF token and the
// fields given as name, value pairs, as the browser of a page that holds
// the form does.
func postForm(c *http.Client, action, token string, fields ...string) (*http.Response, error) {
	form := url.Values{"csrf": {token}}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	return c.PostForm(action, form)
}

// sessionCookie returns the panel's session cookie that resp sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, ck := range resp.Cookies() {
		if ck.Name == "hookd_session" {
			return ck
		}
	}
	return nil
}
