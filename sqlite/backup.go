package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hookd-dev/hookd"
)

// Backup writes a consistent copy of the SQLite store at dbPath to outPath
// while other processes (hookd serve) keep reading and writing it. It uses
// SQLite's VACUUM INTO, which reads the store in one read transaction: the
// copy holds every transaction committed before it began and nothing
// after, and in WAL mode it never blocks the writer. The store is opened
// read-only, so Backup neither creates nor migrates it.
//
// The copy is written beside outPath under a temporary name, synced and
// renamed into place, so that outPath is either the whole copy or what it
// was before: a backup that fails half-way leaves no half file behind.
// With force false an existing outPath is refused.
func Backup(ctx context.Context, dbPath, outPath string, force bool) error {
	if _, err := os.Stat(dbPath); err != nil {
		return hookd.Errorf(hookd.EINVALID, "no SQLite store at %s: %v", dbPath, err)
	}
	// Even with force, never over the store or its WAL files: the running
	// hookd would go on writing to a file that is no longer the store.
	outInfo, outErr := os.Stat(outPath)
	for _, f := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		fi, err := os.Stat(f)
		if filepath.Clean(outPath) == filepath.Clean(f) || outErr == nil && err == nil && os.SameFile(outInfo, fi) {
			return hookd.Errorf(hookd.EINVALID, "%s is the store itself; write the copy to another file", outPath)
		}
	}
	if _, err := os.Lstat(outPath); err == nil && !force {
		return hookd.Errorf(hookd.ECONFLICT, "%s exists already; choose another name or pass --force to replace it", outPath)
	}
	tmp, err := os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO writes into an empty file as into a new one; this one has
	// mode 0600, which the copy keeps: it holds what the store holds
	// (webhook secrets, key hashes).
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath) // a no-op after the rename

	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	params.Set("mode", "ro")
	db, err := sql.Open("sqlite", "file:"+escapePath(dbPath)+"?"+params.Encode())
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", dbPath, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmpPath); err != nil {
		return fmt.Errorf("backup of %s: %w", dbPath, err)
	}
	// VACUUM INTO does not promise that the copy is on disk: sync it before
	// it takes outPath's name, and the folder after.
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup: sync %s: %w", tmpPath, err)
	}
	if err := os.Rename(tmpPath, outPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(filepath.Dir(outPath)); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("backup: sync the folder of %s: %w", outPath, err)
	}
	return nil
}

// syncFile flushes the file or folder at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
