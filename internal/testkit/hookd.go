package testkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mainRan is set by Main: BuildHookd needs it to remove its binary.
var mainRan atomic.Bool

// built is the binary BuildHookd made for this test binary.
var built struct {
	sync.Once
	dir, path string
	err       error
}

// Main runs a package's tests and then removes the binary BuildHookd built
// for them. A package whose tests call BuildHookd has
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// It also makes every API answer those tests get through
// http.DefaultClient (Send, Call) be checked against hookd's OpenAPI
// document (CheckAnswers): the tests fail when one disagrees.
func Main(m *testing.M) {
	mainRan.Store(true)
	CheckAnswers()
	code := m.Run()
	if code == 0 {
		code = ReportAnswerFailures()
	}
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// BuildHookd builds the hookd command (hookd/cmd/hookd) once per test
// binary, into a temporary folder that outlives each test and that Main
// removes, and returns the binary's path. Tests that run the real process
// share the one build, so a package pays for one link whatever the number
// of its tests. Under -short the test is skipped: building and running the
// real binary is what -short leaves out.
func BuildHookd(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: builds and runs the real hookd binary")
	}
	if !mainRan.Load() {
		t.Fatal("testkit.BuildHookd needs func TestMain(m *testing.M) { testkit.Main(m) } in the package's tests, which removes the binary afterwards")
	}
	built.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "hookd-bin-")
		if built.err != nil {
			return
		}
		path := filepath.Join(built.dir, "hookd")
		if out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", path, "github.com/hookd-dev/hookd/cmd/hookd").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build hookd/cmd/hookd: %v\n%s", err, out)
			return
		}
		built.path = path
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago, for a process that must be told where to listen (and listen there
// again after a restart).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Hookd is a `hookd serve` process started by StartHookd or SpawnHookd.
type Hookd struct {
	Cmd    *exec.Cmd
	Addr   string     // where it listens
	URL    string     // "http://" + Addr
	Output *LogBuffer // its standard output and error

	done chan struct{}
	err  error
}

// Done is closed when the process has exited.
func (h *Hookd) Done() <-chan struct{} { return h.done }

// Err is how the process exited (nil for status 0); read it once Done is
// closed.
func (h *Hookd) Err() error { return h.err }

// Stop sends sig to the process and waits for it to exit.
func (h *Hookd) Stop(sig os.Signal) {
	h.Cmd.Process.Signal(sig)
	<-h.done
}

// SpawnHookd starts `bin serve --addr addr args...` with env added to this
// process's environment, without waiting for it to serve (see
// WaitHealthy): so that several can start at once. The process is killed
// when the test ends; if the test failed, the end of its output is logged.
func SpawnHookd(t testing.TB, bin, addr string, env []string, args ...string) *Hookd {
	t.Helper()
	h := &Hookd{Addr: addr, URL: "http://" + addr, Output: &LogBuffer{}, done: make(chan struct{})}
	h.Cmd = exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	h.Cmd.Env = append(os.Environ(), env...)
	h.Cmd.Stdout, h.Cmd.Stderr = h.Output, h.Output
	if err := h.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.err = h.Cmd.Wait(); close(h.done) }()
	t.Cleanup(func() {
		h.Cmd.Process.Kill()
		<-h.done
		if t.Failed() {
			t.Logf("output of hookd at %s:\n%s", addr, tail(h.Output.String(), 3000))
		}
	})
	return h
}

// KeyEnv is the environment of a hookd under test whose API key is key:
// an admin password too, which serve requires and these tests do not use.
func KeyEnv(key string) []string {
	return []string{"HOOKD_API_KEY=" + key, "HOOKD_ADMIN_PASSWORD=not-used-here"}
}

// StartHookd is SpawnHookd, then WaitHealthy for up to 30 s.
func StartHookd(t testing.TB, bin, addr string, env []string, args ...string) *Hookd {
	t.Helper()
	h := SpawnHookd(t, bin, addr, env, args...)
	h.WaitHealthy(t, 30*time.Second)
	return h
}

// WaitHealthy waits until GET /healthz answers 200: the process listens and
// reaches its store. The test fails if the process exits first or if that
// takes longer than within.
func (h *Hookd) WaitHealthy(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var last string
		if resp, err := http.Get(h.URL + "/healthz"); err != nil {
			last = err.Error()
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		}
		select {
		case <-h.done:
			t.Fatalf("hookd at %s exited before it served: %v\n%s", h.Addr, h.err, h.Output)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hookd at %s not healthy within %s (last: %s)\n%s", h.Addr, within, last, h.Output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
