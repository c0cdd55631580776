package dispatch

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

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
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range names {
		name, _ := json.Marshal(k)
		vals, _ := json.Marshal(h[k]) // strings: cannot fail
		if b.Len()+len(name)+len(vals)+3 > hookd.MaxLoggedHeaders {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(vals)
	}
	b.WriteByte('}')
	return b.String()
}
