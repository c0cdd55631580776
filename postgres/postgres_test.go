package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/postgres"
	"github.com/hookd-dev/hookd/storetest"
)

// withParams returns dsn with the query parameters set.
func withParams(t testing.TB, dsn string, params map[string]string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("HOOKD_TEST_POSTGRES must be a postgres:// URL: %q", postgres.Redact(dsn))
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// schemaOpener returns a function that opens a store in a new, empty schema
// of db for each call.
func schemaOpener(db string) func(t *testing.T) hookd.Store {
	var seq atomic.Int64
	return func(t *testing.T) hookd.Store {
		t.Helper()
		schema := fmt.Sprintf("s%d", seq.Add(1))
		conn, err := pgx.Connect(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(t.Context(), `CREATE SCHEMA `+schema)
		conn.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s, err := postgres.Open(t.Context(), withParams(t, db, map[string]string{"search_path": schema}))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestStore runs the conformance suite that the SQLite store also passes,
// each subtest in a new schema of a database made for this run.
func TestStore(t *testing.T) {
	storetest.Run(t, schemaOpener(pgtest.Database(t)))
}

// TestMigrateConcurrently opens several stores on one new database at once,
// as nodes starting together do: each migration is applied once, and
// Migrate on an up-to-date database does nothing.
func TestMigrateConcurrently(t *testing.T) {
	db := pgtest.Database(t)
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), db) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if err := stores[0].Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate on an up-to-date database: %v", err)
	}
	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	files, _ := filepath.Glob("migrations/*.sql")
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) {
		t.Errorf("schema_migrations has %d rows (%v), want %d (one per migration)", n, err, len(files))
	}

	// Bootstraps at once: exactly one creates the first account.
	var created atomic.Int64
	for i, s := range stores {
		wg.Go(func() {
			p := hookd.BootstrapParams{
				Account: hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "default"},
				APIKey:  hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), Hash: fmt.Sprint("hash", i), Prefix: "hk_"},
				Admin:   hookd.User{ID: hookd.NewID(hookd.PrefixUser), Username: "admin", PasswordHash: "x", Admin: true},
			}
			ok, err := s.Bootstrap(t.Context(), p)
			if err != nil {
				t.Errorf("Bootstrap %d: %v", i, err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Errorf("%d concurrent bootstraps created an account, want exactly 1", created.Load())
	}
}

// TestUnavailable checks that a database that cannot be reached is
// EUNAVAILABLE (the API answers 503), quickly, with no password in the text.
func TestUnavailable(t *testing.T) {
	testkit.PostgresDSN(t)
	start := time.Now()
	_, err := postgres.Open(t.Context(), "postgres://hookd:s3cret-pw@127.0.0.1:1/hookd?sslmode=disable")
	if hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
		t.Fatalf("Open of a closed port: %v (code %q), want %q", err, hookd.ErrorCode(err), hookd.EUNAVAILABLE)
	}
	if !strings.HasPrefix(hookd.ErrorMessage(err), "the database cannot be reached: ") {
		t.Errorf("message = %q", hookd.ErrorMessage(err))
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
	if got := postgres.Redact("postgres://hookd:s3cret-pw@db:5432/hookd?sslmode=disable"); strings.Contains(got, "s3cret") {
		t.Errorf("Redact = %q", got)
	}
	if got := postgres.Redact("host=db user=hookd password=s3cret-pw"); strings.Contains(got, "s3cret") {
		t.Errorf("Redact = %q", got)
	}
}
