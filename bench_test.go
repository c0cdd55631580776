package hookd_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// Micro-benchmarks of the hot path: every trigger is parsed and validated,
// every trigger gets one envelope, every delivery is signed. The end-to-end
// figures are in BENCHMARKS.md (hookd bench); no timing is asserted here.

func BenchmarkParseTrigger(b *testing.B) {
	raw := json.RawMessage(`{"hook": "eventCanceled", "data": {"eventId": 7, "reason": "Snow on the roads"}, "timestamp": "2026-12-01T07:00:00Z"}`)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		errs := hookd.FieldErrors{}
		if _, ok := hookd.BuiltinCatalogue().ParseTrigger(raw, "", now, errs); !ok {
			b.Fatal(errs)
		}
	}
}

// BenchmarkParseTriggerBatch is the validation of one POST of 1,000
// triggers, with the "[i]." field prefixes the API builds.
func BenchmarkParseTriggerBatch(b *testing.B) {
	items := make([]json.RawMessage, 1000)
	for i := range items {
		items[i] = json.RawMessage(`{"hook":"eventCanceled","data":{"eventId":` + strconv.Itoa(i) + `,"reason":"Snow on the roads"}}`)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		errs := hookd.FieldErrors{}
		for i, raw := range items {
			if _, ok := hookd.BuiltinCatalogue().ParseTrigger(raw, "["+strconv.Itoa(i)+"].", now, errs); !ok {
				b.Fatal(errs)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "triggers/s")
}

func BenchmarkEnvelope(b *testing.B) {
	t := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), Hook: "eventCanceled",
		Data: json.RawMessage(`{"eventId":7,"reason":"Snow on the roads"}`), Timestamp: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		_ = t.Envelope()
	}
}

func BenchmarkSign(b *testing.B) {
	s, err := hookd.NewSigner(hookd.NewSecret())
	if err != nil {
		b.Fatal(err)
	}
	t := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), Hook: "eventCanceled",
		Data: json.RawMessage(`{"eventId":7,"reason":"Snow on the roads"}`), Timestamp: time.Now()}
	body := t.Envelope()
	ts := time.Now().Unix()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Sign(t.ID, ts, body)
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = hookd.NewID(hookd.PrefixDelivery)
	}
}

// BenchmarkParseTriggersBatch is POST /api/v1/triggers' own path for a
// body of 1,000 triggers: split once, each element parsed and read strictly.
func BenchmarkParseTriggersBatch(b *testing.B) {
	items := make([]string, 1000)
	for i := range items {
		items[i] = `{"hook":"eventCanceled","data":{"eventId":` + strconv.Itoa(i) + `,"reason":"Snow on the roads"}}`
	}
	body := []byte("[" + strings.Join(items, ",") + "]")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := hookd.BuiltinCatalogue().ParseTriggers(body, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "triggers/s")
}
