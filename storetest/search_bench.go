package storetest

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// SearchBenchTriggers is how many triggers BenchmarkSearchTriggers stores
// before it searches.
const SearchBenchTriggers = 1_000_000

// BenchmarkSearchTriggers searches one account's SearchBenchTriggers
// triggers (four hooks, trigger times spread over 30 days, eventId from 0 to
// 99,999): the newest page, by hook, and by a payload field within a hook
// and a day, a day, and no range at all. Filling the store takes minutes,
// so it runs only with HOOKD_BENCH=1. analyze, if not nil, is called once
// the store is filled: PostgreSQL plans without statistics until autovacuum
// has analyzed the new rows, which a server does in the background within
// a minute but a benchmark would not wait for.
func BenchmarkSearchTriggers(b *testing.B, open func(b *testing.B) hookd.Store, analyze func(b *testing.B)) {
	if os.Getenv("HOOKD_BENCH") != "1" {
		b.Skip("set HOOKD_BENCH=1 to fill a store with a million triggers and search it")
	}
	s := benchStore(b, open)
	hooks := []string{"eventCanceled", "eventDeleted", "eventAdded", "roomBookingCreated"}
	end := time.Now().UTC().Truncate(time.Millisecond)
	start := end.Add(-30 * 24 * time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 10_000
	for n := 0; n < SearchBenchTriggers; n += batch {
		ts := make([]hookd.Trigger, batch)
		for i := range ts {
			at := start.Add(time.Duration(n+i) * (30 * 24 * time.Hour / SearchBenchTriggers))
			ts[i] = hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: "acc_bench", Hook: hooks[rng.IntN(len(hooks))],
				Data:      triggerData(rng.IntN(100_000), "Snow on the roads"),
				Timestamp: at, ReceivedAt: at}
		}
		if err := s.InsertTriggers(b.Context(), ts); err != nil {
			b.Fatal(err)
		}
	}
	if analyze != nil {
		analyze(b)
	}
	day := end.Add(-5 * 24 * time.Hour)
	event := []hookd.DataMatch{{Field: "eventId", Value: 207.0}}
	for _, c := range []struct {
		name string
		f    hookd.TriggerFilter
	}{
		{"newest", hookd.TriggerFilter{}},
		{"hook", hookd.TriggerFilter{Hook: "eventCanceled"}},
		{"hook+day+data", hookd.TriggerFilter{Hook: "eventCanceled", Since: day, Until: day.Add(24 * time.Hour), Data: event}},
		{"day+data", hookd.TriggerFilter{Since: day, Until: day.Add(24 * time.Hour), Data: event}},
		{"week+data", hookd.TriggerFilter{Since: day.Add(-6 * 24 * time.Hour), Until: day.Add(24 * time.Hour), Data: event}},
		{"data", hookd.TriggerFilter{Data: event}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.f.AccountID = "acc_bench"
			for b.Loop() {
				if _, _, err := s.SearchTriggers(b.Context(), c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
