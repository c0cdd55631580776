package hookd

import (
	"errors"
	"time"
)

// GreylistPolicy is the grey-listing rule of the source document: after After
// consecutive failures a URL is grey-listed for Base; each failure after a
// period ends doubles the period up to Max; one success clears everything.
type GreylistPolicy struct {
	After int           // consecutive failures before grey-listing; defaults to 3
	Base  time.Duration // first period; defaults to 1m
	Max   time.Duration // longest period; defaults to 24h
}

// DefaultGreylistPolicy is the source document's policy: grey-list a URL for
// a minute after 3 failures in a row, doubling up to a day.
var DefaultGreylistPolicy = GreylistPolicy{After: 3, Base: time.Minute, Max: 24 * time.Hour}

// WithDefaults returns p with each zero field taken from
// DefaultGreylistPolicy, field by field, so that a partly set policy
// grey-lists the same wherever it is applied (in memory or in a store).
func (p GreylistPolicy) WithDefaults() GreylistPolicy {
	if p.After <= 0 {
		p.After = DefaultGreylistPolicy.After
	}
	if p.Base <= 0 {
		p.Base = DefaultGreylistPolicy.Base
	}
	if p.Max <= 0 {
		p.Max = DefaultGreylistPolicy.Max
	}
	return p
}

// Validate reports what is wrong with a policy, naming the settings of
// `hookd serve` that set each field.
func (p GreylistPolicy) Validate() error {
	var errs []error
	if p.After < 1 {
		errs = append(errs, errors.New("--greylist-after must be at least 1"))
	}
	if p.Base <= 0 {
		errs = append(errs, errors.New("--greylist-base must be longer than 0"))
	}
	if p.Max <= 0 {
		errs = append(errs, errors.New("--greylist-max must be longer than 0"))
	} else if p.Max < p.Base {
		errs = append(errs, errors.New("--greylist-max ("+p.Max.String()+") must not be shorter than --greylist-base ("+p.Base.String()+")"))
	}
	return errors.Join(errs...)
}

// URLKey names one grey-list state: a URL within an account. Webhooks of
// one account with the same URL share their state; another account's
// failures to that URL never touch it (contract §4).
type URLKey struct {
	AccountID string
	URL       string
}

// URLState is the grey-list state of one URL within an account, shared by
// the account's webhooks with that URL. The zero value is a healthy URL.
type URLState struct {
	AccountID           string
	URL                 string
	ConsecutiveFailures int
	Level               int       // 0: not grey-listed; n: the nth period in a row
	Until               time.Time // zero when not grey-listed
	// LastError is the error of the newest failed send, in words ("HTTP
	// 500 Internal Server Error"), so that a delivery skipped while the URL
	// is grey-listed can name the real failure behind it.
	LastError string
}

// Key returns the account and URL the state belongs to.
func (s URLState) Key() URLKey { return URLKey{s.AccountID, s.URL} }

// Greylisted reports whether deliveries to the URL are skipped at now.
func (s URLState) Greylisted(now time.Time) bool {
	return !s.Until.IsZero() && now.Before(s.Until)
}

// Healthy reports whether the state is the zero state (nothing to store).
// LastError is left out: a state that counts no failure has nothing to say.
func (s URLState) Healthy() bool {
	return s.ConsecutiveFailures == 0 && s.Level == 0 && s.Until.IsZero()
}

// Period returns the length of the level-th grey-list period:
// Base, 2×Base, 4×Base, … capped at Max.
func (p GreylistPolicy) Period(level int) time.Duration {
	d := p.Base
	for i := 1; i < level; i++ {
		d *= 2
		if d >= p.Max || d <= 0 {
			return p.Max
		}
	}
	if d > p.Max {
		return p.Max
	}
	return d
}

