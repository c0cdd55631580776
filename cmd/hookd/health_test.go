package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthCommand: 200 is healthy (nil: exit 0); another status or no
// answer is an error (exit 1) that says what came back.
func TestHealthCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			http.Error(w, "the store's migrations are not current", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	health := func(url string) (string, error) {
		var out strings.Builder
		err := run(context.Background(), []string{"health", "--url", url}, &out, &strings.Builder{})
		return out.String(), err
	}
	if out, err := health(srv.URL + "/healthz"); err != nil || !strings.Contains(out, "200") {
		t.Errorf("a 200: %q %v, want success", out, err)
	}
	if _, err := health(srv.URL + "/readyz"); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "migrations are not current") {
		t.Errorf("a 503: %v, want an error with the status and the reason", err)
	}
	srv.Close()
	if _, err := health(srv.URL + "/healthz"); err == nil {
		t.Error("no server: nil, want an error")
	} else if _, usage := err.(usageError); usage {
		t.Errorf("no server: a usage error (exit 2), want exit 1: %v", err)
	}
}
