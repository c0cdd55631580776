package server

import (
	"context"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// metrics are the process's Prometheus metrics beside the dispatcher's
// (dispatch.NewMetrics): the contract's list in §2 Operations.
type metrics struct {
	reg      *prometheus.Registry
	accepted prometheus.Counter // triggers answered 202
	requests *prometheus.CounterVec
}

func newMetrics(store hookd.TriggerStore, log interface{ Warn(string, ...any) }) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookd_triggers_accepted_total", Help: "Triggers accepted (answered 202, durably stored).",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_http_requests_total", Help: "HTTP requests answered, by method and status code.",
		}, []string{"method", "code"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hookd_build_info", Help: "Always 1: the version of hookd and of Go that built it.",
		ConstLabels: prometheus.Labels{"version": hookd.Version, "goversion": runtime.Version()},
	})
	build.Set(1)
	storeErrors := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "hookd_store_errors_total", Help: "Errors from the store (unreachable, not writable, failed queries) in this process.",
	}, func() float64 { return float64(storeutil.Failures()) })
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, storeErrors, m.accepted, m.requests, &backlog{store: store, log: log})
	return m
}

// backlog reports, at each scrape, the triggers not yet dispatched and the
// age of the oldest: the figures that say whether a backlog is building
// (it is shared by every node of one store).
type backlog struct {
	store hookd.TriggerStore
	log   interface{ Warn(string, ...any) }
}

var (
	pendingDesc = prometheus.NewDesc("hookd_triggers_pending", "Triggers accepted and not yet dispatched to every subscriber (all nodes of the store).", nil, nil)
	oldestDesc  = prometheus.NewDesc("hookd_trigger_oldest_pending_age_seconds", "Age of the oldest trigger not yet dispatched; 0 when none is pending.", nil, nil)
)

func (b *backlog) Describe(ch chan<- *prometheus.Desc) { ch <- pendingDesc; ch <- oldestDesc }

func (b *backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := b.store.PendingTriggers(ctx)
	if err != nil {
		b.log.Warn("metrics: could not count pending triggers", "err", err)
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
	oldest, err := b.store.OldestPendingTrigger(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(oldestDesc, err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, time.Since(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
