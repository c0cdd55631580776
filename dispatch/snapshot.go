package dispatch

import (
	"net/url"
	"time"

	"github.com/hookd-dev/hookd"
)

// webhookEntry is a webhook ready to be sent to: its host and its secrets'
// keys are worked out once per snapshot, not once per send.
//
// It keeps only what a send needs, not the whole hookd.Webhook (its name,
// secrets and times): a snapshot may hold 100,000 of them, and the GC lets
// the heap grow to twice what is live.
type webhookEntry struct {
	ID, AccountID, URL string

	url      *url.URL // parsed once; read only
	urlErr   error
	host     string
	current  *hookd.Signer
	both     *hookd.Signer // current and previous secret, while the rotation overlap lasts
	bothEnds time.Time
}

func newWebhookEntry(w hookd.Webhook) *webhookEntry {
	e := &webhookEntry{ID: w.ID, AccountID: w.AccountID, URL: w.URL, host: w.URL}
	if u, err := url.Parse(w.URL); err == nil {
		e.host = hostKey(u)
		e.url = u
	} else {
		e.urlErr = err
	}
	e.current, _ = hookd.NewSigner(w.Secret)
	if w.PreviousSecret != "" {
		e.both, _ = hookd.NewSigner(w.Secret, w.PreviousSecret)
		e.bothEnds = w.PreviousUntil
	}
	if e.current == nil {
		e.current, _ = hookd.NewSigner()
	}
	return e
}

func (e *webhookEntry) signer(now time.Time) *hookd.Signer {
	if e.both != nil && now.Before(e.bothEnds) {
		return e.both
	}
	return e.current
}

// snapshot indexes the enabled webhooks by account and hook.
type snapshot struct {
	byHook map[subKey][]*webhookEntry
	maxFan int // the most subscribers of one (account, hook)
}

// maxFanOut returns the most sends one trigger can make.
func (s *snapshot) maxFanOut() int {
	if s == nil {
		return 0
	}
	return s.maxFan
}

type subKey struct{ account, hook string }

func newSnapshot(ws []hookd.Webhook) *snapshot {
	s := &snapshot{byHook: make(map[subKey][]*webhookEntry)}
	for _, w := range ws {
		if !w.Enabled {
			continue
		}
		e := newWebhookEntry(w)
		for _, h := range w.Hooks {
			k := subKey{w.AccountID, h}
			s.byHook[k] = append(s.byHook[k], e)
			s.maxFan = max(s.maxFan, len(s.byHook[k]))
		}
	}
	return s
}

func (s *snapshot) subscribers(account, hook string) []*webhookEntry {
	if s == nil {
		return nil
	}
	return s.byHook[subKey{account, hook}]
}

// hostKey is the scheduler's key of a URL's host: host:port, the port
// implied by the scheme when the URL has none.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		if u.Scheme == "https" {
			port = "443"
		} else {
			port = "80"
		}
	}
	return u.Hostname() + ":" + port
}
