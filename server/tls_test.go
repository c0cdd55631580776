package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestTLS: with --tls-cert and --tls-key hookd serves HTTPS with HTTP/2,
// refuses TLS older than 1.2, marks the session cookie Secure, and serves a
// renewed certificate without a restart.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := testkit.SelfSigned(t, "first")
	first.Write(t, certFile, keyFile)
	e := start(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	if !strings.HasPrefix(e.url, "https://") {
		t.Fatalf("URL %s, want https://", e.url)
	}
	pool := first.Pool
	get := func(pool *x509.CertPool, maxVersion uint16) (*http.Response, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: maxVersion}, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		return (&http.Client{Transport: tr}).Get(e.url + "/healthz")
	}
	resp, err := get(pool, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Proto != "HTTP/2.0" {
		t.Errorf("GET /healthz over TLS: %d %s, want 200 over HTTP/2.0", resp.StatusCode, resp.Proto)
	}
	if _, err := get(pool, tls.VersionTLS11); err == nil {
		t.Error("a TLS 1.1 client was served")
	}

	// The panel's session cookie is Secure over TLS.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	resp, _ = signIn(t, panelClient(tr), e.url, "correct horse battery staple")
	if ck := sessionCookie(resp); ck == nil {
		t.Fatalf("sign-in: %d and no session cookie", resp.StatusCode)
	} else if !ck.Secure {
		t.Error("the session cookie is not Secure over TLS")
	}

	// A renewal: new files, served without a restart.
	second := testkit.SelfSigned(t, "second")
	second.Write(t, certFile, keyFile)
	pool2 := second.Pool
	testkit.WaitFor(t, 10*time.Second, "the renewed certificate", func() bool {
		resp, err := get(pool2, 0)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.TLS != nil && resp.TLS.PeerCertificates[0].Subject.CommonName == "second"
	})
}

// TestTLSSettingsRefused: a key without a certificate, or files that do
// not load, stop serve before it listens, naming the flags.
func TestTLSSettingsRefused(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	testkit.SelfSigned(t, "x").Write(t, certFile, keyFile)
	for _, c := range []struct{ cert, key, want string }{
		{"", keyFile, "--tls-cert and --tls-key go together"},
		{certFile, "", "--tls-cert and --tls-key go together"},
		{certFile, filepath.Join(dir, "missing.pem"), "--tls-cert"},
		{keyFile, certFile, "--tls-cert"},
	} {
		cfg := server.DefaultConfig()
		cfg.TLSCert, cfg.TLSKey = c.cert, c.key
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cert %q key %q: %v, want an error naming %q", c.cert, c.key, err, c.want)
		}
	}
}
