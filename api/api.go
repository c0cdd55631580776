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
	m := h.mux
	m.HandleFunc("GET /api/v1/hooks", h.listHooks)
	m.HandleFunc("POST /api/v1/webhooks", h.createWebhook)
	m.HandleFunc("GET /api/v1/webhooks", h.listWebhooks)
	m.HandleFunc("GET /api/v1/webhooks/{id}", h.getWebhook)
	m.HandleFunc("PATCH /api/v1/webhooks/{id}", h.patchWebhook)
	m.HandleFunc("DELETE /api/v1/webhooks/{id}", h.deleteWebhook)
	m.HandleFunc("GET /api/v1/webhooks/{id}/secret", h.getSecret)
	m.HandleFunc("POST /api/v1/webhooks/{id}/secret/rotate", h.rotateSecret)
	m.HandleFunc("POST /api/v1/webhooks/{id}/test", h.testWebhook)
	m.HandleFunc("POST /api/v1/webhooks/{id}/recover", h.recoverWebhook)
	m.HandleFunc("GET /api/v1/recoveries/{id}", h.getRecovery)
	m.HandleFunc("POST /api/v1/triggers", h.postTriggers)
	m.HandleFunc("GET /api/v1/triggers", h.searchTriggers)
	m.HandleFunc("GET /api/v1/triggers/{id}", h.getTrigger)
	m.HandleFunc("GET /api/v1/deliveries", h.listDeliveries)
	m.HandleFunc("GET /api/v1/deliveries/{id}", h.getDelivery)
	m.HandleFunc("POST /api/v1/deliveries/{id}/redeliver", h.redeliver)
	m.HandleFunc("GET /api/v1/keys", h.listKeys)
	m.HandleFunc("POST /api/v1/keys", h.createKey)
	m.HandleFunc("DELETE /api/v1/keys/{id}", h.revokeKey)
	m.HandleFunc("GET /api/v1/greylist", h.listGreylist)
	m.HandleFunc("DELETE /api/v1/greylist", h.releaseGreylist)
	return h
}

type ctxKey struct{}

// caller is who made the request: the account and the hash of the API key.
type caller struct{ account, keyHash string }

func accountID(ctx context.Context) string { c, _ := ctx.Value(ctxKey{}).(caller); return c.account }
func keyHash(ctx context.Context) string   { c, _ := ctx.Value(ctxKey{}).(caller); return c.keyHash }

// ServeHTTP routes a request: unknown paths and methods get JSON 404 and
// 405, then the API key is checked, then the body is capped.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r)
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
	h.error(w, r, hookd.Errorf(hookd.ENOTFOUND, "no API endpoint %s %s; the endpoints are listed in the README", r.Method, r.URL.Path))
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
