package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/httpstatus"
)

// healthz answers 200 when the process can serve and reach its store
// (liveness), else 503.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Store.Ping(ctx); err != nil {
		s.log.Warn("health check: store unreachable", "err", err)
		w.Header().Set("Retry-After", httpstatus.RetryAfter)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"unavailable","error":{"code":"unavailable","message":"the store cannot be reached"}}`+"\n")
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}

// readyz answers 200 when the store is reachable, writable and its
// migrations are current (readiness), else 503 with the reason: a load
// balancer sends no traffic to a node that would answer 503 anyway.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Store.Ready(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		w.Header().Set("Retry-After", httpstatus.RetryAfter)
		w.WriteHeader(http.StatusServiceUnavailable)
		msg := "the store cannot be reached or written"
		if hookd.ErrorCode(err) == hookd.EUNAVAILABLE {
			msg = hookd.ErrorMessage(err)
		}
		body, _ := json.Marshal(map[string]any{"status": "unavailable", "error": map[string]string{"code": hookd.EUNAVAILABLE, "message": msg}})
		w.Write(append(body, '\n'))
		return
	}
	fmt.Fprintln(w, `{"status":"ready"}`)
}
