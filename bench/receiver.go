package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd-dev/hookd"
)

// receiver is a real HTTP server on 127.0.0.1 that answers every POST 200 and
// counts it. Several receivers model several hosts: hookd's per-host cap
// applies to each.
type receiver struct {
	ln  net.Listener
	srv *http.Server
	url string // http://127.0.0.1:port

	count atomic.Int64
	first atomic.Int64 // unix ns of the first request since reset
	last  atomic.Int64 // unix ns of the last request since reset
	rec   atomic.Pointer[recorder]
}

// recorder keeps one figure per request: its arrival time (unix ns), or with
// sinceTrigger the time since the trigger's timestamp read from the body.
type recorder struct {
	sinceTrigger bool
	n            atomic.Int64
	vals         []int64
}

func newRecorder(capacity int, sinceTrigger bool) *recorder {
	return &recorder{sinceTrigger: sinceTrigger, vals: make([]int64, capacity)}
}

func (r *recorder) add(v int64) {
	i := r.n.Add(1) - 1
	if int(i) < len(r.vals) {
		r.vals[i] = v
	}
}

func (r *recorder) values() []int64 {
	n := min(int(r.n.Load()), len(r.vals))
	return r.vals[:n]
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{ln: ln, url: "http://" + ln.Addr().String()}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	go rc.srv.Serve(ln)
	return rc, nil
}

var timestampField = []byte(`"timestamp":"`)

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var buf [512]byte
	n, _ := io.ReadFull(r.Body, buf[:])
	if n == len(buf) {
		io.Copy(io.Discard, r.Body)
	}
	now := time.Now().UnixNano()
	rc.count.Add(1)
	rc.first.CompareAndSwap(0, now)
	for {
		l := rc.last.Load()
		if l >= now || rc.last.CompareAndSwap(l, now) {
			break
		}
	}
	if rec := rc.rec.Load(); rec != nil {
		if !rec.sinceTrigger {
			rec.add(now)
		} else if i := bytes.Index(buf[:n], timestampField); i >= 0 && n >= i+len(timestampField)+24 {
			s := buf[i+len(timestampField) : i+len(timestampField)+24]
			if ts, err := time.Parse(hookd.TimeFormat, string(s)); err == nil {
				rec.add(now - ts.UnixNano())
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) reset(rec *recorder) {
	rc.count.Store(0)
	rc.first.Store(0)
	rc.last.Store(0)
	rc.rec.Store(rec)
}

func (rc *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rc.srv.Shutdown(ctx)
}

// receivers is the set of healthy receivers of a run.
type receivers []*receiver

func (rs receivers) reset(rec *recorder) {
	for _, r := range rs {
		r.reset(rec)
	}
}

func (rs receivers) count() int64 {
	var n int64
	for _, r := range rs {
		n += r.count.Load()
	}
	return n
}

// span returns the first and last arrival over all receivers since reset.
func (rs receivers) span() (first, last time.Time) {
	var f, l int64
	for _, r := range rs {
		if v := r.first.Load(); v != 0 && (f == 0 || v < f) {
			f = v
		}
		if v := r.last.Load(); v > l {
			l = v
		}
	}
	return time.Unix(0, f), time.Unix(0, l)
}

// waitFor waits until the receivers have counted n requests.
func (rs receivers) waitFor(ctx context.Context, n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for rs.count() < n {
		if time.Now().After(deadline) {
			return errors.New("timed out after " + timeout.String() + " with " +
				strconv.FormatInt(rs.count(), 10) + " of " + strconv.FormatInt(n, 10) + " deliveries received")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// deadReceiver accepts connections, reads what is sent and never answers.
type deadReceiver struct {
	ln    net.Listener
	url   string
	mu    sync.Mutex
	conns []net.Conn
}

func startDead() (*deadReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &deadReceiver{ln: ln, url: "http://" + ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.mu.Lock()
			d.conns = append(d.conns, c)
			d.mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	return d, nil
}

func (d *deadReceiver) close() {
	d.ln.Close()
	d.mu.Lock()
	for _, c := range d.conns {
		c.Close()
	}
	d.mu.Unlock()
}
