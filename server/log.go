package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd/internal/clientaddr"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests counts every request and logs it at info: one line with the
// method, the path without its query, the status, the duration and the
// client's address (from a trusted proxy's X-Forwarded-For when
// --trusted-proxies says so). Never headers, query strings or bodies, which
// may hold keys and secrets.
func logRequests(log *slog.Logger, requests *prometheus.CounterVec, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		requests.WithLabelValues(r.Method, strconv.Itoa(sw.status)).Inc()
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("duration_ms", time.Since(start).Milliseconds()),
			slog.String("client", clientaddr.Of(r)))
	})
}
