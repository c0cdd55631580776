// Package throttle counts failures per key (a client address) in a sliding
// minute and says when a key has had too many: the API's wrong-key limit
// and the panel's sign-in limit per address both use it.
package throttle

import (
	"sync"
	"time"
)

// Window counts failures per key over the last Period; a key with Limit or
// more failures in it is blocked until the oldest of them is Period old.
// It is kept in memory and bounded: at most MaxKeys keys are remembered
// (the oldest are forgotten first), so that an attacker with many addresses
// cannot grow it without bound.
type Window struct {
	Limit   int
	Period  time.Duration
	MaxKeys int
	Now     func() time.Time

	mu   sync.Mutex
	keys map[string][]time.Time // failure times, oldest first, at most Limit
}

// New returns a Window that blocks a key after limit failures in period,
// remembering at most 100,000 keys.
func New(limit int, period time.Duration, now func() time.Time) *Window {
	return &Window{Limit: limit, Period: period, MaxKeys: 100_000, Now: now, keys: map[string][]time.Time{}}
}

// Wait returns how long key must wait before its failures fall below the
// limit; 0 when it is not blocked.
func (w *Window) Wait(key string) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := w.live(key, w.Now())
	if len(ts) < w.Limit {
		return 0
	}
	return ts[len(ts)-w.Limit].Add(w.Period).Sub(w.Now())
}

// Fail records a failure of key.
func (w *Window) Fail(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.Now()
	ts := w.live(key, now)
	if len(ts) >= w.Limit {
		ts = ts[1:]
	}
	if _, known := w.keys[key]; !known && len(w.keys) >= w.MaxKeys {
		w.forgetStale(now)
	}
	w.keys[key] = append(ts, now)
}

// Forget clears the failures of key.
func (w *Window) Forget(key string) {
	w.mu.Lock()
	delete(w.keys, key)
	w.mu.Unlock()
}

// live returns key's failures within the period, dropping older ones.
func (w *Window) live(key string, now time.Time) []time.Time {
	ts := w.keys[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= w.Period {
		i++
	}
	if i == len(ts) && len(ts) > 0 {
		delete(w.keys, key)
		return nil
	}
	return ts[i:]
}

// forgetStale drops keys whose failures have all aged out; when none have,
// it drops half the keys, so that the map stays bounded under a flood of
// new addresses (those keys' counts start again from zero).
func (w *Window) forgetStale(now time.Time) {
	for k, ts := range w.keys {
		if now.Sub(ts[len(ts)-1]) >= w.Period {
			delete(w.keys, k)
		}
	}
	if len(w.keys) < w.MaxKeys {
		return
	}
	n := len(w.keys) / 2
	for k := range w.keys {
		if n == 0 {
			break
		}
		delete(w.keys, k)
		n--
	}
}
