package storeutil

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/hookd-dev/hookd"
)

// The application errors both engines return, so that a missing or taken
// record reads the same whatever the store. An engine returns them when its
// driver reports no row or a unique violation.

// NotFound is the ENOTFOUND error of a record of kind ("webhook") looked up
// by its ID.
func NotFound(kind, id string) error {
	return hookd.Errorf(hookd.ENOTFOUND, "%s %s not found", kind, id)
}

// Exists is the ECONFLICT error of a record of kind inserted with an ID (or
// name) that is taken.
func Exists(kind, id string) error {
	return hookd.Errorf(hookd.ECONFLICT, "%s %s already exists", kind, id)
}

// Errors of particular records.
var (
	ErrNoAPIKeyMatch = hookd.Errorf(hookd.ENOTFOUND, "no API key matches; check the Authorization: Bearer header")
	ErrNoSession     = hookd.Errorf(hookd.ENOTFOUND, "session not found or expired; sign in again")
	ErrTriggersExist = hookd.Errorf(hookd.ECONFLICT, "a trigger with one of these IDs already exists; nothing was stored")
)

// The errors of one record, each made from the value its message names.
var (
	// LastAPIKey is the ECONFLICT error of revoking an account's last API
	// key, by its ID.
	LastAPIKey = recordError(hookd.ECONFLICT, "API key %s is the account's last key; create another key before you revoke this one")
	// LastAdmin is the ECONFLICT error of removing, or taking the
	// administrator's rights from, an account's last administrator.
	LastAdmin = recordError(hookd.ECONFLICT, "%s is the account's last administrator; make another user an administrator first")
	// UsernameTaken is the ECONFLICT error of a second user with a username.
	UsernameTaken = recordError(hookd.ECONFLICT, "the username %q is taken; choose another")
	// NoUsername is the ENOTFOUND error of a username that no user has.
	NoUsername = recordError(hookd.ENOTFOUND, "user %q not found")
	// keyInUse is the ECONFLICT error of an idempotency key that a live
	// record holds.
	keyInUse = recordError(hookd.ECONFLICT, "the idempotency key %q is already in use; nothing was stored")
	// NoIdempotencyRecord is the ENOTFOUND error of a key with no live record.
	NoIdempotencyRecord = recordError(hookd.ENOTFOUND, "no answer is stored for the idempotency key %q")
	// NoWebhookWithURL is the ENOTFOUND error of releasing a URL that none
	// of the account's webhooks has.
	NoWebhookWithURL = recordError(hookd.ENOTFOUND, "no webhook of this account has the URL %s")
)

// recordError returns the maker of the error with code whose message is
// format with one value.
func recordError(code, format string) func(string) error {
	return func(v string) error { return hookd.Errorf(code, format, v) }
}

// Settled reports whether err needs no translation by an engine: an
// application error, or the caller's cancelled context (nothing to report
// about the database).
func Settled(err error) bool {
	var he *hookd.Error
	return errors.As(err, &he) || errors.Is(err, context.Canceled)
}

// Unavailable returns an EUNAVAILABLE error whose message is app's (what API
// users read) and that keeps cause (what the logs show).
func Unavailable(app *hookd.Error, cause error) error { return &unavailable{app: app, cause: cause} }

type unavailable struct {
	app   *hookd.Error
	cause error
}

func (e *unavailable) Unwrap() []error { return []error{e.app, e.cause} }
func (e *unavailable) Error() string   { return e.app.Error() + ": " + e.cause.Error() }

// failures counts the database errors both engines have met in this
// process: what hookd_store_errors_total reports.
var failures atomic.Uint64

// CountFailure records one database error (an engine calls it for every
// error that is not Settled).
func CountFailure() { failures.Add(1) }

// Failures returns how many database errors this process has met.
func Failures() uint64 { return failures.Load() }

// BadCursor is the error of a search cursor that names no record of the
// account: hookd did not make it (or retention removed its record).
func BadCursor() error {
	return &hookd.Error{Code: hookd.EINVALID, Message: "cursor is not a cursor hookd made: pass the nextCursor of the previous page as it is",
		Fields: map[string]string{"cursor": "is not a cursor hookd made"}}
}
