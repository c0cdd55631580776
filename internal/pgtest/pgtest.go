// Package pgtest gives a test a PostgreSQL database of its own on the
// server HOOKD_TEST_POSTGRES names (testkit.PostgresDSN: the test skips
// without one, or fails under HOOKD_REQUIRE_ALL=1), for the store engine's
// tests and the tests of a hookd on PostgreSQL.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/postgres"
)

var seq atomic.Int64

// Database creates a database for tb, drops it when tb ends, and returns
// its URL.
func Database(tb testing.TB) string {
	tb.Helper()
	server := testkit.PostgresDSN(tb)
	u, err := url.Parse(server)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("HOOKD_TEST_POSTGRES must be a postgres:// URL, not %q", postgres.Redact(server))
	}
	name := fmt.Sprintf("hookd_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin(`CREATE DATABASE ` + name); err != nil {
		tb.Fatalf("create the test database: %v", err)
	}
	tb.Cleanup(func() {
		if err := admin(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("drop the test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
