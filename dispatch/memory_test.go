package dispatch

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// hostileAnswers are the answers of the memory test, each many times what
// hookd reads: a 2xx and a 5xx with 8 MiB bodies, headers just under the
// 64 KiB limit (read whole), endless headers, an endless chunked body and
// an endless 100 Continue flood.
func hostileAnswers() []func(io.Writer) error {
	const eight = 8 << 20
	return []func(io.Writer) error{
		sized("HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(eight)+"\r\n\r\n", eight),
		sized("HTTP/1.1 500 Internal Server Error\r\nContent-Length: "+strconv.Itoa(eight)+"\r\n\r\n", eight),
		fixed("HTTP/1.1 204 No Content\r\n" + headers(60, 1000) + "\r\n"),
		endless("HTTP/1.1 200 OK\r\n", "X-Endless-Header: 0123456789\r\n"),
		endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "4000\r\n"+string(make([]byte, 16<<10))+"\r\n"),
		endless("", "HTTP/1.1 100 Continue\r\n\r\n"),
	}
}

// Memory does not grow with what receivers send: many webhooks whose
// receivers all answer at once with hostile sizes cost hookd a bounded
// amount each, whatever the sizes, and nothing stays once they are done.
// 200 webhooks here (under a second); HOOKD_BENCH=1 runs 1,000.
func TestMemoryStaysBoundedWhateverReceiversSend(t *testing.T) {
	n := 200
	if os.Getenv("HOOKD_BENCH") == "1" {
		n = 1000
	}
	e := newEnv(t)
	answers := hostileAnswers()
	// The receivers answer together, once all n requests have arrived, so
	// that hookd holds n answers at once.
	var arrived atomic.Int64
	all := make(chan struct{})
	var closeAll sync.Once
	for i := range n {
		answer := answers[i%len(answers)]
		r := newRawReceiver(t, func(w io.Writer) error {
			if arrived.Add(1) == int64(n) {
				closeAll.Do(func() { close(all) })
			}
			<-all
			return answer(w)
		})
		e.webhook(r.URL)
	}
	e.trigger()
	cfg := e.config("node-a")
	cfg.MaxConcurrency = n
	d := e.start(cfg)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := sampleHeap(t)
	e.tick(d)
	peakInuse := peak()
	runtime.GC()
	runtime.ReadMemStats(&after)

	if a := arrived.Load(); a != int64(n) {
		t.Fatalf("%d of the %d receivers got their request", a, n)
	}
	ds := e.deliveries("")
	if len(ds) != n {
		t.Fatalf("%d deliveries recorded, want %d", len(ds), n)
	}
	delivered := 0
	errs := map[string]int{}
	for _, d := range ds {
		if d.Status == hookd.StatusDelivered {
			delivered++
		}
		errs[d.Error]++
	}
	for msg, k := range errs {
		t.Logf("%4d × %q", k, msg)
	}
	// The 2xx with an 8 MiB body, the 60 KiB of headers and the endless
	// chunked body are delivered; the others fail.
	if want := 3 * n / len(answers); delivered != want {
		t.Errorf("%d of %d deliveries delivered, want %d", delivered, n, want)
	}

	grew := int64(peakInuse) - int64(before.HeapInuse)
	kept := int64(after.HeapInuse) - int64(before.HeapInuse)
	perSend := int64(after.TotalAlloc-before.TotalAlloc) / int64(n)
	// What one send may hold at once: the 64 KiB of a head it reads, its
	// copy as header strings and map, the connection's buffers and the 1 KiB
	// of a body it keeps; 256 KiB is room for that twice over, as the
	// garbage collector lets the heap reach about twice what is live, and
	// 16 MiB more is the receivers' side (they run in this process), the
	// store and the runtime. Measured: about 65 KiB a send at the peak and
	// 176 KiB allocated a delivery; with net/http's 10 MiB head limit and
	// the whole 64 KiB body buffered, this test peaked at 572 MiB for 200
	// webhooks and allocated 21 MiB a delivery.
	const perSendBound = 256 << 10
	bound := int64(n)*perSendBound + 16<<20
	t.Logf("%d webhooks answering at once with 8 MiB bodies, 60 KiB and endless headers, endless chunks and 1xx floods:", n)
	t.Logf("  peak heap in use %+.1f MiB (bound %.1f MiB), kept after GC %+.1f MiB, allocated %.0f KiB per delivery",
		mib(grew), mib(bound), mib(kept), float64(perSend)/1024)
	if grew > bound {
		t.Errorf("the heap in use grew by %.1f MiB while %d sends ran, want at most %.1f MiB", mib(grew), n, mib(bound))
	}
	if perSend > 1<<20 {
		t.Errorf("%d KiB allocated per delivery, want at most 1 MiB: the answers must not be read whole", perSend>>10)
	}
	// What stays: the idle connections kept for the next sends (the 204s
	// keep theirs), some KiB each, and the store's caches.
	if kept > int64(n)*(32<<10)+8<<20 {
		t.Errorf("%.1f MiB more heap in use once the sends were done, want no more than idle connections and caches take", mib(kept))
	}
}

// sampleHeap samples HeapInuse every 2ms until the returned function is
// called, which returns the highest sample.
func sampleHeap(t *testing.T) (peak func() uint64) {
	stop := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var highest uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			highest = max(highest, m.HeapInuse)
			select {
			case <-stop:
				result <- highest
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		return receive(t, "the heap sampler", result)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
