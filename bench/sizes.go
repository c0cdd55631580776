package bench

import (
	"fmt"
	"time"

	"github.com/hookd-dev/hookd/server"
)

// Size is one of the numbers that size the scenarios, a count or a
// duration, and the flag of hookd bench that sets it. Its default, for a
// full run and for --quick, is written here once: the flags' help, the
// check of what was given and the defaults filled in all read Sizes.
type Size struct {
	Flag  string
	Help  string
	Field func(*Options) any // the Options field: *int or *time.Duration
	// Full and Quick are the defaults: a count, or for a duration its
	// time.Duration. Zero (SameAs set) defaults to another size's value.
	Full, Quick int64
	SameAs      string // the flag whose value is the default, if any
}

// Sizes returns every size, in the order --help lists them.
func Sizes() []Size {
	s := time.Second.Nanoseconds()
	return []Size{
		{Flag: "receivers", Help: "healthy receivers, each its own host:port", Full: 4, Quick: 4, Field: func(o *Options) any { return &o.Receivers }},
		{Flag: "concurrency", Help: "hookd's sends in flight", Full: 256, Quick: 256, Field: func(o *Options) any { return &o.Concurrency }},
		{Flag: "per-host", Help: "hookd's sends in flight per host", Full: 64, Quick: 64, Field: func(o *Options) any { return &o.PerHost }},
		{Flag: "raw-requests", Help: "requests of each raw-ceiling run", Full: 40000, Quick: 10000, Field: func(o *Options) any { return &o.RawRequests }},
		{Flag: "ingest-duration", Help: "length of each ingest measurement", Full: 5 * s, Quick: 2 * s, Field: func(o *Options) any { return &o.IngestDuration }},
		{Flag: "ingest-clients", Help: "concurrent single-POST clients", Full: 64, Quick: 64, Field: func(o *Options) any { return &o.IngestClients }},
		{Flag: "ingest-batch", Help: "triggers per batch POST", Full: 1000, Quick: 1000, Field: func(o *Options) any { return &o.IngestBatch }},
		{Flag: "fanout-triggers", Help: "triggers of the fan-out scenario", Full: 10, Quick: 10, Field: func(o *Options) any { return &o.FanoutTriggers }},
		{Flag: "fanout-webhooks", Help: "webhooks of the fan-out scenario", Full: 2000, Quick: 500, Field: func(o *Options) any { return &o.FanoutWebhooks }},
		{Flag: "big-webhooks", Help: "webhooks of the big fan-out", Full: 100000, Quick: 10000, Field: func(o *Options) any { return &o.BigWebhooks }},
		{Flag: "latency-rate", Help: "triggers per second of the latency scenario", Full: 500, Quick: 200, Field: func(o *Options) any { return &o.LatencyRate }},
		{Flag: "latency-webhooks", Help: "webhooks of the latency scenario", Full: 20, Quick: 20, Field: func(o *Options) any { return &o.LatencyWebhooks }},
		{Flag: "latency-duration", Help: "length of the latency scenario", Full: 60 * s, Quick: 5 * s, Field: func(o *Options) any { return &o.LatencyDuration }},
		{Flag: "latency-interval", Help: "batch interval of the latency scenario (hookd's default)", Full: 5 * s, Quick: s, Field: func(o *Options) any { return &o.LatencyInterval }},
		{Flag: "isolation-healthy", Help: "healthy webhooks of the isolation scenario", Full: 1000, Quick: 200, Field: func(o *Options) any { return &o.IsolationHealthy }},
		{Flag: "isolation-dead", Help: "webhooks whose URL never answers", Full: 100, Quick: 20, Field: func(o *Options) any { return &o.IsolationDead }},
		{Flag: "isolation-dead-hosts", Help: "listeners the dead URLs are spread over", SameAs: "isolation-dead", Field: func(o *Options) any { return &o.IsolationDeadHosts }},
		{Flag: "isolation-triggers", Help: "triggers of the isolation scenario", Full: 10, Quick: 10, Field: func(o *Options) any { return &o.IsolationTriggers }},
		{Flag: "isolation-timeout", Help: "delivery timeout of the isolation scenario (hookd's default)", Full: 10 * s, Quick: 2 * s, Field: func(o *Options) any { return &o.IsolationTimeout }},
		{Flag: "memory-triggers", Help: "triggers of the memory scenario", Full: 10, Quick: 2, Field: func(o *Options) any { return &o.MemoryTriggers }},
		{Flag: "memory-webhooks", Help: "webhooks of the memory scenario", Full: 100000, Quick: 20000, Field: func(o *Options) any { return &o.MemoryWebhooks }},
		{Flag: "webhooks", Help: "scale-out: webhooks per step", Full: 2000, Quick: 200, Field: func(o *Options) any { return &o.ScaleWebhooks }},
		{Flag: "triggers", Help: "scale-out: triggers per step, posted in one batch", Full: 24, Quick: 4, Field: func(o *Options) any { return &o.ScaleTriggers }},
	}
}

// Usage is the flag's help: what it sizes and its defaults.
func (z Size) Usage() string {
	if z.SameAs != "" {
		return fmt.Sprintf("%s (default: --%s's value)", z.Help, z.SameAs)
	}
	if z.Full == z.Quick {
		return fmt.Sprintf("%s (default %s)", z.Help, z.format(z.Full))
	}
	return fmt.Sprintf("%s (default %s; %s with --quick)", z.Help, z.format(z.Full), z.format(z.Quick))
}

func (z Size) format(v int64) string {
	if _, ok := z.Field(&Options{}).(*time.Duration); ok {
		return server.FormatDuration(time.Duration(v))
	}
	return fmt.Sprint(v)
}

// get and set read and write the size's field of o as an int64.
func (z Size) get(o *Options) int64 {
	switch p := z.Field(o).(type) {
	case *int:
		return int64(*p)
	case *time.Duration:
		return int64(*p)
	}
	panic("bench: a Size's field is an *int or a *time.Duration")
}

func (z Size) set(o *Options, v int64) {
	switch p := z.Field(o).(type) {
	case *int:
		*p = int(v)
	case *time.Duration:
		*p = time.Duration(v)
	}
}
