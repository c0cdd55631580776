package server_test

import (
	"context"
	"testing"
	"time"

	"hookd"
	"hookd/server"
)

// addAccount creates a second account with its own API key and returns it.
func addAccount(t *testing.T, s *server.Server) string {
	t.Helper()
	ctx := context.Background()
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "other", CreatedAt: time.Now()}
	if err := s.Store.CreateAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	key := hookd.NewAPIKey()
	if err := s.Store.CreateAPIKey(ctx, &hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: acc.ID, Hash: hookd.HashAPIKey(key), Prefix: hookd.APIKeyPrefix(key), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return key
}
