package api

import (
	"net/url"
	"strconv"
	"time"

	"github.com/hookd-dev/hookd"
)

// queryTime reads an optional RFC 3339 time parameter; a bad one is a field
// error naming the parameter.
func queryTime(q url.Values, name string, errs hookd.FieldErrors) time.Time {
	s := q.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		errs.Add(name, "must be an RFC 3339 time, e.g. 2026-12-01T07:00:00Z")
	}
	return t
}

// queryRange reads since and until; until must be after since.
func queryRange(q url.Values, errs hookd.FieldErrors) (since, until time.Time) {
	since, until = queryTime(q, "since", errs), queryTime(q, "until", errs)
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		errs.Add("until", "must be after since")
	}
	return since, until
}

// queryPage reads the parameters of a page of a list: cursor (the
// nextCursor of the previous page: an ID with prefix), since, until and
// limit.
func queryPage(q url.Values, prefix string, errs hookd.FieldErrors) (cursor string, since, until time.Time, limit int) {
	cursor = q.Get("cursor")
	if cursor != "" && !hookd.ValidID(prefix, cursor) {
		errs.Add("cursor", "is not a cursor hookd made: pass the nextCursor of the previous page as it is")
	}
	since, until = queryRange(q, errs)
	return cursor, since, until, queryLimit(q, errs)
}

// queryLimit reads the optional page size, 1 to 1000.
func queryLimit(q url.Values, errs hookd.FieldErrors) int {
	s := q.Get("limit")
	if s == "" {
		return 50
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		errs.Add("limit", "must be a whole number from 1 to 1000")
	}
	return n
}

// nextCursor is the nextCursor member of a page: null on the last page.
func nextCursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}
