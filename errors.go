package hookd

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. The HTTP layer maps each code to one status in one place.
const (
	EINVALID      = "validation_failed"      // 400
	EBADREQUEST   = "bad_request"            // 400: malformed JSON, wrong content type
	EUNAUTHORIZED = "unauthorized"           // 401
	EFORBIDDEN    = "forbidden"              // 403
	ENOTFOUND     = "not_found"              // 404
	ECONFLICT     = "conflict"               // 409
	EKEYREUSED    = "idempotency_key_reused" // 422: the same Idempotency-Key with another body
	ETOOLARGE     = "too_large"              // 413
	ERATELIMITED  = "rate_limited"           // 429
	EUNAVAILABLE  = "unavailable"            // 503: the store cannot be reached or written
	EINTERNAL     = "internal"               // 500
)

// Error is an application error: a code the API maps to a status, a message a
// person can act on, and for validation errors the message per field.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string { return appError(err).Code }

// ErrorMessage returns the message of an application error, or "internal
// error" for any other error so that causes stay in the logs.
func ErrorMessage(err error) string { return appError(err).Message }

// appError is err's application error: the zero Error for nil, and for any
// other error one with the code EINTERNAL and the message "internal error".
func appError(err error) *Error {
	var e *Error
	if err == nil {
		return &Error{}
	} else if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: "internal error"}
}

// FieldErrors collects validation errors keyed by field path.
type FieldErrors map[string]string

// Add records msg for field unless the field already has an error.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when there are no errors, otherwise a validation *Error whose
// message lists every field error in a stable order.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+f[k])
	}
	return &Error{Code: EINVALID, Message: strings.Join(parts, "; "), Fields: map[string]string(f)}
}

// EMETHOD is the code of a request whose method the path does not allow (405).
const EMETHOD = "method_not_allowed"

// EUNSUPPORTED is the code of a request body that is not JSON (415).
const EUNSUPPORTED = "unsupported_media_type"
