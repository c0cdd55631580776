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
}

// newHTTPTransport returns the HTTP transport of cfg: it dials with
// cfg.DialContext (netguard's SSRF-safe dialer when hookd serve runs; a
// plain net.Dialer when nil) and keeps as many connections as the scheduler
// lets sends run.
func newHTTPTransport(cfg Config) *httpTransport {
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext
	}
	return &httpTransport{
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
	start := time.Now()
	defer func() { a.Duration = time.Since(start) }()
	// The request as http.NewRequestWithContext makes it, with the URL
	// parsed once per webhook and the header values that do not change
	// shared (the transport only reads them).
	body := m.Body
	req := (&http.Request{
		Method: http.MethodPost, URL: m.URL, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: m.URL.Host, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	}).WithContext(ctx)
	id := m.idHeader
	if id == nil {
		id = []string{m.TriggerID}
	}
	// Header names as the contract and Standard Webhooks spell them.
	req.Header = http.Header{
		"Content-Type":      contentTypeJSON,
		"User-Agent":        h.userAgent,
		"webhook-id":        id,
		"webhook-timestamp": {strconv.FormatInt(m.Timestamp.Unix(), 10)},
		"webhook-signature": {m.Signature()},
	}
	// The round tripper directly, not an http.Client: a redirect is an
	// answer (and a failure) anyway, and the client's redirect bookkeeping
	// costs a header copy per send.
	resp, err := h.rt.RoundTrip(req)
	if err != nil {
		return Attempt{Status: hookd.StatusFailed, Error: describeError(err, h.timeout)}
	}
	defer resp.Body.Close()
	answer, rerr := readAnswer(resp.Body)
	a = Attempt{StatusCode: resp.StatusCode, Response: answer, ResponseHeaders: loggedHeaders(resp.Header), Answered: true}
	switch {
	case rerr != nil:
		a.Status = hookd.StatusFailed
		a.Error = "HTTP " + strconv.Itoa(resp.StatusCode) + ", then reading the answer failed: " + describeError(rerr, h.timeout)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		a.Status = hookd.StatusDelivered
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Status = hookd.StatusFailed
		a.Error = fmt.Sprintf("HTTP %d: redirect to %q not followed; point the webhook at the final URL", resp.StatusCode, resp.Header.Get("Location"))
	default:
		a.Status = hookd.StatusFailed
		a.Error = "HTTP " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	return a
}

var contentTypeJSON = []string{"application/json"}

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
