package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTrust(t *testing.T) {
	trusted, err := ParseProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer, xff, proto string
		wantAddr               string
		wantSecure             bool
	}{
		{"direct client's headers are not believed", "203.0.113.5:4000", "198.51.100.1", "https", "203.0.113.5", false},
		{"a trusted proxy names the client", "10.1.2.3:4000", "198.51.100.1", "https", "198.51.100.1", true},
		{"the right-most untrusted hop wins", "10.1.2.3:4000", "1.1.1.1, 198.51.100.1, 10.9.9.9", "", "198.51.100.1", false},
		{"a spoofed first hop is ignored", "192.0.2.7:4000", "6.6.6.6, 198.51.100.2", "http", "198.51.100.2", false},
		{"a garbled hop stops the walk", "10.1.2.3:4000", "6.6.6.6, not-an-ip", "", "10.1.2.3", false},
		{"no header from a trusted proxy", "10.1.2.3:4000", "", "", "10.1.2.3", false},
		{"IPv6 peer untrusted", "[2001:db8::1]:4000", "198.51.100.1", "https", "2001:db8::1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var gotAddr string
			var gotSecure bool
			h := Trust(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAddr, gotSecure = Of(r), Secure(r)
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if gotAddr != c.wantAddr || gotSecure != c.wantSecure {
				t.Errorf("address %q secure %v, want %q %v", gotAddr, gotSecure, c.wantAddr, c.wantSecure)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR is accepted")
	}
	if _, err := ParseProxies("proxy.example"); err == nil {
		t.Error("a host name is accepted")
	}
}
