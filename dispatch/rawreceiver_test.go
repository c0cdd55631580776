package dispatch

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// rawReceiver is a receiver on 127.0.0.1 that writes its answers byte for
// byte, as a hostile one would and as httptest.Server, which keeps to HTTP,
// cannot.
type rawReceiver struct {
	URL string
	// ended gets what each connection came to once its answer is over.
	ended chan rawConn
}

// rawConn is what one connection of a rawReceiver came to.
type rawConn struct {
	req     *http.Request // the request it read; nil if it could not
	written int64         // how much of its answer it wrote
	err     error         // the write that failed; nil when the whole answer went out
}

// newRawReceiver listens on 127.0.0.1. On each connection it reads one
// request, then answer writes to w until the answer is done or a write fails
// (hookd closed the connection), and the connection is closed. Its send
// buffer is kept small, so that what it manages to write is close to what
// hookd read. The test's end closes it and waits for its connections.
func newRawReceiver(t testing.TB, answer func(w io.Writer) error) *rawReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawReceiver{URL: "http://" + ln.Addr().String() + "/hook", ended: make(chan rawConn, 16)}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
				}()
				c.(*net.TCPConn).SetWriteBuffer(16 << 10)
				var rc rawConn
				rc.req, rc.err = http.ReadRequest(bufio.NewReader(c))
				if rc.err == nil {
					if _, rc.err = io.Copy(io.Discard, rc.req.Body); rc.err == nil {
						w := &countingWriter{w: c}
						rc.err = answer(w)
						rc.written = w.n
					}
				}
				select {
				case r.ended <- rc:
				default:
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return r
}

// countingWriter counts what it writes.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Answers of raw receivers.

// fixed writes s.
func fixed(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// sized writes head, then n bytes of body.
func sized(head string, n int) func(io.Writer) error {
	block := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		for left := n; left > 0; {
			m, err := w.Write(block[:min(left, len(block))])
			if err != nil {
				return err
			}
			left -= m
		}
		return nil
	}
}

// endless writes head, then unit again and again until a write fails.
func endless(head, unit string) func(io.Writer) error {
	block := bytes.Repeat([]byte(unit), max(1, (64<<10)/len(unit)))
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		for {
			if _, err := w.Write(block); err != nil {
				return err
			}
		}
	}
}

// dripped writes head, then one byte of unit every period until a write
// fails.
func dripped(head string, unit byte, period time.Duration) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		tick := time.NewTicker(period)
		defer tick.Stop()
		for range tick.C {
			if _, err := w.Write([]byte{unit}); err != nil {
				return err
			}
		}
		return nil
	}
}

// headers returns n header lines of about size bytes each.
func headers(n, size int) string {
	var b bytes.Buffer
	for i := range n {
		name := "X-Pad-" + strconv.Itoa(i) + ": "
		b.WriteString(name)
		b.Write(bytes.Repeat([]byte("a"), max(0, size-len(name)-2)))
		b.WriteString("\r\n")
	}
	return b.String()
}
