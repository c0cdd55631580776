package dispatch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/valyala/fasthttp"
)

// fastTransport sends to http:// receivers with valyala/fasthttp's request
// writer and head parser, for httpTransport, which keeps net/http for
// https:// ones (HTTP/2, TLS). It keeps every rule of net/http's transport
// as httpTransport sets it: the same dialer (netguard's), one deadline for
// the whole exchange, at most maxResponseHeader bytes of heads (1xx answers
// included) and maxResponseRead of body, no redirect followed, keep-alive
// with at most MaxPerHost connections a host (idle ones closed after 90 s),
// the same headers and the same error wording (describeError). It reads the
// answer itself, a chunked body with net/http's own chunked reader, so that a
// hostile answer fails as it does over net/http. What it saves is net/http's
// two goroutines a connection and the hand-offs between them, and most of
// its allocations.
type fastTransport struct {
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	perHost int
	ua      string
	hosts   sync.Map // host:port → *fastHost

	mu       sync.Mutex
	sweeping bool          // the sweep of idle connections runs
	stop     chan struct{} // ends it
}

// smallHead is the read buffer of a connection: most answers' heads fit;
// a longer one is read again with a buffer of maxResponseHeader.
const smallHead = 4 << 10

// maxIdle is how long a connection is kept idle, as net/http's
// IdleConnTimeout in httpTransport.
const maxIdle = 90 * time.Second

func newFastTransport(cfg Config) *fastTransport {
	return &fastTransport{timeout: cfg.Timeout, dial: receiverDialer(cfg), perHost: cfg.MaxPerHost, ua: cfg.UserAgent}
}

// countedConn is a receiver's connection, which counts what it read (to
// bound the heads of an answer) and knows whether a request went over it
// before (a reused connection the receiver closed while idle is retried once).
type countedConn struct {
	net.Conn
	read int64
	used bool
	idle time.Time // when it was last put back
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read += int64(n)
	return n, err
}

// fastHost is the connections to one host:port: at most perHost of them
// (slots), the idle ones last used first.
type fastHost struct {
	slots chan struct{}
	mu    sync.Mutex
	idle  []*countedConn
}

func (f *fastTransport) host(addr string) *fastHost {
	if h, ok := f.hosts.Load(addr); ok {
		return h.(*fastHost)
	}
	h, _ := f.hosts.LoadOrStore(addr, &fastHost{slots: make(chan struct{}, f.perHost)})
	return h.(*fastHost)
}

// acquire returns a connection to addr by deadline: an idle one, or a new
// one once fewer than perHost are open.
func (f *fastTransport) acquire(h *fastHost, addr string, deadline time.Time) (*countedConn, error) {
	select {
	case h.slots <- struct{}{}:
	default:
		t := time.NewTimer(time.Until(deadline))
		select {
		case h.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return nil, context.DeadlineExceeded
		}
	}
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		c := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return c, nil
	}
	h.mu.Unlock()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c, err := f.dial(ctx, "tcp", addr)
	if err != nil {
		<-h.slots
		return nil, err
	}
	return &countedConn{Conn: c}, nil
}

// release puts c back idle when reuse, or closes it; either frees its slot.
func (f *fastTransport) release(h *fastHost, c *countedConn, reuse bool) {
	if reuse {
		c.idle = time.Now()
		h.mu.Lock()
		h.idle = append(h.idle, c)
		h.mu.Unlock()
		f.mu.Lock()
		if !f.sweeping {
			f.sweeping, f.stop = true, make(chan struct{})
			go f.sweep(f.stop)
		}
		f.mu.Unlock()
	} else {
		c.Close()
	}
	<-h.slots
}

// sweep closes the connections idle for maxIdle, until none is left idle or
// CloseIdleConnections.
func (f *fastTransport) sweep(stop chan struct{}) {
	t := time.NewTicker(maxIdle / 9)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			left := 0
			f.hosts.Range(func(_, v any) bool {
				h := v.(*fastHost)
				h.mu.Lock()
				keep := h.idle[:0]
				for _, c := range h.idle {
					if now.Sub(c.idle) > maxIdle {
						c.Close()
					} else {
						keep = append(keep, c)
					}
				}
				clear(h.idle[len(keep):])
				h.idle = keep
				left += len(keep)
				h.mu.Unlock()
				return true
			})
			f.mu.Lock()
			if left == 0 && f.stop == stop {
				f.sweeping = false
				f.mu.Unlock()
				return
			}
			f.mu.Unlock()
		}
	}
}

