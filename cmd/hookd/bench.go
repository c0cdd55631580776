package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd/bench"
)

// runBench runs the end-to-end benchmark (see package bench).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlags("hookd bench", stderr)
	var o bench.Options
	fs.StringVar(&o.DB, "db", "", "store: empty for a fresh temporary SQLite file per scenario, a SQLite file path, or postgres://…")
	fs.BoolVar(&o.Quick, "quick", false, "small sizes: a smoke run of under a minute")
	fs.StringVar(&o.OutDir, "out-dir", "", "write BENCHMARKS.md and bench-chart.svg into this directory")
	fs.StringVar(&o.Only, "only", "", "run one scenario: raw, ingest, fanout, bigfanout, latency, isolation or memory (the raw ceiling always runs)")
	fs.DurationVar(&o.Soak, "soak", 0, "soak mode: steady load (200 triggers/s × 20 webhooks, 3 failing) for this long, e.g. 30m, sampling RSS, heap, goroutines and open files every 10s; writes soak-chart.svg to --out-dir")
	fs.BoolVar(&o.ReceiverProcess, "receiver-process", false, "run the healthy receivers in a child process, so that CPU and memory figures are hookd's alone (and the raw ceiling's the client's alone)")
	for _, z := range bench.Sizes() {
		switch p := z.Field(&o).(type) {
		case *int:
			fs.IntVar(p, z.Flag, 0, z.Usage())
		case *time.Duration:
			fs.DurationVar(p, z.Flag, 0, z.Usage())
		}
	}
	fs.StringVar(&o.Scenario, "scenario", "", "scale-out: N `hookd serve` node processes on one PostgreSQL database (--db postgres://…), each in a cgroup held to --node-cpu, for each count in --nodes")
	nodes := fs.String("nodes", "", "scale-out: the node counts of the steps, e.g. 1,2,3,5,8 (the default)")
	fs.Float64Var(&o.NodeCPU, "node-cpu", 0, "scale-out: the share of a CPU each node may use, via the cgroup v1 cpu controller (default 0.15; negative for no cap)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile at the end of the run to this file")
	blockProfile := fs.String("blockprofile", "", "write a profile of where goroutines wait (blocking and mutexes) to this file and this file.mutex")
	if err := f.parse(args); err != nil {
		return err
	}
	for _, n := range strings.FieldsFunc(*nodes, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.Atoi(n)
		if err != nil {
			return usageError{fmt.Errorf("--nodes %q: give node counts separated by commas, e.g. 1,2,3,5,8", *nodes)}
		}
		o.Nodes = append(o.Nodes, v)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		runtime.SetMutexProfileFraction(10)
	}
	err := bench.Run(ctx, o, stdout)
	for _, p := range []struct{ file, name string }{{*blockProfile, "block"}, {*blockProfile + ".mutex", "mutex"}} {
		if *blockProfile == "" {
			break
		}
		if perr := writeProfile(p.file, p.name); perr != nil {
			return perr
		}
	}
	if *memProfile != "" {
		runtime.GC()
		if perr := writeProfile(*memProfile, "heap"); perr != nil {
			return perr
		}
	}
	return err
}

func writeProfile(file, name string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}
