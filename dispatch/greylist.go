package dispatch

import (
	"context"
	"strconv"
	"sync"
	"time"

	"hookd"
)

// greylistView is this node's copy of the grey-list: the state of every URL
// that is not healthy. Each tick reloads it from the store, which other
// nodes write too; between ticks every send this node makes updates it at
// once, so that the sends queued behind a failure see its URL grey-listed.
// The store applies the same rule (Policy.Apply) durably when the results
// are recorded.
type greylistView struct {
	policy hookd.GreylistPolicy
	mu     sync.RWMutex
	states map[string]hookd.URLState // by URL; healthy URLs have none
}

func newGreylistView(p hookd.GreylistPolicy) *greylistView {
	return &greylistView{policy: p, states: make(map[string]hookd.URLState)}
}

// replace makes states, as the store holds them, the view.
func (g *greylistView) replace(states []hookd.URLState) {
	m := make(map[string]hookd.URLState, len(states))
	for _, s := range states {
		m[s.URL] = s
	}
	g.mu.Lock()
	g.states = m
	g.mu.Unlock()
}

// lookup returns the state of url, and whether it has one (is not healthy).
func (g *greylistView) lookup(url string) (hookd.URLState, bool) {
	g.mu.RLock()
	st, known := g.states[url]
	g.mu.RUnlock()
	return st, known
}

// update applies the result of one send to url made at now.
func (g *greylistView) update(url string, delivered bool, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.states[url]
	st.URL = url
	st = g.policy.Apply(st, delivered, now)
	if st.Healthy() {
		delete(g.states, url)
	} else {
		g.states[url] = st
	}
}

// forget drops url's state (it was released by a person).
func (g *greylistView) forget(url string) {
	g.mu.Lock()
	delete(g.states, url)
	g.mu.Unlock()
}

// skipReason is the error recorded with a delivery skipped because its URL
// is grey-listed.
func skipReason(st hookd.URLState) string {
	return "not sent: the URL is grey-listed until " + hookd.FormatTime(st.Until) +
		" after " + strconv.Itoa(st.ConsecutiveFailures) + " consecutive failures"
}

// refreshGreylist reloads the view from the store, since other nodes may
// have changed it.
func (d *Dispatcher) refreshGreylist(ctx context.Context) error {
	states, err := d.store.URLStates(ctx)
	if err != nil {
		return err
	}
	d.greylist.replace(states)
	d.m.greylisted.Set(float64(countGreylisted(states, d.cfg.Now())))
	return nil
}

func countGreylisted(states []hookd.URLState, now time.Time) int {
	n := 0
	for _, s := range states {
		if s.Greylisted(now) {
			n++
		}
	}
	return n
}

// ReleaseURL forgets a URL's grey-list state at once (the store's state is
// cleared by the caller).
func (d *Dispatcher) ReleaseURL(u string) { d.greylist.forget(u) }
