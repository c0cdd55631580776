// Package netguard keeps hookd from being turned against its own network:
// it decides which addresses webhook deliveries may be sent to (SSRF
// protection), both when a webhook URL is saved and again at dial time,
// so that a DNS answer that changes in between (DNS rebinding) is caught.
//
// The address rules come from code.dny.dev/ssrf, which follows the IANA
// special-purpose registries for IPv4 and IPv6; this package adds the
// checks on the URL's host and error messages that say what to fix.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrNotPublic is wrapped by every error that refuses an address because it
// is not public, so callers can tell a refusal from a network failure.
var ErrNotPublic = errors.New("not a public address")

// allowHint ends every refusal, so the message says how to change the rule.
const allowHint = "hookd only sends to public addresses (start hookd with --allow-private-urls to allow it)"

// guardian holds the address rules: any port, TCP only, the IANA deny lists.
var guardian = ssrf.New(ssrf.WithAnyPort())

// Guard decides which addresses hookd may send webhooks to. The zero value
// refuses non-public addresses and uses net.DefaultResolver.
type Guard struct {
	// AllowPrivate turns the address checks off, so that webhooks may be
	// sent to loopback, private and other non-public addresses. Defaults
	// to false.
	AllowPrivate bool
	// Resolver looks up host names, both in CheckURL and when dialling.
	// Defaults to net.DefaultResolver when nil.
	Resolver *net.Resolver
}

// New returns a Guard that uses net.DefaultResolver.
func New(allowPrivate bool) *Guard {
	return &Guard{AllowPrivate: allowPrivate}
}

func (g *Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// refusal is the error for an address that is not public.
type refusal struct {
	msg string
}

func (e *refusal) Error() string        { return e.msg }
func (e *refusal) Is(target error) bool { return target == ErrNotPublic }

// CheckIP reports why ip is not allowed, or nil.
func (g *Guard) CheckIP(ip netip.Addr) error {
	if g.AllowPrivate {
		return nil
	}
	if !ip.IsValid() {
		return &refusal{"an empty IP address is not allowed; " + allowHint}
	}
	if ip.Zone() != "" {
		// A zoned address never matches a prefix, so the rules cannot
		// vouch for it; only link-local addresses need a zone anyway.
		return &refusal{fmt.Sprintf("%s names a network interface (%%%s), which only link-local addresses need; %s", ip, ip.Zone(), allowHint)}
	}
	if guardian.SafeAddr(ip) == nil {
		return nil
	}
	return &refusal{fmt.Sprintf("%s is %s; %s", ip, describe(ip), allowHint)}
}

// CheckURL is called when a webhook is saved; u must already have passed
// hookd.ValidateURL. It refuses a host that is, or resolves to, an address
// CheckIP refuses, a host that does not resolve, and a numeric host written
// in a form that programs disagree about (such as 0x7f.1). The error message
// is meant to be shown under the field "url".
func (g *Guard) CheckURL(ctx context.Context, u *url.URL) error {
	if u == nil || u.Hostname() == "" {
		return errors.New("must include a host name, as in https://example.org/hooks")
	}
	host := u.Hostname()

	if ip, err := netip.ParseAddr(host); err == nil {
		if err := g.CheckIP(ip); err != nil {
			if ip.Is4In6() && g.CheckIP(ip.Unmap()) == nil {
				// A public IPv4 address written as IPv6: say how to write it.
				return &refusal{fmt.Sprintf("%s is an IPv4-mapped IPv6 address; write the IPv4 address %s instead", ip, ip.Unmap())}
			}
			return err
		}
		return nil
	}

	if err := g.checkNumericHost(host); err != nil {
		return err
	}

	if !g.AllowPrivate && isLocalhost(host) {
		return &refusal{fmt.Sprintf("%s names this machine, a loopback address; %s", host, allowHint)}
	}

	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("does not resolve: %s", lookupReason(host, err))
	}
	if len(addrs) == 0 {
		return fmt.Errorf("does not resolve: %s has no IP address", host)
	}
	for _, ip := range addrs {
		// Go's resolver returns IPv4 answers as IPv4-mapped IPv6
		// addresses; the dialler uses them as IPv4, so judge them so.
		if err := g.CheckIP(ip.Unmap()); err != nil {
			return resolvesPrivate(host)
		}
	}
	return nil
}

