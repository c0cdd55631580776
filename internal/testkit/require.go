package testkit

import (
	"os"
	"testing"
)

// Require is for a test that needs something this machine may not have
// (PostgreSQL, Chromium, root for a tmpfs). When available is false the
// test is skipped with a message naming what is missing and why, so that a
// developer without it can still run the rest; with HOOKD_REQUIRE_ALL=1, as
// in CI, it fails instead, so that a missing dependency cannot turn a CI
// run green by skipping.
func Require(t testing.TB, what string, available bool, why string) {
	t.Helper()
	if available {
		return
	}
	if os.Getenv("HOOKD_REQUIRE_ALL") == "1" {
		t.Fatalf("this test needs %s: %s (HOOKD_REQUIRE_ALL=1 forbids skipping it)", what, why)
	}
	t.Skipf("skipped: this test needs %s: %s (HOOKD_REQUIRE_ALL=1 makes this a failure)", what, why)
}

// PostgresDSN returns the PostgreSQL server named by HOOKD_TEST_POSTGRES
// (postgres://…), under Require's rule when it is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("HOOKD_TEST_POSTGRES")
	Require(t, "PostgreSQL", dsn != "", "set HOOKD_TEST_POSTGRES=postgres://… to a server where it may create databases")
	return dsn
}

// OptIn skips the test unless the environment variable env is 1: for a
// test that is not a check but a chore or a measurement (what), run only
// when someone asks for it.
func OptIn(t testing.TB, env, what string) {
	t.Helper()
	if os.Getenv(env) != "1" {
		t.Skipf("skipped: %s; set %s=1 to run it", what, env)
	}
}
