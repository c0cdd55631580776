// Package sqlite is hookd's embedded store: one SQLite file in WAL mode,
// written through one connection and read through a pool, with numbered
// migrations embedded in the binary. It uses modernc.org/sqlite, so hookd
// stays a pure Go binary.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/migration"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a statement waits for a lock held by another
// process (a second hookd on the same file, or a backup tool).
const busyTimeout = 10 * time.Second

// Store is a hookd.Store in one SQLite file.
//
// Every write goes through one connection (SQLite allows one writer at a
// time), so writers queue in Go instead of failing with SQLITE_BUSY; reads use
// a separate pool of read-only connections that WAL mode never blocks.
type Store struct {
	path  string
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // read-only pool

	stmts map[string]*sql.Stmt // hot statements prepared on write at Open; read only after
}

var _ hookd.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path and applies
// any migration it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, hookd.Errorf(hookd.EINVALID, "the SQLite database path is empty; pass a file name such as hookd.db")
	}
	s := &Store{path: path, stmts: map[string]*sql.Stmt{}}
	// synchronous=FULL: a commit is on disk (fsynced WAL) when it returns,
	// which is what "202 means durably stored" promises, even on power loss.
	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(FULL)")
	params.Add("_pragma", "foreign_keys(1)")
	// Multi-row upserts keep a statement journal; in a file it costs a write
	// system call per page touched (a fifth of RecordDeliveries' time).
	params.Add("_pragma", "temp_store(MEMORY)")
	// 16 MB of page cache (the default is 2 MB): the delivery log's indexes
	// by webhook and trigger are written all over, and a page read back from
	// the file costs a system call.
	params.Add("_pragma", "cache_size(-16384)")
	// Checkpoint every 8,192 WAL pages (32 MB) rather than 1,000: a fan-out
	// rewrites the same index pages in commit after commit, and a checkpoint
	// copies each page once however often it changed since the last one.
	params.Add("_pragma", "wal_autocheckpoint(8192)")
	params.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+escapePath(path)+"?"+params.Encode())
	if err != nil {
		return nil, s.fail(err, "open")
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.write = w
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, s.fail(err, "open")
	}
	if err := s.Migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, s.fail(err, "open")
	}

	params = url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	params.Add("_pragma", "query_only(1)")
	params.Set("mode", "ro")
	r, err := sql.Open("sqlite", "file:"+escapePath(path)+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, s.fail(err, "open")
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.read = r
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// escapePath makes a file path safe inside a file: URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Close closes the database. Committed data is in the file.
func (s *Store) Close() error {
	var errs []error
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		for _, st := range s.stmts {
			errs = append(errs, st.Close())
		}
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// Ping reads the database file.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&v); err != nil {
		return s.fail(err, "reach")
	}
	return nil
}

// Migrate applies, in order and each in its own transaction, every embedded
// migration (migrations/NNNN_name.sql) not yet recorded in schema_migrations.
// Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return s.fail(err, "migrate")
	}
	all, err := migration.List(migrations)
	if err != nil {
		return err
	}
	for _, m := range all {
		err = s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return s.fail(err, "migrate")
		}
	}
	return nil
}

// reader is the read pool as the reads in storeutil use it.
func (s *Store) reader(ctx context.Context) storeutil.Reader {
	return storeutil.NewReader(ctx, s.read.QueryRowContext, sql.ErrNoRows)
}

// tx runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// hotQueries are the write statements of the hot paths (storing triggers,
// claiming them, recording deliveries), prepared once at Open.
func hotQueries() []string {
	q := []string{claimHeads, claimAccount, doneTriggers}
	for size := 1; size <= maxChunk; size *= 2 {
		q = append(q, multiRow(insertTrigger, "", triggerCols, size),
			multiRow(upsertDelivery, upsertDeliverySuffix, deliveryCols, size),
			multiRow(upsertSpan, upsertSpanSuffix, spanCols, size))
	}
	return q
}

// prepare prepares the hot statements on the write connection. It must run
// while no transaction holds that connection: the pool has only one.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range hotQueries() {
		st, err := s.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.40s…: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// stmt returns query bound to tx: the statement prepared at Open for a hot
// query, reused by every transaction, or else a statement prepared now.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// fail turns a database error into a hookd error: the conditions a person
// must fix on the machine (disk full, read-only file, I/O error) become
// EUNAVAILABLE with a message that says so, so the API answers 503. Other
// errors keep their cause and read "internal error" to API users.
func (s *Store) fail(err error, doing string) error {
	if err == nil {
		return nil
	}
	if storeutil.Settled(err) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	storeutil.CountFailure()
	var se *sqlite.Error
	if errors.As(err, &se) {
		what := ""
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			what = "the disk is full"
		case sqlite3.SQLITE_READONLY:
			what = "the database file is read-only"
		case sqlite3.SQLITE_IOERR:
			what = "an I/O error occurred"
		case sqlite3.SQLITE_CANTOPEN:
			what = "the database file cannot be opened"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			what = "the database file is locked by another process"
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			what = "the database file is damaged or not a SQLite database"
		}
		if what != "" {
			verb := "written"
			if doing == "open" || doing == "reach" || doing == "read" {
				verb = "read"
			}
			return storeutil.Unavailable(hookd.Errorf(hookd.EUNAVAILABLE, "the store cannot be %s: %s", verb, what),
				fmt.Errorf("%s: %w", s.path, err))
		}
	}
	return fmt.Errorf("sqlite: %s: %w", doing, err)
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// toDB stores a time as unix milliseconds (UTC), and a zero time ("never")
// as NULL. Every stored time goes through it; fromDB reads it back.
func toDB(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromDB reads a time stored by toDB: in UTC, and zero for NULL.
func fromDB(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// collect reads every row of a query with scan into a slice (empty, not
// nil, when there is none) and closes the rows; err is the query's.
func collect[T any](rows *sql.Rows, err error, scan func(storeutil.Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// The engine's scans of storeutil's column lists, for collect.
func scanTrigger(r storeutil.Scanner) (hookd.Trigger, error) { return storeutil.ScanTrigger(r, fromDB) }
func scanURLState(r storeutil.Scanner) (hookd.URLState, error) {
	return storeutil.ScanURLState(r, fromDB)
}
func scanDelivery(r storeutil.Scanner) (hookd.Delivery, error) {
	return storeutil.ScanDelivery(r, fromDB)
}

// query is the WHERE clause of a read of one account's rows, built a
// condition at a time, and its parameters.
type query struct {
	where strings.Builder
	args  []any
}

func accountQuery(accountID string) *query {
	q := &query{args: []any{accountID}}
	q.where.WriteString(` WHERE account_id = ?`)
	return q
}

// and adds a condition and its parameters.
func (q *query) and(cond string, args ...any) {
	q.where.WriteString(" AND " + cond)
	q.args = append(q.args, args...)
}

// page returns the parameters and, last, the LIMIT of a page of limit
// rows: one more, which tells whether there is a next page.
func (q *query) page(limit int) []any { return append(q.args, limit+1) }
