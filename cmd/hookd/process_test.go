package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hookd-dev/hookd/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// apiPost posts body to the API of the hookd at addr with key.
func apiPost(addr, key, path, body string) (int, []byte, error) {
	a, err := testkit.Send("POST", "http://"+addr+path, key, body)
	return a.Status, a.Body, err
}

// killable is a hookd on a new SQLite file that a test kills and starts
// again: a tick every interval, leases of lease, receivers on this machine
// allowed, warnings logged, and key its API key.
type killable struct {
	bin, db, key string
	args         []string
}

func newKillable(t *testing.T, key, interval, lease string) killable {
	db := filepath.Join(t.TempDir(), "hookd.db")
	return killable{bin: testkit.BuildHookd(t), db: db, key: key,
		args: []string{"--db", db, "--batch-interval", interval, "--lease", lease, "--allow-private-urls", "--log-level", "warn"}}
}

// start starts it (again) at addr and waits until it serves.
func (k killable) start(t *testing.T, addr string) *testkit.Hookd {
	return testkit.StartHookd(t, k.bin, addr, testkit.KeyEnv(k.key), k.args...)
}

// waitDelivered waits until rc has received each of ids, the triggers
// hookd accepted, and fails t saying how many never came (when, such as
// " after restart", ends the message).
func waitDelivered(t *testing.T, rc *testkit.Receiver, ids []string, within time.Duration, when string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		received, missing := rc.SentByID(0), 0
		for _, id := range ids {
			if received[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted triggers never delivered%s", missing, len(ids), when)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openIntact opens the SQLite store dsn names and fails t unless it passes
// PRAGMA integrity_check (what says which file, or when). The caller closes
// it.
func openIntact(t *testing.T, dsn, what string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		db.Close()
		t.Fatalf("integrity_check %s: %q %v", what, check, err)
	}
	return db
}

// triggerIDs returns the IDs of the triggers in db that match where ("1"
// for all).
func triggerIDs(t *testing.T, db *sql.DB, where string) []string {
	t.Helper()
	rows, err := db.Query("SELECT id FROM triggers WHERE " + where)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestKill9LosesNoAcceptedTrigger kills hookd with SIGKILL in the middle of a
// stream of triggers, restarts it on the same file and checks that every
// trigger answered 202 is delivered.
func TestKill9LosesNoAcceptedTrigger(t *testing.T) {
	const key = "hk_kill_test_0123456789abcdefghijklmn"
	k := newKillable(t, key, "100ms", "1s")

	rc := testkit.NewReceiver(t, 200)

	addr := testkit.FreeAddr(t)
	p := k.start(t, addr)
	if code, b, err := apiPost(addr, key, "/api/v1/webhooks", `{"name":"r","url":"`+rc.URL+`","hooks":["eventAdded"]}`); err != nil || code != 201 {
		t.Fatalf("create webhook: %d %s %v", code, b, err)
	}

	// A stream of triggers from 8 producers; SIGKILL lands in the middle.
	var accepted sync.Map
	var n atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				code, b, err := apiPost(addr, key, "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1}}`)
				if err != nil {
					return // the process is gone
				}
				if code == 202 {
					var tr struct{ ID string }
					json.Unmarshal(b, &tr)
					accepted.Store(tr.ID, true)
					n.Add(1)
				}
			}
		}()
	}
	for n.Load() < 300 {
		time.Sleep(5 * time.Millisecond)
	}
	p.Stop(syscall.SIGKILL)
	stop()
	wg.Wait()
	var ids []string
	accepted.Range(func(id, _ any) bool { ids = append(ids, id.(string)); return true })
	total := len(ids)
	t.Logf("%d triggers accepted before SIGKILL", total)

	// The store is intact.
	openIntact(t, k.db, "after SIGKILL").Close()

	k.start(t, addr)
	waitDelivered(t, rc, ids, 30*time.Second, " after restart")
	dups := 0
	for _, c := range rc.SentByID(0) {
		dups += c - 1
	}
	t.Logf("all %d accepted triggers delivered; %d duplicate deliveries (in flight at the kill, same webhook-id)", total, dups)
	if dups > 256 {
		t.Errorf("%d duplicates: more than could have been in flight", dups)
	}
}

// TestSIGTERMShutsDownGracefully checks that SIGTERM exits 0 and that the
// first start prints a generated key once.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	bin := testkit.BuildHookd(t)
	db := filepath.Join(t.TempDir(), "hookd.db")
	addr := testkit.FreeAddr(t)
	p := testkit.StartHookd(t, bin, addr, nil, "--db", db)
	out := p.Output.String()
	secrets := testkit.FirstStartSecrets(out)
	if len(secrets) == 0 || !strings.HasPrefix(secrets[0], "hk_") {
		t.Fatalf("no generated API key printed:\n%s", out)
	}
	key := secrets[0]
	code, _, _ := apiPost(addr, key, "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1}}`)
	if code != 202 {
		t.Fatalf("trigger with the printed key: %d", code)
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.Done():
		if p.Err() != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", p.Err(), p.Output)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("hookd did not exit after SIGTERM")
	}
	// A second start on the same store prints no key.
	p2 := testkit.StartHookd(t, bin, addr, nil, "--db", db)
	if strings.Contains(p2.Output.String(), "hk_") {
		t.Errorf("the key was printed again:\n%s", p2.Output)
	}
	if strings.Contains(p2.Output.String(), key) {
		t.Error("the API key appears in the log")
	}
}

func TestSettingsErrors(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"serve", "--batch-interval", "fast"}, &out, &out)
	if err == nil || !strings.Contains(out.String()+err.Error(), "batch-interval") {
		t.Errorf("bad duration flag: %v %s", err, out.String())
	}
	err = run(context.Background(), []string{"serve", "--retention", "-1h"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "--retention must be 0 (keep everything) or longer") {
		t.Errorf("negative retention: %v", err)
	}
	err = run(context.Background(), []string{"bench", "--fanout-webhooks", "-5"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "--fanout-webhooks must be more than 0") {
		t.Errorf("negative benchmark size: %v", err)
	}
	t.Setenv("HOOKD_GREYLIST_AFTER", "three")
	err = run(context.Background(), []string{"serve"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "HOOKD_GREYLIST_AFTER") {
		t.Errorf("bad env variable: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "hookd ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}

// TestVersionOfTheBinary: the built binary names its version, the commit
// it was built from (a build in a git checkout) and the Go that built it.
func TestVersionOfTheBinary(t *testing.T) {
	bin := testkit.BuildHookd(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("hookd version: %v %s", err, out)
	}
	got := string(out)
	// A build from a checkout is versioned by Go from the commit (a
	// pseudo-version such as 0.0.0-20261203104541-4fd4ab56b8ec).
	if !regexp.MustCompile(`^hookd [0-9][^ ]* \(`).MatchString(got) || !strings.Contains(got, runtime.Version()) {
		t.Errorf("hookd version = %q, want a version and %s", got, runtime.Version())
	}
	// Built in a git checkout, the binary names its commit (a worktree
	// or a tarball gives Go none to record: "commit unknown").
	if _, err := exec.LookPath("git"); err == nil && !strings.Contains(got, "commit unknown") &&
		!regexp.MustCompile(`\(commit [0-9a-f]{12}[,)]`).MatchString(got) {
		t.Errorf("hookd version = %q, want the commit it was built from", got)
	}

}
