package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/server"
)

// instance is one real hookd started in-process with server.Open, and the
// account and API key the scenario uses.
type instance struct {
	srv     *server.Server
	account string
	key     string
	client  *http.Client
	dir     string // temp dir of the SQLite file, removed at close
}

// instanceConfig is what a scenario sets of its hookd; a zero field keeps
// hookd's default.
type instanceConfig struct {
	interval time.Duration // the batch interval
	timeout  time.Duration // the delivery timeout
}

func (o *Options) start(ctx context.Context, ic instanceConfig) (*instance, error) {
	in := &instance{}
	db := o.DB
	if db == "" {
		dir, err := os.MkdirTemp("", "hookd-bench-")
		if err != nil {
			return nil, err
		}
		in.dir = dir
		db = filepath.Join(dir, "hookd.db")
	}
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB = "127.0.0.1:0", db
	if ic.interval > 0 {
		cfg.BatchInterval = ic.interval
	}
	if ic.timeout > 0 {
		cfg.DeliveryTimeout = ic.timeout
	}
	cfg.AllowPrivateURLs, cfg.Stderr = true, io.Discard
	cfg.MaxConcurrency, cfg.MaxPerHost = o.Concurrency, o.PerHost
	cfg.RateLimit = 0 // the ceiling, not the per-key limit
	s, err := server.Open(ctx, cfg)
	if err != nil {
		in.close()
		return nil, err
	}
	in.srv = s
	// An account of its own, so that a shared --db keeps scenarios apart.
	acc, key, err := s.App.CreateAccount(ctx, "bench")
	if err != nil {
		in.close()
		return nil, err
	}
	in.account, in.key = acc.ID, key
	in.client = &http.Client{Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute,
	}}
	return in, nil
}

func (in *instance) close() {
	if in.srv != nil {
		in.srv.Close()
	}
	if in.client != nil {
		in.client.CloseIdleConnections()
	}
	if in.dir != "" {
		os.RemoveAll(in.dir)
	}
}

// benchHook is the hook every scenario triggers.
const benchHook = "eventCanceled"

func triggerBody(i int) string {
	return `{"hook":"eventCanceled","data":{"eventId":` + strconv.Itoa(i) + `,"reason":"Snow on the roads"}}`
}

func batchBody(start, n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(triggerBody(start + i))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// post sends one trigger (or a batch) through the API and returns the
// trigger IDs answered 202.
func (in *instance) post(ctx context.Context, body []byte) ([]string, error) {
	raw, err := call(ctx, in.client, http.MethodPost, in.srv.URL()+"/api/v1/triggers", in.key, body, http.StatusAccepted)
	if err != nil {
		return nil, err
	}
	if body[0] == '[' {
		var out struct {
			Triggers []struct {
				ID string `json:"id"`
			} `json:"triggers"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, err
		}
		ids := make([]string, len(out.Triggers))
		for i, t := range out.Triggers {
			ids[i] = t.ID
		}
		return ids, nil
	}
	var out struct {
		ID string `json:"id"`
	}
	err = json.Unmarshal(raw, &out)
	return []string{out.ID}, err
}

// call makes a request of hookd's API with key and a JSON body, and returns
// the answer's body when its status is want.
func call(ctx context.Context, client *http.Client, method, u, key string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(raw)))
	}
	return raw, nil
}

// bulkCreator is implemented by stores that can create many webhooks in one
// transaction (sqlite.Store.CreateWebhooks).
type bulkCreator interface {
	CreateWebhooks(ctx context.Context, ws []hookd.Webhook) error
}

// createWebhooks creates n webhooks subscribed to benchHook directly in the
// store (the API would take minutes for 100,000, one durable transaction
// each): in bulk when the store can, else with Store.CreateWebhook one by
// one. url names the i-th webhook's URL. Every webhook gets its own secret.
func (in *instance) createWebhooks(ctx context.Context, n int, url func(i int) string) ([]string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	ids := make([]string, 0, n)
	const chunk = 20000
	for start := 0; start < n; start += chunk {
		ws := make([]hookd.Webhook, min(chunk, n-start))
		for k := range ws {
			i := start + k
			ws[k] = hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook), AccountID: in.account,
				Name: "bench " + strconv.Itoa(i), URL: url(i), Hooks: []string{benchHook}, Enabled: true,
				Secret: hookd.NewSecret(), CreatedAt: now, UpdatedAt: now}
			ids = append(ids, ws[k].ID)
		}
		if b, ok := in.srv.Store.(bulkCreator); ok {
			if err := b.CreateWebhooks(ctx, ws); err != nil {
				return nil, err
			}
			continue
		}
		for k := range ws {
			if err := in.srv.Store.CreateWebhook(ctx, &ws[k]); err != nil {
				return nil, err
			}
		}
	}
	// Load them into the dispatcher now (a tick with nothing pending), so the
	// measured tick does not include reading the webhooks.
	return ids, in.srv.Dispatcher.Tick(ctx)
}

// waitIdle waits until the dispatcher has recorded every send it claimed.
func (in *instance) waitIdle(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !in.srv.Dispatcher.Idle() {
		if time.Now().After(deadline) {
			return fmt.Errorf("dispatcher not idle after %s: %+v", timeout, in.srv.Dispatcher.Stats())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// byTrigger and byWebhook select the delivery rows to count.
func byTrigger(ids []string) []hookd.DeliveryFilter {
	fs := make([]hookd.DeliveryFilter, len(ids))
	for i, id := range ids {
		fs[i].TriggerID = id
	}
	return fs
}

func byWebhook(ids []string) []hookd.DeliveryFilter {
	fs := make([]hookd.DeliveryFilter, len(ids))
	for i, id := range ids {
		fs[i].WebhookID = id
	}
	return fs
}

// logCount counts, by status, the delivery rows the filters select, read
// back through Store.Deliveries.
func (in *instance) logCount(ctx context.Context, filters []hookd.DeliveryFilter) (map[string]int, error) {
	out := map[string]int{}
	for _, f := range filters {
		f.AccountID, f.Limit = in.account, 20000
		for {
			ds, next, err := in.srv.Store.Deliveries(ctx, f)
			if err != nil {
				return nil, err
			}
			for i := range ds {
				out[ds[i].Status]++
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	return out, nil
}

// checkLog confirms that every attempt has a delivery row: want rows in all,
// of which at least delivered have status delivered.
func (in *instance) checkLog(ctx context.Context, filters []hookd.DeliveryFilter, want, delivered int) (map[string]int, error) {
	if err := in.waitIdle(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	got, err := in.logCount(ctx, filters)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, n := range got {
		total += n
	}
	if total != want || got[hookd.StatusDelivered] < delivered {
		return got, fmt.Errorf("delivery log has %d rows %v, want %d with at least %d delivered", total, got, want, delivered)
	}
	return got, nil
}