// Apply returns the state after one delivery attempt that ended at now.
func (p GreylistPolicy) Apply(s URLState, ok bool, now time.Time) URLState {
	if ok {
		return URLState{AccountID: s.AccountID, URL: s.URL}
	}
	s.ConsecutiveFailures++
	switch {
	case s.Greylisted(now):
		// A send that was already in flight when the URL was grey-listed:
		// it counts as a failure but does not start another period.
	case s.Level > 0:
		// The period ended and the first try after it failed.
		s.Level++
		s.Until = now.Add(p.Period(s.Level))
	case s.ConsecutiveFailures >= p.After:
		s.Level = 1
		s.Until = now.Add(p.Period(1))
	}
	return s
}

// OutcomeKeys returns the (account, URL) pairs that outcomes touch, each
// once, in the order they first appear: the states a store loads before
// FoldOutcomes.
func OutcomeKeys(outcomes []URLOutcome) []URLKey {
	keys := make([]URLKey, 0, min(len(outcomes), 16))
	seen := make(map[URLKey]struct{}, cap(keys))
	for _, o := range outcomes {
		k := o.Key()
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			keys = append(keys, k)
		}
	}
	return keys
}

// MayChange returns the pairs of outcomes, in the order of OutcomeKeys,
// whose grey-list state the outcomes can change: a pair with a failure, or
// with a state in stored (a success clears it). A pair with successes only
// and no state stays healthy, so a store need not lock, read or write it.
func MayChange(stored map[URLKey]URLState, outcomes []URLOutcome) []URLKey {
	failed := make(map[URLKey]bool)
	for _, o := range outcomes {
		if !o.OK {
			failed[o.Key()] = true
		}
	}
	var out []URLKey
	for _, k := range OutcomeKeys(outcomes) {
		if _, had := stored[k]; had || failed[k] {
			out = append(out, k)
		}
	}
	return out
}

// FoldOutcomes applies outcomes, in order, to the stored grey-list states of
// their (account, URL) pairs with policy (its zero fields defaulted), and
// returns what a store writes back: the states to store (insert or
// replace), and the pairs whose stored state is to be deleted because they
// are healthy again. Both are in the order of OutcomeKeys. stored holds the
// stored states by key; a pair it lacks is healthy, and it is not changed.
// A pair healthy before and after is in neither list, so a batch of
// successes to healthy URLs writes nothing.
func FoldOutcomes(policy GreylistPolicy, stored map[URLKey]URLState, outcomes []URLOutcome) (upsert []URLState, healthy []URLKey) {
	policy = policy.WithDefaults()
	var keys []URLKey // in the order of OutcomeKeys
	states := make(map[URLKey]URLState, len(stored)+1)
	for _, o := range outcomes {
		k := o.Key()
		st, seen := states[k]
		if !seen {
			if st, seen = stored[k]; !seen {
				st = URLState{AccountID: k.AccountID, URL: k.URL}
			}
			keys = append(keys, k)
		}
		st = policy.Apply(st, o.OK, o.At)
		if !o.OK {
			st.LastError = o.Error
		}
		states[k] = st
	}
	for _, k := range keys {
		if st := states[k]; !st.Healthy() {
			upsert = append(upsert, st)
		} else if _, had := stored[k]; had {
			healthy = append(healthy, k)
		}
	}
	return upsert, healthy
}

// GreylistChange is a change a batch of outcomes made to the grey-list
// state of a URL within an account that its webhooks' owners are told of:
// a new grey-list period began (After.Level rose), or the URL recovered
// (it was grey-listed and is healthy again: After is the zero state).
type GreylistChange struct {
	Before, After URLState
}

// Recovered reports whether the change is a recovery.
func (c GreylistChange) Recovered() bool { return c.After.Level == 0 }

// GreylistChanges returns the changes that FoldOutcomes' result makes to
// the stored states, in the order of upsert, then healthy.
func GreylistChanges(stored map[URLKey]URLState, upsert []URLState, healthy []URLKey) []GreylistChange {
	var out []GreylistChange
	for _, st := range upsert {
		if before := stored[st.Key()]; st.Level > before.Level {
			out = append(out, GreylistChange{Before: before, After: st})
		}
	}
	for _, k := range healthy {
		if before := stored[k]; before.Level > 0 {
			out = append(out, GreylistChange{Before: before, After: URLState{AccountID: k.AccountID, URL: k.URL}})
		}
	}
	return out
}
