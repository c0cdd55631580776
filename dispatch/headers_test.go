package dispatch

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd"
)

// TestLoggedHeadersBounded: a receiver's header is logged whole when small,
// and a huge one is cut to MaxLoggedHeaders, leaving out whole headers, as
// valid JSON.
func TestLoggedHeadersBounded(t *testing.T) {
	small := loggedHeaders(http.Header{"Content-Type": {"text/plain"}, "Retry-After": {"120"}})
	if small != `{"Content-Type":["text/plain"],"Retry-After":["120"]}` {
		t.Errorf("small header logged as %s", small)
	}
	big := http.Header{"A-First": {"kept"}, "B-Huge": {strings.Repeat("x", 60_000)}, "C-Last": {"kept too"}}
	got := loggedHeaders(big)
	var back map[string][]string
	if err := json.Unmarshal([]byte(got), &back); err != nil || len(got) > hookd.MaxLoggedHeaders {
		t.Fatalf("huge header logged as %d bytes (%v), want valid JSON of at most %d", len(got), err, hookd.MaxLoggedHeaders)
	}
	if back["A-First"][0] != "kept" || back["C-Last"][0] != "kept too" || back["B-Huge"] != nil {
		t.Errorf("huge header logged as %s, want the two small ones only", got)
	}
}

// TestLoggedHeadersEscaped: names and values that JSON must escape (quotes,
// control characters, HTML characters, invalid UTF-8, several values) are
// logged as JSON that reads back as the answer's header.
func TestLoggedHeadersEscaped(t *testing.T) {
	h := http.Header{"X-Quote": {`say "hi"\`}, "X-Ctl": {"a\tb\x01"}, "X-Html": {"<a&b>"},
		"X-Bad": {"\xff\xfe"}, "Set-Cookie": {"a=1", "b=2"}, "X-Empty": {""}}
	got := loggedHeaders(h)
	var back http.Header
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("logged as %s: %v", got, err)
	}
	h["X-Bad"] = []string{"\uFFFD\uFFFD"}
	if !reflect.DeepEqual(back, h) {
		t.Errorf("logged as %s, reads back as %v, want %v", got, back, h)
	}
	if strings.ContainsAny(got, "<>&") {
		t.Errorf("logged as %s, want HTML characters escaped as json.Marshal does", got)
	}
}
