package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/dispatch"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/netguard"
	"github.com/hookd-dev/hookd/server"
)

// Receivers that misbehave: each must end as a failed delivery with an
// error a person understands, none may hold up a healthy receiver in the
// same batch, and nothing may leak once they are gone.

const hostileTimeout = time.Second

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(ents)
}

// rawReceiver is a TCP listener on 127.0.0.1 whose handle function plays
// the receiver's side of each connection by hand.
func rawReceiver(t *testing.T, handle func(c *net.TCPConn)) (url string, closeFn func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(c.(*net.TCPConn))
			}()
		}
	}()
	var once sync.Once
	closeFn = func() { once.Do(func() { ln.Close(); wg.Wait() }) }
	t.Cleanup(closeFn)
	return "http://" + ln.Addr().String() + "/hook", closeFn
}

// quietLog drops an http.Server's error log.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// readRequest reads one whole HTTP request from c, body included.
func readRequest(c net.Conn) bool {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err == nil
}

func TestHostileReceivers(t *testing.T) {
	baseGoroutines, baseFDs := runtime.NumGoroutine(), openFDs(t)

	e := start(t, func(c *server.Config) {
		c.DeliveryTimeout = hostileTimeout
		c.BatchInterval = 50 * time.Millisecond
	})
	var closers []func()

	// Healthy: answers at once and notes when.
	var healthyAt atomic.Int64
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		healthyAt.CompareAndSwap(0, time.Now().UnixNano())
	}))
	closers = append(closers, healthy.Close)

	// Never answers; notes when hookd gave up on it.
	var hangEnded atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			hangEnded.Store(time.Now().UnixNano())
		case <-time.After(30 * time.Second):
		}
	}))
	closers = append(closers, hang.Close)

	// Answers 200 at once, then drips the body a byte a second.
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "30")
		w.WriteHeader(200)
		for range 30 {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	closers = append(closers, drip.Close)

	// Reads the request, then resets the connection (SO_LINGER 0).
	resetURL, resetClose := rawReceiver(t, func(c *net.TCPConn) {
		if readRequest(c) {
			c.SetLinger(0)
		}
	})
	closers = append(closers, resetClose)

	// Answers 503.
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	closers = append(closers, unavailable.Close)

	// Answers 500 with a 100 MB body and counts how much of it got out.
	const hugeSize = 100 << 20
	var hugeWritten atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "104857600")
		w.WriteHeader(http.StatusInternalServerError)
		chunk := []byte(strings.Repeat("0123456789abcdef", 4096)) // 64 KiB
		for n := 0; n < hugeSize; n += len(chunk) {
			m, err := w.Write(chunk)
			hugeWritten.Add(int64(m))
			if err != nil {
				return
			}
		}
	}))
	closers = append(closers, huge.Close)

	// Redirects to the cloud metadata address.
	redirect := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusFound))
	closers = append(closers, redirect.Close)

	// Presents a certificate no one trusts.
	badTLS := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	badTLS.Config.ErrorLog = quietLog() // the refused handshake is expected
	closers = append(closers, badTLS.Close)

	// Answers with something that is not HTTP.
	garbageURL, garbageClose := rawReceiver(t, func(c *net.TCPConn) {
		if readRequest(c) {
			io.WriteString(c, "HELLO I AM NOT A WEB SERVER\r\n\r\n")
		}
	})
	closers = append(closers, garbageClose)

	type want struct {
		status string
		code   int // 0: no HTTP answer
		err    []string
	}
	cases := []struct {
		name, url string
		want      want
	}{
		{"healthy", healthy.URL, want{"delivered", 200, nil}},
		{"never answers", hang.URL, want{"failed", 0, []string{"timed out after 1s"}}},
		{"drips", drip.URL, want{"failed", 200, []string{"timed out after 1s", "reading the answer"}}},
		{"resets", resetURL, want{"failed", 0, []string{"connection reset by the receiver"}}},
		{"503", unavailable.URL, want{"failed", 503, []string{"HTTP 503 Service Unavailable"}}},
		{"100 MB body", huge.URL, want{"failed", 500, []string{"HTTP 500"}}},
		{"redirects to metadata", redirect.URL, want{"failed", 302, []string{"redirect", "169.254.169.254", "not followed"}}},
		{"bad TLS certificate", badTLS.URL, want{"failed", 0, []string{"TLS certificate not trusted"}}},
		{"not HTTP", garbageURL, want{"failed", 0, []string{"malformed HTTP response"}}},
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.name] = e.createWebhook(c.name, c.url, "roomBookingCreated").ID
	}

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	triggerID := e.trigger(`{"hook":"roomBookingCreated","data":{"bookingId":1}}`)

	byWebhook := map[string]delivery{}
	testkit.WaitFor(t, 30*time.Second, "every delivery to end", func() bool {
		ds := e.deliveries("triggerId=" + triggerID)
		clear(byWebhook)
		for _, d := range ds {
			if d.Status != "pending" {
				byWebhook[d.WebhookID] = d
			}
		}
		return len(byWebhook) == len(cases)
	})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	for _, c := range cases {
		d := byWebhook[ids[c.name]]
		code := 0
		if d.StatusCode != nil {
			code = *d.StatusCode
		}
		if d.Status != c.want.status || code != c.want.code {
			t.Errorf("%s: delivery %s, HTTP %d, error %q; want %s, HTTP %d", c.name, d.Status, code, d.Error, c.want.status, c.want.code)
		}
		for _, s := range c.want.err {
			if !strings.Contains(d.Error, s) {
				t.Errorf("%s: error %q does not say %q", c.name, d.Error, s)
			}
		}
		t.Logf("%-22s %-9s HTTP %3d  %s", c.name, d.Status, code, d.Error)
		if c.want.status == "failed" && d.Error == "" {
			t.Errorf("%s: failed without an error", c.name)
		}
	}

	// The healthy receiver is not held up by the others: it was answered
	// before hookd gave up on the receiver that never answers, and in a
	// fraction of the timeout.
	if h, hd := healthyAt.Load(), hangEnded.Load(); h == 0 || hd == 0 || h >= hd {
		t.Errorf("healthy receiver got its delivery at %d, the hanging send ended at %d: want the healthy one first", h, hd)
	}
	if d := byWebhook[ids["healthy"]]; time.Duration(d.DurationMs)*time.Millisecond >= hostileTimeout/2 {
		t.Errorf("healthy delivery took %dms; want well under the %s timeout", d.DurationMs, hostileTimeout)
	}
	for _, slow := range []string{"never answers", "drips"} {
		if d := byWebhook[ids[slow]]; time.Duration(d.DurationMs)*time.Millisecond < hostileTimeout {
			t.Errorf("%s: took %dms, want at least the %s timeout", slow, d.DurationMs, hostileTimeout)
		}
	}

	// The 100 MB answer: at most 64 KiB is read, the log keeps 1 KiB, and
	// the receiver could not push more than socket buffers hold.
	acc, err := e.srv.Store.AccountByAPIKey(context.Background(), hookd.HashAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.srv.Store.Delivery(context.Background(), acc.ID, byWebhook[ids["100 MB body"]].ID); err != nil || len(d.Response) > hookd.MaxLoggedResponse {
		t.Errorf("logged %d bytes of the answer (%v), want at most %d", len(d.Response), err, hookd.MaxLoggedResponse)
	}
	if n := hugeWritten.Load(); n > 32<<20 {
		t.Errorf("the receiver wrote %d MB of its 100 MB answer; hookd should stop reading at 64 KiB", n>>20)
	}
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 64<<20 {
		t.Errorf("allocated %d MB while the batch was sent; the 100 MB answer must not be buffered", grew>>20)
	}

	// Everything goes back to where it was once hookd and the receivers are gone.
	e.srv.Close()
	for _, c := range closers {
		c()
	}
	http.DefaultClient.CloseIdleConnections()
	const slack = 5
	var g, fds int
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, fds = runtime.NumGoroutine(), openFDs(t)
		if g <= baseGoroutines+slack && fds <= baseFDs+slack {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines %d (baseline %d), open files %d (baseline %d) after closing everything:\n%s",
				g, baseGoroutines, fds, baseFDs, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDialTimeRefusals sends through a dispatcher wired with a netguard
// Guard as hookd serve wires it, to check what is refused when dialling:
// a non-public address (whatever the URL said when it was saved), and a
// host name that no longer resolves.
func TestDialTimeRefusals(t *testing.T) {
	e := start(t, func(c *server.Config) { c.DeliveryTimeout = hostileTimeout })
	ctx := context.Background()
	acc, err := e.srv.Store.AccountByAPIKey(ctx, hookd.HashAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	defer redirect.Close()

	// A resolver whose DNS server is gone: every lookup fails.
	deadDNS := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return nil, errors.New("the DNS server is unreachable")
	}}
	guard := &netguard.Guard{AllowPrivate: false, Resolver: deadDNS}
	def := server.DefaultConfig()
	d, err := dispatch.New(dispatch.Config{
		Store: e.srv.Store, Interval: time.Hour, Timeout: hostileTimeout, Lease: def.Lease,
		Policy: def.Policy(), MaxConcurrency: def.MaxConcurrency, MaxPerHost: def.MaxPerHost,
		DialContext: guard.DialContext, UserAgent: "hookd/test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// No URL check at save time: the URLs stand for ones that passed it
	// then (the DNS answer was public, or private URLs were allowed).
	a, err := app.New(app.Deps{Catalogue: hookd.BuiltinCatalogue(), Store: e.srv.Store, Guard: checkedThen{}, Sender: d, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, url string
		want      []string
		not       []string // what the error must not say
	}{
		{"loopback redirecting to metadata", redirect.URL, []string{"not sent", "127.0.0.1 is a loopback address", "--allow-private-urls"}, nil},
		{"metadata address", "http://169.254.169.254/latest/meta-data/", []string{"not sent", "169.254.169.254 is the cloud metadata address"}, nil},
		// A name (from /etc/hosts here) that resolves to loopback: the
		// log is read by the account that saved the URL, and must not
		// tell it what hookd's names resolve to.
		{"name resolving to loopback", strings.Replace(redirect.URL, "127.0.0.1", "localhost", 1),
			[]string{"not sent", "localhost resolves to a non-public address", "--allow-private-urls"}, []string{"127.0.0.1", "::1", "loopback"}},
		{"name that does not resolve", "http://receiver.hookd.test/hook", []string{"DNS lookup failed", "receiver.hookd.test"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := c.url
			w, err := a.CreateWebhook(ctx, acc.ID, app.WebhookInput{Name: &c.name, URL: &u, Hooks: &[]string{"eventAdded"}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.SendTest(ctx, acc.ID, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got hookd.Delivery
			testkit.WaitFor(t, 10*time.Second, "the test delivery", func() bool {
				got, err = e.srv.Store.Delivery(ctx, acc.ID, p.ID)
				return err == nil && got.Status != hookd.StatusPending
			})
			if got.Status != hookd.StatusFailed || got.StatusCode != 0 {
				t.Errorf("delivery %s, HTTP %d, want failed without an answer", got.Status, got.StatusCode)
			}
			t.Logf("%s: %s", got.Status, got.Error)
			for _, s := range c.want {
				if !strings.Contains(got.Error, s) {
					t.Errorf("error %q does not say %q", got.Error, s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(got.Error, s) {
					t.Errorf("error %q says %q", got.Error, s)
				}
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver was reached %d times; the dial must be refused", n)
	}
}

// checkedThen accepts every URL: the test's URLs stand for ones that passed
// the save-time check when they were saved.
type checkedThen struct{}

func (checkedThen) CheckURL(context.Context, *url.URL) error { return nil }
