package netguard

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// dnsServer is a tiny DNS server on 127.0.0.1 that answers A and AAAA
// queries from a map, so that tests resolve names without outside DNS and
// can change an answer between two lookups (DNS rebinding).
type dnsServer struct {
	conn net.PacketConn

	mu      sync.Mutex
	answers map[string][]netip.Addr // lower-case name without the final dot
	queries map[string]int
}

// startDNS starts a dnsServer that knows names (name → IP addresses) and
// stops it when the test ends.
func startDNS(tb testing.TB, names map[string][]string) *dnsServer {
	tb.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("start test DNS server: %v", err)
	}
	s := &dnsServer{conn: conn, answers: map[string][]netip.Addr{}, queries: map[string]int{}}
	for name, ips := range names {
		s.set(name, ips...)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	tb.Cleanup(func() {
		conn.Close()
		<-done
	})
	return s
}

// set replaces the addresses name resolves to.
func (s *dnsServer) set(name string, ips ...string) {
	addrs := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		addrs = append(addrs, netip.MustParseAddr(ip))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[strings.ToLower(strings.TrimSuffix(name, "."))] = addrs
}

// queried reports how many queries the server has had for name.
func (s *dnsServer) queried(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[strings.ToLower(strings.TrimSuffix(name, "."))]
}

// resolver returns a Go resolver that sends every query to s. (It still
// reads /etc/hosts first, as hookd's resolver does.)
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", s.conn.LocalAddr().String())
		},
	}
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp := s.answer(buf[:n]); resp != nil {
			s.conn.WriteTo(resp, from)
		}
	}
}

const (
	typeA    = 1
	typeAAAA = 28
)

// answer builds the response to one query message, or nil to drop it.
func (s *dnsServer) answer(req []byte) []byte {
	if len(req) < 12 || binary.BigEndian.Uint16(req[4:]) != 1 {
		return nil
	}
	// The question: labels, then type and class.
	var labels []string
	i := 12
	for {
		if i >= len(req) {
			return nil
		}
		l := int(req[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(req) {
			return nil
		}
		labels = append(labels, string(req[i:i+l]))
		i += l
	}
	if i+4 > len(req) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(req[i:])
	question := req[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	s.mu.Lock()
	s.queries[name]++
	addrs, known := s.answers[name]
	s.mu.Unlock()

	flags := uint16(0x8000 | 0x0400 | 0x0080) // response, authoritative, recursion available
	flags |= binary.BigEndian.Uint16(req[2:]) & 0x0100
	if !known {
		flags |= 3 // NXDOMAIN
	}
	var answers [][]byte
	for _, a := range addrs {
		var rr []byte
		switch {
		case qtype == typeA && a.Is4():
			rr = binary.BigEndian.AppendUint16(nil, typeA)
		case qtype == typeAAAA && a.Is6():
			rr = binary.BigEndian.AppendUint16(nil, typeAAAA)
		default:
			continue
		}
		data := a.AsSlice()
		rr = append([]byte{0xc0, 12}, rr...)      // name: pointer to the question
		rr = binary.BigEndian.AppendUint16(rr, 1) // class IN
		rr = binary.BigEndian.AppendUint32(rr, 0) // TTL
		rr = binary.BigEndian.AppendUint16(rr, uint16(len(data)))
		answers = append(answers, append(rr, data...))
	}

	resp := make([]byte, 12, 512)
	copy(resp, req[:2])
	binary.BigEndian.PutUint16(resp[2:], flags)
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(len(answers)))
	resp = append(resp, question...)
	for _, rr := range answers {
		resp = append(resp, rr...)
	}
	return resp
}

func TestDNSServer(t *testing.T) {
	dns := startDNS(t, map[string][]string{"both.test": {"192.0.2.1", "2001:db8::1"}})
	r := dns.resolver()
	got, err := r.LookupNetIP(context.Background(), "ip", "both.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("LookupNetIP(both.test) = %v, want 2 addresses", got)
	}
	if _, err := r.LookupNetIP(context.Background(), "ip", "missing.test"); err == nil {
		t.Fatal("LookupNetIP(missing.test) succeeded, want no such host")
	}
	dns.set("both.test", "198.51.100.1")
	got, err = r.LookupNetIP(context.Background(), "ip4", "both.test")
	if err != nil || len(got) != 1 || got[0].Unmap() != netip.MustParseAddr("198.51.100.1") {
		t.Fatalf("after change, LookupNetIP(both.test) = %v, %v; want 198.51.100.1", got, err)
	}
}
