// Package postgres is hookd's PostgreSQL store, for several hookd nodes
// sharing one database. It behaves like the embedded sqlite store (the
// storetest suite checks both) and adds what several writers need: triggers
// are claimed with FOR UPDATE SKIP LOCKED under a lease, grey-list states are
// read and written under a lock per URL within an account, and migrations run under an
// advisory lock so that nodes may start at once. It uses pgx's own pool.
package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/migration"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys (the two-int form, class 0x686f6f6b = "hook").
const (
	lockClass     = 0x686f6f6b
	lockMigrate   = 1          // session lock while migrating
	lockBootstrap = 2          // transaction lock while bootstrapping
	lockURLClass  = 0x75726c73 // "urls": grey-list transaction locks, keyed by a hash of the account and URL
)

const (
	// opTimeout bounds a store call whose ctx has no deadline (the ingester
	// and the dispatcher's writes), so that a database that stopped answering
	// turns into EUNAVAILABLE instead of a hang.
	opTimeout = 20 * time.Second
	// pingTimeout bounds Ping, which /healthz calls.
	pingTimeout = 2 * time.Second
	// defaultConnectTimeout applies when the DSN has no connect_timeout.
	defaultConnectTimeout = 5 * time.Second
	// defaultMaxConns applies when the DSN has no pool_max_conns.
	defaultMaxConns = 10
)

// Store is a hookd.Store in a PostgreSQL database.
type Store struct {
	pool     *pgxpool.Pool
	dsn      string // redacted
	password string // to redact from error text
}

var _ hookd.Store = (*Store)(nil)

// Open connects to the database named by dsn (postgres://user:pass@host/db?…)
// and applies any migration it lacks. The pool holds pool_max_conns
// connections (defaults to 10); connect_timeout defaults to 5s. Every
// session uses UTC.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{dsn: Redact(dsn)}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		s.password, _ = u.User.Password()
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, hookd.Errorf(hookd.EINVALID, "the PostgreSQL address %s is not valid: %s", s.dsn, s.redact(err.Error()))
	}
	if cfg.ConnConfig.Password != "" {
		s.password = cfg.ConnConfig.Password
	}
	if !hasParam(dsn, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if !hasParam(dsn, "pool_max_conns") {
		cfg.MaxConns = max(defaultMaxConns, int32(2*runtime.GOMAXPROCS(0)))
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "hookd"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.fail(ctx, err, "open")
	}
	s.pool = pool
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func hasParam(dsn, name string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Query().Has(name)
	}
	return strings.Contains(dsn, name+"=") // key=value form
}

// Close closes the pool's connections.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
	}
	return nil
}

// Ping runs a query within a short time, so that /healthz fails fast when the
// database is gone.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT 1`).Scan(&n); err != nil {
		return s.fail(ctx, err, "reach")
	}
	return nil
}

// Migrate applies, in order and each in its own transaction, every embedded
// migration (migrations/NNNN_name.sql) not yet recorded in
// schema_migrations. It holds an advisory lock meanwhile, so that nodes that
// start together apply each migration once. Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.fail(ctx, err, "migrate")
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, lockClass, lockMigrate); err != nil {
		return s.fail(ctx, err, "migrate")
	}
	defer func() {
		// A new context: unlock even when ctx has ended. If the unlock fails
		// the connection is broken, and closing it releases the lock.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1, $2)`, lockClass, lockMigrate); err != nil {
			conn.Hijack().Close(uctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return s.fail(ctx, err, "migrate")
	}
	all, err := migration.List(migrations)
	if err != nil {
		return err
	}
	for _, m := range all {
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			// No arguments: the simple protocol, which runs several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return s.fail(ctx, err, "migrate")
		}
	}
	return nil
}

// op bounds a call whose ctx has no deadline by opTimeout.
func op(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, opTimeout)
}

// reader is the pool as the reads in storeutil use it.
func (s *Store) reader(ctx context.Context) storeutil.Reader {
	return storeutil.NewReader(ctx, s.pool.QueryRow, pgx.ErrNoRows)
}

// missing returns absent when err is a QueryRow's that found no row, and
// err otherwise.
func missing(err, absent error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return absent
	}
	return err
}

