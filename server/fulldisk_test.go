package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// smallFS mounts a tmpfs of size at a new directory and unmounts it when the
// test ends. It needs root; without it the test is skipped, unless
// HOOKD_REQUIRE_ALL=1, which makes it fail (testkit.Require).
func smallFS(t *testing.T, size string) string {
	t.Helper()
	const what = "a real small filesystem (a tmpfs)"
	testkit.Require(t, what, os.Geteuid() == 0, "not root, so no tmpfs can be mounted")
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	testkit.Require(t, what, err == nil, "mount -t tmpfs failed: "+strings.TrimSpace(string(out)))
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the filesystem has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// bigTrigger is the i-th of triggers of about 1.5 kB each: they fill a
// small disk fast.
func bigTrigger(i int) string {
	return `{"hook":"eventCanceled","data":{"eventId":` + strconv.Itoa(i) + `,"reason":"` + strings.Repeat("x", 1500) + `"}}`
}

// TestFullDisk puts the SQLite file on a real 4 MB filesystem and fills it:
// triggers get 503 saying the store cannot be written (never a 202 that is
// then lost), /healthz still answers, and once space returns triggers are
// accepted and every one answered 202 is delivered.
func TestFullDisk(t *testing.T) {
	dir := smallFS(t, "4m")
	e := start(t, func(c *server.Config) { c.DB = filepath.Join(dir, "hookd.db") })
	rc := testkit.NewReceiver(t, 200)
	e.createWebhook("r", rc.URL, "eventCanceled")

	var accepted []string
	post := func(i int) (int, string) {
		var out struct{ ID string }
		code, _, raw := e.post(testKey, bigTrigger(i))
		if code == 202 {
			if err := json.Unmarshal([]byte(raw), &out); err != nil {
				t.Fatalf("202 answer: %s", raw)
			}
			accepted = append(accepted, out.ID)
		}
		return code, raw
	}
	if code, raw := post(0); code != 202 {
		t.Fatalf("before filling: %d %s", code, raw)
	}

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	// SQLite reuses the space its WAL already holds, so a few more triggers
	// may still be stored; the disk runs out soon after.
	var refusal string
	for i := 1; i < 2000 && refusal == ""; i++ {
		switch code, raw := post(i); code {
		case 202:
		case 503:
			refusal = raw
		default:
			t.Fatalf("trigger on a full disk: %d %s, want 202 or 503", code, raw)
		}
	}
	if refusal == "" {
		t.Fatal("2000 triggers accepted on a full 4 MB filesystem: the disk never ran out?")
	}
	if !strings.Contains(refusal, `"code":"unavailable"`) || !strings.Contains(refusal, "cannot be written") || !strings.Contains(refusal, "disk is full") {
		t.Errorf("503 answer %s, want the contract's error saying the store cannot be written because the disk is full", refusal)
	}
	t.Logf("disk full after %d accepted triggers: %s", len(accepted), strings.TrimSpace(refusal))
	for i := range 5 { // it stays refused while the disk is full
		if code, raw := post(10000 + i); code != 503 {
			t.Errorf("trigger while the disk is still full: %d %s, want 503", code, raw)
		}
	}
	// Reads still work, so /healthz (the store can be reached) answers 200;
	// /readyz (it can be written) answers 503.
	if code := e.do("GET", "/healthz", nil, nil); code != 200 {
		t.Errorf("/healthz on a full disk: %d, want 200 (the store can still be read)", code)
	}
	var ready map[string]any
	if code := e.do("GET", "/readyz", nil, &ready); code != 503 || !strings.Contains(fmt.Sprint(ready), "disk is full") {
		t.Errorf("/readyz on a full disk: %d %v, want 503 saying the disk is full", code, ready)
	}

	// Space returns: triggers are accepted again and everything answered 202
	// is delivered.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "a 202 after space returned", func() bool { code, _ := post(20000); return code == 202 })
	if code := e.do("GET", "/readyz", nil, nil); code != 200 {
		t.Errorf("/readyz after space returned: %d, want 200", code)
	}
	for i := range 20 {
		if code, raw := post(30000 + i); code != 202 {
			t.Fatalf("trigger after space returned: %d %s", code, raw)
		}
	}
	testkit.WaitFor(t, 10*time.Second, "every accepted trigger delivered", func() bool {
		got := rc.SentByID(0)
		for _, id := range accepted {
			if got[id] == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("all %d accepted triggers delivered after space returned", len(accepted))
}

// TestFullDiskShutdown: sends whose results cannot be recorded because the
// disk filled up while they were in flight do not hold shutdown forever;
// their triggers stay pending and are sent again after the lease.
func TestFullDiskShutdown(t *testing.T) {
	dir := smallFS(t, "4m")
	e := start(t, func(c *server.Config) { c.DB = filepath.Join(dir, "hookd.db"); c.Lease = time.Second })
	release := make(chan struct{})
	rc := testkit.NewReceiver(t, 200)
	rc.SetHandler(func(http.ResponseWriter, *http.Request) { <-release }) // answer only once the disk is full
	e.createWebhook("r", rc.URL, "eventCanceled")
	for i := range 20 {
		if code, _, raw := e.post(testKey, bigTrigger(i)); code != 202 {
			t.Fatalf("trigger: %d %s", code, raw)
		}
	}
	rc.Wait(t, 1, 10*time.Second) // sends in flight
	fill(t, filepath.Join(dir, "filler"))
	for i := range 2000 { // until the store refuses: its slack is used up too
		if code, _, _ := e.post(testKey, bigTrigger(100+i)); code == 503 {
			break
		}
	}
	close(release)
	time.Sleep(500 * time.Millisecond) // the results arrive and cannot be recorded
	done := make(chan error, 1)
	go func() { done <- e.srv.Close() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return within 30 s on a full disk")
	}
}

// TestReadOnlyStore: a SQLite file on a filesystem that is read-only. A
// running hookd keeps the file open, so Linux refuses to remount it
// read-only; what an operator meets is a restart on a read-only
// filesystem: hookd refuses to start, saying why, instead of accepting
// triggers it cannot store.
func TestReadOnlyStore(t *testing.T) {
	dir := smallFS(t, "8m")
	db := filepath.Join(dir, "hookd.db")
	e := start(t, func(c *server.Config) { c.DB = db })
	if code, _, raw := e.post(testKey, eventAdded); code != 202 {
		t.Fatalf("before: %d %s", code, raw)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v %s", err, out)
	}
	defer exec.Command("mount", "-o", "remount,rw", dir).Run()
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.APIKey, cfg.AdminPassword, cfg.Stderr = "127.0.0.1:0", db, testKey, "fulldisk-admin-pw", io.Discard
	s, err := server.Open(t.Context(), cfg)
	if err == nil {
		s.Close()
		t.Fatal("hookd started on a read-only filesystem")
	}
	t.Logf("start on a read-only filesystem: %v", err)
	if !strings.Contains(err.Error(), "read-only") && !strings.Contains(err.Error(), "cannot be opened") {
		t.Errorf("error %q does not say the store is read-only or cannot be opened", err)
	}
}
