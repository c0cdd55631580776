package bench

import (
	"testing"
	"time"
)

// TestStatCPU: utime and stime are read after the command's closing
// parenthesis, whatever the command holds (spaces, parentheses).
func TestStatCPU(t *testing.T) {
	line := []byte("2216 (post gres) (x)) S 1 2216 2216 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 1 0 100 0 0\n")
	if got := statCPU(line); got != 3*time.Second {
		t.Fatalf("statCPU = %s, want 3s (250 + 50 ticks)", got)
	}
	if got := statCPU([]byte("garbage")); got != 0 {
		t.Fatalf("statCPU of garbage = %s, want 0", got)
	}
}

// TestSampleCPUGrows: work done by this process shows in its sample, and a
// per-delivery figure divides it.
func TestSampleCPUGrows(t *testing.T) {
	before := sampleCPU(false)
	x := 0
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); {
		for i := range 100000 {
			x += i
		}
	}
	_ = x
	after := sampleCPU(false)
	if after.self <= before.self {
		t.Fatalf("CPU before %s, after 200 ms of work %s: want more", before.self, after.self)
	}
	if p := cpuPer(before, after, 10, false); p.self != (after.self-before.self)/10 || p.pgRead {
		t.Fatalf("cpuPer = %+v", p)
	}
}