// tx runs fn in a read-committed transaction and commits it when fn returns
// nil. A deadlock or serialization failure (two nodes touching the same
// triggers in another order) is retried a few times: each try starts over.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// fail turns a database error into a hookd error. A database that cannot be
// reached (refused, reset, shut down, out of connections, not answering in
// time) is EUNAVAILABLE with a message that says so, so that the API answers
// 503 and /healthz fails; hookd errors pass through; other errors keep their
// cause and read "internal error" to API users. Passwords never appear in
// the text.
func (s *Store) fail(ctx context.Context, err error, doing string) error {
	if err == nil {
		return nil
	}
	if storeutil.Settled(err) {
		return err
	}
	storeutil.CountFailure()
	if why := unreachable(err); why != "" {
		return storeutil.Unavailable(hookd.Errorf(hookd.EUNAVAILABLE, "the database cannot be reached: %s; hookd resumes by itself when it is back", why),
			errors.New(s.redact(fmt.Sprintf("postgres: %s: %v", doing, err))))
	}
	return &redactedError{msg: s.redact(fmt.Sprintf("postgres: %s: %v", doing, err)), cause: err}
}

// unreachable says why err means the database cannot be used now, or "".
func unreachable(err error) string {
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// Whatever stopped hookd connecting — refused, no such database,
		// one that does not accept connections, wrong credentials, TLS — it
		// is the database being unavailable to hookd, not a bad request.
		switch {
		case errors.As(err, &pe) && pe.Code == "3D000":
			return "the database does not exist (was it dropped?)"
		case errors.As(err, &pe) && pe.Code == "55000":
			return "the database does not accept connections now"
		case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "28"):
			return "the database refused hookd's credentials (" + pe.Code + ")"
		case errors.As(err, &pe) && pe.Code == "53300":
			return "the database server has no free connection (max_connections)"
		case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "57P0"):
			return "the database server is starting up or shutting down"
		case errors.Is(err, syscall.ECONNREFUSED):
			return "connection refused"
		case isTLS(err):
			return "the TLS connection to the database failed"
		case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
			return "it did not answer in time"
		}
		return "could not connect"
	}
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"):
			return "the connection failed (" + pe.Code + ")"
		case pe.Code == "57P01", pe.Code == "57P02":
			return "the database server is shutting down, or ended hookd's connection"
		case pe.Code == "57P03":
			return "the database server is starting up"
		case pe.Code == "57P04":
			return "the database was dropped"
		case pe.Code == "3D000":
			return "the database does not exist (was it dropped?)"
		case pe.Code == "53300":
			return "the database server has no free connection (max_connections)"
		case pe.Code == "53100":
			return "the database server's disk is full"
		case strings.HasPrefix(pe.Code, "53"):
			return "the database server is out of resources (" + pe.Code + ")"
		case pe.Code == "25006":
			return "the database is read-only (a standby?)"
		case pe.Code == "57014" && strings.Contains(pe.Message, "timeout"):
			return "a statement timed out"
		}
		return ""
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was reset"
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return "it did not answer in time"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "the connection was closed"
	case isTLS(err):
		return "the TLS connection to the database failed"
	case errors.As(err, &ne):
		return "a network error occurred"
	case strings.Contains(err.Error(), "conn closed"), strings.Contains(err.Error(), "closed pool"):
		return "the connection was closed"
	}
	return ""
}

// isTLS reports whether err comes from TLS: a handshake, a certificate, a
// server that does not speak it.
func isTLS(err error) bool {
	var rh tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &rh) || errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) ||
		strings.Contains(err.Error(), "tls: ") || strings.Contains(err.Error(), "server refused TLS connection")
}

// redactedError is a database error whose text has no password.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func (s *Store) redact(msg string) string {
	if s.password != "" {
		msg = strings.ReplaceAll(msg, s.password, "xxxxx")
	}
	return msg
}

// Redact hides the password of a postgres:// URL or a key=value DSN, for logs
// and error messages.
func Redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if strings.HasPrefix(f, "password=") {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// toDB stores a time as a timestamptz at millisecond precision (the
// precision of the SQLite store's), and a zero time ("never") as NULL.
// Every stored time goes through it; fromDB reads it back.
func toDB(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: storeutil.Millis(t), Valid: !t.IsZero()}
}

// readTime is how the scans read a stored time: fromDB.
type readTime = func(pgtype.Timestamptz) time.Time

// fromDB reads a time stored by toDB: in UTC, and zero for NULL.
func fromDB(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}