// CloseIdleConnections closes the idle connections and ends their sweep.
func (f *fastTransport) CloseIdleConnections() {
	f.mu.Lock()
	if f.sweeping {
		close(f.stop)
		f.sweeping = false
	}
	f.mu.Unlock()
	f.hosts.Range(func(_, v any) bool {
		h := v.(*fastHost)
		h.mu.Lock()
		for _, c := range h.idle {
			c.Close()
		}
		clear(h.idle)
		h.idle = h.idle[:0]
		h.mu.Unlock()
		return true
	})
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, smallHead) }}
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, smallHead) }}

var fastRequests = sync.Pool{New: func() any {
	r := &fasthttp.Request{}
	r.Header.DisableNormalizing()
	r.URI().DisablePathNormalizing = true
	return r
}}

var fastHeads = sync.Pool{New: func() any {
	h := &fasthttp.ResponseHeader{}
	h.DisableNormalizing()
	h.SetNoDefaultContentType(true)
	return h
}}

// Send posts one signed delivery to an http:// URL.
func (f *fastTransport) Send(ctx context.Context, m Message) (a Attempt) {
	start := time.Now()
	defer func() { a.Duration = time.Since(start) }()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = start.Add(f.timeout)
	}
	port := m.URL.Port()
	if port == "" {
		port = "80"
	}
	addr := net.JoinHostPort(m.URL.Hostname(), port)
	h := f.host(addr)

	req := fastRequests.Get().(*fasthttp.Request)
	defer func() {
		req.SetBodyRaw(nil) // the envelope is the trigger's: not held by the pool
		fastRequests.Put(req)
	}()
	f.prepare(req, m)
	head := fastHeads.Get().(*fasthttp.ResponseHeader)
	defer fastHeads.Put(head)

	for try := 0; ; try++ {
		a, retry := f.exchange(h, addr, req, head, deadline)
		if !retry || try > 0 {
			return a
		}
	}
}

// prepare fills req as httpTransport's request is made: the same request
// line, Host, User-Agent, Content-Type, Content-Length and Standard Webhooks
// headers (names spelt as the contract spells them), no Accept-Encoding.
func (f *fastTransport) prepare(req *fasthttp.Request, m Message) {
	req.Header.ResetConnectionClose()
	req.Header.SetMethod(http.MethodPost)
	req.SetRequestURI(m.URL.RequestURI())
	req.Header.SetHost(m.URL.Host)
	req.UseHostHeader = true
	req.Header.SetUserAgent(f.ua)
	req.Header.SetContentType("application/json")
	req.Header.Set("webhook-id", m.TriggerID)
	var ts [20]byte
	req.Header.SetBytesV("webhook-timestamp", strconv.AppendInt(ts[:0], m.Timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", m.Signature())
	req.SetBodyRaw(m.Body)
}

// exchange makes one request over a connection to addr, and says whether to
// make it again: when a connection that served requests before was closed by
// the receiver before any byte of the answer (it closed it while idle, as
// net/http's transport notices by reading idle connections).
func (f *fastTransport) exchange(h *fastHost, addr string, req *fasthttp.Request, head *fasthttp.ResponseHeader, deadline time.Time) (Attempt, bool) {
	fail := func(err error) Attempt {
		if errors.Is(err, fasthttp.ErrTimeout) {
			err = context.DeadlineExceeded
		}
		return Attempt{Status: hookd.StatusFailed, Error: describeError(err, f.timeout)}
	}
	left := time.Until(deadline)
	if left <= 0 {
		return fail(context.DeadlineExceeded), false
	}
	conn, err := f.acquire(h, addr, deadline)
	if err != nil {
		return fail(err), false
	}
	reused := conn.used
	conn.used = true
	if err := conn.SetDeadline(deadline); err != nil {
		f.release(h, conn, false)
		return fail(err), false
	}
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(conn)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writers.Put(bw)
	if err != nil {
		f.release(h, conn, false)
		return fail(err), reused && !isTimeout(err)
	}

	br := readers.Get().(*bufio.Reader)
	br.Reset(conn)
	pooled := br
	start := conn.read
	big := false
	// The first byte on its own: fasthttp's head reader turns any error
	// there into io.EOF, a reset connection included.
	_, err = br.Peek(1)
	for err == nil {
		err = head.Read(br)
		var small *fasthttp.ErrSmallBuffer
		if errors.As(err, &small) && !big {
			// The head is longer than smallHead: read it again from a
			// buffer of maxResponseHeader (the connection is closed after).
			held, _ := br.Peek(br.Buffered())
			br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(held)), conn), maxResponseHeader)
			big, err = true, nil
			continue
		}
		if err != nil {
			break
		}
		if used := conn.read - int64(br.Buffered()) - start; used > maxResponseHeader {
			err = errHeadTooLarge
			break
		}
		if c := head.StatusCode(); c < 100 || c > 199 || c == http.StatusSwitchingProtocols {
			break
		}
	}
	if err != nil {
		pooled.Reset(nil)
		readers.Put(pooled)
		f.release(h, conn, false)
		var small *fasthttp.ErrSmallBuffer
		switch {
		case errors.As(err, &small):
			err = errHeadTooLarge
		case isTimeout(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, errHeadTooLarge):
		default:
			// fasthttp's head parser refused it.
			err = errors.New("malformed HTTP response: " + err.Error())
		}
		if conn.read == start && (err == io.EOF || errors.Is(err, syscall.ECONNRESET)) {
			// Nothing of an answer: a reused connection the receiver had
			// closed while it was idle is worth one new connection. (A
			// receiver that took the request and then closed without an
			// answer gets it twice, as at-least-once allows; webhook-id
			// tells the copies apart.)
			return fail(err), reused
		}
		return fail(err), false
	}

	code := head.StatusCode()
	a := Attempt{StatusCode: code, ResponseHeaders: fastLoggedHeaders(head), Answered: true}
	body := f.body(br, head)
	answer, rerr := readAnswer(body.r)
	a.Response = answer
	reuse := rerr == nil && body.done() && !head.ConnectionClose() && br.Buffered() == 0 && !big && code != http.StatusSwitchingProtocols
	pooled.Reset(nil)
	readers.Put(pooled)
	f.release(h, conn, reuse)
	a.Status, a.Error = outcome(code, string(head.Peek("Location")), rerr, f.timeout)
	return a, false
}

