package bench

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Soak settings: a steady load well inside what hookd handles, so that what
// the samples show is drift (memory, goroutines, file descriptors that are
// never given back), not saturation.
const (
	soakRate     = 200              // triggers per second, single POSTs
	soakWebhooks = 20               // healthy webhooks, spread over the receivers
	soakFailing  = 3                // webhooks whose URL always answers 500
	soakInterval = 5 * time.Second  // hookd's default batch interval
	soakSample   = 10 * time.Second // one sample every 10 s
	soakChart    = "soak-chart.svg"
)

// SoakSample is one measurement of the soak run, taken in this process (the
// hookd under test runs in-process).
type SoakSample struct {
	At         time.Duration // since the start
	RSS        int64         // bytes (VmRSS)
	Heap       uint64        // bytes in use (HeapAlloc)
	Goroutines int
	FDs        int   // open file descriptors (/proc/self/fd)
	Accepted   int64 // triggers answered 202 so far
	Rejected   int64 // trigger POSTs not answered 202 so far
	Delivered  int64 // POSTs the healthy receivers got so far
	Failed     int64 // POSTs the failing receivers got (answered 500) so far
	Pending    int64 // triggers not yet done in the store
	DBBytes    int64 // SQLite file + WAL (0 for PostgreSQL)
}

// soak runs steady load for o.Soak: soakRate triggers per second to
// soakWebhooks healthy webhooks and soakFailing always-failing ones, sampling
// every soakSample. It prints each sample as it is taken, then a summary, and
// writes soak-chart.svg to o.OutDir when set.
func (b *runner) soak(ctx context.Context) error {
	o := b.o
	in, _, err := b.startWith(ctx, instanceConfig{interval: soakInterval}, soakWebhooks)
	if err != nil {
		return err
	}
	defer in.close()
	failing := make([]*failingReceiver, soakFailing)
	for i := range failing {
		if failing[i], err = startFailing(); err != nil {
			return err
		}
		defer failing[i].srv.Close()
	}
	if _, err := in.createWebhooks(ctx, soakFailing, func(i int) string { return failing[i].url + "/fail" }); err != nil {
		return err
	}
	b.rs.reset(nil)
	failed := func() int64 {
		var n int64
		for _, f := range failing {
			n += f.count.Load()
		}
		return n
	}
	dbFile := ""
	if in.dir != "" {
		dbFile = filepath.Join(in.dir, "hookd.db")
	} else if !strings.HasPrefix(o.DB, "postgres") {
		dbFile = o.DB
	}

	var accepted, rejected atomic.Int64
	var lastErr atomic.Pointer[string]
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		paced(loadCtx, time.Second/soakRate, -1, func(i int) {
			// ctx, not loadCtx: a request under way when the load stops
			// finishes, so that every trigger stored is counted.
			if _, err := in.post(ctx, []byte(triggerBody(i))); err != nil {
				rejected.Add(1)
				s := err.Error()
				lastErr.Store(&s)
				return
			}
			accepted.Add(1)
		})
	}()

	start := time.Now()
	var samples []SoakSample
	sample := func() SoakSample {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fds, _ := os.ReadDir("/proc/self/fd")
		pending, _ := in.srv.Store.PendingTriggers(ctx)
		s := SoakSample{At: time.Since(start), RSS: rss("VmRSS"), Heap: ms.HeapAlloc, Goroutines: runtime.NumGoroutine(),
			FDs: len(fds), Accepted: accepted.Load(), Rejected: rejected.Load(), Delivered: b.rs.count(),
			Failed: failed(), Pending: pending, DBBytes: fileSize(dbFile) + fileSize(dbFile+"-wal")}
		samples = append(samples, s)
		fmt.Fprintf(b.w, "  %8s  %7s  %7s  %6d  %5d  %9s  %10s  %7s  %7d  %6d  %7s\n", clock(s.At), mb(s.RSS), mb(int64(s.Heap)),
			s.Goroutines, s.FDs, num(float64(s.Accepted)), num(float64(s.Delivered)), num(float64(s.Failed)), s.Rejected, s.Pending, mb(s.DBBytes))
		return s
	}
	fmt.Fprintf(b.w, "  soak for %s: %d triggers/s × %d webhooks (+ %d always failing), batch interval %s, a sample every %s\n",
		o.Soak, soakRate, soakWebhooks, soakFailing, soakInterval, soakSample)
	fmt.Fprintf(b.w, "  %8s  %7s  %7s  %6s  %5s  %9s  %10s  %7s  %7s  %6s  %7s\n",
		"time", "RSS", "heap", "gorout", "fds", "accepted", "delivered", "failed", "refused", "pending", "db")
	sample()
	tick := time.NewTicker(soakSample)
	defer tick.Stop()
	end := time.After(o.Soak)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop // stopped early (Ctrl-C): report what was measured
		case <-end:
			break loop
		case <-tick.C:
			sample()
		}
	}
	stopLoad()
	wg.Wait()
	// Drain: every accepted trigger reaches every healthy webhook.
	want := accepted.Load() * soakWebhooks
	drainErr := b.rs.waitFor(context.Background(), want, 2*soakInterval+time.Minute)
	last := sample()
	b.soakSummary(samples, want, drainErr, lastErr.Load())
	if o.OutDir != "" {
		if err := os.WriteFile(filepath.Join(o.OutDir, soakChart), soakSVG(b.r.Machine, o.Soak, samples), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(b.w, "wrote %s\n", filepath.Join(o.OutDir, soakChart))
	}
	if drainErr != nil {
		return fmt.Errorf("soak: not every accepted trigger was delivered: %w", drainErr)
	}
	if last.Delivered > want {
		fmt.Fprintf(b.w, "  note: %d deliveries more than accepted × webhooks (duplicates)\n", last.Delivered-want)
	}
	return nil
}

