// Package httpstatus maps hookd's error codes to HTTP statuses: the one
// place where that mapping lives, shared by the API and the control panel.
package httpstatus

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// Of returns the HTTP status of an error: its code's status, 500 for an
// error that is not a *hookd.Error, and 200 for nil.
func Of(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return OfCode(hookd.ErrorCode(err))
}

// statusOf is the HTTP status of each error code; a code not here is 500.
var statusOf = map[string]int{
	hookd.EINVALID:      http.StatusBadRequest,
	hookd.EBADREQUEST:   http.StatusBadRequest,
	hookd.EUNAUTHORIZED: http.StatusUnauthorized,
	hookd.EFORBIDDEN:    http.StatusForbidden,
	hookd.ENOTFOUND:     http.StatusNotFound,
	hookd.EMETHOD:       http.StatusMethodNotAllowed,
	hookd.ECONFLICT:     http.StatusConflict,
	hookd.EKEYREUSED:    http.StatusUnprocessableEntity,
	hookd.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	hookd.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	hookd.ERATELIMITED:  http.StatusTooManyRequests,
	hookd.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// OfCode returns the HTTP status of an error code.
func OfCode(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryAfter is the Retry-After, in seconds, of an answer that the store
// being unavailable made (503): long enough for a restarted database or a
// freed disk, short enough that producers are not held back for long.
const RetryAfter = "5"
