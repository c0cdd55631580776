package app

import (
	"context"
	"sync"

	"github.com/hookd-dev/hookd"
)

// Ingester stores triggers with group commit: concurrent requests that arrive
// while a transaction is being committed are written together in the next
// one, so each caller still waits for its own durable commit but the store
// does one fsync for many of them.
type Ingester struct {
	store hookd.Store
	reqs  chan *ingestReq
	// MaxBatch caps the triggers of one transaction; defaults to 5000.
	MaxBatch int

	wg      sync.WaitGroup
	closeMu sync.RWMutex
	closed  bool
}

type ingestReq struct {
	ts   []hookd.Trigger
	key  *hookd.IdempotencyRecord // stored with ts when not nil
	done chan error
}

// NewIngester returns an Ingester; call Open before Insert.
func NewIngester(store hookd.Store) *Ingester {
	return &Ingester{store: store, reqs: make(chan *ingestReq, 1024), MaxBatch: 5000}
}

// Open starts the committer.
func (g *Ingester) Open() {
	g.wg.Add(1)
	go g.run()
}

// Close waits for pending inserts to be committed, then stops.
func (g *Ingester) Close() {
	g.closeMu.Lock()
	if !g.closed {
		g.closed = true
		close(g.reqs)
	}
	g.closeMu.Unlock()
	g.wg.Wait()
}

// Insert stores ts durably, all or nothing.
func (g *Ingester) Insert(ctx context.Context, ts []hookd.Trigger) error {
	return g.insert(ctx, ts, nil)
}

// InsertIdempotent stores ts and key in one transaction, all or nothing;
// ECONFLICT when the key is taken.
func (g *Ingester) InsertIdempotent(ctx context.Context, key hookd.IdempotencyRecord, ts []hookd.Trigger) error {
	return g.insert(ctx, ts, &key)
}

func (g *Ingester) insert(ctx context.Context, ts []hookd.Trigger, key *hookd.IdempotencyRecord) error {
	r := &ingestReq{ts: ts, key: key, done: make(chan error, 1)}
	g.closeMu.RLock()
	if g.closed {
		g.closeMu.RUnlock()
		return hookd.Errorf(hookd.EUNAVAILABLE, "hookd is shutting down; send the trigger again to another node or after restart")
	}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		g.closeMu.RUnlock()
		return ctx.Err()
	}
	g.closeMu.RUnlock()
	// Wait for the commit even if ctx ends: the caller must learn whether the
	// trigger was stored.
	return <-r.done
}

func (g *Ingester) run() {
	defer g.wg.Done()
	var group []*ingestReq
	var all []hookd.Trigger
	var keys []hookd.IdempotencyRecord
	for first := range g.reqs {
		group = append(group[:0], first)
		n := len(first.ts)
	drain:
		for n < g.MaxBatch {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break drain
				}
				group = append(group, r)
				n += len(r.ts)
			default:
				break drain
			}
		}
		var err error
		if len(group) == 1 {
			err = g.store1(first)
		} else {
			all, keys = all[:0], keys[:0]
			for _, r := range group {
				all = append(all, r.ts...)
				if r.key != nil {
					keys = append(keys, *r.key)
				}
			}
			if len(keys) > 0 {
				err = g.store.InsertTriggersIdempotent(context.Background(), keys, all)
			} else {
				err = g.store.InsertTriggers(context.Background(), all)
			}
			if err != nil && hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
				// Do not let one request's problem (such as a taken
				// idempotency key) fail the others: commit each on its own.
				for _, r := range group {
					r.done <- g.store1(r)
				}
				continue
			}
		}
		for _, r := range group {
			r.done <- err
		}
	}
}

// store1 commits one request.
func (g *Ingester) store1(r *ingestReq) error {
	if r.key != nil {
		return g.store.InsertTriggersIdempotent(context.Background(), []hookd.IdempotencyRecord{*r.key}, r.ts)
	}
	return g.store.InsertTriggers(context.Background(), r.ts)
}
