package dispatch

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/netguard"
)

// maxResponseRead is how much of a receiver's answer's body is read; the
// rest is dropped with the connection (contract §4).
const maxResponseRead = 64 << 10

// maxResponseHeader is how much of an answer's status line and headers is
// read, 1xx informational answers before it included; more is a failed
// delivery (contract §4). net/http's default is 10 MiB.
const maxResponseHeader = 64 << 10

// httpTransport is the default Transport: a POST with net/http, signed as
// Standard Webhooks says, that follows no redirect and reads at most
// maxResponseHeader bytes of the answer's head and maxResponseRead of its
// body, so that what a send holds does not grow with what a receiver sends.
type httpTransport struct {
	rt      http.RoundTripper
	timeout time.Duration // Config.Timeout, named in the error of a send that runs out of it
	// userAgent is the User-Agent header value, shared by the sends.
	userAgent []string
	// fast sends to http:// URLs (fasthttp.go); nil when
	// HOOKD_HTTP_CLIENT=net/http (useFastHTTP), and then net/http sends to
	// them too.
	fast *fastTransport
}

// receiverDialer is how both HTTP clients dial receivers: cfg.DialContext
// (netguard's SSRF-safe dialer when hookd serve runs), or a plain
// net.Dialer when nil.
func receiverDialer(cfg Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if cfg.DialContext != nil {
		return cfg.DialContext
	}
	return (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext
}

// newHTTPTransport returns the HTTP transport of cfg: it dials with
// cfg.DialContext (netguard's SSRF-safe dialer when hookd serve runs; a
// plain net.Dialer when nil) and keeps as many connections as the scheduler
// lets sends run.
func newHTTPTransport(cfg Config) *httpTransport {
	dial := receiverDialer(cfg)
	var fast *fastTransport
	if ok, _ := useFastHTTP(); ok {
		fast = newFastTransport(cfg)
	}
	return &httpTransport{
		fast:      fast,
		timeout:   cfg.Timeout,
		userAgent: []string{cfg.UserAgent},
		rt: &http.Transport{
			Proxy:                 nil, // webhooks go straight to their URL: a proxy would bypass the SSRF checks
			DialContext:           dial,
			MaxIdleConns:          cfg.MaxConcurrency,
			MaxIdleConnsPerHost:   cfg.MaxPerHost,
			MaxConnsPerHost:       cfg.MaxPerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   cfg.Timeout,
			ExpectContinueTimeout: 0,
			// Over HTTP/1 this bounds the status line, the headers and the
			// 1xx answers before them together; over HTTP/2 net/http turns it
			// into the header list size hookd advertises and enforces.
			MaxResponseHeaderBytes: maxResponseHeader,
			// HTTP/2 is negotiated with https receivers that offer it (no h2c
			// over plain http). Its transport buffers what a receiver sends
			// ahead of the reader up to the stream's flow-control window, 4
			// MiB by default: a window of what is read anyway keeps that
			// buffer at maxResponseRead per send.
			ForceAttemptHTTP2: true,
			HTTP2:             &http.HTTP2Config{MaxReceiveBufferPerStream: maxResponseRead},
			TLSClientConfig:   &tls.Config{MinVersion: tls.VersionTLS12},
			// No Accept-Encoding is sent and a compressed answer is not
			// inflated: a gzip bomb stays the 64 KiB read of it.
			DisableCompression: true,
		},
	}
}

// Send posts one signed delivery. ctx's deadline covers the whole exchange,
// reading the answer included.
func (h *httpTransport) Send(ctx context.Context, m Message) (a Attempt) {
	// fasthttp for http://, but for a host name that is not ASCII, which
	// net/http turns into its punycode to dial it and name it in Host.
	if h.fast != nil && m.URL.Scheme == "http" && asciiHost(m.URL.Host) {
		return h.fast.Send(ctx, m)
	}
	start := time.Now()
	defer func() { a.Duration = time.Since(start) }()
	// The request as http.NewRequestWithContext makes it, with the URL
	// parsed once per webhook, the header values that do not change shared
	// (the transport only reads them) and the rest in a reused sendState.
	st := sendStates.Get().(*sendState)
	req := st.prepare(h, m).WithContext(ctx)
	// The round tripper directly, not an http.Client: a redirect is an
	// answer (and a failure) anyway, and the client's redirect bookkeeping
	// costs a header copy per send.
	resp, err := h.rt.RoundTrip(req)
	if err != nil {
		st.release()
		return Attempt{Status: hookd.StatusFailed, Error: describeError(err, h.timeout)}
	}
	answer, rerr := readAnswer(resp.Body)
	resp.Body.Close()
	st.release()
	a = Attempt{StatusCode: resp.StatusCode, Response: answer, ResponseHeaders: loggedHeaders(resp.Header), Answered: true}
	a.Status, a.Error = outcome(resp.StatusCode, resp.Header.Get("Location"), rerr, h.timeout)
	return a
}

// outcome is what an answer with status code makes of a delivery, and why
// it failed: rerr is the error reading its body, if any; location is its
// Location header. Both clients (and fasthttp.go) judge answers with it.
func outcome(code int, location string, rerr error, timeout time.Duration) (status, why string) {
	switch {
	case rerr != nil:
		return hookd.StatusFailed, "HTTP " + strconv.Itoa(code) + ", then reading the answer failed: " + describeError(rerr, timeout)
	case code >= 200 && code < 300:
		return hookd.StatusDelivered, ""
	case code >= 300 && code < 400:
		return hookd.StatusFailed, fmt.Sprintf("HTTP %d: redirect to %q not followed; point the webhook at the final URL", code, location)
	default:
		return hookd.StatusFailed, "HTTP " + strconv.Itoa(code) + " " + http.StatusText(code)
	}
}

// CloseIdleConnections closes the connections kept for the next sends;
// Dispatcher.Close calls it.
func (h *httpTransport) CloseIdleConnections() {
	if c, ok := h.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	if h.fast != nil {
		h.fast.CloseIdleConnections()
	}
}

func asciiHost(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

var contentTypeJSON = []string{"application/json"}

// sendState is what a send's request is made of, kept for the next send
// once the answer's body is closed: the request, its header map and values
// and its body reader, so that a send allocates only what WithContext copies
// and what the answer brings.
type sendState struct {
	req    http.Request
	header http.Header
	// ts and sig are the webhook-timestamp and webhook-signature values;
	// unix is the second ts[0] says.
	ts, sig, id []string
	unix        int64
	body        bodyReader
}

var sendStates = sync.Pool{New: func() any {
	st := &sendState{ts: []string{""}, sig: []string{""}, unix: -1}
	st.header = http.Header{
		"Content-Type":      contentTypeJSON,
		"User-Agent":        nil,
		"webhook-id":        nil,
		"webhook-timestamp": st.ts,
		"webhook-signature": st.sig,
	}
	st.req = http.Request{Method: http.MethodPost, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: st.header, GetBody: st.body.again}
	return st
}}

// prepare fills st's request with m's URL, headers and body.
func (st *sendState) prepare(h *httpTransport, m Message) *http.Request {
	id := m.idHeader
	if id == nil {
		id = []string{m.TriggerID}
	}
	// Header names as the contract and Standard Webhooks spell them.
	st.header["User-Agent"] = h.userAgent
	st.header["webhook-id"] = id
	if unix := m.Timestamp.Unix(); unix != st.unix {
		st.ts[0], st.unix = strconv.FormatInt(unix, 10), unix
	}
	st.sig[0] = m.Signature()
	st.body.b = m.Body
	st.body.Reset(m.Body)
	st.body.closed.Store(false)
	r := &st.req
	r.URL, r.Host = m.URL, m.URL.Host
	r.Body, r.ContentLength = &st.body, int64(len(m.Body))
	return r
}

// release keeps st for another send if the transport is done with its
// request: it closes the body once it has written it or given up on it (a
// RoundTripper may do so after RoundTrip returns, in another goroutine), and
// it reads the header before the body. Otherwise st is left to the GC.
func (st *sendState) release() {
	if st.body.closed.Load() {
		sendStates.Put(st)
	}
}

// bodyReader is a request's body: the envelope, shared by the trigger's
// sends, read from the start.
type bodyReader struct {
	bytes.Reader
	b      []byte
	closed atomic.Bool // the transport is done with it
}

func (r *bodyReader) Close() error {
	r.closed.Store(true)
	return nil
}

// again is the request's GetBody, for the transport's retry of a request
// that a reused connection lost before any of it was written.
func (r *bodyReader) again() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(r.b)), nil
}

