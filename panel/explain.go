package panel

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
)

// cause says in plain words why a delivery, or a webhook's URL, is in the
// state it is: "Your server answered 500", "No answer within 10 s",
// "Paused until 14:05 UTC after 5 failures in a row; the last: Your server
// answered 500". It is the one place the panel words a status, so every
// page says the same thing the same way, with local clock times (never ISO
// times) and none of hookd's inner words (no "level"). It takes a
// hookd.Delivery (or a pointer to one) or a greyState; anything else is
// "".
func (h *handler) cause(v any) string {
	switch x := v.(type) {
	case *hookd.Delivery:
		if x == nil {
			return ""
		}
		return h.cause(*x)
	case hookd.Delivery:
		switch x.Status {
		case hookd.StatusDelivered:
			return "Your server answered " + itoa(x.StatusCode) + " in " + formatMs(x.DurationMs)
		case hookd.StatusFailed:
			return errorWords(x.Error, x.StatusCode)
		case hookd.StatusSkipped:
			if sk, ok := hookd.ParseSkipReason(x.Error); ok {
				return "Not sent: " + h.paused(sk.Until, sk.Failures, sk.LastError)
			}
			return "Not sent: the URL was paused after failing several times in a row"
		case hookd.StatusPending:
			return "Being sent now"
		}
	case greyState:
		switch {
		case x.Listed:
			return upperFirst(h.paused(x.Until, x.Failures, x.LastError))
		case x.Waiting:
			s := "The pause after " + plural(x.Failures, "failure", "failures") + " in a row is over: the next delivery is sent, and paused again for longer if it fails"
			return s
		case x.Failures > 0:
			s := plural(x.Failures, "failure", "failures") + " in a row"
			if x.LastError != "" {
				s += "; the last: " + errorWords(x.LastError, 0)
			}
			return s
		}
	}
	return ""
}

// paused words a grey-listing: until when (local time and zone), after how
// many failures, and the last of them.
func (h *handler) paused(until time.Time, failures int, lastError string) string {
	s := "paused until " + h.clock(until) + // clock names the zone
		" after " + plural(failures, "failure", "failures") + " in a row"
	if lastError != "" {
		s += "; the last: " + errorWords(lastError, 0)
	}
	return s
}

// errorWords turns the error recorded with a failed send (dispatch writes
// it: "HTTP 500 Internal Server Error", hookd.TimeoutReason, "connection
// refused: …") into a sentence for the receiver's owner. code is the HTTP
// status when known (0: read it from the text).
func errorWords(text string, code int) string {
	if code == 0 {
		if rest, ok := strings.CutPrefix(text, "HTTP "); ok && len(rest) >= 3 {
			code, _ = strconv.Atoi(rest[:3])
		}
	}
	timeout, timedOut := hookd.ParseTimeout(text)
	switch {
	case timedOut && code != 0:
		return "Your server answered " + itoa(code) + " but did not finish its answer within " + seconds(timeout)
	case timedOut:
		return "No answer within " + seconds(timeout)
	case code >= 300 && code < 400:
		return "Your server answered " + itoa(code) + ", a redirect, which hookd does not follow: point the webhook at the final URL"
	case code != 0 && strings.Contains(text, "reading the answer failed"):
		_, why, _ := strings.Cut(text, "reading the answer failed: ")
		return "Your server answered " + itoa(code) + ", then " + why
	case code != 0:
		return "Your server answered " + itoa(code)
	case text == "":
		return "Failed"
	}
	return upperFirst(text)
}

// seconds says a duration as a person reads it: "10 s", "1.5 s", "2 min".
func seconds(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
	case d%time.Minute == 0 && d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return d.String()
	}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
