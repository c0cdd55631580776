package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSpawnHookd runs a shell script in the place of hookd: it is given
// `serve --addr` and the arguments, gets the environment, its output is
// captured, it is killed at cleanup, and its output is logged if the test
// failed.
func TestSpawnHookd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fake-hookd")
	script := "#!/bin/sh\necho \"args: $*\"\necho \"env: $FAKE_SETTING\" >&2\nexec sleep 60\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t, failed: true}
	addr := FreeAddr(t)
	h := SpawnHookd(r, bin, addr, []string{"FAKE_SETTING=on"}, "--db", "x.db")
	WaitFor(t, 10*time.Second, "the script's output", func() bool { return strings.Contains(h.Output.String(), "env: on") })
	if want := "args: serve --addr " + addr + " --db x.db\n"; !strings.Contains(h.Output.String(), want) {
		t.Errorf("output %q, want %q", h.Output, want)
	}
	select {
	case <-h.Done():
		t.Fatal("the process exited by itself")
	default:
	}
	for _, f := range r.cleanups {
		f()
	}
	select {
	case <-h.Done():
	default:
		t.Fatal("the process still runs after cleanup")
	}
	if len(r.logs) != 1 || !strings.Contains(r.logs[0], "args: serve") {
		t.Errorf("a failed test logged %q, want the process's output", r.logs)
	}
}

// TestWaitHealthyProcessExits: a process that exits before it serves ends
// the wait at once, with its output.
func TestWaitHealthyProcessExits(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fake-hookd")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'no such flag: --db' >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := record(t, func(tb testing.TB) { StartHookd(tb, bin, FreeAddr(t), nil, "--db", "x") })
	if !strings.Contains(r.fatal, "exited before it served") || !strings.Contains(r.fatal, "no such flag: --db") {
		t.Errorf("StartHookd of a process that exits: %q", r.fatal)
	}
}
