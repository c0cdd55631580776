package dispatch

import (
	"context"
	"time"

	"hookd"
)

// refresh reloads the webhooks when they changed and the grey-list states,
// which other nodes may have changed.
func (d *Dispatcher) refresh(ctx context.Context) error {
	ver, err := d.store.WebhooksVersion(ctx)
	if err != nil {
		return err
	}
	if ver != d.webhooksVer {
		ws, err := d.store.EnabledWebhooks(ctx)
		if err != nil {
			return err
		}
		snap := newSnapshot(ws)
		d.mu.Lock()
		d.webhooks, d.webhooksVer = snap, ver
		d.mu.Unlock()
	}
	states, err := d.store.URLStates(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]hookd.URLState, len(states))
	for _, s := range states {
		m[s.URL] = s
	}
	d.mu.Lock()
	d.urlStates = m
	d.mu.Unlock()
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
func (d *Dispatcher) ReleaseURL(u string) {
	d.mu.Lock()
	delete(d.urlStates, u)
	d.mu.Unlock()
}
