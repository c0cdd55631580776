package postgres_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/pgtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// proxy forwards TCP connections to the database until it is cut: then it
// closes every connection and refuses new ones, as a database that went
// away does, until it is restored on the same address.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{addr: testkit.FreeAddr(t), target: target, conns: map[net.Conn]bool{}}
	p.restore(t)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// TestDatabaseLoss runs hookd on PostgreSQL through a proxy and cuts the
// proxy: /healthz fails, a trigger is refused with 503 and the contract's
// error (never a 202 that is then lost), and when the database is back
// hookd serves and delivers again by itself.
func TestDatabaseLoss(t *testing.T) {
	db := pgtest.Database(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.addr
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.BatchInterval, cfg.Lease = "127.0.0.1:0", u.String(), 200*time.Millisecond, 2*time.Second
	cfg.AllowPrivateURLs, cfg.APIKey, cfg.AdminPassword, cfg.Stderr = true, testAPIKey, "dbloss-admin-pw", io.Discard
	srv, err := server.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rc := testkit.NewReceiver(t, 200)
	createWebhook(t, srv.URL(), "receiver", rc.URL+"/h")
	trigger := map[string]any{"hook": "eventCanceled", "data": map[string]any{"eventId": 1, "reason": "Snow"}}
	send := func(want int) (string, []byte) {
		t.Helper()
		a, err := testkit.Send("POST", srv.URL()+"/api/v1/triggers", testAPIKey, trigger)
		if err != nil || a.Status != want {
			t.Fatalf("POST /api/v1/triggers: %d %v %s, want %d", a.Status, err, a.Body, want)
		}
		var out struct{ ID string }
		json.Unmarshal(a.Body, &out)
		return out.ID, a.Body
	}
	delivered := func(id string) {
		t.Helper()
		testkit.WaitFor(t, 10*time.Second, "trigger "+id+" to be delivered", func() bool { return sends(rc)["/h "+id] > 0 })
	}
	health := func() int {
		resp, err := http.Get(srv.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	id, _ := send(202)
	delivered(id)

	p.cut()
	start := time.Now()
	if st := health(); st != 503 {
		t.Errorf("/healthz with the database gone = %d, want 503", st)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("/healthz took %v to fail, want under 3s", d)
	}
	_, body := send(503)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != "unavailable" ||
		!strings.HasPrefix(e.Error.Message, "the database cannot be reached") {
		t.Errorf("503 body = %s, want code unavailable and a message that the database cannot be reached", body)
	}
	t.Logf("with the database gone: /healthz 503, POST /api/v1/triggers 503: %s", strings.TrimSpace(string(body)))
	time.Sleep(time.Second) // a few dispatcher ticks fail meanwhile

	p.restore(t)
	back := time.Now()
	testkit.WaitFor(t, 15*time.Second, "/healthz to recover after the database's return", func() bool { return health() == 200 })
	t.Logf("/healthz 200 again %v after the database came back", time.Since(back))
	id, _ = send(202)
	delivered(id)
}
