package bench

// The scale-out scenario (hookd bench --scenario scale-out): N real
// `hookd serve` processes on one PostgreSQL database, each held to a share
// of a CPU by its own cgroup (v1 cpu controller), fan out the same burst;
// the steps add nodes until deliveries/s stop growing, and say what the
// database spent on each delivery.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// cgroupCPU is where the cgroup v1 cpu controller is mounted.
var cgroupCPU = "/sys/fs/cgroup/cpu"

// scaleBatchInterval is the nodes' --batch-interval in the scale-out
// scenario (hookd's default is 5 s; a shorter tick keeps the wait for the
// first claim out of the figures).
const scaleBatchInterval = time.Second

// ScaleStep is one step of the scale-out scenario: what n nodes did.
type ScaleStep struct {
	Nodes      int
	Expected   int64         // triggers × webhooks
	Received   int64         // distinct (trigger, webhook) pairs received
	Duplicates int64         // sends received beyond the first of their pair
	Window     time.Duration // first delivery received to the last
	PerSec     float64       // Received / Window
	Ratio      float64       // PerSec / the first step's PerSec × its nodes (1 node when the first step has 1)

	HookdCPU  time.Duration // all nodes' CPU per delivery
	Throttled float64       // share of the nodes' CFS periods in which they were throttled
	PGCPU     time.Duration // PostgreSQL's CPU per delivery
	PGCores   float64       // PostgreSQL's CPU over the window, in cores
	NodeCores float64       // the nodes' CPU over the window, in cores
	RecvCPU   time.Duration // the bench process's (the receivers') CPU per delivery
	RecvCores float64
	Busy      float64 // the machine's CPU busy over the window (0..1)
	WALBytes  float64 // WAL bytes per delivery (server-wide)
	// Waits counts the samples of the step database's active backends by
	// "wait_event_type:wait_event" ("" = on CPU); Samples is the number of
	// samplings.
	Waits   map[string]int
	Samples int
}

// scaleOut runs the scale-out scenario and prints its table to w.
func (o *Options) scaleOut(ctx context.Context, w io.Writer) ([]ScaleStep, error) {
	if !o.postgres() {
		return nil, errors.New("--scenario scale-out needs --db postgres://… (a server where it may create databases: each step gets a fresh one)")
	}
	bin := o.HookdBinary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding the hookd binary to start the nodes: %w", err)
		}
		bin = exe
	}
	if o.NodeCPU > 0 {
		if err := probeCgroup(); err != nil {
			return nil, err
		}
	}
	admin, err := pgx.Connect(ctx, withoutPool(o.DB))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", redactDSN(o.DB), err)
	}
	defer admin.Close(context.Background())
	sweepStale(ctx, admin, w)
	pm, err := postmasterPID(ctx, admin)
	if err != nil {
		fmt.Fprintf(w, "PostgreSQL's CPU will read as 0: %v\n", err)
	}

	rs := make(receivers, o.Receivers)
	for i := range rs {
		rc, err := startReceiver()
		if err != nil {
			return nil, err
		}
		defer rc.close()
		rs[i] = rc
	}
	capText := "no CPU cap"
	if o.NodeCPU > 0 {
		capText = fmt.Sprintf("each node held to %.2f CPU (cgroup v1 cpu.cfs_quota_us)", o.NodeCPU)
	}
	fmt.Fprintf(w, "scale-out: %d webhooks × %d triggers per step, %s, batch interval %s, %d receivers in the bench process (uncapped)\n",
		o.ScaleWebhooks, o.ScaleTriggers, capText, scaleBatchInterval, len(rs))

	var steps []ScaleStep
	for _, n := range o.Nodes {
		fmt.Fprintf(w, "… %d node(s)\n", n)
		st, err := o.scaleStep(ctx, admin, pm, bin, rs, n)
		if err != nil {
			return steps, fmt.Errorf("%d nodes: %w", n, err)
		}
		steps = append(steps, st)
		fmt.Fprintf(w, "  %s deliveries/s, %d duplicates, %d missing\n", num(st.PerSec), st.Duplicates, st.Expected-st.Received)
	}
	if len(steps) > 0 {
		base := steps[0].PerSec / float64(steps[0].Nodes)
		for i := range steps {
			steps[i].Ratio = steps[i].PerSec / base
		}
	}
	fmt.Fprintln(w)
	writeScaleTable(w, steps)
	fmt.Fprintln(w, knee(steps))
	return steps, nil
}

