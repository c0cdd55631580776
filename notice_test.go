package hookd

import (
	"testing"
	"time"
)

func TestValidateEmail(t *testing.T) {
	for email, ok := range map[string]bool{
		"":                                  true,
		"ann@library.example":               true,
		"a.b+tag@sub.example.org":           true,
		"ann":                               false,
		"ann@localhost":                     false, // no dot: not an address an outside server delivers to
		"Ann <ann@library.example>":         false, // one plain address, not a name
		"ann@library.example, b@c.d":        false,
		"ann @library.example":              false,
		"ann@library.example\r\nBcc: x@y.z": false,
	} {
		errs := FieldErrors{}
		ValidateEmail(email, errs)
		if got := len(errs) == 0; got != ok {
			t.Errorf("ValidateEmail(%q): %v, want ok %v", email, errs, ok)
		}
	}
}

func TestNoticeOfAndNews(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	healthy := URLState{AccountID: "acc_1", URL: "https://x.example/"}
	level := func(l int) URLState {
		s := healthy
		s.Level, s.ConsecutiveFailures, s.Until, s.LastError = l, 3, at.Add(time.Minute), "HTTP 500"
		return s
	}
	if n, ok := NoticeOf(GreylistChange{Before: healthy, After: level(1)}, "wh_1", at); !ok || n.Kind != NoticeGreylisted || n.LastError != "HTTP 500" || n.WebhookID != "wh_1" {
		t.Errorf("the first grey-listing: %+v, %v", n, ok)
	}
	if _, ok := NoticeOf(GreylistChange{Before: level(1), After: level(2)}, "wh_1", at); ok {
		t.Error("a longer period of the same row of failures makes a notice")
	}
	if n, ok := NoticeOf(GreylistChange{Before: level(3), After: healthy}, "wh_1", at); !ok || n.Kind != NoticeRecovered {
		t.Errorf("the recovery: %+v, %v", n, ok)
	}
	for _, c := range []struct {
		kind, told string
		news       bool
	}{
		{NoticeGreylisted, "", true}, {NoticeRecovered, "", false},
		{NoticeGreylisted, NoticeRecovered, true}, {NoticeRecovered, NoticeGreylisted, true},
		{NoticeGreylisted, NoticeGreylisted, false}, {NoticeRecovered, NoticeRecovered, false},
	} {
		if got := (Notice{Kind: c.kind, Told: c.told}).News(); got != c.news {
			t.Errorf("%s after told %q: news %v, want %v", c.kind, c.told, got, c.news)
		}
	}
}
