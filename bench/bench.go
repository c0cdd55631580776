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
	Scenario    string
	Nodes       []int   // defaults to 1, 2, 3, 5, 8
	NodeCPU     float64 // defaults to 0.15; negative: uncapped
	HookdBinary string

	// The sizes of the scenarios: zero takes the default that Sizes gives,
	// which also names each one's flag.
	Receivers, Concurrency, PerHost                  int
	RawRequests, IngestClients, IngestBatch          int
	FanoutTriggers, FanoutWebhooks, BigWebhooks      int
	LatencyRate, LatencyWebhooks                     int
	IsolationHealthy, IsolationDead                  int
	IsolationDeadHosts, IsolationTriggers            int
	MemoryTriggers, MemoryWebhooks                   int
	ScaleWebhooks, ScaleTriggers                     int
	IngestDuration, LatencyDuration, LatencyInterval time.Duration
	IsolationTimeout                                 time.Duration
}

// check refuses negative sizes and durations: zero means the default, and
// a negative one would otherwise quietly become the default too.
func (o *Options) check() error {
	for _, z := range Sizes() {
		if z.get(o) < 0 {
			return fmt.Errorf("--%s must be more than 0 (or left out for its default)", z.Flag)
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

// setDefaults gives every size left at zero its default (Sizes).
func (o *Options) setDefaults() {
	flags := map[string]Size{}
	for _, z := range Sizes() {
		flags[z.Flag] = z
		if z.get(o) > 0 {
			continue
		}
		switch {
		case z.SameAs != "":
			z.set(o, flags[z.SameAs].get(o)) // listed after the size it copies
		case o.Quick:
			z.set(o, z.Quick)
		default:
			z.set(o, z.Full)
		}
	}
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
