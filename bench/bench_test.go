package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestOnlyNamesTheScenarios: --only with a name that is no scenario's is
// refused before anything starts, with the scenarios' names in the order
// they run.
func TestOnlyNamesTheScenarios(t *testing.T) {
	err := Run(t.Context(), Options{Only: "fan-out"}, io.Discard)
	want := `--only "fan-out": want one of raw, ingest, fanout, bigfanout, latency, isolation, memory`
	if err == nil || err.Error() != want {
		t.Fatalf("Run with --only fan-out: %v, want %q", err, want)
	}
}

// TestStartKeepsHookdsDefaults: a scenario's hookd starts with hookd's
// own batch interval and delivery timeout where the scenario sets none
// (hookd refuses zero ones, which stopped every scenario that set none).
func TestStartKeepsHookdsDefaults(t *testing.T) {
	o := Options{Quick: true}
	o.setDefaults()
	for _, ic := range []instanceConfig{{}, {interval: manual}, {timeout: time.Second}} {
		in, err := o.start(t.Context(), ic)
		if err != nil {
			t.Fatalf("start %+v: %v", ic, err)
		}
		in.close()
	}
}

// TestPaced: the steady load makes each of its n calls once and returns
// when all have returned; a load whose stop has ended makes none.
func TestPaced(t *testing.T) {
	var calls [300]atomic.Int32
	var returned atomic.Int32
	paced(t.Context(), 0, len(calls), func(i int) {
		calls[i].Add(1)
		returned.Add(1)
	})
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Fatalf("call %d made %d times, want once", i, n)
		}
	}
	if n := returned.Load(); n != int32(len(calls)) {
		t.Fatalf("paced returned with %d of %d calls returned", n, len(calls))
	}

	stopped, stop := context.WithCancel(t.Context())
	stop()
	paced(stopped, 0, -1, func(int) { t.Error("a call after the stop ended") })
}

// TestMain lets the test binary be the receiver process of
// --receiver-process, as the hookd binary is for hookd bench.
func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(receiverChildEnv)); err == nil && n > 0 {
		if err := serveReceiverChild(n, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	testkit.Main(m)
}

// TestReceiverProcess: with --receiver-process the receivers run in a
// child process, the raw ceiling counts the requests they received there,
// and the CPU figure gives the receiver process's share apart.
func TestReceiverProcess(t *testing.T) {
	var out strings.Builder
	err := Run(t.Context(), Options{Quick: true, Only: "raw", ReceiverProcess: true, RawRequests: 2000}, &out)
	if err != nil {
		t.Fatalf("bench --receiver-process --only raw: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`raw ceiling run: (\d+) requests/s`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" {
		t.Fatalf("no requests counted by the receiver process:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "the receiver process: ") || !strings.Contains(out.String(), "receivers in a separate process") {
		t.Fatalf("output does not give the receiver process's CPU apart:\n%s", out.String())
	}
}

// TestSizesDefaults: every size left out takes its default from Sizes, the
// --quick one with --quick; a size that copies another takes that one's
// value; a given size is kept, and a negative one is refused naming its
// flag.
func TestSizesDefaults(t *testing.T) {
	for _, quick := range []bool{false, true} {
		o := Options{Quick: quick, IsolationDead: 7, MemoryTriggers: 3}
		if err := o.check(); err != nil {
			t.Fatal(err)
		}
		o.setDefaults()
		for _, z := range Sizes() {
			want := z.Full
			if quick {
				want = z.Quick
			}
			switch z.Flag {
			case "isolation-dead", "isolation-dead-hosts":
				want = 7 // given, and copied
			case "memory-triggers":
				want = 3 // given
			}
			if got := z.get(&o); got != want {
				t.Errorf("quick=%v: --%s = %d, want %d", quick, z.Flag, got, want)
			}
		}
	}
	o := Options{LatencyDuration: -time.Second}
	if err := o.check(); err == nil || !strings.Contains(err.Error(), "--latency-duration") {
		t.Errorf("a negative duration: %v, want an error naming --latency-duration", err)
	}
}