// sweepStale removes what an earlier scale-out run killed with SIGKILL left
// behind (its nodes die with it): the cgroups and databases named after a
// bench process that no longer runs.
func sweepStale(ctx context.Context, admin *pgx.Conn, w io.Writer) {
	gone := func(pid string) bool {
		_, err := os.Stat("/proc/" + pid)
		return errors.Is(err, os.ErrNotExist)
	}
	dirs, _ := filepath.Glob(filepath.Join(cgroupCPU, "hookd-bench-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(strings.TrimPrefix(filepath.Base(d), "hookd-bench-"), "probe-")
		pid, _, _ := strings.Cut(rest, "-")
		if _, err := strconv.Atoi(pid); err == nil && gone(pid) && os.Remove(d) == nil {
			fmt.Fprintf(w, "removed %s, left by an earlier run\n", d)
		}
	}
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'hookd\_scale\_%'`)
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, db := range names {
		pid, _, _ := strings.Cut(strings.TrimPrefix(db, "hookd_scale_"), "_")
		if _, err := strconv.Atoi(pid); err == nil && gone(pid) {
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err == nil {
				fmt.Fprintf(w, "dropped database %s, left by an earlier run\n", db)
			}
		}
	}
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

func (o *Options) scaleStep(ctx context.Context, admin *pgx.Conn, pm int, bin string, rs receivers, n int) (st ScaleStep, err error) {
	st.Nodes = n
	dbName := fmt.Sprintf("hookd_scale_%d_%d", os.Getpid(), n)
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbName); err != nil {
		return st, fmt.Errorf("creating the step's database: %w", err)
	}
	defer admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
	dsn, err := withDatabase(o.DB, dbName)
	if err != nil {
		return st, err
	}
	var kb [24]byte
	rand.Read(kb[:])
	key := "hk_bench_" + hex.EncodeToString(kb[:])

	nodes := make([]*node, 0, n)
	defer func() {
		for _, nd := range nodes {
			nd.stop()
		}
		if err != nil {
			for i, nd := range nodes {
				err = fmt.Errorf("%w\nend of node %d's output:\n%s", err, i, nd.out.String())
			}
		}
	}()
	// wait waits for node i to serve; when another process took its port
	// between the bench choosing it and the node listening (the machine is
	// shared), the node is started again on another, up to 3 times.
	wait := func(i int) error {
		for try := 0; ; try++ {
			err := nodes[i].waitHealthy(ctx, time.Minute)
			if err == nil || try == 3 || !strings.Contains(nodes[i].out.String(), "address already in use") {
				return err
			}
			nodes[i].stop()
			nd, err := o.startNode(bin, dsn, key, i)
			if err != nil {
				return err
			}
			nodes[i] = nd
		}
	}
	for i := range n {
		nd, err := o.startNode(bin, dsn, key, i)
		if err != nil {
			return st, err
		}
		nodes = append(nodes, nd)
		if i == 0 { // the first creates the schema and the account
			if err := wait(0); err != nil {
				return st, err
			}
		}
	}
	for i := 1; i < n; i++ {
		if err := wait(i); err != nil {
			return st, err
		}
	}
	client := &http.Client{Timeout: time.Minute}
	if err := createHooks(ctx, client, nodes[0].url, key, o.ScaleWebhooks, rs); err != nil {
		return st, err
	}

	st.Expected = int64(o.ScaleWebhooks) * int64(o.ScaleTriggers)
	seen := newPairSet(int(st.Expected))
	for _, r := range rs {
		r.pairs.Store(seen)
	}
	defer func() {
		for _, r := range rs {
			r.pairs.Store(nil)
		}
	}()

	pg := &pgCPU{postmaster: pm, first: map[int]time.Duration{}, last: map[int]time.Duration{}}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampler sync.WaitGroup
	var waits map[string]int
	var samples int
	pg.sample(ctx, admin, dbName) // the nodes' backends as they are now
	walFrom, err := walLSN(ctx, admin)
	if err != nil {
		stopSampling()
		return st, err
	}
	nodeFrom, thrFrom := nodesCPU(nodes)
	selfFrom, busyFrom := procCPU("/proc/self/stat"), machineCPU()
	// A connection of its own samples the wait events (admin reads the CPU).
	sampleConn, err := pgx.Connect(ctx, withoutPool(o.DB))
	if err != nil {
		stopSampling()
		return st, err
	}
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		defer sampleConn.Close(context.Background())
		waits, samples = sampleWaits(sampleCtx, sampleConn, dbName)
	}()

	var triggers bytes.Buffer
	triggers.WriteByte('[')
	for i := range o.ScaleTriggers {
		if i > 0 {
			triggers.WriteByte(',')
		}
		triggers.WriteString(triggerBody(i))
	}
	triggers.WriteByte(']')
	if _, err := call(ctx, client, http.MethodPost, nodes[0].url+"/api/v1/triggers", key, triggers.Bytes(), http.StatusAccepted); err != nil {
		stopSampling()
		sampler.Wait()
		return st, err
	}
	// Every pair received, then every delivery recorded in the log (its
	// writes are part of what a delivery costs the database).
	deadline := time.Now().Add(5 * time.Minute)
	for seen.distinct.Load() < st.Expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	if stepConn, err := pgx.Connect(ctx, withoutPool(dsn)); err == nil {
		for ctx.Err() == nil && time.Now().Before(deadline) {
			var rows int64
			stepConn.QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&rows)
			if rows >= st.Expected {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		stepConn.Close(context.Background())
	}
	pg.sample(ctx, admin, dbName)
	walTo, _ := walLSN(ctx, admin)
	nodeTo, thrTo := nodesCPU(nodes)
	selfTo, busyTo := procCPU("/proc/self/stat"), machineCPU()
	stopSampling()
	sampler.Wait()
	if err := ctx.Err(); err != nil {
		return st, err
	}

	st.Received, st.Duplicates = seen.distinct.Load(), seen.dups.Load()
	first, last := seen.first.Load(), seen.last.Load()
	st.Window = time.Duration(last - first)
	if st.Received < st.Expected {
		return st, fmt.Errorf("received %d of %d (trigger, webhook) pairs within 5 minutes (%d duplicates)", st.Received, st.Expected, st.Duplicates)
	}
	if st.Window > 0 {
		st.PerSec = float64(st.Received) / st.Window.Seconds()
	}
	d := time.Duration(st.Received)
	st.HookdCPU = (nodeTo - nodeFrom) / d
	st.PGCPU = pg.used() / d
	st.RecvCPU = (selfTo - selfFrom) / d
	if thrTo.periods > thrFrom.periods {
		st.Throttled = float64(thrTo.throttled-thrFrom.throttled) / float64(thrTo.periods-thrFrom.periods)
	}
	// Cores over the window: the CPU per delivery times the rate.
	st.NodeCores = st.HookdCPU.Seconds() * st.PerSec
	st.PGCores = st.PGCPU.Seconds() * st.PerSec
	st.RecvCores = st.RecvCPU.Seconds() * st.PerSec
	if t := busyTo.total - busyFrom.total; t > 0 {
		st.Busy = 1 - float64(busyTo.idle-busyFrom.idle)/float64(t)
	}
	st.WALBytes = float64(walTo-walFrom) / float64(st.Received)
	st.Waits, st.Samples = waits, samples
	return st, nil
}

// withDatabase returns dsn (a postgres:// URL) naming database db, with
// pool_max_conns 8 unless it sets one (8 nodes × 8 stay within
// PostgreSQL's default max_connections of 100).
func withDatabase(dsn, db string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("--db for scale-out must be a postgres:// URL: %s", redactDSN(dsn))
	}
	u.Path = "/" + db
	q := u.Query()
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", "8")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// withoutPool leaves out the pool settings (pool_max_conns …) of a
// postgres:// URL, which the nodes' pools take and a single connection
// refuses.
func withoutPool(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "(the --db value)"
}

func (o *Options) startNode(bin, dsn, key string, i int) (*node, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	nd := &node{url: "http://" + addr, out: &tailBuffer{max: 4000}, done: make(chan struct{})}
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

type jiffies struct{ total, idle int64 }

// machineCPU reads the machine's CPU time, all and idle (with iowait).
func machineCPU() jiffies {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return jiffies{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var j jiffies
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 8 || i == 9 { // guest time is already in user time
			continue
		}
		j.total += n
		if i == 3 || i == 4 {
			j.idle += n
		}
	}
	return j
}

// postmasterPID finds the PostgreSQL server's main process: the first line
// of postmaster.pid in its data directory, checked against this machine's
// processes (a server elsewhere cannot be measured from here).
func postmasterPID(ctx context.Context, c *pgx.Conn) (int, error) {
	var dir string
	var backend int
	if err := c.QueryRow(ctx, "SELECT current_setting('data_directory'), pg_backend_pid()").Scan(&dir, &backend); err != nil {
		return 0, fmt.Errorf("reading the data directory (needs a superuser or pg_read_all_settings): %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("the server does not run on this machine, or its data directory cannot be read: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || parentPID(backend) != pm {
		return 0, fmt.Errorf("postmaster.pid names %q, which is not the parent of this connection's backend %d", first, backend)
	}
	return pm, nil
}

// parentPID reads a process's parent from /proc; 0 when it cannot.
func parentPID(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := statFields(b)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(string(f[1]))
	return p
}

// pgCPU adds up the CPU of the server's processes that work for the step:
// the postmaster, its background processes (WAL writer, checkpointer,
// autovacuum…, shared with every database of the server) and the client
// backends of the step's database — not other databases' backends.
type pgCPU struct {
	postmaster  int
	first, last map[int]time.Duration
	started     bool // the first sample has been taken
}

func (p *pgCPU) sample(ctx context.Context, c *pgx.Conn, db string) {
	if p.postmaster == 0 {
		return
	}
	rows, err := c.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type <> 'client backend'`, db)
	if err != nil {
		return
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	pids = append(pids, int32(p.postmaster))
	for _, pid := range pids {
		if int(pid) != p.postmaster && parentPID(int(pid)) != p.postmaster {
			continue
		}
		cpu := procCPU("/proc/" + strconv.Itoa(int(pid)) + "/stat")
		if _, ok := p.first[int(pid)]; !ok {
			p.first[int(pid)] = cpu
			if p.started { // born during the step: all its CPU counts
				p.first[int(pid)] = 0
			}
		}
		p.last[int(pid)] = cpu
	}
	p.started = true
}

func (p *pgCPU) used() time.Duration {
	var d time.Duration
	for pid, l := range p.last {
		d += l - p.first[pid]
	}
	return d
}

func walLSN(ctx context.Context, c *pgx.Conn) (int64, error) {
	var lsn int64
	err := c.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").Scan(&lsn)
	return lsn, err
}

// sampleWaits samples, every 50 ms until ctx ends, what the step
// database's active backends wait on ("type:event"; "" = running).
func sampleWaits(ctx context.Context, c *pgx.Conn, db string) (map[string]int, int) {
	waits := map[string]int{}
	n := 0
	for ctx.Err() == nil {
		rows, err := c.Query(ctx, `SELECT coalesce(wait_event_type || ':' || wait_event, '') FROM pg_stat_activity
			WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`, db)
		if err == nil {
			ws, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err == nil {
				n++
				for _, w := range ws {
					waits[w]++
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return waits, n
}

// createHooks creates n webhooks through the API of the node at base, 16 at
// a time; the i-th posts to receiver i mod len(rs), path /w/i.
func createHooks(ctx context.Context, client *http.Client, base, key string, n int, rs receivers) error {
	var next atomic.Int64
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					errs <- nil
					return
				}
				body, _ := json.Marshal(map[string]any{"name": "scale " + strconv.Itoa(i),
					"url": rs[i%len(rs)].url + "/w/" + strconv.Itoa(i), "hooks": []string{benchHook}})
				if _, err := call(ctx, client, http.MethodPost, base+"/api/v1/webhooks", key, body, http.StatusCreated); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for range 16 {
		if err := <-errs; err != nil && first == nil {
			first = err
			next.Store(int64(n)) // the others stop
		}
	}
	return first
}

func call(ctx context.Context, client *http.Client, method, u, key string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(raw)))
	}
	return raw, nil
}

// pairSet counts the (webhook URL path, webhook-id) pairs the receivers
// get: a send beyond the first of its pair is a duplicate.
type pairSet struct {
	mu             sync.Mutex
	seen           map[string]struct{}
	distinct, dups atomic.Int64
	span           // the first and last distinct pair received
}

func newPairSet(n int) *pairSet { return &pairSet{seen: make(map[string]struct{}, n)} }

func (p *pairSet) add(path, id string, now int64) {
	k := path + " " + id
	p.mu.Lock()
	_, dup := p.seen[k]
	if !dup {
		p.seen[k] = struct{}{}
	}
	p.mu.Unlock()
	if dup {
		p.dups.Add(1)
		return
	}
	p.distinct.Add(1)
	p.mark(now)
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

func writeScaleTable(w io.Writer, steps []ScaleStep) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "nodes\tdeliveries/s\t× 1 node\tduplicates\thookd CPU µs/delivery\tthrottled\tPostgreSQL CPU µs/delivery\tWAL bytes/delivery\tPG waits (of active samples)\tcores: nodes / PG / receivers\tmachine busy")
	for _, s := range steps {
		fmt.Fprintf(tw, "%d\t%s\t%.2f×\t%d\t%s\t%.0f%%\t%s\t%s\t%s\t%.2f / %.2f / %.2f\t%.0f%%\n", s.Nodes, num(s.PerSec), s.Ratio, s.Duplicates,
			num(us(s.HookdCPU)), 100*s.Throttled, num(us(s.PGCPU)), num(s.WALBytes), waitsText(s.Waits, s.Samples),
			s.NodeCores, s.PGCores, s.RecvCores, 100*s.Busy)
	}
	tw.Flush()
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// waitsText gives the average number of active backends and the share of
// them waiting on each kind of event, with the most frequent event of each,
// e.g. "2.1 active: IO 20% (WALSync), Lock 3% (advisory)".
func waitsText(w map[string]int, samples int) string {
	if samples == 0 {
		return "-"
	}
	total := 0
	byType := map[string]int{}
	top := map[string]string{}
	for k, n := range w {
		total += n
		if k == "" {
			continue
		}
		typ, ev, _ := strings.Cut(k, ":")
		byType[typ] += n
		if t, ok := top[typ]; !ok || w[typ+":"+t] < n || (w[typ+":"+t] == n && ev < t) {
			top[typ] = ev
		}
	}
	s := fmt.Sprintf("%.1f active", float64(total)/float64(samples))
	kinds := make([]string, 0, len(byType))
	for k := range byType {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for i, k := range kinds {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		s += fmt.Sprintf("%s%s %.0f%% (%s)", sep, k, 100*float64(byType[k])/float64(total), top[k])
	}
	return s
}

// knee says where deliveries/s stopped growing (a step adding less than 10%
// over the best before it) and what was nearest its limit there.
func knee(steps []ScaleStep) string {
	if len(steps) < 2 {
		return "knee: more than one step is needed to find it"
	}
	best := 0
	for i := 1; i < len(steps); i++ {
		if steps[i].PerSec < 1.10*steps[best].PerSec {
			s := steps[best]
			return fmt.Sprintf("knee: deliveries/s stop growing after %d nodes (%s/s; %d nodes gave %s/s). At %d nodes: %s",
				s.Nodes, num(s.PerSec), steps[i].Nodes, num(steps[i].PerSec), steps[i].Nodes, limits(steps[i]))
		}
		best = i
	}
	return fmt.Sprintf("knee: not reached; deliveries/s still grew at %d nodes (%s/s)", steps[best].Nodes, num(steps[best].PerSec))
}

// limits names what is nearest its limit in a step.
func limits(s ScaleStep) string {
	lock := 0
	total := 0
	for k, n := range s.Waits {
		total += n
		if strings.HasPrefix(k, "Lock:") || strings.HasPrefix(k, "LWLock:") {
			lock += n
		}
	}
	lockShare := 0.0
	if total > 0 {
		lockShare = float64(lock) / float64(total)
	}
	return fmt.Sprintf("machine CPU %.0f%% busy (nodes %.2f, PostgreSQL %.2f, receivers %.2f cores), nodes throttled in %.0f%% of their periods, lock waits %.0f%% of PostgreSQL's active samples",
		100*s.Busy, s.NodeCores, s.PGCores, s.RecvCores, 100*s.Throttled, 100*lockShare)
}
