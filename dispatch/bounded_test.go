package dispatch

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// Whatever a receiver answers, hookd reads at most 64 KiB of its status line
// and headers (more is a failed delivery, with an error that says so) and
// at most 64 KiB of its body (the rest is not read: the status decides), all
// within the one deadline of the send (contract §4). Each receiver below is
// one way of sending more than that; cutOff cases check that hookd closed the
// connection before the receiver could write its whole answer.
func TestAnswersAreBounded(t *testing.T) {
	const tenMiB = 10 << 20
	const ok = "HTTP/1.1 200 OK\r\n"
	bomb := gzipped(t, make([]byte, tenMiB))
	tooLarge := "the answer's status line and headers are larger than 64 KiB"
	cases := []struct {
		name   string
		answer func(io.Writer) error
		status string
		code   int      // 0: no HTTP answer
		err    []string // what the error says
		cutOff bool     // hookd closes the connection before the answer is over
		// check, when set, says what else is wrong with the delivery and the
		// receiver's connection, or "".
		check func(d hookd.Delivery, rc rawConn) string
	}{
		{"status line without end", endless("HTTP/1.1 200 ", "x"),
			hookd.StatusFailed, 0, []string{tooLarge}, true, nil},
		{"one header line without end", endless(ok+"X-Big: ", "a"),
			hookd.StatusFailed, 0, []string{tooLarge}, true, nil},
		{"small headers without end", endless(ok, "X-A: b\r\n"),
			hookd.StatusFailed, 0, []string{tooLarge}, true, nil},
		{"100 Continue without end", endless("", "HTTP/1.1 100 Continue\r\n\r\n"),
			hookd.StatusFailed, 0, []string{tooLarge, "1xx"}, true, nil},
		{"103 Early Hints without end", endless("", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"),
			hookd.StatusFailed, 0, []string{tooLarge}, true, nil},
		{"headers dripped a byte at a time", dripped(ok+"X-Drip: ", 'a', 10*time.Millisecond),
			hookd.StatusFailed, 0, []string{"timed out after 2s"}, true, nil},
		{"60 KiB of headers are read", fixed("HTTP/1.1 204 No Content\r\n" + headers(60, 1000) + "\r\n"),
			hookd.StatusDelivered, 204, nil, false, nil},
		{"200 with a 10 MiB body", sized(ok+"Content-Length: "+strconv.Itoa(tenMiB)+"\r\n\r\n", tenMiB),
			hookd.StatusDelivered, 200, nil, true, nil},
		{"500 with a 10 MiB body", sized("HTTP/1.1 500 Internal Server Error\r\nContent-Length: "+strconv.Itoa(tenMiB)+"\r\n\r\n", tenMiB),
			hookd.StatusFailed, 500, []string{"HTTP 500 Internal Server Error"}, true, nil},
		{"200 with a body until the connection closes", endless(ok+"Connection: close\r\n\r\n", "x"),
			hookd.StatusDelivered, 200, nil, true, nil},
		{"200 with chunks without end", endless(ok+"Transfer-Encoding: chunked\r\n\r\n", "400\r\n"+strings.Repeat("c", 1024)+"\r\n"),
			hookd.StatusDelivered, 200, nil, true, nil},
		{"a chunk-size line without end", endless(ok+"Transfer-Encoding: chunked\r\n\r\n5;ext=", "x"),
			hookd.StatusFailed, 200, []string{"malformed chunked body", "chunk-size line is longer than 4 KiB"}, true, nil},
		{"a trailer without end", endless(ok+"Transfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\nX-Trailer: ", "t"),
			hookd.StatusFailed, 200, []string{"malformed chunked body", "trailer"}, true, nil},
		{"a gzip bomb is not inflated", fixed(ok + "Content-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(bomb)) + "\r\n\r\n" + string(bomb)),
			hookd.StatusDelivered, 200, nil, false, func(d hookd.Delivery, rc rawConn) string {
				if ae := rc.req.Header.Get("Accept-Encoding"); ae != "" {
					return "the request asked for Accept-Encoding " + ae
				}
				if !strings.HasPrefix(d.Response, "\x1f") {
					return "the answer was logged as " + strconv.Quote(d.Response[:min(16, len(d.Response))]) + "…, want its compressed bytes"
				}
				return ""
			}},
		{"a Content-Length longer than the body", fixed(ok + "Content-Length: 1000\r\n\r\nonly this"),
			hookd.StatusFailed, 200, []string{"closed the connection without a complete answer"}, false, nil},
		{"a Content-Length shorter than the body", sized(ok+"Connection: close\r\nContent-Length: 2\r\n\r\nOK", tenMiB),
			hookd.StatusDelivered, 200, nil, true, func(d hookd.Delivery, _ rawConn) string {
				if d.Response != "OK" {
					return "the answer was logged as " + strconv.Quote(d.Response[:min(16, len(d.Response))]) + "…, want the 2 bytes it declared"
				}
				return ""
			}},
	}

	// What a cut off receiver manages to write: the 128 KiB hookd reads at
	// most, and what the sockets' buffers hold (about 50 KiB here, as the
	// receiver's send buffer is small and hookd's receive buffer does not
	// grow when it stops reading), with a wide margin for other kernels.
	const socketSlack = 2 << 20
	e := newEnv(t)
	cfg := e.config("node-a")
	cfg.Timeout = 2 * time.Second // the dripping receiver's end; room for the others on a busy machine
	receivers := make([]*rawReceiver, len(cases))
	ids := make([]string, len(cases))
	for i, c := range cases {
		receivers[i] = newRawReceiver(t, c.answer)
		ids[i] = e.webhook(receivers[i].URL).ID
	}
	e.trigger()
	e.tick(e.start(cfg))

	for i, c := range cases {
		ds := e.deliveries(ids[i])
		if len(ds) != 1 {
			t.Errorf("%s: %d deliveries, want 1", c.name, len(ds))
			continue
		}
		d := ds[0]
		if d.Status != c.status || d.StatusCode != c.code {
			t.Errorf("%s: delivery %s, HTTP %d, error %q; want %s, HTTP %d", c.name, d.Status, d.StatusCode, d.Error, c.status, c.code)
		}
		for _, s := range c.err {
			if !strings.Contains(d.Error, s) {
				t.Errorf("%s: error %q does not say %q", c.name, d.Error, s)
			}
		}
		if len(d.Response) > hookd.MaxLoggedResponse {
			t.Errorf("%s: %d bytes of the answer logged, want at most %d", c.name, len(d.Response), hookd.MaxLoggedResponse)
		}
		rc := receive(t, c.name+"'s answer to end", receivers[i].ended)
		if c.cutOff && (rc.err == nil || errors.Is(rc.err, os.ErrDeadlineExceeded) || rc.written > socketSlack) {
			t.Errorf("%s: the receiver wrote %d bytes and ended with %v; want hookd to close the connection before it could write %d",
				c.name, rc.written, rc.err, socketSlack)
		}
		if c.check != nil {
			if msg := c.check(d, rc); msg != "" {
				t.Errorf("%s: %s", c.name, msg)
			}
		}
		t.Logf("%-45s %-9s HTTP %3d  receiver wrote %8d bytes  %s", c.name, d.Status, d.StatusCode, rc.written, d.Error)
	}
}

// gzipped returns b compressed with gzip.
func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	z, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	z.Write(b)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// HTTP/2, which hookd negotiates with https receivers that offer it, keeps
// the same bounds: hookd promises a header list of 64 KiB and a flow-control
// window of 64 KiB per send (net/http's default is 4 MiB, which a receiver
// could push ahead of what hookd reads), headers over 64 KiB fail the
// delivery, and a huge body is read no further than over HTTP/1.
func TestAnswersAreBoundedOverHTTP2(t *testing.T) {
	e := newEnv(t)
	roots := x509.NewCertPool()
	h2 := func(h http.HandlerFunc) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // hookd's resets are expected
		srv.StartTLS()
		t.Cleanup(srv.Close)
		roots.AddCert(srv.Certificate())
		return srv
	}
	protos := make(chan string, 5)
	oneHeader := h2(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		w.Header().Set("X-Big", strings.Repeat("a", 100<<10))
	})
	manyHeaders := h2(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		for i := range 100 {
			w.Header().Set("X-Pad-"+strconv.Itoa(i), strings.Repeat("a", 1000))
		}
	})
	repeated := h2(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		for range 200 { // one header block, small on the wire: each copy is an index into HPACK's table
			w.Header().Add("X-Same", strings.Repeat("a", 500))
		}
	})
	earlyHints := h2(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		w.Header().Set("Link", "</"+strings.Repeat("a", 1000)+">; rel=preload")
		for range 100 {
			w.WriteHeader(http.StatusEarlyHints)
		}
	})
	pushed := make(chan int64, 1)
	hugeBody := h2(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		block := bytes.Repeat([]byte("0123456789abcdef"), 1<<10)
		var n int64
		for n < 64<<20 {
			m, err := w.Write(block)
			n += int64(m)
			if err != nil {
				break
			}
		}
		pushed <- n
	})
	settingsURL, settings := h2Settings(t, hugeBody.TLS.Certificates)
	cases := []struct {
		name, url string
		status    string
		code      int
		err       string
	}{
		{"a 100 KiB header", oneHeader.URL, hookd.StatusFailed, 0, "larger than 64 KiB"},
		{"100 headers of 1 KB", manyHeaders.URL, hookd.StatusFailed, 0, "larger than 64 KiB"},
		{"a header repeated to 100 KB", repeated.URL, hookd.StatusFailed, 0, "larger than 64 KiB"},
		{"100 Early Hints of 1 KB", earlyHints.URL, hookd.StatusFailed, 0, "larger than 64 KiB"},
		{"a 64 MiB body", hugeBody.URL, hookd.StatusDelivered, 200, ""},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = e.webhook(c.url).ID
	}
	e.webhook(settingsURL)
	e.trigger()
	d := e.start(e.config("node-a"))
	d.transport.(*httpTransport).rt.(*http.Transport).TLSClientConfig.RootCAs = roots
	e.tick(d)

	s := receive(t, "hookd's SETTINGS", settings)
	t.Logf("hookd's SETTINGS: INITIAL_WINDOW_SIZE %d, MAX_HEADER_LIST_SIZE %d", s[settingsInitialWindowSize], s[settingsMaxHeaderListSize])
	if v := s[settingsInitialWindowSize]; v > maxResponseRead {
		t.Errorf("hookd lets a receiver push %d bytes ahead of what it reads, want at most %d", v, maxResponseRead)
	}
	if v := s[settingsMaxHeaderListSize]; v == 0 || v > maxResponseHeader+1<<10 {
		t.Errorf("hookd promises headers of %d bytes, want 64 KiB (and net/http's padding)", v)
	}
	for range cases {
		if p := receive(t, "the requests", protos); p != "HTTP/2.0" {
			t.Fatalf("a request came over %s, want HTTP/2.0", p)
		}
	}
	for i, c := range cases {
		ds := e.deliveries(ids[i])
		if len(ds) != 1 || ds[0].Status != c.status || ds[0].StatusCode != c.code || !strings.Contains(ds[0].Error, c.err) {
			t.Errorf("%s: deliveries %+v, want one %s, HTTP %d, error saying %q", c.name, ds, c.status, c.code, c.err)
			continue
		}
		t.Logf("%-28s %-9s HTTP %3d  %s", c.name, ds[0].Status, ds[0].StatusCode, ds[0].Error)
	}
	n := receive(t, "the receiver's body to end", pushed)
	t.Logf("the receiver pushed %d KiB of its 64 MiB body", n>>10)
	if n > 1<<20 {
		t.Errorf("the receiver pushed %d KiB of its body; want about what hookd reads and one 64 KiB window", n>>10)
	}
}