// errHeadTooLarge is the refusal of an answer whose heads are over
// maxResponseHeader, worded by describeError as net/http's.
var errHeadTooLarge = errors.New("net/http: server response headers exceeded " + strconv.Itoa(maxResponseHeader) + " bytes; aborted")

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// answerBody is the body of an answer as its head frames it.
type answerBody struct {
	r    io.Reader
	left int64 // of a Content-Length body
	kind int   // fasthttp's ContentLength: ≥ 0, -1 chunked, -2 until the connection closes
	cr   *chunked
}

func (b *answerBody) done() bool {
	switch {
	case b.kind >= 0:
		return b.left == 0
	case b.kind == -1:
		return b.cr.ended
	}
	return false
}

func (f *fastTransport) body(br *bufio.Reader, head *fasthttp.ResponseHeader) *answerBody {
	b := &answerBody{kind: head.ContentLength()}
	code := head.StatusCode()
	switch {
	case code == http.StatusNoContent || code == http.StatusNotModified || (code >= 100 && code < 200):
		b.kind, b.r = 0, eof{}
	case b.kind >= 0:
		b.left = int64(b.kind)
		b.r = &clBody{b: b, r: br}
	case b.kind == -1:
		b.cr = &chunked{br: br, r: httputil.NewChunkedReader(br)}
		b.r = b.cr
	default:
		b.r = br
	}
	return b
}

type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// clBody reads a Content-Length body: a short one is io.ErrUnexpectedEOF, as
// net/http says.
type clBody struct {
	b *answerBody
	r io.Reader
}

func (c *clBody) Read(p []byte) (int, error) {
	b := c.b
	if b.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := c.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF && b.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// chunked is a chunked body read with net/http's own chunked reader, then
// its trailer as net/http reads it (at most 4 KiB, or the same error).
type chunked struct {
	br    *bufio.Reader
	r     io.Reader
	ended bool
}

var errLongTrailer = errors.New("http: suspiciously long trailer after chunked body")

func (c *chunked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != io.EOF {
		return n, err
	}
	// The last chunk: then trailer fields, up to an empty line.
	read := 0
	for {
		line, lerr := c.br.ReadSlice('\n')
		read += len(line)
		if read > 4<<10 || lerr == bufio.ErrBufferFull {
			return n, errLongTrailer
		}
		if lerr != nil {
			if lerr == io.EOF {
				lerr = io.ErrUnexpectedEOF
			}
			return n, lerr
		}
		if len(line) <= 2 && len(bytes.TrimRight(line, "\r\n")) == 0 {
			c.ended = true
			return n, io.EOF
		}
	}
}

// fastLoggedHeaders is loggedHeaders of a fasthttp head, with the header
// net/http would give: without Transfer-Encoding and Trailer (the framing),
// nor a Connection that says close.
func fastLoggedHeaders(head *fasthttp.ResponseHeader) string {
	h := http.Header{}
	for k, v := range head.All() {
		name := http.CanonicalHeaderKey(string(k))
		switch name {
		case "Transfer-Encoding", "Trailer":
			continue
		case "Connection":
			if head.ConnectionClose() {
				continue
			}
		}
		h[name] = append(h[name], string(v))
	}
	return loggedHeaders(h)
}
