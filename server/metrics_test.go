package server_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/server"
)

// scrape reads /metrics and returns each sample line's value by its name
// with labels, as written (e.g. `hookd_deliveries_total{status="failed"}`).
func (e *env) scrape() map[string]float64 {
	e.t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics: every metric the contract lists is there from the start
// (every delivery status at 0), and the backlog figures say what is
// waiting: triggers accepted, pending, and the age of the oldest.
func TestMetrics(t *testing.T) {
	e := start(t, func(c *server.Config) { c.BatchInterval = time.Hour }) // nothing is dispatched
	m := e.scrape()
	for _, name := range []string{
		"hookd_triggers_accepted_total", "hookd_triggers_pending", "hookd_trigger_oldest_pending_age_seconds",
		`hookd_deliveries_total{status="pending"}`, `hookd_deliveries_total{status="delivered"}`,
		`hookd_deliveries_total{status="failed"}`, `hookd_deliveries_total{status="skipped"}`,
		"hookd_delivery_duration_seconds_count", "hookd_greylisted_urls", "hookd_tick_duration_seconds_count",
	} {
		if v, ok := m[name]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want present at 0 before anything happened", name, v, ok)
		}
	}
	// The process's count: other tests in this process may have met errors.
	if _, ok := m["hookd_store_errors_total"]; !ok {
		t.Error("hookd_store_errors_total is missing")
	}
	build := false
	for k, v := range m {
		if strings.HasPrefix(k, "hookd_build_info{") && strings.Contains(k, `goversion="go`) && strings.Contains(k, `version="`) && v == 1 {
			build = true
		}
	}
	if !build {
		t.Error("no hookd_build_info{version,goversion} 1")
	}

	e.trigger(`[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventAdded","data":{"recurringId":2}},{"hook":"eventAdded","data":{"recurringId":3}}]`)
	time.Sleep(20 * time.Millisecond) // so that the oldest has an age to show
	m = e.scrape()
	if m["hookd_triggers_accepted_total"] != 3 || m["hookd_triggers_pending"] != 3 {
		t.Errorf("after a batch of 3: accepted %v, pending %v, want 3 and 3", m["hookd_triggers_accepted_total"], m["hookd_triggers_pending"])
	}
	if age := m["hookd_trigger_oldest_pending_age_seconds"]; age <= 0 || age > 60 {
		t.Errorf("oldest pending age %v s, want a little above 0", age)
	}
}