// resolvesPrivate is the refusal of a host name that resolves to an address
// CheckIP refuses. It does not say which address, nor its kind: that would
// let anyone who may save a webhook map hookd's own network (what
// db.internal resolves to) one refusal at a time. An IP address typed in
// the URL is named with its kind, as the user already knows it.
func resolvesPrivate(host string) error {
	return &refusal{host + " resolves to a non-public address; " + allowHint}
}

// lookupReason turns a resolver error into the part of the message after
// "does not resolve: ".
func lookupReason(host string, err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return fmt.Sprintf("no such host %s; check the spelling of the host name", host)
		case dnsErr.IsTimeout:
			return fmt.Sprintf("looking up %s timed out; check the host name or try again", host)
		}
		return fmt.Sprintf("looking up %s failed (%s); check the host name or try again", host, dnsErr.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Sprintf("looking up %s did not finish (%v); try again", host, err)
	}
	return fmt.Sprintf("looking up %s failed: %v", host, err)
}

// isLocalhost reports whether host is localhost or a name under it, which
// RFC 6761 reserves for this machine whatever DNS says.
func isLocalhost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// checkNumericHost refuses a host whose last label is a number. Such a host
// is not a DNS name but an IPv4 address in a legacy form (decimal
// 2130706433, octal 0177.0.0.1, hex 0x7f.0.0.1, short 127.1) that the C
// library's inet_aton and browsers read as an address while Go's own
// resolver sends it to DNS: the same URL would reach different machines
// depending on how hookd was built, so it is refused either way.
func (g *Guard) checkNumericHost(host string) error {
	h := strings.TrimSuffix(host, ".")
	labels := strings.Split(h, ".")
	if !isNumericLabel(labels[len(labels)-1]) {
		return nil
	}
	ip, ok := parseLegacyIPv4(h)
	if !ok {
		return fmt.Errorf("%q is neither a host name nor an IP address; write an IPv4 address as four decimal numbers, as in 192.0.2.10", host)
	}
	if !g.AllowPrivate && guardian.SafeAddr(ip) != nil {
		return &refusal{fmt.Sprintf("%q is another way of writing %s, %s; %s", host, ip, describe(ip), allowHint)}
	}
	return fmt.Errorf("%q is an unusual way of writing the IP address %s that not every program reads the same; write it as %s", host, ip, ip)
}

