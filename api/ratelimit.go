package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookd-dev/hookd"
)

// limiter is a token bucket per account that counts triggers: a batch of
// 1,000 takes 1,000 tokens. It protects the store, and the other tenants
// of a shared hookd, from one runaway producer; per account rather than
// per key, so that a tenant cannot multiply its rate by making keys.
type limiter struct {
	rate  rate.Limit
	burst int

	mu   sync.Mutex
	keys map[string]*rate.Limiter // by account ID
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{rate: rate.Limit(perSecond), burst: burst, keys: map[string]*rate.Limiter{}}
}

// take takes n tokens from the bucket of key, or returns an ERATELIMITED
// error and how long to wait before sending again.
func (l *limiter) take(key string, n int, now time.Time) (time.Duration, error) {
	if l == nil {
		return 0, nil
	}
	l.mu.Lock()
	b, ok := l.keys[key]
	if !ok {
		if len(l.keys) > 100000 {
			clear(l.keys) // many keys come and go: start their buckets full again
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.keys[key] = b
	}
	l.mu.Unlock()
	if n > l.burst {
		return 0, hookd.Errorf(hookd.ERATELIMITED, "this batch of %d triggers is larger than the rate limit's burst of %d; split it", n, l.burst)
	}
	r := b.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, hookd.Errorf(hookd.ERATELIMITED,
			"this account sent more than %s triggers per second (burst %s); retry after %s", formatRate(float64(l.rate)), strconv.Itoa(l.burst), retryAfter(d)+"s")
	}
	return 0, nil
}

func formatRate(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// retryAfter is the Retry-After value for a wait: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