// readAnswer reads at most maxResponseRead bytes of an answer's body and
// returns the start of it that the delivery log keeps. Only that start is
// held: the rest of what is read is discarded as it comes, so that a send
// holds about 1 KiB of a body whatever the receiver sends. An error reading
// the body (a timeout, a body cut short of its Content-Length, a broken
// chunked encoding) is returned with what came before it.
func readAnswer(r io.Reader) (string, error) {
	head := heads.Get().(*[loggedHead]byte)
	defer heads.Put(head)
	n, err := readFull(r, head[:])
	if err == nil && n == len(head) {
		_, err = io.CopyN(io.Discard, r, maxResponseRead-int64(n))
		if err == io.EOF {
			err = nil
		}
	}
	return logged(head[:n]), err
}

// loggedHead is how much of a body readAnswer holds: what the log keeps,
// and the bytes that tell a rune cut by the limit.
const loggedHead = hookd.MaxLoggedResponse + utf8.UTFMax

// heads are readAnswer's buffers, reused: a send's would escape to the heap
// (it is passed to a Reader), a KiB per send.
var heads = sync.Pool{New: func() any { return new([loggedHead]byte) }}

// readFull is io.ReadFull without turning a short read into
// io.ErrUnexpectedEOF, which would hide the one net/http returns for a body
// shorter than its Content-Length: it stops at the end of b or of r (no
// error).
func readFull(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// logged keeps at most MaxLoggedResponse bytes of an answer, cut at a UTF-8
// boundary, with each invalid byte replaced by U+FFFD.
func logged(b []byte) string {
	if len(b) > hookd.MaxLoggedResponse {
		b = b[:hookd.MaxLoggedResponse]
		for len(b) > 0 && b[len(b)-1]&0xc0 == 0x80 {
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] >= 0xc0 {
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if len(s) > hookd.MaxLoggedResponse {
		// A replaced byte takes three: cut again, before the rune that
		// crosses the limit.
		i := hookd.MaxLoggedResponse
		for !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

// describeError turns a transport error into a message a person can act on.
func describeError(err error, timeout time.Duration) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var opErr *net.OpError
	switch {
	case errors.Is(err, netguard.ErrNotPublic) && errors.As(err, &opErr):
		// The dialler's address check refused it: say so without the
		// "dial tcp …:" wrapping, which reads like a network failure.
		return "not sent: " + opErr.Err.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return hookd.TimeoutReason(timeout)
	case errors.As(err, &dnsErr):
		return "DNS lookup failed: " + dnsErr.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens at that address"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the receiver"
	case errors.As(err, &certErr):
		return "TLS certificate not trusted: " + certErr.Err.Error()
	case errors.As(err, &recErr):
		return "TLS handshake failed: the receiver did not answer with TLS (is the URL http rather than https?)"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the receiver closed the connection without a complete answer"
	case headTooLarge(err):
		return "the answer's status line and headers are larger than " + strconv.Itoa(maxResponseHeader>>10) +
			" KiB (any 1xx informational answers before it included); hookd reads no more of them"
	case strings.Contains(err.Error(), "connection error: PROTOCOL_ERROR") || strings.Contains(err.Error(), "connection error: COMPRESSION_ERROR"):
		// What net/http's HTTP/2 transport ends the connection with when a
		// header block or a header in it is over the limit, as when the
		// receiver breaks the protocol: it does not tell them apart.
		return "HTTP/2 answer refused: its headers are larger than " + strconv.Itoa(maxResponseHeader>>10) +
			" KiB, or the receiver broke the protocol (" + err.Error() + ")"
	case err.Error() == "header line too long":
		// net/http's chunked reader, on a chunk-size line over 4 KiB.
		return "malformed chunked body: a chunk-size line is longer than 4 KiB"
	case strings.Contains(err.Error(), "chunk"):
		return "malformed chunked body (" + err.Error() + ")"
	case strings.Contains(err.Error(), "malformed HTTP"):
		// net/http has no error type for this; its message names the bad part.
		msg := err.Error()
		return "malformed HTTP response: the receiver did not answer with HTTP/1.x (" + msg[strings.Index(msg, "malformed HTTP"):] + ")"
	}
	return err.Error()
}

// headTooLarge is whether err is net/http's refusal of an answer's head over
// maxResponseHeader, which has no error value: over HTTP/1, and over HTTP/2
// for a header block or for the 1xx answers before the final one.
func headTooLarge(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "server response headers exceeded") ||
		strings.Contains(msg, "response header list larger than advertised limit") ||
		strings.HasSuffix(msg, "; header list too large")
}
