package bench

import (
	"io"
	"testing"
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
