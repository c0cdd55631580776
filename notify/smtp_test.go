package notify_test

import (
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/notify"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		in       string
		want     notify.SMTP
		wantText string // the error says this; "" for none
	}{
		{"smtp://mail.example.org", notify.SMTP{Host: "mail.example.org", Port: "25"}, ""},
		{"smtp://u:p%40ss@mail.example.org:587", notify.SMTP{Host: "mail.example.org", Port: "587", User: "u", Password: "p@ss"}, ""},
		{"smtps://u:p@[::1]", notify.SMTP{Host: "::1", Port: "465", Implicit: true, User: "u", Password: "p"}, ""},
		{"smtp://:p@mail.example.org", notify.SMTP{}, "a password but no user name"},
		{"smtp://mail.example.org/inbox", notify.SMTP{}, "no path"},
		{"smtp://mail.example.org:0", notify.SMTP{}, "port"},
		{"mail.example.org:25", notify.SMTP{}, "must start with smtp://"},
		{"smtp://u:p@", notify.SMTP{}, "needs a host"},
	} {
		got, err := notify.ParseSMTPURL(c.in)
		switch {
		case c.wantText == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.wantText != "" && (err == nil || !strings.Contains(err.Error(), c.wantText)):
			t.Errorf("%s: error %v, want one saying %q", c.in, err, c.wantText)
		case c.wantText == "" && got != c.want:
			t.Errorf("%s: %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestRedactSMTPURL(t *testing.T) {
	testkit.Maps(t, "RedactSMTPURL", notify.RedactSMTPURL, map[string]string{
		"smtp://u:hunter22@mail.example.org:587": "smtp://u:xxxxx@mail.example.org:587",
		"smtps://mail.example.org":               "smtps://mail.example.org",
		"":                                       "",
		"smtp://u:hunter22@mail example.org":     "(not shown: not a URL)",
	})
}

func TestCause(t *testing.T) {
	testkit.Maps(t, "Cause", notify.Cause, map[string]string{
		"HTTP 500 Internal Server Error":                      "the server answered HTTP 500 Internal Server Error",
		"connection refused: nothing listens at that address": "connection refused: nothing listens at that address",
		"": "unknown",
	})
}
