// Package bench is hookd's end-to-end benchmark (hookd bench): it starts a
// real hookd in-process (server.Open, SQLite by default) and real HTTP
// receivers on 127.0.0.1, measures ingest, fan-out, latency, isolation from
// dead endpoints and memory, and gives every throughput as a ratio to the raw
// ceiling: a plain net/http client posting the same bodies to the same
// receivers at the same concurrency, measured in the same run. The machine is
// often shared, so the ratios, not the absolute figures, are what the targets
// speak about.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/server"
)

// Options size a run. Zero fields take the defaults named (Quick picks
// smaller ones).
type Options struct {
	// DB is the store: "" (a fresh temporary SQLite file per scenario), a
	// SQLite file path, or postgres://… Scenarios sharing a store each use an
	// account of their own.
	DB string
	// Quick runs every scenario small, as a smoke test (under a minute).
	Quick bool
	// OutDir, when set, receives BENCHMARKS.md and bench-chart.svg.
	OutDir string
	// Only runs one scenario: raw, ingest, fanout, bigfanout, latency,
	// isolation or memory. The raw ceiling always runs.
	Only string
	// ReceiverProcess runs the healthy receivers in a child process, so
	// that the CPU and memory figures are hookd's alone (the receivers' CPU
	// is given apart). The dead URLs of the isolation scenario stay in
	// this process (they only hold connections).
	ReceiverProcess bool
	// Soak, when set, runs the soak mode instead of the scenarios: steady
	// load for this long, sampling memory, goroutines and open files every
	// 10 s (see soak.go). Zero (the default) runs the scenarios.
	Soak time.Duration
	// Scenario "scale-out" runs the scale-out scenario instead of the
	// others (see scaleout.go): for each count in Nodes, that many `hookd
	// serve` processes (HookdBinary; default this executable) on one fresh
	// PostgreSQL database, each held to NodeCPU of a CPU by a cgroup (0:
	// uncapped), fan out ScaleTriggers to ScaleWebhooks webhooks.
	Scenario      string
	Nodes         []int   // defaults to 1, 2, 3, 5, 8
	NodeCPU       float64 // defaults to 0.15; negative: uncapped
	ScaleWebhooks int     // defaults to 2,000
	ScaleTriggers int     // defaults to 24
	HookdBinary   string

	Receivers   int // healthy receivers (hosts); defaults to 4
	Concurrency int // hookd's MaxConcurrency; defaults to 256
	PerHost     int // hookd's MaxPerHost; defaults to 64

	RawRequests        int           // raw ceiling requests; defaults to 40,000
	IngestDuration     time.Duration // each ingest measurement; defaults to 5s
	IngestClients      int           // concurrent single-POST clients; defaults to 64
	IngestBatch        int           // triggers per batch POST; defaults to 1,000
	FanoutTriggers     int           // defaults to 10
	FanoutWebhooks     int           // defaults to 2,000
	BigWebhooks        int           // defaults to 100,000
	LatencyRate        int           // triggers per second; defaults to 500
	LatencyWebhooks    int           // defaults to 20
	LatencyDuration    time.Duration // defaults to 60s
	LatencyInterval    time.Duration // the batch interval of the latency run; defaults to 5s (hookd's default)
	IsolationHealthy   int           // defaults to 1,000
	IsolationDead      int           // webhooks whose URL never answers; defaults to 100
	IsolationDeadHosts int           // listeners the dead URLs are spread over; defaults to IsolationDead (one host each)
	IsolationTriggers  int           // defaults to 10
	IsolationTimeout   time.Duration // delivery timeout of the isolation runs; defaults to 10s (hookd's default)
	MemoryTriggers     int           // defaults to 10
	MemoryWebhooks     int           // defaults to 100,000
}

