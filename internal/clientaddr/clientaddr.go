// Package clientaddr says which address a request came from, for the
// throttles and the logs: the one place that decides which headers, if
// any, are believed.
package clientaddr

import (
	"net"
	"net/http"
)

// Of returns the address of the peer that sent r. Forwarded headers are
// not believed: a client could otherwise pick a fresh "address" for every
// guess.
func Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
