package dispatch

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
)

// An answer's body is read up to 64 KiB and only its first 1 KiB, valid
// UTF-8, is kept for the delivery log; a body that ends in an error (net/http
// says io.ErrUnexpectedEOF for one shorter than its Content-Length) is a
// failed read, whatever its length.
func TestReadAnswer(t *testing.T) {
	invalid := bytes.Repeat([]byte("\xffa"), 1<<10) // each 0xff is logged as the 3 bytes of U+FFFD
	for _, c := range []struct {
		name    string
		body    io.Reader
		logged  string // "" checks only the length
		maxRead int64
		err     error
	}{
		{"empty", strings.NewReader(""), "", 0, nil},
		{"short", strings.NewReader("OK"), "OK", 2, nil},
		{"10 MiB", bytes.NewReader(make([]byte, 10<<20)), strings.Repeat("\x00", hookd.MaxLoggedResponse), maxResponseRead, nil},
		{"cut short", io.MultiReader(strings.NewReader("only this"), iotest.ErrReader(io.ErrUnexpectedEOF)), "only this", 9, io.ErrUnexpectedEOF},
		{"cut short after 1 KiB", io.MultiReader(bytes.NewReader(make([]byte, 5000)), iotest.ErrReader(io.ErrUnexpectedEOF)), "", 5000, io.ErrUnexpectedEOF},
		{"invalid UTF-8", bytes.NewReader(invalid), strings.Repeat("\uFFFDa", hookd.MaxLoggedResponse/4), int64(len(invalid)), nil},
		{"a rune cut by the limit", strings.NewReader(strings.Repeat("a", hookd.MaxLoggedResponse-1) + "é and more"), strings.Repeat("a", hookd.MaxLoggedResponse-1), 0, nil},
	} {
		read := &countingWriter{w: io.Discard}
		got, err := readAnswer(io.TeeReader(c.body, read))
		if err != c.err {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		}
		if len(got) > hookd.MaxLoggedResponse || !utf8.ValidString(got) || (c.logged != "" || c.name == "empty") && got != c.logged {
			t.Errorf("%s: logged %d bytes %.40q…, want at most %d bytes of valid UTF-8: %.40q…", c.name, len(got), got, hookd.MaxLoggedResponse, c.logged)
		}
		if c.maxRead > 0 && read.n > c.maxRead {
			t.Errorf("%s: read %d bytes, want at most %d", c.name, read.n, c.maxRead)
		}
	}
}