// check refuses negative sizes and durations: zero means the default, and
// a negative one would otherwise quietly become the default too.
func (o *Options) check() error {
	for _, c := range []struct {
		flag string
		v    int64
	}{
		{"--receivers", int64(o.Receivers)}, {"--concurrency", int64(o.Concurrency)}, {"--per-host", int64(o.PerHost)},
		{"--raw-requests", int64(o.RawRequests)}, {"--ingest-duration", int64(o.IngestDuration)},
		{"--ingest-clients", int64(o.IngestClients)}, {"--ingest-batch", int64(o.IngestBatch)},
		{"--fanout-triggers", int64(o.FanoutTriggers)}, {"--fanout-webhooks", int64(o.FanoutWebhooks)},
		{"--big-webhooks", int64(o.BigWebhooks)}, {"--latency-rate", int64(o.LatencyRate)},
		{"--latency-webhooks", int64(o.LatencyWebhooks)}, {"--latency-duration", int64(o.LatencyDuration)},
		{"--latency-interval", int64(o.LatencyInterval)}, {"--isolation-healthy", int64(o.IsolationHealthy)},
		{"--isolation-dead", int64(o.IsolationDead)}, {"--isolation-dead-hosts", int64(o.IsolationDeadHosts)},
		{"--isolation-timeout", int64(o.IsolationTimeout)}, {"--memory-triggers", int64(o.MemoryTriggers)},
		{"--memory-webhooks", int64(o.MemoryWebhooks)}, {"--webhooks", int64(o.ScaleWebhooks)},
		{"--triggers", int64(o.ScaleTriggers)},
	} {
		if c.v < 0 {
			return fmt.Errorf("%s must be more than 0 (or left out for its default)", c.flag)
		}
	}
	for _, n := range o.Nodes {
		if n <= 0 {
			return fmt.Errorf("--nodes: %d: each step needs at least 1 node, e.g. --nodes 1,2,3,5,8", n)
		}
	}
	if o.NodeCPU > 64 {
		return fmt.Errorf("--node-cpu %g: give the share of one CPU each node may use, e.g. 0.15 (0 for the default, negative for no cap)", o.NodeCPU)
	}
	return nil
}

func (o *Options) setDefaults() {
	def := func(p *int, normal, quick int) {
		if *p <= 0 {
			*p = normal
			if o.Quick {
				*p = quick
			}
		}
	}
	defDur := func(p *time.Duration, normal, quick time.Duration) {
		if *p <= 0 {
			*p = normal
			if o.Quick {
				*p = quick
			}
		}
	}
	def(&o.Receivers, 4, 4)
	def(&o.Concurrency, 256, 256)
	def(&o.PerHost, 64, 64)
	def(&o.RawRequests, 40000, 10000)
	defDur(&o.IngestDuration, 5*time.Second, 2*time.Second)
	def(&o.IngestClients, 64, 64)
	def(&o.IngestBatch, 1000, 1000)
	def(&o.FanoutTriggers, 10, 10)
	def(&o.FanoutWebhooks, 2000, 500)
	def(&o.BigWebhooks, 100000, 10000)
	def(&o.LatencyRate, 500, 200)
	def(&o.LatencyWebhooks, 20, 20)
	defDur(&o.LatencyDuration, 60*time.Second, 5*time.Second)
	defDur(&o.LatencyInterval, 5*time.Second, time.Second)
	def(&o.IsolationHealthy, 1000, 200)
	def(&o.IsolationDead, 100, 20)
	def(&o.IsolationDeadHosts, o.IsolationDead, o.IsolationDead)
	def(&o.IsolationTriggers, 10, 10)
	defDur(&o.IsolationTimeout, 10*time.Second, 2*time.Second)
	def(&o.MemoryTriggers, 10, 2)
	def(&o.MemoryWebhooks, 100000, 20000)
	def(&o.ScaleWebhooks, 2000, 200)
	def(&o.ScaleTriggers, 24, 4)
	if len(o.Nodes) == 0 {
		o.Nodes = []int{1, 2, 3, 5, 8}
		if o.Quick {
			o.Nodes = []int{1, 2}
		}
	}
	if o.NodeCPU == 0 {
		o.NodeCPU = 0.15
	}
}

// scenarios are the benchmark's scenarios, by the names --only takes, in
// the order they run.
var scenarios = []struct {
	name string
	run  func(*runner, context.Context) error
}{
	{"raw", (*runner).raw},
	{"ingest", (*runner).ingest},
	{"fanout", (*runner).fanout},
	{"bigfanout", (*runner).bigFanout},
	{"latency", (*runner).latency},
	{"isolation", (*runner).isolation},
	{"memory", (*runner).memory},
}

