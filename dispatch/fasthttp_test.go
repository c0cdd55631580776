package dispatch

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// A receiver cannot tell which client sent a delivery to an http:// URL:
// fasthttp's request has the same request line, the same header lines byte
// for byte (names spelt alike, values alike; only their order differs, which
// HTTP gives no meaning) and the same body as net/http's.
func TestFastHTTPSendsWhatNetHTTPSends(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type raw struct {
		line    string
		headers []string
		body    string
	}
	got := make(chan raw, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					var r raw
					n := 0
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						line = strings.TrimSuffix(line, "\r\n")
						if line == "" {
							break
						}
						if r.line == "" {
							r.line = line
							continue
						}
						r.headers = append(r.headers, line)
						if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
							n, _ = strconv.Atoi(v)
						}
					}
					b := make([]byte, n)
					if _, err := io.ReadFull(br, b); err != nil {
						return
					}
					r.body = string(b)
					slices.Sort(r.headers)
					got <- r
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
				}
			}()
		}
	}()

	cfg := Config{Timeout: 5 * time.Second, MaxConcurrency: 4, MaxPerHost: 2, UserAgent: "hookd/1.2.3 (+https://example.com)"}.withTuning()
	fast := newHTTPTransport(cfg)
	if fast.fast == nil {
		t.Skip("HOOKD_HTTP_CLIENT=net/http: fasthttp is not used")
	}
	plain := *fast
	plain.fast = nil
	u, err := url.Parse("http://" + ln.Addr().String() + "/hooks/a%2Fb/../c?x=1&y=%20z")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := hookd.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	m := Message{URL: u, Body: []byte(`{"type":"invoice.paid","data":{"id":"é"}}`), TriggerID: "tr_01m8y3kjnndvz2687jzv2v041s",
		Timestamp: time.Unix(1764547200, 0), Signer: signer}

	var sent [2]raw
	for i, tr := range []*httpTransport{&plain, fast} {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
		a := tr.Send(ctx, m)
		cancel()
		if a.Status != hookd.StatusDelivered || a.StatusCode != 200 || a.Response != "OK" {
			t.Fatalf("send %d: %+v, want delivered with 200 and OK", i, a)
		}
		if a.ResponseHeaders != `{"Content-Length":["2"]}` {
			t.Errorf("send %d logged the answer's header as %s", i, a.ResponseHeaders)
		}
		sent[i] = receive(t, "the request", got)
	}
	if sent[0].line != sent[1].line {
		t.Errorf("request line: net/http %q, fasthttp %q", sent[0].line, sent[1].line)
	}
	if !slices.Equal(sent[0].headers, sent[1].headers) {
		t.Errorf("header lines differ:\nnet/http %q\nfasthttp %q", sent[0].headers, sent[1].headers)
	}
	if !bytes.Equal([]byte(sent[0].body), []byte(sent[1].body)) {
		t.Errorf("body: net/http %q, fasthttp %q", sent[0].body, sent[1].body)
	}
	for _, want := range []string{"User-Agent: " + cfg.UserAgent, "webhook-id: " + m.TriggerID, "webhook-timestamp: 1764547200", "webhook-signature: " + m.Signature()} {
		if !slices.Contains(sent[1].headers, want) {
			t.Errorf("fasthttp's request has no %q: %q", want, sent[1].headers)
		}
	}
	t.Logf("%s %q", sent[1].line, sent[1].headers)
}

