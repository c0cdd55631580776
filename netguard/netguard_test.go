package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"code.dny.dev/ssrf"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

const flagHint = "--allow-private-urls"

func TestCheckIP(t *testing.T) {
	tests := []struct {
		ip   string
		kind string // "" = allowed
	}{
		{"93.184.216.34", ""},
		{"1.1.1.1", ""},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},  // just past 172.16/12
		{"100.128.0.1", ""}, // just past 100.64/10
		{"2606:4700:4700::1111", ""},
		{"2001:4860:4860::8888", ""},

		{"127.0.0.1", "a loopback address"},
		{"127.255.255.254", "a loopback address"},
		{"10.0.0.5", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "the cloud metadata address"},
		{"169.254.1.1", "a link-local address"},
		{"100.64.0.1", "a carrier-grade NAT (shared) address"},
		{"100.127.255.255", "a carrier-grade NAT (shared) address"},
		{"0.0.0.0", "an unspecified"},
		{"0.1.2.3", "an unspecified"},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.250", "a multicast address"},
		{"255.255.255.255", "the broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.2.1", "a documentation address"},
		{"198.51.100.7", "a documentation address"},
		{"203.0.113.9", "a documentation address"},
		{"198.18.0.1", "a benchmarking address"},
		{"198.19.255.255", "a benchmarking address"},
		{"192.0.0.8", "an IETF protocol address"},
		{"::1", "a loopback address"},
		{"::", "an unspecified"},
		{"::ffff:127.0.0.1", "an IPv4-mapped IPv6 address for 127.0.0.1, a loopback address"},
		{"::ffff:10.0.0.1", "an IPv4-mapped IPv6 address for 10.0.0.1, a private address"},
		{"::ffff:8.8.8.8", "an IPv4-mapped IPv6 address"},
		{"::127.0.0.1", "an IPv4-compatible IPv6 address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "names a network interface"},
		{"2606:4700:4700::1111%eth0", "names a network interface"},
		{"fc00::1", "a private (unique local) address"},
		{"fd12:3456::1", "a private (unique local) address"},
		{"ff02::1", "a multicast address"},
		{"ff0e::1", "a multicast address"},
		{"64:ff9b::7f00:1", "a NAT64 address"},
		{"64:ff9b::808:808", "a NAT64 address"},
		{"2001:db8::1", "a documentation address"},
		{"3fff::1", "a documentation address"},
		{"2002:7f00:1::", "a 6to4 address"},
		{"2001::1", "a Teredo address"},
		{"fec0::1", "a site-local address"},
		{"100::1", "an IPv6 address outside the global unicast range"}, // discard-only
	}
	strict, open := New(false), New(true)
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.ip)
			err := strict.CheckIP(ip)
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("CheckIP(%s) = %v, want allowed", ip, err)
				}
			} else {
				if err == nil {
					t.Fatalf("CheckIP(%s) allowed it, want refused as %s", ip, tt.kind)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.kind) || !strings.Contains(msg, ip.String()) || !strings.Contains(msg, flagHint) {
					t.Errorf("CheckIP(%s) = %q, want the address, %q and %q", ip, msg, tt.kind, flagHint)
				}
				if !errors.Is(err, ErrNotPublic) {
					t.Errorf("CheckIP(%s) error does not wrap ErrNotPublic", ip)
				}
			}
			if err := open.CheckIP(ip); err != nil {
				t.Errorf("with AllowPrivate, CheckIP(%s) = %v, want allowed", ip, err)
			}
		})
	}
	if err := strict.CheckIP(netip.Addr{}); err == nil {
		t.Error("CheckIP(zero Addr) allowed it")
	}
}

