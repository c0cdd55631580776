package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/migration"
)

// Ready reports whether the store can serve: the database can be reached
// and written (not a read-only replica, not out of disk), and its
// migrations are the ones this hookd knows. The write is real: a no-op
// update of the newest migration's row, committed.
func (s *Store) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var applied int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return s.fail(ctx, err, "read")
	}
	if why, err := migration.Current(migrations, applied); err != nil || why != "" {
		if err != nil {
			return err
		}
		return hookd.Errorf(hookd.EUNAVAILABLE, "%s", why)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE schema_migrations SET applied_at = applied_at WHERE version = $1`, applied)
		return err
	})
}
