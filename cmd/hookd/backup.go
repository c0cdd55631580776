package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hookd-dev/hookd/server"
	"github.com/hookd-dev/hookd/sqlite"
)

const backupUsage = `Usage: hookd backup [--db hookd.db] [--force] FILE

Writes a consistent copy of the SQLite store to FILE while hookd serve keeps
running (SQLite's VACUUM INTO: every trigger stored before the backup began is
in the copy). The copy opens with --db FILE. An existing FILE is refused unless
--force. A PostgreSQL store is backed up with pg_dump (see docs/operations.md).

`

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlagsUsage("hookd backup", backupUsage, stderr)
	var db string
	var force bool
	f.DB(&db)
	fs.BoolVar(&force, "force", false, "replace FILE if it exists")
	if err := f.parseArgs(args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("backup: give the file to write the copy to, e.g. hookd backup --db hookd.db hookd-backup.db")}
	}
	if server.IsPostgres(db) {
		return usageError{errors.New("backup: --db is a PostgreSQL store; back it up with pg_dump (or base backups with WAL archiving), see docs/operations.md")}
	}
	out := fs.Arg(0)
	if err := sqlite.Backup(ctx, db, out, force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "hookd: %s backed up to %s\n", db, out)
	return nil
}