// TestKindsAgreeWithSSRF guards the message table: every block it names
// must really be refused by the rules, or a message could call a public
// address private.
func TestKindsAgreeWithSSRF(t *testing.T) {
	for _, k := range kinds {
		first, last := k.prefix.Addr(), lastAddr(k.prefix)
		for _, ip := range []netip.Addr{first, last} {
			if err := guardian.SafeAddr(ip); err == nil {
				t.Errorf("%s is named %q but code.dny.dev/ssrf allows it", ip, k.what)
			}
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// testNames is what the test DNS server answers.
var testNames = map[string][]string{
	"public.test":   {"93.184.216.34"},
	"public6.test":  {"2606:4700:4700::1111"},
	"dual.test":     {"93.184.216.34", "2606:4700:4700::1111"},
	"private.test":  {"10.0.0.5"},
	"loop6.test":    {"::1"},
	"mapped.test":   {"::ffff:127.0.0.1"},
	"metadata.test": {"169.254.169.254"},
	"mixed.test":    {"93.184.216.34", "127.0.0.1"},
	"mixed6.test":   {"93.184.216.34", "fd00::1"},
	"empty.test":    {},
	// A DNS server that answers for odd spellings must not matter. Go's
	// own resolver sends the hex ones to DNS (it refuses all-digit names
	// itself); glibc's getaddrinfo reads them all as 127.0.0.1.
	"0x7f.0.0.1": {"93.184.216.34"},
	"0x7f000001": {"93.184.216.34"},
}

func parseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	errs := hookd.FieldErrors{}
	u := hookd.ValidateURL(raw, errs)
	if u == nil {
		t.Fatalf("hookd.ValidateURL(%q): %v", raw, errs.Err())
	}
	return u
}

func TestCheckURL(t *testing.T) {
	dns := startDNS(t, testNames)
	tests := []struct {
		url       string
		want      string // substring of the error; "" = allowed
		notPublic bool   // the error wraps ErrNotPublic
	}{
		{"https://public.test/hooks", "", false},
		{"http://public.test:8443/hooks?x=1", "", false},
		{"https://PUBLIC.test./hooks", "", false},
		{"https://public6.test/", "", false},
		{"https://dual.test/", "", false},
		{"http://93.184.216.34/", "", false},
		{"http://[2606:4700:4700::1111]:8080/", "", false},

		// Literal addresses.
		{"http://127.0.0.1/", "127.0.0.1 is a loopback address; hookd only sends to public addresses (start hookd with --allow-private-urls to allow it)", true},
		{"http://127.0.0.1:8080/x", "127.0.0.1 is a loopback address", true},
		{"http://10.1.2.3/", "10.1.2.3 is a private address", true},
		{"http://172.16.0.1/", "172.16.0.1 is a private address", true},
		{"http://172.31.0.1/", "a private address", true},
		{"http://192.168.0.1/", "192.168.0.1 is a private address", true},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address", true},
		{"http://100.64.0.1/", "a carrier-grade NAT (shared) address", true},
		{"http://0.0.0.0/", "0.0.0.0 is an unspecified", true},
		{"http://224.0.0.1/", "a multicast address", true},
		{"http://[::1]/", "::1 is a loopback address", true},
		{"http://[::]/", ":: is an unspecified", true},
		{"http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is an IPv4-mapped IPv6 address for 127.0.0.1, a loopback address", true},
		{"http://[::ffff:7f00:1]/", "for 127.0.0.1, a loopback address", true},
		{"http://[::ffff:10.0.0.1]/", "for 10.0.0.1, a private address", true},
		{"http://[::ffff:8.8.8.8]/", "write the IPv4 address 8.8.8.8 instead", true},
		{"http://[fe80::1]/", "fe80::1 is a link-local address", true},
		{"http://[fe80::1%25eth0]/", "names a network interface", true},
		{"http://[fc00::1]/", "a private (unique local) address", true},
		{"http://[fd00::1]/", "a private (unique local) address", true},
		{"http://[ff02::1]/", "a multicast address", true},
		{"http://[64:ff9b::7f00:1]/", "a NAT64 address", true},

		// localhost, whatever DNS or /etc/hosts say.
		{"http://localhost/", "localhost names this machine, a loopback address", true},
		{"http://LOCALHOST.:8080/", "names this machine", true},
		{"http://hooks.localhost/", "names this machine", true},

		// Legacy IPv4 spellings: refused without asking DNS.
		{"http://2130706433/", `"2130706433" is another way of writing 127.0.0.1, a loopback address`, true},
		{"http://0177.0.0.1/", `"0177.0.0.1" is another way of writing 127.0.0.1`, true},
		{"http://0x7f.0.0.1/", `"0x7f.0.0.1" is another way of writing 127.0.0.1`, true},
		{"http://0x7F000001/", "another way of writing 127.0.0.1", true},
		{"http://017700000001/", "another way of writing 127.0.0.1", true},
		{"http://127.1/", `"127.1" is another way of writing 127.0.0.1`, true},
		{"http://0x7f.1/", "another way of writing 127.0.0.1", true},
		{"http://127.0.1/", "another way of writing 127.0.0.1", true},
		{"http://127.000.000.001/", "another way of writing 127.0.0.1", true},
		{"http://127.0.0.1./", "another way of writing 127.0.0.1", true},
		{"http://0/", "another way of writing 0.0.0.0", true},
		{"http://012.0.0.1/", "another way of writing 10.0.0.1", true},
		{"http://167772161/", "another way of writing 10.0.0.1", true},
		{"http://0xa9.254.169.254/", "another way of writing 169.254.169.254", true},
		{"http://134744072/", "write it as 8.8.8.8", false},
		{"http://010.8.8.8/", "write it as 8.8.8.8", false}, // octal 010 is 8, not 10
		{"http://256.1.1.1/", "is neither a host name nor an IP address", false},
		{"http://1.2.3.4.5/", "is neither a host name nor an IP address", false},
		{"http://4294967296/", "is neither a host name nor an IP address", false},
		{"http://foo.0x10/", "is neither a host name nor an IP address", false},

		// Names.
		// Names that resolve to a non-public address: the message must not
		// say which (TestCheckURLHidesWhatNamesResolveTo).
		{"http://private.test/", "private.test resolves to a non-public address; hookd only sends to public addresses (start hookd with --allow-private-urls to allow it)", true},
		{"http://loop6.test/", "loop6.test resolves to a non-public address", true},
		{"http://mapped.test/", "mapped.test resolves to a non-public address", true},
		{"http://metadata.test/", "metadata.test resolves to a non-public address", true},
		{"http://mixed.test/", "mixed.test resolves to a non-public address", true},
		{"http://mixed6.test/", "mixed6.test resolves to a non-public address", true},
		{"http://nxdomain.test/", "does not resolve: no such host nxdomain.test", false},
		{"http://empty.test/", "does not resolve", false},
	}
	g := &Guard{Resolver: dns.resolver()}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := g.CheckURL(ctx, parseURL(t, tt.url))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckURL(%s) = %v, want allowed", tt.url, err)
			case tt.want == "":
				return
			case err == nil:
				t.Fatalf("CheckURL(%s) allowed it, want %q", tt.url, tt.want)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("CheckURL(%s) = %q, want it to contain %q", tt.url, err, tt.want)
			}
			if errors.Is(err, ErrNotPublic) != tt.notPublic {
				t.Errorf("CheckURL(%s): errors.Is(err, ErrNotPublic) = %v, want %v", tt.url, !tt.notPublic, tt.notPublic)
			}
		})
	}
	for _, name := range []string{"0x7f.0.0.1", "0x7f000001"} {
		if n := dns.queried(name); n != 0 {
			t.Errorf("CheckURL asked DNS about %q %d times; legacy IPv4 spellings must be judged without DNS", name, n)
		}
	}
}

