package server

import (
	"context"
	"strings"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/postgres"
	"github.com/hookd-dev/hookd/sqlite"
)

// IsPostgres reports whether db names a PostgreSQL database (postgres://…)
// rather than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenStore opens (and migrates) the store named by db: postgres://… or a
// SQLite file path.
func OpenStore(ctx context.Context, db string) (hookd.Store, error) {
	if IsPostgres(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// StoreName is db as it may be logged: a PostgreSQL password is hidden.
func StoreName(db string) string {
	if IsPostgres(db) {
		return postgres.Redact(db)
	}
	return db
}
