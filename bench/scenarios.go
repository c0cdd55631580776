package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd-dev/hookd"
)

type runner struct {
	o  Options
	rs receivers
	r  *Report
	w  io.Writer

	big      *instance // the 100,000-webhook hookd, shared by bigfanout and memory
	bigCount int
}

func (b *runner) logf(format string, args ...any) {
	fmt.Fprintf(b.w, "  "+format+"\n", args...)
}

func (b *runner) ratio(v float64) float64 {
	if b.r.Raw <= 0 {
		return 0
	}
	return v / b.r.Raw
}

// sampleEnvelope is the body of a delivery like the ones the scenarios send.
func sampleEnvelope() []byte {
	t := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), Hook: benchHook,
		Data: []byte(`{"eventId":7,"reason":"Snow on the roads"}`), Timestamp: time.Now()}
	return t.Envelope()
}

// raw measures the ceiling: a plain net/http client with keep-alive, the
// concurrency hookd uses towards these receivers (PerHost to each, at most
// Concurrency in all), posting envelope bodies. Best of two runs.
func (b *runner) raw(ctx context.Context) error {
	o := b.o
	conc := min(o.Concurrency, len(b.rs)*o.PerHost)
	body := sampleEnvelope()
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: o.PerHost, MaxConnsPerHost: o.PerHost,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	run := func(n int) error {
		var left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		errs := make(chan error, conc)
		for g := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				url := b.rs[g%len(b.rs)].url + "/raw"
				for left.Add(-1) >= 0 {
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := run(o.RawRequests / 10); err != nil { // open the connections
		return err
	}
	best := 0.0
	var bestCPU perEach
	for range 2 {
		b.rs.reset(nil)
		c0 := sampleCPU(false)
		if err := run(o.RawRequests); err != nil {
			return err
		}
		cpu := cpuPer(c0, sampleCPU(false), b.rs.count(), false)
		first, last := b.rs.span()
		rate := float64(b.rs.count()) / last.Sub(first).Seconds()
		b.logf("raw ceiling run: %.0f requests/s, %s", rate, cpu.per("a request"))
		if rate > best {
			best, bestCPU = rate, cpu
		}
	}
	b.r.Raw = best
	b.r.Rows = append(b.r.Rows, Row{Scenario: "Raw ceiling", Figure: fmt.Sprintf("%s requests/s", num(best)), Ratio: 1,
		Note: fmt.Sprintf("plain net/http client, keep-alive, %d connections (%d per receiver × %d receivers), best of 2 × %s POSTs; %s (%s)",
			conc, o.PerHost, len(b.rs), num(float64(o.RawRequests)), bestCPU.per("a request"), strings.Replace(cpuWhose(), "hookd", "the client", 1))})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"raw ceiling (requests/s)", best})
	return nil
}

// ingest measures triggers answered 202 per second: single POSTs from
// IngestClients concurrent clients, then batch POSTs of IngestBatch.
func (b *runner) ingest(ctx context.Context) error {
	o := b.o
	in, err := o.start(ctx, instanceConfig{})
	if err != nil {
		return err
	}
	defer in.close()
	measure := func(clients int, body func(i int) []byte, per int, d time.Duration) (float64, []string, error) {
		var n atomic.Int64
		var mu sync.Mutex
		var lastIDs []string
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		start := time.Now()
		stop := start.Add(d)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; time.Now().Before(stop); i += clients {
					ids, err := in.post(ctx, body(i))
					if err != nil {
						errs <- err
						return
					}
					n.Add(int64(len(ids)))
					if c == 0 {
						mu.Lock()
						lastIDs = ids
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return 0, nil, err
		}
		return float64(n.Load()) / time.Since(start).Seconds(), lastIDs, nil
	}
	single := func(i int) []byte { return []byte(triggerBody(i)) }
	if _, _, err := measure(o.IngestClients, single, 1, 300*time.Millisecond); err != nil { // warm up
		return err
	}
	rate, ids, err := measure(o.IngestClients, single, 1, o.IngestDuration)
	if err != nil {
		return err
	}
	if err := in.stored(ctx, ids); err != nil {
		return err
	}
	b.logf("single POSTs: %.0f triggers/s", rate)
	b.r.Rows = append(b.r.Rows, Row{Scenario: "Ingest, single POSTs", Figure: num(rate) + " triggers/s",
		Ratio: b.ratio(rate), Target: "≥ 0.3 × raw", Met: yes(b.ratio(rate) >= 0.3),
		Note: fmt.Sprintf("%d concurrent clients, %s, each 202 after a durable commit", o.IngestClients, o.IngestDuration)})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"ingest, single POSTs (triggers/s)", rate})

	const batchClients = 4
	bodies := make([][]byte, batchClients)
	for i := range bodies {
		bodies[i] = batchBody(i*o.IngestBatch, o.IngestBatch)
	}
	batch := func(i int) []byte { return bodies[i%batchClients] }
	rate, ids, err = measure(batchClients, batch, o.IngestBatch, o.IngestDuration)
	if err != nil {
		return err
	}
	if err := in.stored(ctx, ids); err != nil {
		return err
	}
	b.logf("batch POSTs: %.0f triggers/s", rate)
	b.r.Rows = append(b.r.Rows, Row{Scenario: fmt.Sprintf("Ingest, batches of %s", num(float64(o.IngestBatch))),
		Figure: num(rate) + " triggers/s", Ratio: b.ratio(rate), Target: "≥ 100,000 triggers/s", Met: yes(rate >= 100000),
		Note: fmt.Sprintf("%d concurrent clients, %s", batchClients, o.IngestDuration)})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"ingest, batches (triggers/s)", rate})
	return nil
}