// soakSummary compares the end with the state after warm-up (the first
// minute, or the first sample of a shorter run).
func (b *runner) soakSummary(ss []SoakSample, want int64, drainErr error, lastErr *string) {
	if len(ss) < 2 {
		return
	}
	warm := ss[0]
	for _, s := range ss {
		if s.At >= time.Minute {
			warm = s
			break
		}
	}
	last := ss[len(ss)-1]
	var peakRSS int64
	minG, maxG, minF, maxF := last.Goroutines, last.Goroutines, last.FDs, last.FDs
	for _, s := range ss {
		if s.At < warm.At {
			continue
		}
		peakRSS = max(peakRSS, s.RSS)
		minG, maxG = min(minG, s.Goroutines), max(maxG, s.Goroutines)
		minF, maxF = min(minF, s.FDs), max(maxF, s.FDs)
	}
	fmt.Fprintf(b.w, "\nsoak summary (%s, from the sample at %s to the end):\n", clock(last.At), clock(warm.At))
	fmt.Fprintf(b.w, "  RSS %s → %s (peak %s); heap %s → %s\n", mb(warm.RSS), mb(last.RSS), mb(peakRSS), mb(int64(warm.Heap)), mb(int64(last.Heap)))
	fmt.Fprintf(b.w, "  goroutines %d–%d, open files %d–%d\n", minG, maxG, minF, maxF)
	fmt.Fprintf(b.w, "  %s triggers accepted, %d refused; %s deliveries received of %s due; %s POSTs to failing URLs (the rest skipped while grey-listed)\n",
		num(float64(last.Accepted)), last.Rejected, num(float64(last.Delivered)), num(float64(want)), num(float64(last.Failed)))
	if lastErr != nil {
		fmt.Fprintf(b.w, "  last refusal: %s\n", *lastErr)
	}
	if drainErr != nil {
		fmt.Fprintf(b.w, "  DRAIN FAILED: %v\n", drainErr)
	}
}

func fileSize(p string) int64 {
	if p == "" {
		return 0
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// soakSVG draws one small line chart per series over time.
func soakSVG(machine string, d time.Duration, ss []SoakSample) []byte {
	type series struct {
		title string
		unit  string
		v     func(SoakSample) float64
	}
	all := []series{
		{"RSS", "MB", func(s SoakSample) float64 { return float64(s.RSS) / (1 << 20) }},
		{"Heap in use", "MB", func(s SoakSample) float64 { return float64(s.Heap) / (1 << 20) }},
		{"Goroutines", "", func(s SoakSample) float64 { return float64(s.Goroutines) }},
		{"Open files", "", func(s SoakSample) float64 { return float64(s.FDs) }},
		{"Pending triggers", "", func(s SoakSample) float64 { return float64(s.Pending) }},
		{"Deliveries received", "", func(s SoakSample) float64 { return float64(s.Delivered) }},
	}
	const W, cw, ch, cols, top = 960, 440, 150, 2, 50
	rows := (len(all) + cols - 1) / cols
	H := top + rows*(ch+50)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="13">hookd bench --soak %s: %d triggers/s × %d webhooks (+%d failing), a sample every %s</text>`+"\n",
		d, soakRate, soakWebhooks, soakFailing, soakSample)
	fmt.Fprintf(&b, `<text x="10" y="34" font-size="11" fill="#555">%s</text>`+"\n", html.EscapeString(machine))
	var tEnd time.Duration
	if len(ss) > 0 {
		tEnd = max(ss[len(ss)-1].At, time.Second)
	}
	for k, sr := range all {
		x0 := 40 + (k%cols)*(cw+40)
		y0 := top + (k/cols)*(ch+50) + 20
		hi := 0.0
		for _, s := range ss {
			hi = max(hi, sr.v(s))
		}
		hi = max(hi*1.1, 1)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, y0-6, sr.title)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>`+"\n", x0, y0, cw, ch)
		var pts strings.Builder
		for _, s := range ss {
			fmt.Fprintf(&pts, "%.1f,%.1f ", float64(x0)+float64(s.At)/float64(tEnd)*cw, float64(y0+ch)-sr.v(s)/hi*ch)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#4a78c2" stroke-width="2" points="%s"/>`+"\n", pts.String())
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="10">%s %s</text>`+"\n", x0-2, y0+8, num(hi), sr.unit)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="10">0</text>`+"\n", x0-2, y0+ch)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10">0:00:00</text><text x="%d" y="%d" text-anchor="end" font-size="10">%s</text>`+"\n",
			x0, y0+ch+14, x0+cw, y0+ch+14, clock(tEnd))
	}
	fmt.Fprintln(&b, `</svg>`)
	return b.Bytes()
}
