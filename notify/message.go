package notify

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// email is what a notice says: a subject and a plain-text body.
type email struct {
	subject string
	body    string
}

// compose words a notice about webhook w for people: its name, URL, the
// last error in plain words, until when (in loc, with the zone) and a link
// to its deliveries in the panel at publicURL.
func compose(n hookd.Notice, w hookd.Webhook, publicURL string, loc *time.Location, now time.Time, interval time.Duration) email {
	link := strings.TrimRight(publicURL, "/") + "/settings/webhooks/" + w.ID + "/deliveries"
	var b strings.Builder
	var subject string
	if n.Kind == hookd.NoticeGreylisted {
		subject = fmt.Sprintf("Webhook “%s” is paused: its URL keeps failing", w.Name)
		fmt.Fprintf(&b, "hookd has paused the webhook “%s”: its URL failed %d times in a row.\n\n", w.Name, n.ConsecutiveFailures)
		fmt.Fprintf(&b, "Webhook:    %s\n", w.Name)
		fmt.Fprintf(&b, "URL:        %s\n", n.URL)
		fmt.Fprintf(&b, "Last error: %s\n", Cause(n.LastError))
		fmt.Fprintf(&b, "Paused at:  %s\n", humanTime(n.At, loc))
		fmt.Fprintf(&b, "Until:      %s%s\n\n", humanTime(n.Until, loc), relative(n.Until, now))
		b.WriteString("Deliveries due until then are not sent: they are recorded as skipped. After that the next\n" +
			"delivery is tried; if it fails too, the pause doubles (up to a day). One success ends it.\n" +
			"Once your server works again you can send what was missed from the webhook's deliveries:\n\n")
	} else {
		subject = fmt.Sprintf("Webhook “%s” works again", w.Name)
		fmt.Fprintf(&b, "The webhook “%s” works again: its URL answered with success, so hookd sends to it as before.\n\n", w.Name)
		fmt.Fprintf(&b, "Webhook:    %s\n", w.Name)
		fmt.Fprintf(&b, "URL:        %s\n", n.URL)
		fmt.Fprintf(&b, "Since:      %s\n\n", humanTime(n.At, loc))
		b.WriteString("Deliveries skipped while it was paused were not sent. To send them now, use\n" +
			"\"Send what was missed\" on the webhook's deliveries:\n\n")
	}
	fmt.Fprintf(&b, "  %s\n\n", link)
	every := humanInterval(interval)
	every = strings.TrimPrefix(every, "1 ") // "every hour", not "every 1 hour"
	fmt.Fprintf(&b, "-- \nYou get this email because your control panel user has this email address. hookd sends\n"+
		"at most one such email per webhook every %s; change or remove the address under Settings → Users.\n", every)
	return email{subject: subject, body: b.String()}
}

// Cause says in plain words what the newest failure was: a receiver's
// status is "the server answered …"; a transport error is already a
// sentence of its own (dispatch words it).
func Cause(lastError string) string {
	switch {
	case lastError == "":
		return "unknown"
	case strings.HasPrefix(lastError, "HTTP "):
		return "the server answered " + lastError
	}
	return lastError
}

// humanTime writes t as people read it, with its zone: "Thursday 3
// December 2026, 14:05 UTC".
func humanTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	zone, _ := t.Zone()
	if zone == "" || zone[0] == '+' || zone[0] == '-' {
		zone = "UTC" + t.Format("-07:00") // a zone with no abbreviation
	}
	return t.Format("Monday 2 January 2006, 15:04:05") + " " + zone
}

// relative is " (in 5 minutes)" for a time after now, "" otherwise.
func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return " (already over)"
	}
	return " (in " + humanInterval(d) + ")"
}

// humanInterval writes a duration in words: "1 hour", "5 minutes", "30 seconds".
func humanInterval(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d >= time.Minute:
		return unit(int64((d+30*time.Second)/time.Minute), "minute")
	case d >= time.Second:
		return unit(int64(d.Round(time.Second)/time.Second), "second")
	}
	return d.String()
}

// render makes the RFC 5322 message of an email to one recipient: UTF-8
// text, quoted-printable, a Q-encoded subject (webhook names need not be
// ASCII), marked as sent automatically (RFC 3834) so that nobody's
// auto-responder answers it.
func render(e email, from *mail.Address, to string, now time.Time, msgID string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", (&mail.Address{Address: to}).String())
	h("Subject", mime.QEncoding.Encode("utf-8", e.subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+msgID+">")
	h("Auto-Submitted", "auto-generated")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(e.body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
