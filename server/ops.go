package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"hookd/internal/httpstatus"
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
