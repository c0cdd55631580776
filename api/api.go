// Package api is hookd's REST API under /api/v1: JSON in and out,
// authenticated with a Bearer API key, every error in the contract's shape.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/internal/clientaddr"
	"github.com/hookd-dev/hookd/internal/throttle"
)

// MaxBody is the largest request body accepted (1 MiB); larger ones get 413.
const MaxBody = 1 << 20

// Config configures the API handler. App and Store are required: writes go
// through App, reads to Store.
type Config struct {
	App    *app.App
	Store  hookd.Store
	Logger *slog.Logger
	// RateLimit is how many triggers per second one account may send
	// (a token bucket; a batch counts each trigger); 0 turns it off.
	RateLimit float64
	// RateBurst is the bucket's size (server.Config.RateBurst).
	RateBurst int
	// Retention is how long the log is kept (server.Config.Retention): a
	// recovery spans at most that. 0: no bound.
	Retention time.Duration
	// Accepted counts the triggers answered 202 (hookd_triggers_accepted_total);
	// nil counts nothing.
	Accepted prometheus.Counter
}

// Handler serves /api/v1.
type Handler struct {
	app   *app.App
	store hookd.Store
	log   *slog.Logger
	mux   *http.ServeMux

	limit    *limiter // nil: no rate limit
	badKeys  *throttle.Window
	accepted prometheus.Counter
	// retention bounds a recovery's range (Config.Retention).
	retention time.Duration
	// openapi is the OpenAPI document of this API and its catalogue.
	openapi []byte
	// public are the patterns of the endpoints that need no API key.
	public map[string]bool
}

// route is one endpoint: its method and path pattern, and whether it needs
// no API key.
type route struct {
	pattern string
	handle  http.HandlerFunc
	public  bool
}

// routes is every endpoint of the API, in one table: New registers them and
// the OpenAPI test holds the document to them.
func (h *Handler) routes() []route {
	return []route{
		{pattern: "GET /api/v1/openapi.json", handle: h.serveOpenAPI, public: true},
		{pattern: "GET /api/v1/hooks", handle: h.listHooks},
		{pattern: "POST /api/v1/webhooks", handle: h.createWebhook},
		{pattern: "GET /api/v1/webhooks", handle: h.listWebhooks},
		{pattern: "GET /api/v1/webhooks/{id}", handle: h.getWebhook},
		{pattern: "PATCH /api/v1/webhooks/{id}", handle: h.patchWebhook},
		{pattern: "DELETE /api/v1/webhooks/{id}", handle: h.deleteWebhook},
		{pattern: "GET /api/v1/webhooks/{id}/secret", handle: h.getSecret},
		{pattern: "POST /api/v1/webhooks/{id}/secret/rotate", handle: h.rotateSecret},
		{pattern: "POST /api/v1/webhooks/{id}/test", handle: h.testWebhook},
		{pattern: "POST /api/v1/webhooks/{id}/recover", handle: h.recoverWebhook},
		{pattern: "GET /api/v1/recoveries/{id}", handle: h.getRecovery},
		{pattern: "POST /api/v1/triggers", handle: h.postTriggers},
		{pattern: "GET /api/v1/triggers", handle: h.searchTriggers},
		{pattern: "GET /api/v1/triggers/{id}", handle: h.getTrigger},
		{pattern: "GET /api/v1/deliveries", handle: h.listDeliveries},
		{pattern: "GET /api/v1/deliveries/{id}", handle: h.getDelivery},
		{pattern: "POST /api/v1/deliveries/{id}/redeliver", handle: h.redeliver},
		{pattern: "GET /api/v1/keys", handle: h.listKeys},
		{pattern: "POST /api/v1/keys", handle: h.createKey},
		{pattern: "DELETE /api/v1/keys/{id}", handle: h.revokeKey},
		{pattern: "GET /api/v1/greylist", handle: h.listGreylist},
		{pattern: "DELETE /api/v1/greylist", handle: h.releaseGreylist},
	}
}