func TestCheckURLAllowPrivate(t *testing.T) {
	dns := startDNS(t, testNames)
	g := &Guard{AllowPrivate: true, Resolver: dns.resolver()}
	for _, raw := range []string{
		"http://127.0.0.1:8080/", "http://localhost/", "http://[::1]/", "http://private.test/",
		"http://mixed.test/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/", "http://public.test/",
	} {
		if err := g.CheckURL(context.Background(), parseURL(t, raw)); err != nil {
			t.Errorf("with AllowPrivate, CheckURL(%s) = %v, want allowed", raw, err)
		}
	}
	// Still refused: names that do not resolve, and spellings that
	// resolve differently depending on the resolver.
	for raw, want := range map[string]string{
		"http://nxdomain.test/": "does not resolve",
		"http://127.1/":         "write it as 127.0.0.1",
		"http://2130706433/":    "write it as 127.0.0.1",
	} {
		err := g.CheckURL(context.Background(), parseURL(t, raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("with AllowPrivate, CheckURL(%s) = %v, want %q", raw, err, want)
		} else if strings.Contains(err.Error(), flagHint) {
			t.Errorf("with AllowPrivate, CheckURL(%s) = %q suggests %s, which is already on", raw, err, flagHint)
		}
	}
}

func TestCheckURLHonoursContext(t *testing.T) {
	dns := startDNS(t, testNames)
	g := &Guard{Resolver: dns.resolver()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.CheckURL(ctx, parseURL(t, "https://public.test/"))
	if err == nil || !strings.HasPrefix(err.Error(), "does not resolve") {
		t.Fatalf("CheckURL with a cancelled context = %v, want does not resolve", err)
	}
}

// listen starts a TCP listener on loopback that counts connections.
func listen(t *testing.T, network, addr string) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln, &accepted
}

func TestDialContextLoopback(t *testing.T) {
	dns := startDNS(t, map[string][]string{"loop.test": {"127.0.0.1"}})
	ln, _ := listen(t, "tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	addrs := []string{ln.Addr().String(), fmt.Sprintf("loop.test:%d", port), fmt.Sprintf("localhost:%d", port)}

	open := &Guard{AllowPrivate: true, Resolver: dns.resolver()}
	strict := &Guard{Resolver: dns.resolver()}
	for _, addr := range addrs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := open.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Errorf("with AllowPrivate, DialContext(%s) = %v, want a connection", addr, err)
		} else {
			c.Close()
		}
		c, err = strict.DialContext(ctx, "tcp", addr)
		// The address typed is named with its kind; for a name, what
		// it resolved to is not said.
		want, host := "127.0.0.1 is a loopback address", strings.Split(addr, ":")[0]
		if host != "127.0.0.1" {
			want = host + " resolves to a non-public address"
		}
		if err == nil {
			c.Close()
			t.Errorf("without AllowPrivate, DialContext(%s) connected, want refused", addr)
		} else if !errors.Is(err, ErrNotPublic) || !strings.Contains(err.Error(), want) {
			t.Errorf("without AllowPrivate, DialContext(%s) = %v, want %q", addr, err, want)
		} else if host != "127.0.0.1" && (strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "loopback")) {
			t.Errorf("without AllowPrivate, DialContext(%s) = %v: it says what %s resolves to", addr, err, host)
		}
		cancel()
	}
}

