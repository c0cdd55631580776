package panel

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hookd-dev/hookd"
)

// deliveryCause says in plain words why a delivery did not get through:
// "the receiver answered 500 Internal Server Error", "connection refused:
// nothing listens at that address". It is "" for a delivery that got
// through or is still being sent. Every page that shows why a delivery
// failed or was skipped says it with this, so that a cause reads the same
// everywhere.
func deliveryCause(d hookd.Delivery) string {
	switch d.Status {
	case hookd.StatusFailed:
		if d.StatusCode == 0 {
			if d.Error == "" {
				return "the receiver could not be reached"
			}
			return d.Error
		}
		answered := "the receiver answered " + statusWords(d.StatusCode)
		// The dispatcher's error starts with "HTTP <code>", which the
		// words above already say; keep only what it adds.
		rest := strings.TrimPrefix(d.Error, "HTTP "+strconv.Itoa(d.StatusCode))
		rest = strings.TrimPrefix(rest, " "+http.StatusText(d.StatusCode))
		rest = strings.TrimLeft(rest, ":, ")
		if rest == "" {
			return answered
		}
		return answered + ", " + rest
	case hookd.StatusSkipped:
		if d.Error != "" {
			return d.Error
		}
		return "not sent: the URL is grey-listed"
	}
	return ""
}

// statusWords is an HTTP status with its name: "500 Internal Server Error".
func statusWords(code int) string {
	if text := http.StatusText(code); text != "" {
		return strconv.Itoa(code) + " " + text
	}
	return strconv.Itoa(code)
}
