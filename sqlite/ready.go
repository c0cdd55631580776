package sqlite

import (
	"context"
	"database/sql"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/migration"
)

// minFree is the free space below which the store is not ready: a write
// into space the WAL already holds may still succeed on a full disk, a
// transaction that needs new pages would not.
const minFree = 1 << 20

// Ready reports whether the store can serve: the file can be read and
// written, at least minFree bytes are free beside it, and its migrations
// are the ones this hookd knows. The write is real (a no-op update of the
// newest migration's row, committed), so a read-only file shows here, not
// first on a 202.
func (s *Store) Ready(ctx context.Context) error {
	if free := diskFree(s.path); free >= 0 && free < minFree {
		return hookd.Errorf(hookd.EUNAVAILABLE, "the store cannot be written: the disk is full (%d KiB free beside %s)", free>>10, s.path)
	}
	var applied int
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return s.fail(err, "read")
	}
	if why, err := migration.Current(migrations, applied); err != nil || why != "" {
		if err != nil {
			return err
		}
		return hookd.Errorf(hookd.EUNAVAILABLE, "%s", why)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET applied_at = applied_at WHERE version = ?`, applied)
		return err
	})
}
