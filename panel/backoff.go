package panel

import (
	"strings"
	"sync"
	"time"
)

// backoff slows down guessing of passwords: after 3 failed sign-ins in a
// row for one username from one address, each further attempt must wait,
// 1 s after the third failure and doubling with every failure up to a
// quarter of an hour (SECURITY.md and docs/panel.md say so). It is kept in
// memory: a restart forgets it, which costs an attacker a restart per
// handful of guesses.
type backoff struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*attempts
	// free is how many failures pass without a wait; the next one starts
	// the waits: 2, so that the third failure is followed by a wait.
	free int
	// base is the first wait; 1s. max is the longest; 15m.
	base, max time.Duration
}

type attempts struct {
	failures int
	last     time.Time
	until    time.Time
}

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, m: map[string]*attempts{}, free: 2, base: time.Second, max: 15 * time.Minute}
}

func throttleKey(username, ip string) string {
	return strings.ToLower(strings.TrimSpace(username)) + "\x00" + ip
}

// wait returns how long the caller must wait before trying again; 0 means
// go ahead.
func (t *backoff) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.m[key]
	if !ok {
		return 0
	}
	if d := a.until.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// fail records a failed sign-in.
func (t *backoff) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.prune(now)
	a := t.m[key]
	if a == nil {
		a = &attempts{}
		t.m[key] = a
	}
	if now.Sub(a.last) > time.Hour {
		a.failures = 0 // an hour of quiet starts afresh
	}
	a.failures++
	a.last = now
	if n := a.failures - t.free; n > 0 {
		d := t.base
		for i := 1; i < n && d < t.max; i++ {
			d *= 2
		}
		a.until = now.Add(min(d, t.max))
	}
}

// succeed forgets the failures of key.
func (t *backoff) succeed(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// prune forgets keys that have been quiet for a day, so the map cannot grow
// without bound.
func (t *backoff) prune(now time.Time) {
	if len(t.m) < 1024 {
		return
	}
	for k, a := range t.m {
		if now.Sub(a.last) > 24*time.Hour {
			delete(t.m, k)
		}
	}
}
