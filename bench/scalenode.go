package bench

// The nodes of the scale-out scenario: `hookd serve` processes, each held to
// a share of a CPU by a cgroup of its own (v1 cpu controller) named after
// the bench process, so that a later run can sweep what a killed one left.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cgroupCPU is where the cgroup v1 cpu controller is mounted.
var cgroupCPU = "/sys/fs/cgroup/cpu"

// nodeBinary is the hookd the nodes run: Options.HookdBinary, else this
// executable.
func (o *Options) nodeBinary() (string, error) {
	if o.HookdBinary != "" {
		return o.HookdBinary, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the hookd binary to start the nodes: %w", err)
	}
	return exe, nil
}

// probeCgroup checks that a cpu cgroup can be made, saying what to do when
// it cannot.
func probeCgroup() error {
	dir := filepath.Join(cgroupCPU, fmt.Sprintf("hookd-bench-probe-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("--node-cpu needs the cgroup v1 cpu controller writable at %s (run as root where it is mounted), or --node-cpu 0 to run the nodes uncapped: %w", cgroupCPU, err)
	}
	return os.Remove(dir)
}

// node is one `hookd serve` process of a step.
type node struct {
	cmd    *exec.Cmd
	url    string
	cgroup string // "" when uncapped
	out    *tailBuffer
	done   chan struct{}
}

func (o *Options) startNode(bin, dsn, key string, i int) (*node, error) {
	ln, u, err := listenLocal()
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	nd := &node{url: u, out: &tailBuffer{max: 4000}, done: make(chan struct{})}
	nd.cmd = exec.Command(bin, "serve", "--addr", addr, "--db", dsn, "--node", "bench-"+strconv.Itoa(i),
		"--allow-private-urls", "--rate-limit", "0", "--batch-interval", scaleBatchInterval.String(),
		"--max-concurrency", strconv.Itoa(o.Concurrency), "--max-per-host", strconv.Itoa(o.PerHost), "--log-level", "warn")
	// The admin password is set, so that no node prints a generated one.
	nd.cmd.Env = append(os.Environ(), "HOOKD_API_KEY="+key, "HOOKD_ADMIN_PASSWORD="+key, "HOOKD_DB=", receiverChildEnv+"=")
	nd.cmd.Stdout, nd.cmd.Stderr = nd.out, nd.out
	setParentDeath(nd.cmd)
	if o.NodeCPU > 0 {
		nd.cgroup = filepath.Join(cgroupCPU, fmt.Sprintf("hookd-bench-%d-%d", os.Getpid(), i))
		if err := os.Mkdir(nd.cgroup, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating cgroup %s: %w", nd.cgroup, err)
		}
		const period = 100000
		quota := int(o.NodeCPU * period)
		if err := writeFile(filepath.Join(nd.cgroup, "cpu.cfs_period_us"), period); err != nil {
			os.Remove(nd.cgroup)
			return nil, err
		}
		if err := writeFile(filepath.Join(nd.cgroup, "cpu.cfs_quota_us"), quota); err != nil {
			os.Remove(nd.cgroup)
			return nil, err
		}
	}
	if err := nd.cmd.Start(); err != nil {
		if nd.cgroup != "" {
			os.Remove(nd.cgroup)
		}
		return nil, fmt.Errorf("starting %s serve: %w", bin, err)
	}
	go func() { nd.cmd.Wait(); close(nd.done) }()
	if nd.cgroup != "" {
		// Joined a moment after it starts: before it opens the database.
		if err := writeFile(filepath.Join(nd.cgroup, "cgroup.procs"), nd.cmd.Process.Pid); err != nil {
			nd.stop()
			return nil, err
		}
	}
	return nd, nil
}

func writeFile(file string, v int) error {
	if err := os.WriteFile(file, []byte(strconv.Itoa(v)), 0o644); err != nil {
		return fmt.Errorf("setting %s: %w", file, err)
	}
	return nil
}

func (nd *node) waitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if resp, err := http.Get(nd.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-nd.done:
			return fmt.Errorf("node at %s exited before it served", nd.url)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node at %s not healthy within %s", nd.url, within)
		}
	}
}

// stop ends the node (SIGTERM, then SIGKILL after 10 s) and removes its
// cgroup.
func (nd *node) stop() {
	nd.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-nd.done:
	case <-time.After(10 * time.Second):
		nd.cmd.Process.Kill()
		<-nd.done
	}
	if nd.cgroup != "" {
		// The group is empty once its process has exited; the kernel may
		// take a moment to notice.
		for i := 0; i < 50; i++ {
			if err := os.Remove(nd.cgroup); err == nil || errors.Is(err, os.ErrNotExist) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

type throttle struct{ periods, throttled int64 }

// nodesCPU is the nodes' CPU so far (from /proc/<pid>/stat) and their
// cgroups' CFS periods and throttled periods.
func nodesCPU(nodes []*node) (time.Duration, throttle) {
	var cpu time.Duration
	var th throttle
	for _, nd := range nodes {
		cpu += procCPU("/proc/" + strconv.Itoa(nd.cmd.Process.Pid) + "/stat")
		if nd.cgroup == "" {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(nd.cgroup, "cpu.stat"))
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, " ")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "nr_periods":
				th.periods += n
			case "nr_throttled":
				th.throttled += n
			}
		}
	}
	return cpu, th
}

// sweepCgroups removes the cgroups of an earlier run's nodes: those named
// after a bench process that no longer runs. It returns what it removed.
func sweepCgroups() (removed []string) {
	dirs, _ := filepath.Glob(filepath.Join(cgroupCPU, "hookd-bench-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(strings.TrimPrefix(filepath.Base(d), "hookd-bench-"), "probe-")
		pid, _, _ := strings.Cut(rest, "-")
		if exited(pid) && os.Remove(d) == nil {
			removed = append(removed, d)
		}
	}
	return removed
}

// exited reports whether pid, read from a name, is a process ID that no
// process on this machine has now.
func exited(pid string) bool {
	if _, err := strconv.Atoi(pid); err != nil {
		return false
	}
	_, err := os.Stat("/proc/" + pid)
	return errors.Is(err, os.ErrNotExist)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = slices.Clone(t.b[len(t.b)-t.max:])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