// isNumericLabel reports whether s is a decimal, octal or 0x-hex number, as
// the WHATWG URL standard's "ends in a number" check does.
func isNumericLabel(s string) bool {
	if s == "" {
		return false
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		for _, c := range s[2:] {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseLegacyIPv4 parses s as inet_aton(3) does: one to four parts, each
// decimal, octal (leading 0) or hex (leading 0x), the last part filling the
// remaining bytes.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals [4]uint64
	for i, p := range parts {
		base := 10
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) >= 2 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	last := len(parts) - 1
	for _, v := range vals[:last] {
		if v > 0xff {
			return netip.Addr{}, false
		}
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n := vals[last]
	for i := range last {
		n |= vals[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// Dialer returns the net.Dialer that DialContext uses: 30 s connect
// timeout and 30 s keep-alive (as http.DefaultTransport), the Guard's
// Resolver and, unless AllowPrivate is set, a Control hook that checks every
// IP address actually dialled.
func (g *Guard) Dialer() *net.Dialer {
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  g.Resolver,
	}
	if !g.AllowPrivate {
		d.ControlContext = g.control
	}
	return d
}

// DialContext dials like net.Dialer.DialContext, but without AllowPrivate it
// refuses to connect to an address CheckIP refuses, whatever the name
// resolved to at save time. Use it as http.Transport.DialContext, with
// Transport.Proxy left nil: through a proxy, the address dialled would be
// the proxy's and the check would not see the webhook's host.
//
// When addr's host is a name, a refusal says that it resolves to a
// non-public address without naming the address, as CheckURL does.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := g.Dialer()
	host, _, err := net.SplitHostPort(addr)
	if _, notIP := netip.ParseAddr(host); d.ControlContext != nil && err == nil && notIP != nil {
		d.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
			err := g.control(ctx, network, address, c)
			if errors.Is(err, ErrNotPublic) {
				return resolvesPrivate(host)
			}
			return err
		}
		c, err := d.DialContext(ctx, network, addr)
		var opErr *net.OpError
		if errors.Is(err, ErrNotPublic) && errors.As(err, &opErr) {
			// net.OpError would print the address dialled.
			err = &net.OpError{Op: opErr.Op, Net: opErr.Net, Err: opErr.Err}
		}
		return c, err
	}
	return d.DialContext(ctx, network, addr)
}

// control runs after the name is resolved and before each connect, with the
// numeric address about to be dialled.
func (g *Guard) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp4", "tcp6":
	default:
		return fmt.Errorf("netguard: network %s is not allowed; webhooks are sent over TCP", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: cannot check address %q: %w", address, err)
	}
	// The kernel sees a mapped address as IPv4; judge it the same way.
	return g.CheckIP(ap.Addr().Unmap())
}

type namedPrefix struct {
	prefix netip.Prefix
	what   string
}

// kinds names the address blocks for error messages. Whether an address
// is refused is decided by code.dny.dev/ssrf, not by this list.
var kinds = func() []namedPrefix {
	var out []namedPrefix
	add := func(what string, prefixes ...string) {
		for _, p := range prefixes {
			out = append(out, namedPrefix{netip.MustParsePrefix(p), what})
		}
	}
	add("the cloud metadata address, which is link-local", "169.254.169.254/32")
	add("the broadcast address", "255.255.255.255/32")
	add(`an unspecified ("this host") address`, "0.0.0.0/8", "::/128")
	add("a loopback address", "127.0.0.0/8", "::1/128")
	add("a private address", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
	add("a private (unique local) address", "fc00::/7")
	add("a carrier-grade NAT (shared) address", "100.64.0.0/10")
	add("a link-local address", "169.254.0.0/16", "fe80::/10")
	add("a multicast address", "224.0.0.0/4", "ff00::/8")
	add("a documentation address", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
	add("a benchmarking address", "198.18.0.0/15", "2001:2::/48")
	add("a reserved address", "240.0.0.0/4")
	add("a NAT64 address", "64:ff9b::/96", "64:ff9b:1::/48")
	add("a Teredo address", "2001::/32")
	add("a 6to4 address", "2002::/16", "192.88.99.0/24")
	add("an IPv4-compatible IPv6 address, which is deprecated", "::/96")
	add("an IETF protocol address", "192.0.0.0/24", "2001::/23")
	add("a site-local address, which is deprecated", "fec0::/10")
	return out
}()

// describe names the kind of a non-public address, with its article.
func describe(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		v4 := ip.Unmap()
		if guardian.SafeAddr(v4) != nil {
			return fmt.Sprintf("an IPv4-mapped IPv6 address for %s, %s", v4, describe(v4))
		}
		return "an IPv4-mapped IPv6 address"
	}
	for _, k := range kinds {
		if k.prefix.Contains(ip) {
			return k.what
		}
	}
	if ip.Is6() && !ssrf.IPv6GlobalUnicast.Contains(ip) {
		return "an IPv6 address outside the global unicast range"
	}
	return "a special-purpose (non-public) address"
}
