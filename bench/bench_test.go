package bench

import (
	"io"
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
