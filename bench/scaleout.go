package bench

// The scale-out scenario (hookd bench --scenario scale-out): N real
// `hookd serve` processes on one PostgreSQL database, each held to a share
// of a CPU by its own cgroup (v1 cpu controller), fan out the same burst;
// the steps add nodes until deliveries/s stop growing, and say what the
// database spent on each delivery.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/server"
)

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
	bin, err := o.nodeBinary()
	if err != nil {
		return nil, err
	}
	if o.NodeCPU > 0 {
		if err := probeCgroup(); err != nil {
			return nil, err
		}
	}
	admin, err := pgx.Connect(ctx, withoutPool(o.DB))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", server.StoreName(o.DB), err)
	}
	defer admin.Close(context.Background())
	// What an earlier run killed with SIGKILL left behind (its nodes die
	// with it).
	for _, d := range sweepCgroups() {
		fmt.Fprintf(w, "removed %s, left by an earlier run\n", d)
	}
	for _, db := range sweepDatabases(ctx, admin) {
		fmt.Fprintf(w, "dropped database %s, left by an earlier run\n", db)
	}
	pm, err := postmasterPID(ctx, admin)
	if err != nil {
		fmt.Fprintf(w, "PostgreSQL's CPU will read as 0: %v\n", err)
	}

	rs, closeReceivers, err := startReceivers(o.Receivers)
	if err != nil {
		return nil, err
	}
	defer closeReceivers()
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

func (o *Options) scaleStep(ctx context.Context, admin *pgx.Conn, pm int, bin string, rs receivers, n int) (st ScaleStep, err error) {
	st.Nodes = n
	dbName, dsn, drop, err := stepDatabase(ctx, admin, o.DB, n)
	if err != nil {
		return st, err
	}
	defer drop()
	key := hookd.NewAPIKey()

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

	if _, err := call(ctx, client, http.MethodPost, nodes[0].url+"/api/v1/triggers", key, batchBody(0, o.ScaleTriggers), http.StatusAccepted); err != nil {
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
