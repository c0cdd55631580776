package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/internal/testkit"
)

const restoreKey = "hk_restore_test_0123456789abcdefghijk"

// restoreClient is an API client of the hookd at base whose answers are
// checked against the OpenAPI document.
func restoreClient(base string) *client.Client {
	return client.New(base, restoreKey, client.WithHTTPClient(http.DefaultClient))
}

// postTrigger posts one trigger to the hookd at base and returns its id.
func postTrigger(t *testing.T, base string) string {
	t.Helper()
	tr, err := restoreClient(base).Trigger(t.Context(), client.EventAdded{RecurringID: 1})
	if err != nil {
		t.Fatalf("trigger: %v", err)
	}
	return tr.ID
}

// triggerStatus is the status of GET /api/v1/triggers/{id}: 200 or 404.
func triggerStatus(t *testing.T, base, id string) int {
	t.Helper()
	_, err := restoreClient(base).TriggerByID(t.Context(), id)
	switch {
	case err == nil:
		return 200
	case client.IsNotFound(err):
		return 404
	}
	t.Fatalf("GET /api/v1/triggers/%s: %v", id, err)
	return 0
}

// TestRestoreFromBackup follows docs/operations.md's restore after a crash:
// the store is replaced by a backup and the old store's -wal and -shm are
// removed; hookd then serves what the backup holds, and nothing after it.
func TestRestoreFromBackup(t *testing.T) {
	bin := testkit.BuildHookd(t)
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "hookd.db"), filepath.Join(dir, "backup.db")
	env := testkit.KeyEnv(restoreKey)
	addr := testkit.FreeAddr(t)
	p := testkit.StartHookd(t, bin, addr, env, "--db", db, "--log-level", "warn")
	before := postTrigger(t, p.URL)
	if out, err := exec.Command(bin, "backup", "--db", db, backup).CombinedOutput(); err != nil {
		t.Fatalf("hookd backup: %v\n%s", err, out)
	}
	after := postTrigger(t, p.URL)
	p.Stop(syscall.SIGKILL) // the newest transactions stay in hookd.db-wal
	if _, err := os.Stat(db + "-wal"); err != nil {
		t.Fatalf("no -wal after kill -9, the restore below would not be tested: %v", err)
	}

	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(db + "-wal")
	os.Remove(db + "-shm")

	p = testkit.StartHookd(t, bin, addr, env, "--db", db, "--log-level", "warn")
	if got := triggerStatus(t, p.URL, before); got != 200 {
		t.Errorf("the trigger stored before the backup: GET answered %d after the restore, want 200", got)
	}
	if got := triggerStatus(t, p.URL, after); got != 404 {
		t.Errorf("the trigger stored after the backup: GET answered %d after the restore, want 404", got)
	}
	postTrigger(t, p.URL) // the restored store takes writes
}

// TestPostgresDumpRestore runs docs/operations.md's PostgreSQL commands:
// pg_dump while hookd serves, createdb, pg_restore, and hookd serving the
// restored database.
func TestPostgresDumpRestore(t *testing.T) {
	server := testkit.PostgresDSN(t)
	for _, tool := range []string{"pg_dump", "createdb", "pg_restore", "dropdb"} {
		_, err := exec.LookPath(tool)
		testkit.Require(t, tool, err == nil, "install the PostgreSQL client programs")
	}
	bin := testkit.BuildHookd(t)
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	src, dst := "hookd_dump_"+suffix, "hookd_restored_"+suffix
	dsn := func(name string) string {
		u, err := url.Parse(server)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	pg := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	pg("createdb", "--maintenance-db="+server, src)
	t.Cleanup(func() {
		for _, name := range []string{src, dst} {
			if out, err := exec.Command("dropdb", "--if-exists", "--force", "--maintenance-db="+server, name).CombinedOutput(); err != nil {
				t.Errorf("dropdb %s: %v\n%s", name, err, out)
			}
		}
	})
	env := testkit.KeyEnv(restoreKey)
	p := testkit.StartHookd(t, bin, testkit.FreeAddr(t), env, "--db", dsn(src), "--log-level", "warn")
	id := postTrigger(t, p.URL)

	dump := filepath.Join(t.TempDir(), "hookd.dump")
	pg("pg_dump", "--format=custom", "--file="+dump, dsn(src))
	pg("createdb", "--maintenance-db="+dsn("postgres"), dst)
	pg("pg_restore", "--no-owner", "--dbname="+dsn(dst), dump)
	p.Stop(syscall.SIGTERM)

	p = testkit.StartHookd(t, bin, testkit.FreeAddr(t), env, "--db", dsn(dst), "--log-level", "warn")
	if got := triggerStatus(t, p.URL, id); got != 200 {
		t.Errorf("the trigger stored before pg_dump: GET answered %d on the restored database, want 200", got)
	}
	postTrigger(t, p.URL)
}
