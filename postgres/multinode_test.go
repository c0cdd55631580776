package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
)

const testAPIKey = "hk_multinode_test_key_0123456789abcdefghij"

func TestMain(m *testing.M) { testkit.Main(m) }

// node is one `hookd serve` process, named with --node.
type node struct {
	name string
	*testkit.Hookd
}

// startNode starts hookd on db with the test's API key, without waiting
// for it to serve (see WaitHealthy): nodes start together.
func startNode(t *testing.T, bin, db, name string, extra ...string) *node {
	t.Helper()
	args := append([]string{"--db", db, "--batch-interval", "200ms", "--lease", "2s",
		"--allow-private-urls", "--node", name, "--log-level", "warn"}, extra...)
	env := []string{"HOOKD_API_KEY=" + testAPIKey, "HOOKD_ADMIN_PASSWORD=multinode-admin-pw"}
	return &node{name: name, Hookd: testkit.SpawnHookd(t, bin, testkit.FreeAddr(t), env, args...)}
}

// call sends an API request with the test's key and decodes a JSON answer
// into out (if not nil).
func call(t *testing.T, method, url string, body, out any) int {
	t.Helper()
	a := testkit.Call(t, method, url, testAPIKey, body)
	if out != nil && len(a.Body) > 0 {
		if err := json.Unmarshal(a.Body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, a.Body)
		}
	}
	return a.Status
}

// sends counts the requests rc got at path for each trigger (its
// webhook-id), keyed by path + " " + webhook-id.
func sends(rc *testkit.Receiver) map[string]int {
	n := map[string]int{}
	for _, r := range rc.Requests() {
		n[r.Path+" "+r.Header.Get("webhook-id")]++
	}
	return n
}

type webhookJSON struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	Greylist struct {
		Until               *string `json:"until"`
		Level               int     `json:"level"`
		ConsecutiveFailures int     `json:"consecutiveFailures"`
	} `json:"greylist"`
}

// createWebhook creates a webhook for eventCanceled through the API at
// base.
func createWebhook(t *testing.T, base, name, url string) webhookJSON {
	t.Helper()
	var w webhookJSON
	if st := call(t, "POST", base+"/api/v1/webhooks", map[string]any{
		"name": name, "url": url, "hooks": []string{"eventCanceled"},
	}, &w); st != 201 {
		t.Fatalf("create webhook on %s: status %d", base, st)
	}
	return w
}

