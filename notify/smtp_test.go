package notify_test

import (
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/notify"
)

func TestParseSMTPURL(t *testing.T) {
	parses := func(in string, want notify.SMTP) {
		t.Helper()
		if got, err := notify.ParseSMTPURL(in); err != nil {
			t.Errorf("%s: %v", in, err)
		} else if got != want {
			t.Errorf("%s: %+v, want %+v", in, got, want)
		}
	}
	refuses := func(in, wantText string) {
		t.Helper()
		if _, err := notify.ParseSMTPURL(in); err == nil || !strings.Contains(err.Error(), wantText) {
			t.Errorf("%s: error %v, want one saying %q", in, err, wantText)
		}
	}
	parses("smtp://mail.example.org", notify.SMTP{Host: "mail.example.org", Port: "25"})
	parses("smtp://u:p%40ss@mail.example.org:587", notify.SMTP{Host: "mail.example.org", Port: "587", User: "u", Password: "p@ss"})
	parses("smtps://u:p@[::1]", notify.SMTP{Host: "::1", Port: "465", Implicit: true, User: "u", Password: "p"})
	refuses("smtp://:p@mail.example.org", "a password but no user name")
	refuses("smtp://mail.example.org/inbox", "no path")
	refuses("smtp://mail.example.org:0", "port")
	refuses("mail.example.org:25", "must start with smtp://")
	refuses("smtp://u:p@", "needs a host")
}

func TestRedactSMTPURL(t *testing.T) {
	testkit.Maps(t, "RedactSMTPURL", notify.RedactSMTPURL, map[string]string{
		"smtp://u:hunter22@mail.example.org:587": "smtp://u:xxxxx@mail.example.org:587",
		"smtps://mail.example.org":               "smtps://mail.example.org",
		"":                                       "",
		"smtp://u:hunter22@mail example.org":     "(not shown: not a URL)",
	})
}
