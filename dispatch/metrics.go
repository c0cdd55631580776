package dispatch

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd"
)

// Metrics are the dispatcher's Prometheus metrics.
type Metrics struct {
	deliveries *prometheus.CounterVec
	duration   prometheus.Histogram
	queued     prometheus.Gauge
	greylisted prometheus.Gauge
	tick       prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_deliveries_total", Help: "Delivery attempts recorded, by status.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookd_delivery_duration_seconds", Help: "Time of one send, from request to the end of the answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hookd_deliveries_queued", Help: "Sends waiting for a free connection.",
		}),
		greylisted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hookd_greylisted_urls", Help: "URLs grey-listed at the last tick, within each account (a URL grey-listed in two accounts counts twice).",
		}),
		tick: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookd_tick_duration_seconds", Help: "Time of one dispatch tick: claiming pending triggers and queueing their sends.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60},
		}),
	}
	// Every status from the start, at 0, so that a rate() or an alert on
	// one works before the first delivery of that status.
	for _, s := range []string{hookd.StatusPending, hookd.StatusDelivered, hookd.StatusFailed, hookd.StatusSkipped} {
		m.deliveries.WithLabelValues(s)
	}
	if reg != nil {
		reg.MustRegister(m.deliveries, m.duration, m.queued, m.greylisted, m.tick)
	}
	return m
}

func (m *Metrics) observe(d hookd.Delivery) {
	m.deliveries.WithLabelValues(d.Status).Inc()
	if d.Status != hookd.StatusSkipped {
		m.duration.Observe(float64(d.DurationMs) / 1000)
	}
}
