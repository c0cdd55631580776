package postgres_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestFanOutThroughput measures fan-out with real hookd processes: 10
// triggers × 2,000 webhooks (20,000 deliveries to 16 local receivers), on the
// embedded SQLite store and on PostgreSQL with one and with two nodes, in one
// run, and prints deliveries per second from the first delivery received to
// the last. It runs only with HOOKD_BENCH=1:
//
//	HOOKD_BENCH=1 HOOKD_TEST_POSTGRES=postgres://… go test -run FanOut -v ./postgres/
func TestFanOutThroughput(t *testing.T) {
	testkit.OptIn(t, "HOOKD_BENCH", "a measurement")
	pg1, pg2 := pgtest.Database(t), pgtest.Database(t) // first: without PostgreSQL, skip before building and the SQLite run
	triggers, webhooks := benchSize("HOOKD_BENCH_TRIGGERS", 10), benchSize("HOOKD_BENCH_WEBHOOKS", 2000)
	bin := testkit.BuildHookd(t)
	type result struct {
		name string
		rate float64
		span time.Duration
	}
	var results []result
	run := func(name string, dbs []string) {
		t.Run(name, func(t *testing.T) {
			rate, span := fanOut(t, bin, dbs, triggers, webhooks)
			results = append(results, result{name, rate, span})
		})
	}
	run("sqlite", []string{filepath.Join(t.TempDir(), "hookd.db")})
	run("postgres-1-node", []string{pg1})
	run("postgres-2-nodes", []string{pg2, pg2})

	t.Logf("fan-out of %d triggers × %d webhooks (%d deliveries), first to last delivery:", triggers, webhooks, triggers*webhooks)
	for _, r := range results {
		t.Logf("  %-18s %8.0f deliveries/s  (%v)  %.2f× sqlite", r.name, r.rate, r.span.Round(time.Millisecond), r.rate/results[0].rate)
	}
}

// fanOut starts one node per database DSN, creates the webhooks, sends the
// triggers and returns the delivery rate from first to last receipt.
func fanOut(t *testing.T, bin string, dbs []string, triggers, webhooks int) (float64, time.Duration) {
	var err error
	var nodes []*node
	for i, db := range dbs {
		n := startNode(t, bin, db, "bench-"+strconv.Itoa(i+1), "--batch-interval", "200ms")
		n.WaitHealthy(t, 30*time.Second)
		nodes = append(nodes, n)
	}
	var receivers []*testkit.Receiver
	for range 16 {
		receivers = append(receivers, testkit.NewReceiver(t, http.StatusOK))
	}
	for i := range webhooks {
		createWebhook(t, nodes[i%len(nodes)].URL, "bench "+strconv.Itoa(i),
			fmt.Sprintf("%s/hooks/%d", receivers[i%len(receivers)].URL, i))
	}
	time.Sleep(time.Second) // every node has loaded the webhooks

	want := int64(triggers * webhooks)
	items := make([]map[string]any, triggers)
	for i := range items {
		items[i] = map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": i, "reason": "Snow"}}
	}
	if st := call(t, "POST", nodes[0].URL+"/api/v1/triggers", items, nil); st != 202 {
		t.Fatalf("POST triggers: %d", st)
	}
	// Which nodes claimed the triggers (PostgreSQL only).
	claimedBy := map[string]int{}
	var conn *pgx.Conn
	if strings.HasPrefix(dbs[0], "postgres") {
		conn, err = pgx.Connect(t.Context(), dbs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
	}
	// got counts the deliveries received, each webhook's trigger once.
	got := func() (n int64) {
		for _, rc := range receivers {
			n += int64(len(sends(rc)))
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Minute)
	for got() < want {
		if conn != nil {
			rows, err := conn.Query(t.Context(), `SELECT id, lease_node FROM triggers WHERE NOT done AND lease_node IS NOT NULL`)
			if err == nil {
				for rows.Next() {
					var id, node string
					if rows.Scan(&id, &node) == nil {
						claimedBy[id] = 0
						claimedBy[id+" "+node] = 1
					}
				}
				rows.Close()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries after 5 minutes", got(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var first, last time.Time
	dups := 0
	for _, rc := range receivers {
		for _, r := range rc.Requests() {
			if first.IsZero() || r.At.Before(first) {
				first = r.At
			}
			if r.At.After(last) {
				last = r.At
			}
		}
		for _, n := range sends(rc) {
			dups += n - 1
		}
	}
	span := last.Sub(first)
	if dups > 0 {
		t.Errorf("%d duplicate deliveries", dups)
	}
	rate := float64(want) / span.Seconds()
	if conn != nil {
		perNode := map[string]int{}
		for k, v := range claimedBy {
			if _, node, ok := strings.Cut(k, " "); ok && v == 1 {
				perNode[node]++
			}
		}
		t.Logf("triggers claimed per node: %v", perNode)
	}
	t.Logf("%d deliveries in %v: %.0f/s", want, span.Round(time.Millisecond), rate)
	return rate, span
}

// benchSize is the positive whole number in the environment variable env,
// or def when it holds none.
func benchSize(env string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil && v > 0 {
		return v
	}
	return def
}