// stored checks that triggers answered 202 are in the store.
func (in *instance) stored(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := in.srv.Store.Trigger(ctx, in.account, id); err != nil {
			return fmt.Errorf("trigger %s answered 202 but not readable: %w", id, err)
		}
	}
	return nil
}

// manual is the batch interval of scenarios that call Tick themselves, so
// that the time of the tick is known.
const manual = time.Hour

// burst posts triggers triggers, ticks, and waits until want deliveries have
// reached the receivers. It returns the trigger IDs and the tick's start.
func (b *runner) burst(ctx context.Context, in *instance, triggers int, want int64, timeout time.Duration) ([]string, time.Time, error) {
	ids, err := in.post(ctx, batchBody(0, triggers))
	if err != nil {
		return nil, time.Time{}, err
	}
	t0 := time.Now()
	if err := in.srv.Dispatcher.Tick(ctx); err != nil {
		return nil, t0, err
	}
	b.logf("tick queued the sends in %s", time.Since(t0).Round(time.Millisecond))
	return ids, t0, b.rs.waitFor(ctx, want, timeout)
}

func (b *runner) url(i int) string {
	return b.rs[i%len(b.rs)].url + "/hooks/" + strconv.Itoa(i)
}

// paced calls post(i) for i = 0, 1, … one every gap, each in a goroutine of
// its own with at most 64 under way, until it has made n calls (n < 0: no
// limit) or stop ends; it returns once every call has returned. It is the
// steady load of the latency scenario and of the soak.
func paced(stop context.Context, gap time.Duration, n int, post func(i int)) {
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	defer wg.Wait()
	start := time.Now()
	for i := 0; (n < 0 || i < n) && stop.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * gap)); d > 0 {
			select {
			case <-stop.Done():
				return
			case <-time.After(d):
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			post(i)
		}()
	}
}

