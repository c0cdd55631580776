package server

import (
	"context"
	"time"

	"github.com/hookd-dev/hookd"
)

// pruneChunk is the most rows one pruning transaction deletes of each
// kind, so that it never holds the store's writer for long.
const pruneChunk = 5000

// pruneLoop deletes, every PruneInterval, the deliveries and done triggers
// older than Retention, a chunk at a time.
func (s *Server) pruneLoop(ctx context.Context) {
	defer close(s.pruned)
	t := time.NewTicker(s.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := time.Now().Add(-s.cfg.Retention)
		var total int64
		for ctx.Err() == nil {
			n, err := s.Store.Prune(ctx, before, pruneChunk)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("could not prune the delivery log; trying again later", "err", err)
				}
				break
			}
			total += n
			if n < pruneChunk {
				break
			}
			// Let the other writers in between chunks.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
		if total > 0 {
			s.log.Info("pruned the delivery log", "rows", total, "older_than", hookd.FormatTime(before))
		}
	}
}
