package bench

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"
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
