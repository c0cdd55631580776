package dispatch

import (
	"net/http"
	"slices"

	"github.com/hookd-dev/hookd"
)

// loggedHeaders encodes an answer's header for the delivery log: a JSON
// object of lists of values, names in canonical form and sorted, at most
// hookd.MaxLoggedHeaders bytes. The headers that would not fit are left
// out whole (a receiver's header may be 64 KiB; the log keeps 2 KiB a row).
func loggedHeaders(h http.Header) string {
	if len(h) == 0 {
		return "{}"
	}
	var room [16]string
	names := room[:0]
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	b := make([]byte, 1, 256)
	b[0] = '{'
	for _, k := range names {
		mark := len(b)
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = hookd.AppendJSONString(b, k)
		b = append(b, ':')
		if vals := h[k]; vals == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = hookd.AppendJSONString(b, v)
			}
			b = append(b, ']')
		}
		// The name and the values must fit with a comma, a colon and the
		// closing brace.
		entry := len(b) - mark - 1 // without the colon
		if mark > 1 {
			entry-- // nor the comma
		}
		if mark+entry+3 > hookd.MaxLoggedHeaders {
			b = b[:mark]
		}
	}
	b = append(b, '}')
	return string(b)
}
