// Package clientaddr says which address a request came from and whether it
// reached hookd over TLS, for the throttles, the logs and the cookies: the
// one place that decides which forwarded headers are believed.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of returns the address of the client that sent r: the peer's, or, when
// Trust let a trusted proxy say so, the client's it named.
func Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Secure reports whether the client reached hookd over TLS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto (Trust removes
// the header of anyone else).
func Secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// ParseProxies parses --trusted-proxies: comma-separated CIDRs or
// addresses (an address is a /32 or /128).
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8 or an address such as 127.0.0.1", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Trust wraps next so that only the proxies in trusted are believed: from a
// trusted peer, the client's address becomes the right-most address in
// X-Forwarded-For that is not itself a trusted proxy, and X-Forwarded-Proto
// stays; from anyone else, both headers are removed before any handler
// sees them, so that a client cannot pick a fresh "address" for every
// guess or claim TLS it does not have.
func Trust(trusted []netip.Prefix, next http.Handler) http.Handler {
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			r.Header.Del("X-Forwarded-For")
			r.Header.Del("X-Forwarded-Proto")
			next.ServeHTTP(w, r)
			return
		}
		client := peer.Addr()
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled hop: believe nothing before it
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		r2 := r.Clone(r.Context())
		r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		next.ServeHTTP(w, r2)
	})
}
