package postgres_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// adminExec runs sql on the test server's maintenance database.
func adminExec(t *testing.T, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testkit.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestStoreUnavailableIs503: whatever way the database becomes unusable —
// it stops accepting connections, hookd's backends are terminated, hookd's
// role may no longer log in, the database is dropped — every request that
// needs it answers 503 with Retry-After, never 500, and hookd resumes by
// itself when the database is back, without a restart.
func TestStoreUnavailableIs503(t *testing.T) {
	dsn := pgtest.Database(t)
	u, _ := url.Parse(dsn)
	db := strings.TrimPrefix(u.Path, "/")
	role := db + "_role"
	adminExec(t, `CREATE ROLE `+role+` LOGIN`)
	t.Cleanup(func() {
		adminExec(t, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`) // it belongs to the role
		adminExec(t, `DROP ROLE IF EXISTS `+role)
	})
	adminExec(t, `ALTER DATABASE `+db+` OWNER TO `+role)
	u.User = url.User(role)

	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.BatchInterval = "127.0.0.1:0", u.String(), time.Hour
	cfg.APIKey, cfg.AdminPassword, cfg.Stderr = testAPIKey, "unavailable-admin-pw", io.Discard
	srv, err := server.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	trigger := `{"hook": "eventCanceled", "data": {"eventId": 1, "reason": "Snow"}}`
	post := func() testkit.Answer {
		t.Helper()
		a, err := testkit.Send("POST", srv.URL()+"/api/v1/triggers", testAPIKey, trigger)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// While the database is away, every answer is 503 with Retry-After
	// (several requests: the first may find a pooled connection).
	expectUnavailable := func(why string) {
		t.Helper()
		testkit.WaitFor(t, 15*time.Second, "a 503 "+why, func() bool { return post().Status == 503 })
		for range 5 {
			a := post()
			if a.Status != 503 || a.Header.Get("Retry-After") == "" || !strings.Contains(string(a.Body), `"code":"unavailable"`) {
				t.Fatalf("%s: %d %s (Retry-After %q), want 503 unavailable with Retry-After", why, a.Status, a.Body, a.Header.Get("Retry-After"))
			}
		}
		if a, _ := testkit.Send("GET", srv.URL()+"/readyz", "", nil); a.Status != 503 {
			t.Errorf("%s: /readyz %d, want 503", why, a.Status)
		}
	}
	expectBack := func(why string) {
		t.Helper()
		testkit.WaitFor(t, 30*time.Second, "a 202 after "+why, func() bool {
			a := post()
			if a.Status != 202 && a.Status != 503 {
				t.Fatalf("while the database comes back after %s: %d %s, want 503 or 202", why, a.Status, a.Body)
			}
			return a.Status == 202
		})
	}
	terminate := `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + db + `' AND pid <> pg_backend_pid()`

	if a := post(); a.Status != 202 {
		t.Fatalf("before: %d %s", a.Status, a.Body)
	}

	// Terminated backends alone: the pool reconnects.
	adminExec(t, terminate)
	expectBack("terminated backends")

	// A database that does not accept connections.
	adminExec(t, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS false`)
	adminExec(t, terminate)
	expectUnavailable("while the database does not accept connections")
	adminExec(t, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`)
	expectBack("the database accepts connections again")

	// hookd's role may no longer log in (as with a wrong password).
	adminExec(t, `ALTER ROLE `+role+` NOLOGIN`)
	adminExec(t, terminate)
	expectUnavailable("while hookd's role cannot log in")
	adminExec(t, `ALTER ROLE `+role+` LOGIN`)
	expectBack("the role may log in again")

	// The database is dropped.
	adminExec(t, `DROP DATABASE `+db+` WITH (FORCE)`)
	expectUnavailable("after the database was dropped")
}
