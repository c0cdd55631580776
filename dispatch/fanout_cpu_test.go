//go:build linux || darwin || freebsd

package dispatch

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// BenchmarkFanOutCPU is the fan-out scenario of hookd bench inside one
// test binary: 10 triggers × 2,000 webhooks on 4 local receivers, claimed,
// signed, sent and recorded by a dispatcher on a real SQLite store. Its
// figure is the CPU per delivery (the process's: dispatcher, store and
// receivers), which a busy machine moves less than it moves throughput.
func BenchmarkFanOutCPU(b *testing.B) {
	const triggers, webhooks, hosts = 10, 2000, 4
	var got atomic.Int64
	urls := make([]string, hosts)
	for i := range urls {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			got.Add(1)
		}))
		defer srv.Close()
		urls[i] = srv.URL
	}
	store := openStore(b)
	ctx := b.Context()
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "bench", CreatedAt: time.Now()}
	if err := store.CreateAccount(ctx, &acc); err != nil {
		b.Fatal(err)
	}
	ws := make([]hookd.Webhook, webhooks)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range ws {
		ws[i] = hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook), AccountID: acc.ID, Name: "w",
			URL: urls[i%hosts] + "/hooks/" + strconv.Itoa(i), Hooks: []string{"eventCanceled"}, Enabled: true,
			Secret: hookd.NewSecret(), CreatedAt: now, UpdatedAt: now}
	}
	if err := store.(interface {
		CreateWebhooks(context.Context, []hookd.Webhook) error
	}).CreateWebhooks(ctx, ws); err != nil {
		b.Fatal(err)
	}
	d, err := New(settings(store))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Start(ctx); err != nil {
		b.Fatal(err)
	}
	if err := d.Tick(ctx); err != nil { // reads the webhooks
		b.Fatal(err)
	}
	var cpu time.Duration
	start := time.Now()
	sent := 0
	for b.Loop() {
		ts := make([]hookd.Trigger, triggers)
		for i := range ts {
			ts[i] = hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: acc.ID, Hook: "eventCanceled",
				Data: json.RawMessage(`{"eventId":7,"reason":"Snow on the roads"}`), Timestamp: time.Now(), ReceivedAt: time.Now()}
		}
		if err := store.InsertTriggers(ctx, ts); err != nil {
			b.Fatal(err)
		}
		c0 := processCPU()
		if err := d.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		for !d.Idle() {
			time.Sleep(time.Millisecond)
		}
		cpu += processCPU() - c0
		sent += triggers * webhooks
	}
	if got.Load() != int64(sent) {
		b.Fatalf("receivers got %d requests, want %d", got.Load(), sent)
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(sent), "cpu-µs/delivery")
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "deliveries/s")
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
