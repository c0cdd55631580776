package app

import (
	"context"
	"strings"

	"hookd"
)

// CreateAPIKey makes a new API key for the account, named after what will
// use it, and returns it with the key itself: only its hash is stored, so
// this is the one time the key can be shown.
func (a *App) CreateAPIKey(ctx context.Context, accountID, name string) (hookd.APIKey, string, error) {
	errs := hookd.FieldErrors{}
	hookd.ValidateKeyName(name, errs)
	if err := errs.Err(); err != nil {
		return hookd.APIKey{}, "", err
	}
	key := hookd.NewAPIKey()
	k := hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: accountID, Name: strings.TrimSpace(name),
		Hash: hookd.HashAPIKey(key), Prefix: hookd.APIKeyPrefix(key), CreatedAt: a.now()}
	if err := a.Store.CreateAPIKey(ctx, &k); err != nil {
		return hookd.APIKey{}, "", err
	}
	return k, key, nil
}

// RevokeAPIKey deletes one of the account's API keys (not its last one):
// requests with it get 401 from then on.
func (a *App) RevokeAPIKey(ctx context.Context, accountID, id string) (hookd.APIKey, error) {
	k, err := a.Store.DeleteAPIKey(ctx, accountID, id)
	if err != nil {
		return k, err
	}
	if a.KeyRevoked != nil {
		a.KeyRevoked(k.Hash)
	}
	return k, nil
}
