package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/httpstatus"
)

// healthz answers 200 when the process can serve and reach its store
// (liveness), else 503.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.probe(w, r, 2*time.Second, s.Store.Ping, "ok", "health check: store unreachable",
		func(error) string { return "the store cannot be reached" })
}

// readyz answers 200 when the store is reachable, writable and its
// migrations are current (readiness), else 503 with the reason: a load
// balancer sends no traffic to a node that would answer 503 anyway.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.probe(w, r, 5*time.Second, s.Store.Ready, "ready", "readiness check failed", func(err error) string {
		if hookd.ErrorCode(err) == hookd.EUNAVAILABLE {
			return hookd.ErrorMessage(err)
		}
		return "the store cannot be reached or written"
	})
}

// probe answers a health check: 200 and {"status": ok} when check passes
// within timeout; else 503 with Retry-After and the contract's error, whose
// message says why, and a warning logged.
func (s *Server) probe(w http.ResponseWriter, r *http.Request, timeout time.Duration, check func(context.Context) error,
	ok, warning string, message func(error) string) {
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	status := map[string]any{"status": ok}
	if err := check(ctx); err != nil {
		s.log.Warn(warning, "err", err)
		w.Header().Set("Retry-After", httpstatus.RetryAfter)
		w.WriteHeader(http.StatusServiceUnavailable)
		status = map[string]any{"status": "unavailable", "error": map[string]string{"code": hookd.EUNAVAILABLE, "message": message(err)}}
	}
	body, _ := json.Marshal(status)
	w.Write(append(body, '\n'))
}
