package panel

import (
	"strings"
	"sync"
	"time"
)

// throttle slows down guessing of passwords: after a few failed sign-ins
// for one username from one address, each further attempt must wait, and the
// wait doubles with every failure up to a quarter of an hour. It is kept in
// memory: a restart forgets it, which costs an attacker a restart per
// handful of guesses.
type throttle struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*attempts
	// free is how many failures are allowed before waits start; 3.
	free int
	// base is the first wait; 1s. max is the longest; 15m.
	base, max time.Duration
}

type attempts struct {
	failures int
	last     time.Time
	until    time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, m: map[string]*attempts{}, free: 3, base: time.Second, max: 15 * time.Minute}
}

func throttleKey(username, ip string) string {
	return strings.ToLower(strings.TrimSpace(username)) + "\x00" + ip
}

// wait returns how long the caller must wait before trying again; 0 means
// go ahead.
func (t *throttle) wait(key string) time.Duration {
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
func (t *throttle) fail(key string) {
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
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// prune forgets keys that have been quiet for a day, so the map cannot grow
// without bound.
func (t *throttle) prune(now time.Time) {
	if len(t.m) < 1024 {
		return
	}
	for k, a := range t.m {
		if now.Sub(a.last) > 24*time.Hour {
			delete(t.m, k)
		}
	}
}
