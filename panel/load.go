package panel

import (
	"context"
	"net/http"
)

// ofAccount calls get with the visitor's account and answers its error
// itself (ok is false then), so that every page that shows or changes what
// belongs to an account asks for that account's records only and fails
// the same way.
func ofAccount[T any](h *handler, w http.ResponseWriter, r *http.Request, v *visitor,
	get func(ctx context.Context, accountID string) (T, error)) (x T, ok bool) {
	x, err := get(r.Context(), v.User.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return x, false
	}
	return x, true
}

// byID is ofAccount for the one record the path's {id} names: the
// account's webhook to show, or the webhook to act on.
func byID[T any](h *handler, w http.ResponseWriter, r *http.Request, v *visitor,
	get func(ctx context.Context, accountID, id string) (T, error)) (T, bool) {
	return ofAccount(h, w, r, v, func(ctx context.Context, accountID string) (T, error) {
		return get(ctx, accountID, r.PathValue("id"))
	})
}