// startWith starts a hookd with n webhooks, each to one of the healthy
// receivers in turn (url), and returns their IDs. The caller closes the
// hookd.
func (b *runner) startWith(ctx context.Context, cfg instanceConfig, n int) (*instance, []string, error) {
	in, err := b.o.start(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	ids, err := in.createWebhooks(ctx, n, b.url)
	if err != nil {
		in.close()
		return nil, nil, err
	}
	return in, ids, nil
}

// fanOut is what one fan-out burst measured.
type fanOut struct {
	ids  []string      // the triggers posted
	took time.Duration // from the tick to the last delivery received
	rate float64       // deliveries/s from the first delivery to the last
	cpu  perEach       // CPU per delivery until every send was recorded
}

// fanOutOnce posts triggers triggers to the webhooks of in, ticks, and waits
// until want deliveries have arrived and every send is recorded: the fan-out
// and the big fan-out measure it alike.
func (b *runner) fanOutOnce(ctx context.Context, in *instance, triggers int, want int64) (fanOut, error) {
	b.rs.reset(nil)
	c0 := sampleCPU(b.o.postgres())
	ids, t0, err := b.burst(ctx, in, triggers, want, 2*time.Minute)
	if err != nil {
		return fanOut{}, err
	}
	if err := in.waitIdle(ctx, 2*time.Minute); err != nil {
		return fanOut{}, err
	}
	cpu := cpuPer(c0, sampleCPU(b.o.postgres()), want, b.o.postgres())
	first, last := b.rs.span()
	return fanOut{ids: ids, took: last.Sub(t0), rate: float64(want) / last.Sub(first).Seconds(), cpu: cpu}, nil
}

// fanout: FanoutTriggers × FanoutWebhooks, deliveries per second from the
// first to the last.
func (b *runner) fanout(ctx context.Context) error {
	o := b.o
	in, _, err := b.startWith(ctx, instanceConfig{interval: manual}, o.FanoutWebhooks)
	if err != nil {
		return err
	}
	defer in.close()
	want := int64(o.FanoutTriggers * o.FanoutWebhooks)
	f, err := b.fanOutOnce(ctx, in, o.FanoutTriggers, want)
	if err != nil {
		return err
	}
	rate := f.rate
	b.logf("%d deliveries: %.0f/s (%.2f × raw), last %s after the tick, %s", want, rate, b.ratio(rate), f.took.Round(time.Millisecond), f.cpu)
	if _, err := in.checkLog(ctx, byTrigger(f.ids), int(want), int(want)); err != nil {
		return err
	}
	target := 0.8
	if b.o.postgres() {
		target = 0.7
	}
	b.r.Rows = append(b.r.Rows, Row{Scenario: fmt.Sprintf("Fan-out, %d triggers × %s webhooks", o.FanoutTriggers, num(float64(o.FanoutWebhooks))),
		Figure: num(rate) + " deliveries/s", Ratio: b.ratio(rate), Target: fmt.Sprintf("≥ %.1f × raw", target), Met: yes(b.ratio(rate) >= target),
		Note: fmt.Sprintf("first to last delivery; last %s after the tick; every attempt in the log; the raw ceiling's %d receivers and at most as many connections (%d, %d per host); %s (%s, until recorded)",
			secs(f.took), len(b.rs), min(o.Concurrency, len(b.rs)*o.PerHost), o.PerHost, f.cpu, cpuWhose())})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"fan-out (deliveries/s)", rate})
	return nil
}

func (b *runner) bigInstance(ctx context.Context, n int) (*instance, error) {
	if b.big != nil && b.bigCount == n {
		return b.big, nil
	}
	b.closeBig()
	in, err := b.o.start(ctx, instanceConfig{interval: manual})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if _, err := in.createWebhooks(ctx, n, b.url); err != nil {
		in.close()
		return nil, err
	}
	b.logf("created %s webhooks in the store in %s", num(float64(n)), time.Since(t0).Round(time.Millisecond))
	b.big, b.bigCount = in, n
	return in, nil
}

func (b *runner) closeBig() {
	if b.big != nil {
		b.big.close()
		b.big = nil
	}
}

// bigFanout: 1 trigger × BigWebhooks, time from the tick to the last
// delivery.
func (b *runner) bigFanout(ctx context.Context) error {
	o := b.o
	in, err := b.bigInstance(ctx, o.BigWebhooks)
	if err != nil {
		return err
	}
	want := int64(o.BigWebhooks)
	f, err := b.fanOutOnce(ctx, in, 1, want)
	if err != nil {
		return err
	}
	rate := f.rate
	b.logf("last delivery %s after the tick (%.0f deliveries/s, %.2f × raw), %s", f.took.Round(time.Millisecond), rate, b.ratio(rate), f.cpu)
	if _, err := in.checkLog(ctx, byTrigger(f.ids), int(want), int(want)); err != nil {
		return err
	}
	b.r.Rows = append(b.r.Rows, Row{Scenario: fmt.Sprintf("Big fan-out, 1 trigger × %s webhooks", num(float64(o.BigWebhooks))),
		Figure: "last delivery " + secs(f.took) + " after the tick", Ratio: b.ratio(rate), Target: "≥ 0.8 × raw (≤ 5 s where raw > 25,000/s)",
		Met: yes(b.ratio(rate) >= 0.8), Note: fmt.Sprintf("%s deliveries/s (the ratio); webhooks read before the tick; %s (%s, until recorded)", num(rate), f.cpu, cpuWhose())})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"big fan-out (deliveries/s)", rate})
	return nil
}

