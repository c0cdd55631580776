// Package panel is hookd's control panel: server-rendered pages where a
// person signs in, creates and edits webhooks (a name, a URL and a set of
// hooks), reads their delivery log and sees at a glance whether they work.
//
// Every page works without JavaScript; the small script only enhances
// (copy buttons, "select all" without a round trip). Templates, styles and
// the script are embedded in the binary and served at checksummed URLs.
// Every state-changing request must carry the session's CSRF token and come
// from the panel's own origin.
package panel

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/internal/httpstatus"
	"github.com/hookd-dev/hookd/internal/throttle"
)

// Config is what the panel needs.
type Config struct {
	App    *app.App
	Store  hookd.Store
	Logger *slog.Logger     // defaults to slog.Default()
	Now    func() time.Time // defaults to time.Now
	// Location is the time zone times are shown in; defaults to time.Local.
	Location *time.Location
	// SessionTTL is how long a sign-in lasts; defaults to 30 days.
	SessionTTL time.Duration
	// TestWait is how long "Send test" and "Redeliver" wait for the result
	// before showing the page; defaults to 15s.
	TestWait time.Duration
	// Retention is how long the log is kept (server.Config.Retention): a
	// recovery spans at most this much; 0: no bound.
	Retention time.Duration
}

type handler struct {
	app       *app.App
	store     hookd.Store
	log       *slog.Logger
	now       func() time.Time
	loc       *time.Location
	ttl       time.Duration
	testWait  time.Duration
	retention time.Duration

	pages     map[string]*template.Template
	assets    *assets
	backoff   *backoff         // failed sign-ins per username and address
	addrFails *throttle.Window // failed sign-ins per address
	cop       *http.CrossOriginProtection
}

// New returns the panel's handler, to be mounted at "/". It parses every
// template at once so that a broken view fails here, not on first use.
func New(cfg Config) (http.Handler, error) {
	if cfg.App == nil || cfg.Store == nil {
		return nil, errors.New("panel: Config.App and Config.Store are required")
	}
	h := &handler{
		app: cfg.App, store: cfg.Store, log: cfg.Logger, now: cfg.Now, loc: cfg.Location,
		ttl: cfg.SessionTTL, testWait: cfg.TestWait, retention: cfg.Retention,
		cop: http.NewCrossOriginProtection(),
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		h.loc = time.Local
	}
	if h.ttl <= 0 {
		h.ttl = 30 * 24 * time.Hour
	}
	if h.testWait <= 0 {
		h.testWait = 15 * time.Second
	}
	h.backoff = newBackoff(h.now)
	h.addrFails = throttle.New(signInAddrLimit, time.Minute, h.now)
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = h.parseTemplates(); err != nil {
		return nil, err
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossSiteRefused))
	return h.routes(), nil
}

func (h *handler) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.root)
	mux.HandleFunc("GET /static/{file}", h.assets.serve)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.authed(h.logout))

	mux.HandleFunc("GET /overview", h.authed(h.overview))
	mux.HandleFunc("GET /settings", h.authed(h.settings))
	mux.HandleFunc("GET /settings/webhooks", h.authed(h.webhookList))
	mux.HandleFunc("GET /settings/webhooks/new", h.authed(h.webhookNew))
	mux.HandleFunc("POST /settings/webhooks/new", h.authed(h.webhookCreate))
	mux.HandleFunc("GET /settings/webhooks/{id}", h.authed(h.webhookEdit))
	mux.HandleFunc("POST /settings/webhooks/{id}", h.authed(h.webhookSave))
	mux.HandleFunc("GET /settings/webhooks/{id}/delete", h.authed(h.webhookDeleteConfirm))
	mux.HandleFunc("POST /settings/webhooks/{id}/delete", h.authed(h.webhookDelete))
	mux.HandleFunc("POST /settings/webhooks/{id}/toggle", h.authed(h.webhookToggle))
	mux.HandleFunc("GET /settings/webhooks/{id}/rotate", h.authed(h.webhookRotateConfirm))
	mux.HandleFunc("POST /settings/webhooks/{id}/rotate", h.authed(h.webhookRotate))
	mux.HandleFunc("POST /settings/webhooks/{id}/test", h.authed(h.webhookSendTest))
	mux.HandleFunc("GET /settings/webhooks/{id}/test/{delivery}", h.authed(h.testResult))
	mux.HandleFunc("POST /settings/webhooks/{id}/release", h.authed(h.webhookRelease))
	mux.HandleFunc("GET /settings/webhooks/{id}/deliveries", h.authed(h.deliveries))
	mux.HandleFunc("POST /settings/webhooks/{id}/deliveries/{delivery}/redeliver", h.authed(h.redeliver))

	mux.HandleFunc("GET /settings/users", h.admin(emptyForm(h.showUsers)))
	mux.HandleFunc("POST /settings/users", h.admin(h.userCreate))
	mux.HandleFunc("POST /settings/users/{id}/password", h.admin(h.userSetPassword))
	mux.HandleFunc("POST /settings/users/{id}/email", h.admin(h.userSetEmail))
	mux.HandleFunc("GET /settings/api-keys", h.admin(emptyForm(h.showAPIKeys)))
	mux.HandleFunc("POST /settings/api-keys", h.admin(h.apiKeyCreate))
	mux.HandleFunc("GET /settings/api-keys/{id}/revoke", h.admin(h.apiKeyRevokeConfirm))
	mux.HandleFunc("POST /settings/api-keys/{id}/revoke", h.admin(h.apiKeyRevoke))
	mux.HandleFunc("GET /settings/users/{id}/remove", h.admin(h.userRemoveConfirm))
	mux.HandleFunc("POST /settings/users/{id}/remove", h.admin(h.userRemove))
	mux.HandleFunc("POST /settings/users/{id}/admin", h.admin(h.userSetAdmin))
	mux.HandleFunc("GET /settings/password", h.authed(h.passwordPage))
	mux.HandleFunc("POST /settings/password", h.authed(h.passwordChange))
	mux.HandleFunc("GET /settings/email", h.authed(h.emailForm))
	mux.HandleFunc("POST /settings/email", h.authed(h.emailChange))

	// Issue 14: the account's whole log, one delivery, one trigger, and
	// sending what a webhook missed.
	mux.HandleFunc("GET /deliveries", h.authed(h.allDeliveries))
	mux.HandleFunc("GET /deliveries/export", h.authed(h.exportDeliveries))
	mux.HandleFunc("GET /deliveries/{id}", h.authed(h.deliveryDetail))
	mux.HandleFunc("GET /triggers/{id}", h.authed(h.triggerPage))
	mux.HandleFunc("GET /settings/webhooks/{id}/recover", h.authed(h.recoverForm))
	mux.HandleFunc("POST /settings/webhooks/{id}/recover", h.authed(h.recover))
	mux.HandleFunc("GET /settings/webhooks/{id}/recoveries/{recovery}", h.authed(h.recoveryProgress))

	mux.HandleFunc("/", h.notFoundHandler)

	// One chain, outermost first: security headers on every answer, then
	// cross-origin refusal of unsafe methods, then the routes.
	return h.securityHeaders(h.cop.Handler(mux))
}

