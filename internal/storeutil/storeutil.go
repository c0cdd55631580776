// Package storeutil holds what the sqlite and postgres engines do alike and
// that is no part of the domain: the defaults a record gets when it is
// stored, the column lists and row scans both dialects share, the steps of
// the multi-record writes (Bootstrap, the idempotent trigger insert), the
// reads of one record that are one statement in both (a session, an
// idempotency record, a recovery's progress), the delivery page, the application errors a store returns for a missing or
// taken record, and the error that keeps a database failure's cause.
// Detecting the conditions in a driver's errors (a unique violation, a full
// disk) and the SQL that differs stay in each engine.
package storeutil

import (
	"time"

	"github.com/hookd-dev/hookd"
)

// Millis returns t in UTC at millisecond precision, the precision of every
// stored time: what a caller's record holds once it is stored.
func Millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Stamp returns Millis(t), or now when t is zero: the time a record gets
// when its caller left it out.
func Stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return Millis(t)
}

// Fill gives a record about to be inserted its defaults: a new ID with
// prefix when *id is empty, and its time (when it was made) stamped.
func Fill(id *string, prefix string, at *time.Time) {
	if *id == "" {
		*id = hookd.NewID(prefix)
	}
	*at = Stamp(*at)
}

// FillWebhook gives a webhook about to be inserted its defaults (Fill); an
// empty UpdatedAt is its CreatedAt.
func FillWebhook(w *hookd.Webhook) {
	Fill(&w.ID, hookd.PrefixWebhook, &w.CreatedAt)
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	}
	w.UpdatedAt = Stamp(w.UpdatedAt)
}

// NotNil returns s, or an empty slice when s is nil, for a NOT NULL column
// (a trigger's data, a webhook's hooks, an idempotency record's response).
func NotNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