// TestCheckURLHidesWhatNamesResolveTo: whoever may save a webhook must not
// learn, from the refusals, what hookd's internal names resolve to. For
// every name that is refused, at save time and at dial time, the message
// names neither the address nor its kind.
func TestCheckURLHidesWhatNamesResolveTo(t *testing.T) {
	dns := startDNS(t, testNames)
	g := &Guard{Resolver: dns.resolver()}
	for name, ips := range testNames {
		if len(ips) == 0 || strings.HasPrefix(name, "0x") {
			continue
		}
		errs := map[string]error{"CheckURL": g.CheckURL(context.Background(), parseURL(t, "http://"+name+":9/"))}
		if errs["CheckURL"] == nil {
			continue // a public name
		}
		if !slices.ContainsFunc(ips, func(ip string) bool { return g.CheckIP(netip.MustParseAddr(ip).Unmap()) == nil }) {
			// Every address is refused when dialled (a name with a public
			// one too may connect to that one).
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, err := g.DialContext(ctx, "tcp", name+":9")
			cancel()
			if c != nil {
				c.Close()
			}
			errs["DialContext"] = err
		}
		for when, err := range errs {
			if !errors.Is(err, ErrNotPublic) || !strings.Contains(err.Error(), name+" resolves to a non-public address") {
				t.Errorf("%s(%s) = %v, want %q", when, name, err, name+" resolves to a non-public address")
				continue
			}
			for _, ip := range ips {
				a := netip.MustParseAddr(ip)
				for _, leak := range []string{a.String(), a.Unmap().String(), describe(a.Unmap())} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("%s(%s) = %q: it says %q", when, name, err, leak)
					}
				}
			}
		}
	}
}