// HTTP/2 SETTINGS parameters (RFC 9113 §6.5.2).
const (
	settingsInitialWindowSize = 0x4
	settingsMaxHeaderListSize = 0x6
)

// h2Settings listens with TLS (certs) offering only h2, and sends on the
// channel the SETTINGS of the first connection's preface: what hookd
// promises to accept. It answers nothing.
func h2Settings(t *testing.T, certs []tls.Certificate) (url string, settings <-chan map[uint16]uint32) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: certs, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan map[uint16]uint32, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		preface := make([]byte, len("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
		header := make([]byte, 9) // length (24 bits), type, flags, stream
		if _, err := io.ReadFull(c, preface); err != nil || c.(*tls.Conn).ConnectionState().NegotiatedProtocol != "h2" {
			return
		}
		if _, err := io.ReadFull(c, header); err != nil || header[3] != 0x4 { // SETTINGS
			return
		}
		payload := make([]byte, int(header[0])<<16|int(header[1])<<8|int(header[2]))
		if _, err := io.ReadFull(c, payload); err != nil {
			return
		}
		s := map[uint16]uint32{}
		for p := payload; len(p) >= 6; p = p[6:] {
			s[binary.BigEndian.Uint16(p)] = binary.BigEndian.Uint32(p[2:])
		}
		ch <- s
	}()
	return "https://" + ln.Addr().String() + "/hook", ch
}