// latency: a steady LatencyRate triggers/s (single POSTs) to LatencyWebhooks
// webhooks for LatencyDuration, with the real batch interval; p50/p99/max of
// delivery time − trigger time.
func (b *runner) latency(ctx context.Context) error {
	o := b.o
	in, webhooks, err := b.startWith(ctx, instanceConfig{interval: o.LatencyInterval}, o.LatencyWebhooks)
	if err != nil {
		return err
	}
	defer in.close()
	total := int(float64(o.LatencyRate) * o.LatencyDuration.Seconds())
	want := int64(total * o.LatencyWebhooks)
	rec := newRecorder(int(want)+1000, true)
	b.rs.reset(rec)
	errs := make(chan error, 1)
	start := time.Now()
	paced(ctx, time.Second/time.Duration(o.LatencyRate), total, func(i int) {
		if _, err := in.post(ctx, []byte(triggerBody(i))); err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	})
	sent := time.Since(start)
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := b.rs.waitFor(ctx, want, 2*o.LatencyInterval+time.Minute); err != nil {
		return err
	}
	b.rs.collect(rec)
	vals := slices.Clone(rec.values())
	slices.Sort(vals)
	lat := make([]time.Duration, len(vals))
	for i, v := range vals {
		lat[i] = time.Duration(v)
	}
	b.r.Latencies = lat
	p50, p99, mx := pct(lat, 0.5), pct(lat, 0.99), lat[len(lat)-1]
	b.logf("%d triggers in %s → %d deliveries: p50 %s p99 %s max %s", total, sent.Round(time.Millisecond), len(lat),
		p50.Round(time.Millisecond), p99.Round(time.Millisecond), mx.Round(time.Millisecond))
	if _, err := in.checkLog(ctx, byWebhook(webhooks), int(want), int(want)); err != nil {
		return err
	}
	limit := o.LatencyInterval + 250*time.Millisecond
	b.r.Rows = append(b.r.Rows, Row{Scenario: fmt.Sprintf("Latency, %d triggers/s × %d webhooks for %s", o.LatencyRate, o.LatencyWebhooks, o.LatencyDuration),
		Figure: fmt.Sprintf("p50 %s, p99 %s, max %s", secs(p50), secs(p99), secs(mx)),
		Target: "p99 ≤ " + secs(limit), Met: yes(p99 <= limit),
		Note: fmt.Sprintf("batch interval %s; delivery time − trigger timestamp", o.LatencyInterval)})
	return nil
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

// isolation runs IsolationTriggers × IsolationHealthy webhooks alone, and
// beside IsolationDead webhooks whose URLs accept connections and never
// answer, each twice and in turn (alone, beside, alone, beside), and
// compares the best healthy throughput and p99 (from the tick) of each: a
// run lasts about a second, so one burst of other work on the machine would
// otherwise decide the figure.
func (b *runner) isolation(ctx context.Context) error {
	o := b.o
	type outcome struct {
		rate float64
		p99  time.Duration
		rows map[string]int
	}
	run := func(dead int) (outcome, error) {
		in, _, err := b.startWith(ctx, instanceConfig{interval: manual, timeout: o.IsolationTimeout}, o.IsolationHealthy)
		if err != nil {
			return outcome{}, err
		}
		defer in.close()
		if dead > 0 {
			ds := make([]*deadReceiver, o.IsolationDeadHosts)
			for i := range ds {
				if ds[i], err = startDead(); err != nil {
					return outcome{}, err
				}
				defer ds[i].close()
			}
			if _, err := in.createWebhooks(ctx, dead, func(i int) string {
				return ds[i%len(ds)].url + "/dead/" + strconv.Itoa(i)
			}); err != nil {
				return outcome{}, err
			}
		}
		want := int64(o.IsolationTriggers * o.IsolationHealthy)
		rec := newRecorder(int(want)+100, false)
		b.rs.reset(rec)
		ids, t0, err := b.burst(ctx, in, o.IsolationTriggers, want, 2*time.Minute)
		if err != nil {
			return outcome{}, err
		}
		first, last := b.rs.span()
		b.rs.collect(rec)
		vals := rec.values()
		lat := make([]time.Duration, len(vals))
		for i, v := range vals {
			lat[i] = time.Duration(v - t0.UnixNano())
		}
		slices.Sort(lat)
		out := outcome{rate: float64(want) / last.Sub(first).Seconds(), p99: pct(lat, 0.99)}
		b.logf("%d healthy + %d dead webhooks: healthy %.0f deliveries/s, first %s, p50 %s, p99 %s after the tick", o.IsolationHealthy, dead,
			out.rate, first.Sub(t0).Round(time.Millisecond), pct(lat, 0.5).Round(time.Millisecond), out.p99.Round(time.Millisecond))
		out.rows, err = in.checkLog(ctx, byTrigger(ids), o.IsolationTriggers*(o.IsolationHealthy+dead), int(want))
		return out, err
	}
	var base, withDead outcome
	for i := range 2 {
		for _, dead := range []int{0, o.IsolationDead} {
			out, err := run(dead)
			if err != nil {
				return err
			}
			best := &base
			if dead > 0 {
				best = &withDead
			}
			if i == 0 {
				*best = out
				continue
			}
			best.rate = max(best.rate, out.rate)
			best.p99 = min(best.p99, out.p99)
		}
	}
	rr, pr := withDead.rate/base.rate, float64(withDead.p99)/float64(base.p99)
	b.r.Rows = append(b.r.Rows,
		Row{Scenario: fmt.Sprintf("Isolation, %s healthy + %d dead webhooks: throughput", num(float64(o.IsolationHealthy)), o.IsolationDead),
			Figure: fmt.Sprintf("%s deliveries/s = %.2f × the run without dead URLs (%s/s)", num(withDead.rate), rr, num(base.rate)),
			Ratio:  b.ratio(withDead.rate), Target: "≥ 0.9 ×", Met: yes(rr >= 0.9),
			Note: fmt.Sprintf("best of 2 runs each, in turn; %d triggers; dead URLs on %d listeners that accept and never answer; delivery timeout %s; delivery log: %v",
				o.IsolationTriggers, o.IsolationDeadHosts, o.IsolationTimeout, statusList(withDead.rows))},
		Row{Scenario: "Isolation: p99 from the tick",
			Figure: fmt.Sprintf("%s = %.2f × the run without dead URLs (%s)", secs(withDead.p99), pr, secs(base.p99)),
			Target: "≤ 1.2 ×", Met: yes(pr <= 1.2)})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"isolation, healthy without dead (deliveries/s)", base.rate},
		Bar{"isolation, healthy beside dead (deliveries/s)", withDead.rate})
	return nil
}

