package server_test

import (
	"context"
	"testing"

	"hookd/server"
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
