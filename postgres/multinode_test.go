package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const testAPIKey = "hk_multinode_test_key_0123456789abcdefghij"

// buildHookd builds the real binary once per test binary.
var buildHookd = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hookd-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hookd")
	out, err := exec.Command("go", "build", "-o", bin, "hookd/cmd/hookd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// node is one `hookd serve` process.
type node struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startNode(t *testing.T, bin, db, name string, extra ...string) *node {
	t.Helper()
	addr := freePort(t)
	logPath := filepath.Join(t.TempDir(), name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", addr, "--db", db, "--batch-interval", "200ms", "--lease", "2s",
		"--allow-private-urls", "--node", name, "--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOOKD_API_KEY="+testAPIKey, "HOOKD_ADMIN_PASSWORD=multinode-admin-pw")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, url: "http://" + addr, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(n.done) }()
	t.Cleanup(func() {
		select {
		case <-n.done:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-n.done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-n.done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("log of %s:\n%s", name, tail(string(b), 3000))
		}
	})
	return n
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitHealthy waits for GET /healthz to answer 200.
func (n *node) waitHealthy(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(n.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-n.done:
			b, _ := os.ReadFile(n.log)
			t.Fatalf("%s exited at start:\n%s", n.name, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy within %v (last error %v)", n.name, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// call sends an API request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, method, url string, body, out any) int {
	t.Helper()
	status, b, err := tryCall(method, url, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return status
}

func tryCall(method, url string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// receiver counts the POSTs it gets by path and webhook-id.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   map[string]int // path + " " + webhook-id → posts
	total int
}

func newReceiver(t *testing.T, delay time.Duration, status func(path string) int) *receiver {
	rc := &receiver{got: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(delay)
		rc.mu.Lock()
		rc.got[r.URL.Path+" "+r.Header.Get("webhook-id")]++
		rc.total++
		rc.mu.Unlock()
		w.WriteHeader(status(r.URL.Path))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count(path, id string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[path+" "+id]
}

func (rc *receiver) posts() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.total
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

func createWebhook(t *testing.T, n *node, name, url string) webhookJSON {
	t.Helper()
	var w webhookJSON
	if st := call(t, "POST", n.url+"/api/v1/webhooks", map[string]any{
		"name": name, "url": url, "hooks": []string{"eventCanceled"},
	}, &w); st != 201 {
		t.Fatalf("create webhook on %s: status %d", n.name, st)
	}
	return w
}

// TestMultiNode starts three real hookd processes on one database, sends
// thousands of triggers through all three, kills one with SIGKILL while it
// is dispatching, and checks that nothing accepted is lost, that the only
// duplicates are sends the killed node had not recorded, and that every node
// shows the same grey-list.
func TestMultiNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three hookd processes")
	}
	db := testDatabase(t)
	bin, err := buildHookd()
	if err != nil {
		t.Fatal(err)
	}
	const maxConcurrency = 32
	conc := []string{"--max-concurrency", strconv.Itoa(maxConcurrency)}
	nodes := []*node{
		startNode(t, bin, db, "node-1", conc...),
		startNode(t, bin, db, "node-2", conc...),
		startNode(t, bin, db, "node-3", conc...),
	}
	for _, n := range nodes {
		n.waitHealthy(t, 30*time.Second)
	}

	good := newReceiver(t, 3*time.Millisecond, func(string) int { return 200 })
	bad := newReceiver(t, 0, func(string) int { return 500 })
	// Webhooks are created on different nodes: each node serves all of them.
	var paths []string
	for i := range 5 {
		p := "/good/" + strconv.Itoa(i)
		paths = append(paths, p)
		createWebhook(t, nodes[i%3], "good "+strconv.Itoa(i), good.URL+p)
	}
	failing := createWebhook(t, nodes[1], "failing", bad.URL+"/bad")
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
		case <-n.done:
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
			status, body, err := tryCall("POST", n.url+"/api/v1/triggers", items)
			if err != nil || status != 202 {
				t.Logf("batch %d to %s: %d %v %s", b, n.name, status, err, body)
				if k > 5 {
					t.Fatalf("batch %d refused by every node", b)
				}
				continue
			}
			var out struct {
				Triggers []struct{ ID string } `json:"triggers"`
			}
			if err := json.Unmarshal(body, &out); err != nil || len(out.Triggers) != perBatch {
				t.Fatalf("batch %d: %v %s", b, err, body)
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
				if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-victim.done
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
					victim.name, b+1, len(killedHeld), good.posts())
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
	for _, id := range accepted {
		for _, p := range paths {
			switch c := good.count(p, id); {
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
		dups, len(accepted)*len(paths), good.posts())
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
		if st := call(t, "GET", n.url+"/api/v1/greylist", nil, &gl); st != 200 {
			t.Fatalf("greylist on %s: %d", n.name, st)
		}
		var w webhookJSON
		call(t, "GET", n.url+"/api/v1/webhooks/"+failing.ID, nil, &w)
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
	t.Logf("failing URL: %d posts received, %d failed and %d skipped deliveries recorded", bad.posts(), failed, skipped)
	if bad.posts() > 3*(3+maxConcurrency) {
		t.Errorf("the failing URL got %d posts: the nodes did not share its grey-listing", bad.posts())
	}
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