// scenarioNames are the names of the scenarios, in order.
func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// Report is the outcome of a run.
type Report struct {
	Machine string
	Rows    []Row
	// Raw is the raw ceiling in requests per second.
	Raw float64
	// Latencies are the (delivery − trigger) times of the latency scenario.
	Latencies []time.Duration
	// Throughputs are the per-second figures charted beside the ceiling.
	Throughputs []Bar
	Options     Options
}

// Row is one line of the result table.
type Row struct {
	Scenario string
	Figure   string  // the measured value, formatted
	Ratio    float64 // to the raw ceiling (0: not a throughput)
	Target   string  // "" when there is none
	Met      *bool
	Note     string
}

// Bar is one charted throughput.
type Bar struct {
	Label string
	Value float64
}

func yes(b bool) *bool { return &b }

// Run runs the benchmark and prints the table to w.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if n, err := strconv.Atoi(os.Getenv(receiverChildEnv)); err == nil && n > 0 {
		return serveReceiverChild(n, os.Stdin, w)
	}
	if o.Soak < 0 {
		return errors.New("--soak must be a positive duration such as 30m")
	}
	if err := o.check(); err != nil {
		return err
	}
	o.setDefaults()
	if o.Scenario != "" && o.Scenario != "scale-out" {
		return fmt.Errorf("--scenario %q: the only one is scale-out (leave it out for the others, or use --only)", o.Scenario)
	}
	if o.Scenario == "scale-out" {
		_, err := o.scaleOut(ctx, w)
		return err
	}
	if names := scenarioNames(); o.Only != "" && !slices.Contains(names, o.Only) {
		return fmt.Errorf("--only %q: want one of %s", o.Only, strings.Join(names, ", "))
	}
	r := &Report{Options: o, Machine: machine(o)}
	fmt.Fprintln(w, r.Machine)

	var rs receivers
	if o.ReceiverProcess {
		var stop func()
		var err error
		rs, receiverPID, stop, err = startReceiverProcess(o.Receivers)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		var stop func()
		var err error
		if rs, stop, err = startReceivers(o.Receivers); err != nil {
			return err
		}
		defer stop()
	}
	b := &runner{o: o, rs: rs, r: r, w: w}
	if o.Soak > 0 {
		return b.soak(ctx)
	}
	start := time.Now()
	for _, s := range scenarios {
		if s.name != "raw" && o.Only != "" && o.Only != s.name {
			continue
		}
		t0 := time.Now()
		fmt.Fprintf(w, "… %s\n", s.name)
		if err := s.run(b, ctx); err != nil {
			b.closeBig()
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(w, "  done in %s\n", time.Since(t0).Round(100*time.Millisecond))
	}
	b.closeBig()
	fmt.Fprintf(w, "\n%s\n", r.Machine)
	r.writeTable(w)
	fmt.Fprintf(w, "(whole run: %s)\n", time.Since(start).Round(time.Second))
	if o.OutDir != "" {
		if err := r.writeFiles(o.OutDir); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s and %s\n", o.OutDir+"/BENCHMARKS.md", o.OutDir+"/"+chartFile)
	}
	return nil
}

// postgres is whether the run's store is PostgreSQL.
func (o *Options) postgres() bool { return server.IsPostgres(o.DB) }

func machine(o Options) string {
	store := "SQLite (temporary file per scenario, WAL, synchronous=FULL)"
	switch {
	case strings.HasPrefix(o.DB, "postgres"):
		store = "PostgreSQL"
	case o.DB != "":
		store = "SQLite (" + o.DB + ")"
	}
	mode := ""
	if o.Quick {
		mode = ", --quick"
	}
	if o.ReceiverProcess {
		mode += ", receivers in a separate process"
	}
	return fmt.Sprintf("machine: %d cores (GOMAXPROCS %d), %s, %s %s/%s, hookd %s, store %s%s",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		hookd.Version, store, mode)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}
