package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestBackupUnderWriteLoad runs `hookd backup` against the store of a
// running `hookd serve` while producers keep posting triggers, then checks
// that the copy passes integrity_check, opens as a store, and holds every
// trigger that was answered 202 before the backup began.
func TestBackupUnderWriteLoad(t *testing.T) {
	bin := testkit.BuildHookd(t)
	dir := t.TempDir()
	db, out := filepath.Join(dir, "hookd.db"), filepath.Join(dir, "backup.db")
	const key = "hk_backup_test_0123456789abcdefghijkl"
	p := testkit.StartHookd(t, bin, testkit.FreeAddr(t), testkit.KeyEnv(key),
		"--db", db, "--log-level", "warn")

	type answered struct {
		id string
		at time.Time
	}
	var mu sync.Mutex
	var got []answered
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				a, err := testkit.Send("POST", p.URL+"/api/v1/triggers", key, `{"hook":"eventAdded","data":{"recurringId":1}}`)
				at := time.Now()
				if err != nil || a.Status != 202 {
					continue
				}
				var tr struct{ ID string }
				if json.Unmarshal(a.Body, &tr) == nil {
					mu.Lock()
					got = append(got, answered{tr.ID, at})
					mu.Unlock()
				}
			}
		}()
	}
	testkit.WaitFor(t, 30*time.Second, "200 triggers accepted", func() bool { return count() >= 200 })

	began := time.Now()
	res, errOut, code := runBin(t, bin, nil, "", "backup", "--db", db, out)
	ended := time.Now()
	// Let the stream run on past the backup: triggers after it are not in the copy.
	n := count()
	testkit.WaitFor(t, 30*time.Second, "more triggers after the backup", func() bool { return count() >= n+50 })
	stop()
	wg.Wait()
	if code != 0 {
		t.Fatalf("hookd backup: exit status %d\n%s%s", code, res, errOut)
	}

	copyDB := openIntact(t, "file:"+out+"?mode=ro", "of the copy")
	defer copyDB.Close()
	inCopy := map[string]bool{}
	for _, id := range triggerIDs(t, copyDB, "1") {
		inCopy[id] = true
	}
	before, during, missing := 0, 0, 0
	for _, a := range got {
		switch {
		case a.at.Before(began):
			before++
			if !inCopy[a.id] {
				missing++
			}
		case a.at.Before(ended):
			during++
		}
	}
	t.Logf("%d triggers answered before the backup began, %d while it ran, %d in all; %d in the copy", before, during, len(got), len(inCopy))
	if missing > 0 {
		t.Errorf("%d of %d triggers answered 202 before the backup began are not in the copy", missing, before)
	}
	if len(inCopy) >= len(got) {
		t.Errorf("the copy holds %d triggers, all %d answered: it was not taken mid-stream", len(inCopy), len(got))
	}

	// The copy is a store hookd opens with --db.
	if res, errOut, code := runBin(t, bin, nil, "", "accounts", "list", "--db", out); code != 0 || !strings.Contains(res, "default") {
		t.Errorf("hookd accounts list --db <the copy>: exit status %d\n%s%s", code, res, errOut)
	}
}

// TestBackupRefusals: an existing file is kept unless --force, and a
// PostgreSQL store is sent to pg_dump.
func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, out := filepath.Join(dir, "hookd.db"), filepath.Join(dir, "old.db")
	if err := run(ctx, []string{"migrate", "--db", db}, &strings.Builder{}, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte("yesterday's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(ctx, []string{"backup", "--db", db, out}, &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup over an existing file: %v, want a refusal naming --force", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "yesterday's backup" {
		t.Errorf("the refused backup changed the existing file: %q", b)
	}
	if err := run(ctx, []string{"backup", "--db", db, "--force", out}, &strings.Builder{}, &strings.Builder{}); err != nil {
		t.Fatalf("backup --force: %v", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy's mode: %v %v, want 0600 (it holds webhook secrets)", fi.Mode(), err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(db, link); err != nil {
		t.Fatal(err)
	}
	for _, self := range []string{db, db + "-wal", filepath.Join(dir, ".", "hookd.db"), link} {
		err := run(ctx, []string{"backup", "--db", db, "--force", self}, &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), "the store itself") {
			t.Errorf("backup --force onto %s: %v, want a refusal (it is the store)", self, err)
		}
	}
	err = run(ctx, []string{"backup", "--db", "postgres://postgres@127.0.0.1:5432/hookd", filepath.Join(dir, "pg.db")}, &strings.Builder{}, &strings.Builder{})
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of a PostgreSQL store: %v, want a usage error pointing at pg_dump", err)
	}
	err = run(ctx, []string{"backup", "--db", filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")}, &strings.Builder{}, &strings.Builder{})
	if _, statErr := os.Stat(filepath.Join(dir, "none.db")); err == nil || statErr == nil {
		t.Errorf("backup of a missing store: %v, and it was created: %v", err, statErr == nil)
	}
}
