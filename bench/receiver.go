package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hookd-dev/hookd"
)

// receiver is a real HTTP server on 127.0.0.1 that answers every POST 200 and
// counts it. Several receivers model several hosts: hookd's per-host cap
// applies to each.
type receiver struct {
	srv *http.Server
	url string // http://127.0.0.1:port
	// remote is set for a receiver of the receiver process
	// (--receiver-process): its counts are read over HTTP (/_bench/…).
	remote bool

	count atomic.Int64
	span  // the first and last request since reset
	rec   atomic.Pointer[recorder]
	// pairs, when set, records each (URL path, webhook-id) received, for
	// the scale-out scenario's exactly-once check.
	pairs atomic.Pointer[pairSet]
}

// span holds the unix ns of the first and the last of a series of arrivals
// (0: none yet); mark is safe for concurrent use.
type span struct {
	first, last atomic.Int64
}

func (s *span) mark(now int64) {
	s.first.CompareAndSwap(0, now)
	for {
		l := s.last.Load()
		if l >= now || s.last.CompareAndSwap(l, now) {
			return
		}
	}
}

// startReceivers starts n receivers in this process; close closes them.
func startReceivers(n int) (rs receivers, close func(), err error) {
	close = func() {
		for _, rc := range rs {
			rc.close()
		}
	}
	for range n {
		rc, err := startReceiver()
		if err != nil {
			close()
			return nil, nil, err
		}
		rs = append(rs, rc)
	}
	return rs, close, nil
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

// listenLocal listens on a fresh port of 127.0.0.1 and returns the
// listener and its http:// URL: where the bench's receivers, and the
// scale-out nodes, are reached.
func listenLocal() (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	return ln, "http://" + ln.Addr().String(), nil
}

func startReceiver() (*receiver, error) {
	ln, url, err := listenLocal()
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: url}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	go rc.srv.Serve(ln)
	return rc, nil
}

var timestampField = []byte(`"timestamp":"`)

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPath) {
		rc.control(w, r)
		return
	}
	var buf [512]byte
	n, _ := io.ReadFull(r.Body, buf[:])
	if n == len(buf) {
		io.Copy(io.Discard, r.Body)
	}
	now := time.Now().UnixNano()
	rc.count.Add(1)
	rc.mark(now)
	if p := rc.pairs.Load(); p != nil {
		p.add(r.URL.Path, r.Header.Get("webhook-id"), now)
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
	rc.rec.Store(rec)
	if rc.remote {
		q := "none"
		if rec != nil {
			q = "arrival&cap=" + strconv.Itoa(len(rec.vals))
			if rec.sinceTrigger {
				q = "since&cap=" + strconv.Itoa(len(rec.vals))
			}
		}
		rc.get("reset?record=" + q)
		return
	}
	rc.count.Store(0)
	rc.first.Store(0)
	rc.last.Store(0)
}

// stats returns the requests counted since reset and the first and last
// arrival (unix ns).
func (rc *receiver) stats() (count, first, last int64) {
	if !rc.remote {
		return rc.count.Load(), rc.first.Load(), rc.last.Load()
	}
	f := strings.Fields(string(rc.get("stats")))
	if len(f) == 3 {
		count, _ = strconv.ParseInt(f[0], 10, 64)
		first, _ = strconv.ParseInt(f[1], 10, 64)
		last, _ = strconv.ParseInt(f[2], 10, 64)
	}
	return count, first, last
}

// controlPath starts the paths by which the bench drives a receiver of the
// receiver process; hookd's sends go to /hooks/…, the raw ceiling's to /raw.
const controlPath = "/_bench/"

// control answers the bench process: reset (with what to record), stats
// ("count first last") and values (the recorded figures, one a line).
func (rc *receiver) control(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path[len(controlPath):] {
	case "reset":
		var rec *recorder
		if mode := r.URL.Query().Get("record"); mode != "none" {
			n, _ := strconv.Atoi(r.URL.Query().Get("cap"))
			rec = newRecorder(n, mode == "since")
		}
		rc.reset(rec)
	case "stats":
		fmt.Fprintf(w, "%d %d %d", rc.count.Load(), rc.first.Load(), rc.last.Load())
	case "values":
		var b []byte
		if rec := rc.rec.Load(); rec != nil {
			for _, v := range rec.values() {
				b = strconv.AppendInt(b, v, 10)
				b = append(b, '\n')
			}
		}
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

// get makes a control request to a receiver of the receiver process; an
// error reads as an empty answer (the counts then stay at zero and the
// scenario times out saying so).
func (rc *receiver) get(what string) []byte {
	resp, err := controlClient.Get(rc.url + controlPath + what)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

var controlClient = &http.Client{Timeout: 10 * time.Second}

// collect fills rec with what the receivers of the receiver process
// recorded (in-process receivers record into it as they go).
func (rs receivers) collect(rec *recorder) {
	for _, r := range rs {
		if !r.remote || rec == nil {
			continue
		}
		for _, line := range strings.Fields(string(r.get("values"))) {
			if v, err := strconv.ParseInt(line, 10, 64); err == nil {
				rec.add(v)
			}
		}
	}
}

func (rc *receiver) close() {
	if rc.remote {
		return // the receiver process ends with the bench
	}
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
		c, _, _ := r.stats()
		n += c
	}
	return n
}

// span returns the first and last arrival over all receivers since reset.
func (rs receivers) span() (first, last time.Time) {
	var f, l int64
	for _, r := range rs {
		_, rf, rl := r.stats()
		if rf != 0 && (f == 0 || rf < f) {
			f = rf
		}
		if rl > l {
			l = rl
		}
	}
	return time.Unix(0, f), time.Unix(0, l)
}

// waitFor waits until the receivers have counted n requests.
func (rs receivers) waitFor(ctx context.Context, n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for rs.count() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s with %d of %d deliveries received", timeout, rs.count(), n)
		}
		poll := 2 * time.Millisecond
		if len(rs) > 0 && rs[0].remote {
			// Over HTTP: a poll costs this process CPU, which the
			// figures count as hookd's. The rate is read from the
			// receivers' own clocks, not from when the wait ends.
			poll = 25 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	return nil
}

// receiverChildEnv, set to a count, makes hookd bench the receiver
// process of --receiver-process: it starts that many receivers, prints
// their URLs one a line, and serves until its standard input closes.
const receiverChildEnv = "HOOKD_BENCH_RECEIVER_PROCESS"

func serveReceiverChild(n int, stdin io.Reader, stdout io.Writer) error {
	rs, close, err := startReceivers(n)
	if err != nil {
		return err
	}
	defer close()
	for _, rc := range rs {
		fmt.Fprintln(stdout, rc.url)
	}
	io.Copy(io.Discard, stdin) // until the bench process ends
	return nil
}

// startReceiverProcess starts n receivers in a child process (this binary,
// as the receiver process) and returns them and the child's process ID;
// stop ends it.
func startReceiverProcess(n int) (rs receivers, pid int, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, 0, nil, err
	}
	cmd := exec.Command(exe, "bench")
	cmd.Env = append(os.Environ(), receiverChildEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, 0, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, nil, err
	}
	stop = func() {
		in.Close()
		cmd.Wait()
	}
	lines := bufio.NewScanner(out)
	for len(rs) < n && lines.Scan() {
		rs = append(rs, &receiver{url: lines.Text(), remote: true})
	}
	if len(rs) < n {
		stop()
		return nil, 0, nil, fmt.Errorf("the receiver process started %d of %d receivers", len(rs), n)
	}
	return rs, cmd.Process.Pid, stop, nil
}