// securityHeaders sets headers that keep the panel's pages to themselves:
// nothing is loaded from elsewhere, nothing frames them, nothing is cached.
func (h *handler) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.visitorOf(r); ok {
		http.Redirect(w, r, "/overview", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *handler) parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(h.funcs()).ParseFS(embedded, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("panel: parsing layout: %w", err)
	}
	files, err := fs.Glob(embedded, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template, len(files))
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(embedded, f); err != nil {
			return nil, fmt.Errorf("panel: parsing %s: %w", f, err)
		}
		for _, need := range []string{"title", "content"} {
			if t.Lookup(need) == nil {
				return nil, fmt.Errorf("panel: %s defines no %q template", f, need)
			}
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

// render executes a page into a buffer first so that a template error
// becomes a clean 500 instead of half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := h.pages[page]
	if !ok {
		h.serverError(w, r, fmt.Errorf("panel: no page %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("panel: rendering page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	out := buf.Bytes()
	if status >= 400 {
		// A form re-shown with its errors, or a refusal: the title says so
		// first, so that a screen reader and the tab strip tell at once.
		out = bytes.Replace(out, []byte("<title>"), []byte("<title>Error: "), 1)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// base is what every page's layout needs.
type base struct {
	Title   string
	Nav     string // the active top-level section: overview, webhooks, settings
	Visitor *visitor
	Flash   *flash
	// Refresh, when above 0, reloads the page after that many seconds
	// (a recovery's progress), without script.
	Refresh int
}

// CSRF is the token every form of a signed-in page posts back.
func (b base) CSRF() string {
	if b.Visitor == nil {
		return ""
	}
	return b.Visitor.Session.CSRFToken
}

func (h *handler) base(w http.ResponseWriter, r *http.Request, v *visitor, title, nav string) base {
	return base{Title: title, Nav: nav, Visitor: v, Flash: h.takeFlash(w, r, v)}
}

type messagePage struct {
	base
	Heading string
	Message string
	Back    string
}

func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	v, _ := h.visitorOf(r)
	h.render(w, r, status, "message", messagePage{
		base:    base{Title: heading, Visitor: v},
		Heading: heading, Message: msg, Back: "/settings/webhooks",
	})
}

func (h *handler) notFoundHandler(w http.ResponseWriter, r *http.Request) {
	h.message(w, r, http.StatusNotFound, "Page not found", "There is no page at this address. It may have been deleted.")
}

func (h *handler) crossSiteRefused(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("panel: refused a cross-site request", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	h.message(w, r, http.StatusForbidden, "Request refused",
		"This form was sent from another web site, so hookd refused it. Open the control panel directly and try again.")
}

func (h *handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpstatus.Of(err)
	if status == http.StatusServiceUnavailable {
		h.log.Warn("panel: store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", httpstatus.RetryAfter)
		h.message(w, r, status, "Something went wrong", "hookd cannot reach its database at the moment. Please try again in a moment.")
		return
	}
	h.log.Error("panel: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.message(w, r, http.StatusInternalServerError, "Something went wrong",
		"Something went wrong on the server. The details are in the server's log. Please try again in a moment.")
}

// fail shows the page that fits an application error, with the status the
// API gives the same error (internal/httpstatus).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch status := httpstatus.Of(err); {
	case status == http.StatusNotFound:
		h.message(w, r, status, "Not found", hookd.ErrorMessage(err))
	case status == http.StatusForbidden:
		h.message(w, r, status, "Not allowed", hookd.ErrorMessage(err))
	case status < 500:
		h.message(w, r, status, "That did not work", hookd.ErrorMessage(err))
	default:
		h.serverError(w, r, err)
	}
}

// redirect answers a POST with 303 so that reloading the next page does not
// repeat the action.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
