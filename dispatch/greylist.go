package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/hookd-dev/hookd"
)

// greylistView is this node's copy of the grey-list: the state of every URL
// that is not healthy, within each account (one account's failures never
// grey-list another's webhooks with the same URL). Each tick reloads it from the store, which other
// nodes write too; between ticks every send this node makes updates it at
// once, so that the sends queued behind a failure see its URL grey-listed.
// The store applies the same rule (Policy.Apply) durably when the results
// are recorded.
type greylistView struct {
	policy hookd.GreylistPolicy
	mu     sync.RWMutex
	states map[hookd.URLKey]hookd.URLState // by account and URL; healthy ones have none
	// changed holds the URLs this node changed (a send's result, a
	// release) while a reload reads the store, nil when none does: the
	// store's copy of those may be older than the view's.
	changed map[hookd.URLKey]struct{}
}

func newGreylistView(p hookd.GreylistPolicy) *greylistView {
	return &greylistView{policy: p, states: make(map[hookd.URLKey]hookd.URLState)}
}

// reload makes the states read returns, as the store holds them, the
// view, except for the URLs changed here while read ran: a URL released
// then stays released, a send's result stays applied. When read fails the
// view stays as it was.
func (g *greylistView) reload(read func() ([]hookd.URLState, error)) ([]hookd.URLState, error) {
	g.mu.Lock()
	g.changed = make(map[hookd.URLKey]struct{})
	g.mu.Unlock()
	states, err := read()
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil {
		m := make(map[hookd.URLKey]hookd.URLState, len(states))
		for _, s := range states {
			m[s.Key()] = s
		}
		for k := range g.changed {
			if st, ok := g.states[k]; ok {
				m[k] = st
			} else {
				delete(m, k)
			}
		}
		g.states = m
	}
	g.changed = nil
	return states, err
}

// touch notes that k changed here, for a reload under way; g.mu is held.
func (g *greylistView) touch(k hookd.URLKey) {
	if g.changed != nil {
		g.changed[k] = struct{}{}
	}
}

// lookup returns the state of a URL within an account, and whether it has
// one (is not healthy).
func (g *greylistView) lookup(k hookd.URLKey) (hookd.URLState, bool) {
	g.mu.RLock()
	st, known := g.states[k]
	g.mu.RUnlock()
	return st, known
}

// update applies the result of one send, made at now, to the account's
// state of the URL; errText is why it failed.
func (g *greylistView) update(k hookd.URLKey, delivered bool, errText string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.touch(k)
	st := g.states[k]
	st.AccountID, st.URL = k.AccountID, k.URL
	st = g.policy.Apply(st, delivered, now)
	if !delivered {
		st.LastError = errText
	}
	if st.Healthy() {
		delete(g.states, k)
	} else {
		g.states[k] = st
	}
}

// forget drops the account's state of a URL (it was released by a person).
func (g *greylistView) forget(k hookd.URLKey) {
	g.mu.Lock()
	g.touch(k)
	delete(g.states, k)
	g.mu.Unlock()
}

// refreshGreylist reloads the view from the store, since other nodes may
// have changed it.
func (d *Dispatcher) refreshGreylist(ctx context.Context) error {
	states, err := d.greylist.reload(func() ([]hookd.URLState, error) { return d.store.URLStates(ctx) })
	if err != nil {
		return err
	}
	d.m.greylisted.Set(float64(countGreylisted(states, d.cfg.Now())))
	return nil
}

// countGreylisted counts the grey-listings in force at now: one per URL
// within an account, so a URL that two accounts grey-listed counts twice,
// as each account's GET /api/v1/greylist lists it.
func countGreylisted(states []hookd.URLState, now time.Time) int {
	n := 0
	for _, s := range states {
		if s.Greylisted(now) {
			n++
		}
	}
	return n
}

// ReleaseURL forgets the account's grey-list state of a URL at once (the
// store's state is cleared by the caller); other accounts' states of the
// URL stay.
func (d *Dispatcher) ReleaseURL(accountID, u string) {
	d.greylist.forget(hookd.URLKey{AccountID: accountID, URL: u})
}