// Routes returns the pattern ("METHOD /path/{id}") of every endpoint.
func (h *Handler) Routes() []string {
	var out []string
	for _, rt := range h.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// New returns the API handler.
func New(cfg Config) *Handler {
	h := &Handler{app: cfg.App, store: cfg.Store, log: cfg.Logger, mux: http.NewServeMux(),
		limit: newLimiter(cfg.RateLimit, cfg.RateBurst), badKeys: throttle.New(badKeyLimit, time.Minute, time.Now),
		accepted: cfg.Accepted, retention: cfg.Retention}
	if h.accepted == nil {
		h.accepted = prometheus.NewCounter(prometheus.CounterOpts{Name: "unregistered"})
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	doc, err := OpenAPI(cfg.App.Catalogue())
	if err != nil {
		panic(err) // the embedded document and a parsed catalogue: a bug, caught by the tests
	}
	h.openapi, h.public = doc, map[string]bool{}
	for _, rt := range h.routes() {
		h.mux.HandleFunc(rt.pattern, rt.handle)
		if rt.public {
			h.public[rt.pattern] = true
		}
	}
	return h
}

type ctxKey struct{}

// caller is who made the request: the account and the hash of the API key.
type caller struct{ account, keyHash string }

func accountID(ctx context.Context) string { c, _ := ctx.Value(ctxKey{}).(caller); return c.account }
func keyHash(ctx context.Context) string   { c, _ := ctx.Value(ctxKey{}).(caller); return c.keyHash }

// byID calls f for the record named by the {id} in the request's path,
// within the caller's account: another account's IDs are not found.
func byID[T any](r *http.Request, f func(ctx context.Context, accountID, id string) (T, error)) (T, error) {
	return f(r.Context(), accountID(r.Context()), r.PathValue("id"))
}

// ServeHTTP routes a request: unknown paths and methods get JSON 404 and
// 405, then the API key is checked, then the body is capped.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, pattern := h.mux.Handler(r)
	if pattern == "" {
		h.noRoute(w, r)
		return
	}
	if h.public[pattern] {
		h.mux.ServeHTTP(w, r)
		return
	}
	acc, hash, wait, err := h.authenticate(r)
	if err != nil {
		switch hookd.ErrorCode(err) {
		case hookd.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="hookd"`)
		case hookd.ERATELIMITED:
			w.Header().Set("Retry-After", retryAfter(wait))
		}
		h.error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, caller{acc, hash})))
}

func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := h.mux.Handler(r2); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.error(w, r, hookd.Errorf(hookd.EMETHOD, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
		return
	}
	h.error(w, r, hookd.Errorf(hookd.ENOTFOUND, "no API endpoint %s %s; GET /api/v1/openapi.json lists the endpoints", r.Method, r.URL.Path))
}

// Wrong API keys from one client address: after badKeyLimit of them in a
// minute, that address gets 429 for any key this node has not seen work,
// so that guessing slows to a crawl while a real client behind the same
// address, whose key is known, goes on.
const badKeyLimit = 20

// authenticate checks the request's API key; the scheme name "Bearer" may
// be in any letter case (RFC 9110). wait is how long a throttled address
// must wait.
func (h *Handler) authenticate(r *http.Request) (account, hash string, wait time.Duration, err error) {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", "", 0, hookd.Errorf(hookd.EUNAUTHORIZED, "missing API key: send the header \"Authorization: Bearer <api key>\"")
	}
	ip := clientaddr.Of(r)
	if wait := h.badKeys.Wait(ip); wait > 0 && !h.app.KnownKey(key) {
		return "", "", wait, hookd.Errorf(hookd.ERATELIMITED,
			"too many wrong API keys from this address (%d in a minute); retry after %ss", badKeyLimit, retryAfter(wait))
	}
	account, hash, err = h.app.Authenticate(r.Context(), key)
	if hookd.ErrorCode(err) == hookd.EUNAUTHORIZED {
		h.badKeys.Fail(ip)
	}
	return account, hash, 0, err
}