func TestDialContextLoopbackIPv6(t *testing.T) {
	ln, accepted := listen(t, "tcp6", "[::1]:0")
	c, err := New(false).DialContext(context.Background(), "tcp", ln.Addr().String())
	if err == nil {
		c.Close()
		t.Fatalf("DialContext(%s) connected, want refused", ln.Addr())
	}
	if !errors.Is(err, ErrNotPublic) {
		t.Fatalf("DialContext(%s) = %v, want ErrNotPublic", ln.Addr(), err)
	}
	c, err = New(true).DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("with AllowPrivate, DialContext(%s) = %v", ln.Addr(), err)
	}
	c.Close()
	testkit.WaitFor(t, 5*time.Second, "the listener to accept the allowed connection", func() bool { return accepted.Load() == 1 })
}

// TestDNSRebinding: the name is public when the webhook is saved and
// loopback when the delivery is sent. The dial must be refused before a
// connection is made, also through an http.Transport as the dispatcher
// uses it.
func TestDNSRebinding(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	dns := startDNS(t, map[string][]string{"rebind.test": {"93.184.216.34"}})
	g := &Guard{Resolver: dns.resolver()}
	hookURL := fmt.Sprintf("http://rebind.test:%d/hook", port)
	if err := g.CheckURL(context.Background(), parseURL(t, hookURL)); err != nil {
		t.Fatalf("CheckURL while rebind.test is public = %v, want allowed", err)
	}

	dns.set("rebind.test", "127.0.0.1")

	_, err := g.DialContext(context.Background(), "tcp", fmt.Sprintf("rebind.test:%d", port))
	if !errors.Is(err, ErrNotPublic) || !strings.Contains(err.Error(), "rebind.test resolves to a non-public address") {
		t.Fatalf("DialContext after rebinding = %v, want a refusal that does not say the address", err)
	}

	client := &http.Client{Transport: &http.Transport{DialContext: g.DialContext, Proxy: nil}}
	resp, err := client.Post(hookURL, "application/json", strings.NewReader("{}"))
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Fatalf("POST %s after rebinding got %s, want refused", hookURL, resp.Status)
	}
	if !errors.Is(err, ErrNotPublic) {
		t.Errorf("POST after rebinding = %v, want ErrNotPublic", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d requests, want 0", n)
	}

	// And back: with a public answer again, the guard no longer objects
	// (the dial itself then fails here, as there is no internet).
	dns.set("rebind.test", "93.184.216.34")
	if err := g.CheckURL(context.Background(), parseURL(t, hookURL)); err != nil {
		t.Errorf("CheckURL after rebinding back = %v, want allowed", err)
	}
}