func statusList(m map[string]int) string {
	var parts []string
	for _, s := range []string{hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped, hookd.StatusPending} {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", num(float64(m[s])), s))
		}
	}
	return strings.Join(parts, ", ")
}

// memory: MemoryTriggers × MemoryWebhooks deliveries pending at once; peak
// RSS of the process (hookd and the receivers) while they drain, and RSS
// after.
func (b *runner) memory(ctx context.Context) error {
	o := b.o
	in, err := b.bigInstance(ctx, o.MemoryWebhooks)
	if err != nil {
		return err
	}
	defer b.closeBig()
	want := int64(o.MemoryTriggers * o.MemoryWebhooks)
	runtime.GC()
	debug.FreeOSMemory()
	before := rss("VmRSS")
	resetPeak()
	var peak, peakQueued atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rss("VmRSS"); v > peak.Load() {
				peak.Store(v)
			}
			if q := int64(in.srv.Dispatcher.Stats().Queued); q > peakQueued.Load() {
				peakQueued.Store(q)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.rs.reset(nil)
	ids, t0, err := b.burst(ctx, in, o.MemoryTriggers, want, 5*time.Minute)
	if err != nil {
		close(stop)
		return err
	}
	if err := in.waitIdle(ctx, 2*time.Minute); err != nil {
		close(stop)
		return err
	}
	close(stop)
	<-sampled
	_, last := b.rs.span()
	top := max(peak.Load(), rss("VmHWM"))
	after := rss("VmRSS")
	runtime.GC()
	debug.FreeOSMemory()
	afterGC := rss("VmRSS")
	b.logf("%s deliveries drained in %s; RSS before %s, peak %s, after %s (%s after a GC)", num(float64(want)),
		last.Sub(t0).Round(time.Millisecond), mb(before), mb(top), mb(after), mb(afterGC))
	if _, err := in.checkLog(ctx, byTrigger(ids), int(want), int(want)); err != nil {
		return err
	}
	rate := float64(want) / last.Sub(t0).Seconds()
	b.r.Rows = append(b.r.Rows, Row{Scenario: fmt.Sprintf("Memory, %d triggers × %s webhooks pending", o.MemoryTriggers, num(float64(o.MemoryWebhooks))),
		Figure: fmt.Sprintf("peak RSS %s, %s after the drain (%s after a GC)", mb(top), mb(after), mb(afterGC)),
		Target: "peak ≤ 300 MB", Met: yes(top <= 300<<20),
		Note: fmt.Sprintf("whole bench process (%s), %s before; drained in %s (%s deliveries/s); "+
			"at most %s sends queued in hookd at once (it claims more as its queue drains)", cpuWhose(), mb(before),
			secs(last.Sub(t0)), num(rate), num(float64(peakQueued.Load())))})
	b.r.Throughputs = append(b.r.Throughputs, Bar{"1M pending, drain (deliveries/s)", rate})
	return nil
}

// rss reads a field of /proc/self/status in bytes (0 when unknown).
func rss(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeak resets VmHWM to the current RSS (Linux: clear_refs 5).
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func mb(v int64) string { return fmt.Sprintf("%d MB", (v+(1<<19))>>20) }

func secs(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// num formats a number with thousands separators.
func num(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
