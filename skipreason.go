package hookd

import (
	"strconv"
	"strings"
	"time"
)

// The words of a delivery's Error that a reader of the log (the panel)
// takes apart again: written and read here only, so that they agree.
const (
	skipPrefix     = "not sent: the URL is grey-listed until "
	skipTimeLayout = "2006-01-02 15:04:05 UTC"
	timeoutPrefix  = "timed out after "
)

// SkipReason is the Error recorded with a delivery skipped because its URL
// is grey-listed: until when, after how many failures, and the last real
// failure, in words a receiver's owner reads without the docs.
func SkipReason(st URLState) string {
	s := skipPrefix + st.Until.UTC().Format(skipTimeLayout) +
		" after " + strconv.Itoa(st.ConsecutiveFailures) + " failures in a row"
	if st.LastError != "" {
		s += "; the last was " + st.LastError
	}
	return s
}

// Skip is what a SkipReason says.
type Skip struct {
	Until     time.Time
	Failures  int
	LastError string
}

// ParseSkipReason reads a SkipReason back; ok is false for any other text.
func ParseSkipReason(s string) (sk Skip, ok bool) {
	rest, ok := strings.CutPrefix(s, skipPrefix)
	if !ok || len(rest) < len(skipTimeLayout) {
		return Skip{}, false
	}
	until, err := time.Parse(skipTimeLayout, rest[:len(skipTimeLayout)])
	if err != nil {
		return Skip{}, false
	}
	rest, ok = strings.CutPrefix(rest[len(skipTimeLayout):], " after ")
	if !ok {
		return Skip{}, false
	}
	num, rest, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if err != nil {
		return Skip{}, false
	}
	_, last, _ := strings.Cut(rest, "; the last was ")
	return Skip{Until: until, Failures: n, LastError: last}, true
}

// TimeoutReason is the Error, or its end, of a send that had no complete
// answer within the delivery timeout.
func TimeoutReason(timeout time.Duration) string {
	return timeoutPrefix + timeout.String() + " (the whole request, reading the answer included)"
}

// ParseTimeout finds a TimeoutReason in a delivery's Error and returns the
// timeout it names.
func ParseTimeout(s string) (time.Duration, bool) {
	_, rest, ok := strings.Cut(s, timeoutPrefix)
	if !ok {
		return 0, false
	}
	word, _, _ := strings.Cut(rest, " ")
	d, err := time.ParseDuration(word)
	return d, err == nil
}