// TestMultiNode starts three real hookd processes on one database, sends
// thousands of triggers through all three, kills one with SIGKILL while it
// is dispatching, and checks that nothing accepted is lost, that the only
// duplicates are sends the killed node had not recorded, and that every node
// shows the same grey-list.
func TestMultiNode(t *testing.T) {
	db := pgtest.Database(t) // first: without PostgreSQL, skip before building
	bin := testkit.BuildHookd(t)
	const maxConcurrency = 32
	conc := []string{"--max-concurrency", strconv.Itoa(maxConcurrency)}
	nodes := []*node{
		startNode(t, bin, db, "node-1", conc...),
		startNode(t, bin, db, "node-2", conc...),
		startNode(t, bin, db, "node-3", conc...),
	}
	for _, n := range nodes {
		n.WaitHealthy(t, 30*time.Second)
	}

	good := testkit.NewReceiver(t, 200)
	good.SetDelay(3 * time.Millisecond)
	bad := testkit.NewReceiver(t, 500)
	// Webhooks are created on different nodes: each node serves all of them.
	var paths []string
	for i := range 5 {
		p := "/good/" + strconv.Itoa(i)
		paths = append(paths, p)
		createWebhook(t, nodes[i%3].URL, "good "+strconv.Itoa(i), good.URL+p)
	}
	failing := createWebhook(t, nodes[1].URL, "failing", bad.URL+"/bad")
	time.Sleep(500 * time.Millisecond) // every node has ticked since

	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	// Send triggers in batches, round robin over the nodes; a batch refused
	// by a dead node goes to the next one, as a client would do.
	const batches, perBatch = 80, 50
	var accepted []string
	var killedHeld []string
	victim := nodes[1]
	alive := func(n *node) bool {
		select {
		case <-n.Done():
			return false
		default:
			return true
		}
	}
	killed := false
	for b := range batches {
		items := make([]map[string]any, perBatch)
		for i := range items {
			items[i] = map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": b*perBatch + i, "reason": "Snow"}}
		}
		for k := 0; ; k++ {
			n := nodes[(b+k)%3]
			if !alive(n) {
				continue
			}
			a, err := testkit.Send("POST", n.URL+"/api/v1/triggers", testAPIKey, items)
			if err != nil || a.Status != 202 {
				t.Logf("batch %d to %s: %d %v %s", b, n.name, a.Status, err, a.Body)
				if k > 5 {
					t.Fatalf("batch %d refused by every node", b)
				}
				continue
			}
			var out struct {
				Triggers []struct{ ID string } `json:"triggers"`
			}
			if err := json.Unmarshal(a.Body, &out); err != nil || len(out.Triggers) != perBatch {
				t.Fatalf("batch %d: %v %s", b, err, a.Body)
			}
			for _, tr := range out.Triggers {
				accepted = append(accepted, tr.ID)
			}
			break
		}
		time.Sleep(25 * time.Millisecond)

		// Half way, once the victim holds claimed triggers and is sending,
		// kill it.
		if !killed && b >= batches/2 {
			var held int
			if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM triggers WHERE NOT done AND lease_node = $1 AND lease_until > now()`,
				victim.name).Scan(&held); err != nil {
				t.Fatal(err)
			}
			if held > 0 || b == batches-1 {
				victim.Stop(syscall.SIGKILL)
				killed = true
				// Its claims are in the database until the lease ends.
				rows, err := conn.Query(t.Context(), `SELECT id FROM triggers WHERE NOT done AND lease_node = $1`, victim.name)
				if err != nil {
					t.Fatal(err)
				}
				killedHeld, err = pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("killed %s with SIGKILL after %d batches, holding %d claimed triggers; %d posts received so far",
					victim.name, b+1, len(killedHeld), good.Count())
			}
		}
	}
	if len(killedHeld) == 0 {
		t.Fatalf("%s held no trigger when it was killed: the test did not kill it mid-dispatch", victim.name)
	}
	t.Logf("%d triggers accepted (202) through three nodes", len(accepted))

	// Wait for the survivors to finish, the victim's work included.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var pending int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM triggers WHERE NOT done`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d triggers still pending after 90s", pending)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Nothing lost: every accepted trigger reached every good webhook, with
	// its ID as webhook-id.
	held := map[string]bool{}
	for _, id := range killedHeld {
		held[id] = true
	}
	lost, dups, dupOutside := 0, 0, 0
	received := sends(good)
	for _, id := range accepted {
		for _, p := range paths {
			switch c := received[p+" "+id]; {
			case c == 0:
				lost++
				if lost <= 5 {
					t.Errorf("trigger %s never reached %s", id, p)
				}
			case c > 1:
				dups += c - 1
				if !held[id] {
					dupOutside++
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d (trigger, webhook) deliveries lost", lost)
	}
	t.Logf("duplicates: %d sends received twice (same webhook-id at the same URL), out of %d expected deliveries; %d posts in all",
		dups, len(accepted)*len(paths), good.Count())
	if dupOutside > 0 {
		t.Errorf("%d duplicates are of triggers the killed node did not hold: a live node sent twice", dupOutside)
	}
	// Each duplicate is a send the killed node made and never recorded: the
	// log has exactly one attempt per (trigger, webhook).
	var twice int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM (SELECT trigger_id, webhook_id FROM deliveries
		WHERE status <> 'pending' GROUP BY 1, 2 HAVING count(*) > 1) x`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if twice > 0 {
		t.Errorf("%d (trigger, webhook) pairs have two recorded attempts: a recorded send was sent again", twice)
	}
	// The killed node's unrecorded sends are at most its tokens for sends
	// started and not yet recorded: 4 × --max-concurrency plus the slow
	// lane (1,024 by default).
	if limit := 4*maxConcurrency + 1024; dups > limit {
		t.Errorf("%d duplicates, more than the killed node could have had unrecorded (%d)", dups, limit)
	}

	// Grey-listing is shared: every surviving node shows the same state of
	// the failing URL, and the failures seen by all nodes put it on the
	// grey-list once (the later sends were skipped, not sent).
	var want string
	for _, n := range nodes {
		if n == victim {
			continue
		}
		var gl struct {
			Entries []json.RawMessage `json:"entries"`
		}
		if st := call(t, "GET", n.URL+"/api/v1/greylist", nil, &gl); st != 200 {
			t.Fatalf("greylist on %s: %d", n.name, st)
		}
		var w webhookJSON
		call(t, "GET", n.URL+"/api/v1/webhooks/"+failing.ID, nil, &w)
		got := fmt.Sprintf("%s / level %d, %d failures, until %v", gl.Entries, w.Greylist.Level, w.Greylist.ConsecutiveFailures, deref(w.Greylist.Until))
		if want == "" {
			want = got
			t.Logf("grey-list on %s: %s", n.name, got)
		} else if got != want {
			t.Errorf("grey-list on %s:\n %s\nwant (as on the other node)\n %s", n.name, got, want)
		}
		if w.Greylist.Level != 1 || len(gl.Entries) != 1 {
			t.Errorf("failing URL on %s: level %d, %d entries; want level 1, one entry", n.name, w.Greylist.Level, len(gl.Entries))
		}
	}
	var skipped, failed int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE status = 'skipped'), count(*) FILTER (WHERE status = 'failed')
		FROM deliveries WHERE webhook_id = $1`, failing.ID).Scan(&skipped, &failed); err != nil {
		t.Fatal(err)
	}
	t.Logf("failing URL: %d posts received, %d failed and %d skipped deliveries recorded", bad.Count(), failed, skipped)
	if bad.Count() > 3*(3+maxConcurrency) {
		t.Errorf("the failing URL got %d posts: the nodes did not share its grey-listing", bad.Count())
	}
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