// A receiver that closes an idle keep-alive connection (as Node.js does
// after 5 s) does not fail the next delivery: a connection that served a
// request before and ends before any byte of the answer is replaced once,
// as net/http's transport notices such a connection before it uses it.
func TestFastHTTPReplacesAClosedIdleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			go func() {
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
				}
			}()
		}
	}()
	cfg := Config{Timeout: 5 * time.Second, MaxConcurrency: 4, MaxPerHost: 2}.withTuning()
	tr := newHTTPTransport(cfg)
	if tr.fast == nil {
		t.Skip("HOOKD_HTTP_CLIENT=net/http: fasthttp is not used")
	}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/hook")
	signer, _ := hookd.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	m := Message{URL: u, Body: []byte(`{}`), TriggerID: "tr_1", Timestamp: time.Unix(1764547200, 0), Signer: signer}
	send := func() Attempt {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
		defer cancel()
		return tr.Send(ctx, m)
	}
	if a := send(); a.Status != hookd.StatusDelivered {
		t.Fatalf("first send: %+v", a)
	}
	first := receive(t, "the first connection", conns)
	first.Close() // the receiver ends the idle connection
	if a := send(); a.Status != hookd.StatusDelivered {
		t.Errorf("the send after the receiver closed the idle connection: %s %q, want delivered", a.Status, a.Error)
	}
}

// The delivery log holds the same answer whichever client sent the
// delivery: its status, the start of its body and its header as net/http
// gives it (names in canonical form, repeated ones in order).
func TestFastHTTPLogsWhatNetHTTPLogs(t *testing.T) {
	answers := map[string]string{
		"plain": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
		"chunked, repeated and odd headers": "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nx-lower: 1\r\nX-A: 1\r\nX-A: 2\r\n" +
			"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nServer: test\r\nContent-Type: text/html\r\nContent-Encoding: br\r\nConnection: keep-alive\r\n" +
			"Trailer: X-T\r\nDate: Mon, 01 Dec 2026 07:00:00 GMT\r\nEmpty:\r\n\r\n3\r\nabc\r\n0\r\nX-T: t\r\n\r\n",
		"no length, closes": "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nLocation: /x\r\n\r\nwhat went wrong",
		"redirect":          "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n",
		"no content":        "HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\n\r\n",
	}
	cfg := Config{Timeout: 5 * time.Second, MaxConcurrency: 4, MaxPerHost: 2}.withTuning()
	fast := newHTTPTransport(cfg)
	if fast.fast == nil {
		t.Skip("HOOKD_HTTP_CLIENT=net/http: fasthttp is not used")
	}
	plain := *fast
	plain.fast = nil
	signer, _ := hookd.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	for name, answer := range answers {
		var got [2]Attempt
		for i, tr := range []*httpTransport{&plain, fast} {
			r := newRawReceiver(t, fixed(answer))
			u, _ := url.Parse(r.URL)
			ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
			got[i] = tr.Send(ctx, Message{URL: u, Body: []byte(`{}`), TriggerID: "tr_1", Timestamp: time.Unix(1764547200, 0), Signer: signer})
			cancel()
			got[i].Duration = 0
		}
		if got[0] != got[1] {
			t.Errorf("%s:\nnet/http %+v\nfasthttp %+v", name, got[0], got[1])
		}
	}
}

// HOOKD_HTTP_CLIENT picks the client of http:// receivers; a value it does
// not know stops New with a message that names the two it does.
func TestHTTPClientSetting(t *testing.T) {
	store := openStore(t)
	for _, c := range []struct {
		env      string
		fast     bool
		mistaken bool
	}{{"", true, false}, {"fasthttp", true, false}, {"net/http", false, false}, {"nethttp", false, true}} {
		t.Setenv("HOOKD_HTTP_CLIENT", c.env)
		d, err := New(settings(store))
		if c.mistaken {
			if err == nil || !strings.Contains(err.Error(), `HOOKD_HTTP_CLIENT must be fasthttp (the default) or net/http, not "nethttp"`) {
				t.Errorf("HOOKD_HTTP_CLIENT=%s: New said %v, want it to name the two values", c.env, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("HOOKD_HTTP_CLIENT=%s: %v", c.env, err)
		}
		if got := d.transport.(*httpTransport).fast != nil; got != c.fast {
			t.Errorf("HOOKD_HTTP_CLIENT=%q: fasthttp used %v, want %v", c.env, got, c.fast)
		}
	}
}
