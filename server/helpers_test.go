package server_test

import (
	"context"
	"testing"

	"github.com/hookd-dev/hookd/server"
)

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