// TestControl checks the dial-time hook on addresses that cannot be
// dialled from a machine without internet.
func TestControl(t *testing.T) {
	g := New(false)
	for _, tt := range []struct {
		network, addr string
		ok            bool
	}{
		{"tcp4", "93.184.216.34:443", true},
		{"tcp4", "93.184.216.34:8080", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:80", false},
		{"tcp4", "10.0.0.1:443", false},
		{"tcp6", "[::1]:443", false},
		{"tcp6", "[::ffff:127.0.0.1]:80", false},
		{"tcp6", "[fe80::1%eth0]:80", false},
		{"udp4", "93.184.216.34:53", false},
		{"tcp4", "not-an-address", false},
	} {
		err := g.control(context.Background(), tt.network, tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("control(%s, %s) = %v, want ok=%v", tt.network, tt.addr, err, tt.ok)
		}
	}
}

func TestDialer(t *testing.T) {
	r := &net.Resolver{PreferGo: true}
	d := (&Guard{Resolver: r}).Dialer()
	if d.ControlContext == nil || d.Resolver != r || d.Timeout <= 0 || d.KeepAlive <= 0 {
		t.Errorf("Dialer() = %+v, want the Control hook, the Guard's resolver, a timeout and keep-alive", d)
	}
	if d := New(true).Dialer(); d.ControlContext != nil || d.Control != nil {
		t.Error("with AllowPrivate, Dialer() still has a Control hook")
	}
	if d := New(false).Dialer(); d.Resolver != nil {
		t.Error("New(false).Dialer() has a resolver, want nil (net.DefaultResolver)")
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	// The address read, or "" when in is not one.
	parse := func(in string) string {
		if ip, ok := parseLegacyIPv4(in); ok {
			return ip.String()
		}
		return ""
	}
	testkit.Maps(t, "parseLegacyIPv4", parse, map[string]string{
		"2130706433":     "127.0.0.1",
		"0177.0.0.1":     "127.0.0.1",
		"0x7f.0.0.1":     "127.0.0.1",
		"0X7F.0x0.0.01":  "127.0.0.1",
		"127.1":          "127.0.0.1",
		"127.0.1":        "127.0.0.1",
		"10.65535":       "10.0.255.255",
		"0":              "0.0.0.0",
		"0x":             "0.0.0.0",
		"4294967295":     "255.255.255.255",
		"1.2.3.4":        "1.2.3.4",
		"4294967296":     "",
		"256.1":          "",
		"1.16777216":     "",
		"1.2.3.4.5":      "",
		"08.0.0.1":       "", // 8 is not an octal digit
		"1..2":           "",
		"":               "",
		"+1.2.3.4":       "",
		"0x1_0.0.0.1":    "",
		"127.0.0.0x100":  "",
		"1.2.65536":      "",
		"0xffffffff":     "255.255.255.255",
		"037777777777":   "255.255.255.255",
		"040000000000":   "",
		"1.2.3.0377":     "1.2.3.255",
		"1.2.3.0400":     "",
		"0x0000000001":   "0.0.0.1",
		"00000000000001": "0.0.0.1",
	})
}

// FuzzCheckURL: CheckURL never panics, and a URL it accepts without
// AllowPrivate never has a non-public literal IP, nor a legacy IPv4
// spelling, nor a name that resolves to a non-public address.
func FuzzCheckURL(f *testing.F) {
	for _, seed := range []string{
		"http://127.0.0.1/", "http://localhost/", "http://10.0.0.1/", "http://172.16.0.1/",
		"http://192.168.0.1/", "http://169.254.169.254/", "http://100.64.0.1/", "http://0.0.0.0/",
		"http://[::1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
		"http://[fe80::1]/", "http://[fc00::1]/", "http://224.0.0.1/", "http://2130706433/",
		"http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.1/", "https://public.test/hooks",
		"http://93.184.216.34:8080/x", "http://private.test/",
	} {
		f.Add(seed)
	}
	dns := startDNS(f, testNames)
	g := &Guard{Resolver: dns.resolver()}
	f.Fuzz(func(t *testing.T, raw string) {
		errs := hookd.FieldErrors{}
		u := hookd.ValidateURL(raw, errs)
		if u == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if g.CheckURL(ctx, u) != nil {
			return
		}
		host := u.Hostname()
		if ip, err := netip.ParseAddr(host); err == nil {
			if !isPublic(ip) {
				t.Fatalf("CheckURL(%q) accepted the non-public address %s", raw, ip)
			}
			return
		}
		if ip, ok := parseLegacyIPv4(strings.TrimSuffix(host, ".")); ok {
			t.Fatalf("CheckURL(%q) accepted %q, a legacy spelling of %s", raw, host, ip)
		}
		addrs, ok := testNames[strings.ToLower(strings.TrimSuffix(host, "."))]
		if !ok || len(addrs) == 0 {
			t.Fatalf("CheckURL(%q) accepted host %q, which the test DNS does not resolve", raw, host)
		}
		for _, a := range addrs {
			if !isPublic(netip.MustParseAddr(a)) {
				t.Fatalf("CheckURL(%q) accepted host %q, which resolves to %s", raw, host, a)
			}
		}
	})
}

// isPublic is an independent second opinion for the fuzz test.
func isPublic(ip netip.Addr) bool {
	return ip.IsValid() && ip.Zone() == "" && !ip.Is4In6() &&
		ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !ip.IsMulticast() && !ip.IsUnspecified() &&
		ssrf.New(ssrf.WithAnyPort()).SafeAddr(ip) == nil
}
