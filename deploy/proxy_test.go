package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// proxyKey is the API key of the hookd behind the proxies.
const proxyKey = "hk_proxy_test_0123456789abcdefghijklm"

// selfSigned writes a certificate and key for name and returns their paths
// and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir, name string) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return cert, key, pool
}

// startProxy runs the proxy program with args until the test ends.
func startProxy(t *testing.T, env []string, name string, args ...string) *testkit.LogBuffer {
	t.Helper()
	out := &testkit.LogBuffer{}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s's output:\n%s", name, out)
		}
	})
	return out
}

// checkThroughProxy asks hookd through the proxy at proxyAddr over TLS,
// from the client address 127.0.0.2 (the proxy and hookd talk over
// 127.0.0.1), and checks that hookd saw the client's address and knew the
// request came over HTTPS: --trusted-proxies believed the proxy's
// X-Forwarded-For and X-Forwarded-Proto.
func checkThroughProxy(t *testing.T, h *testkit.Hookd, proxyAddr string, pool *x509.CertPool) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{
		DialContext:     (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext,
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "hooks.example.org"},
	}}
	defer client.CloseIdleConnections()
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", "https://"+proxyAddr+path, nil)
		req.Host = "hooks.example.org" // Caddy answers an empty 200 for other names
		req.Header.Set("Authorization", "Bearer "+proxyKey)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	testkit.WaitFor(t, 30*time.Second, "the proxy answers", func() bool {
		resp, err := get("/healthz")
		return err == nil && resp.StatusCode == 200
	})
	resp, err := get("/api/v1/webhooks")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/webhooks through the proxy: %v %v", resp, err)
	}
	testkit.WaitFor(t, 10*time.Second, "hookd's log line of the request", func() bool {
		return strings.Contains(h.Output.String(), `"path":"/api/v1/webhooks"`)
	})
	for _, line := range strings.Split(h.Output.String(), "\n") {
		var l struct{ Path, Client string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Path == "/api/v1/webhooks" && l.Client != "127.0.0.2" {
			t.Errorf("hookd logged the client %q, want 127.0.0.2 (the proxy's X-Forwarded-For): %s", l.Client, line)
		}
	}
	resp, err = get("/login")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /login through the proxy: %v %v", resp, err)
	}
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("the sign-in cookie through an HTTPS proxy is %q, want Secure (the proxy's X-Forwarded-Proto)", c)
	}
}

// behindProxy is where a test of a proxy of docs/deploy.md starts: the
// proxy's program installed (or the test skipped, saying how to install
// it), a directory, a certificate for hooks.example.org (its file, its key's
// file and a pool that trusts it), hookd started as docs/deploy.md
// configures it behind a proxy on the same host, and an address for the
// proxy.
func behindProxy(t *testing.T, program, install string) (dir, cert, key string, pool *x509.CertPool, h *testkit.Hookd, addr string) {
	t.Helper()
	_, err := exec.LookPath(program)
	testkit.Require(t, program, err == nil, install)
	dir = t.TempDir()
	cert, key, pool = selfSigned(t, dir, "hooks.example.org")
	h = testkit.StartHookd(t, testkit.BuildHookd(t), testkit.FreeAddr(t),
		append(testkit.KeyEnv(proxyKey), "HOOKD_TRUSTED_PROXIES=127.0.0.1/32"),
		"--db", filepath.Join(t.TempDir(), "hookd.db"), "--log-format", "json")
	return dir, cert, key, pool, h, testkit.FreeAddr(t)
}

// TestNginxSnippet runs docs/deploy.md's nginx server block (with this
// test's certificate, port and hookd address) in front of hookd.
func TestNginxSnippet(t *testing.T) {
	dir, cert, key, pool, h, proxyAddr := behindProxy(t, "nginx", "apt-get install nginx-light")

	block := docBlock(t, "deploy.md", "\nnginx:")
	block = replace(t, block, "listen 443 ssl;", "listen "+proxyAddr+" ssl;")
	block = replace(t, block, "/etc/ssl/hooks.example.org.pem", cert)
	block = replace(t, block, "/etc/ssl/hooks.example.org.key", key)
	block = replace(t, block, "http://127.0.0.1:8080", "http://"+h.Addr)
	conf := filepath.Join(dir, "nginx.conf")
	main := "daemon off;\nmaster_process off;\npid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log;\n" +
		"events {}\nhttp {\n  access_log off;\n" +
		"  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n" +
		"  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n  scgi_temp_path " + dir + "/scgi;\n" +
		block + "}\n"
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-p", dir, "-e", dir + "/error.log", "-c", conf}
	if out, err := exec.Command("nginx", append([]string{"-t"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	startProxy(t, nil, "nginx", args...)
	checkThroughProxy(t, h, proxyAddr, pool)
}

// TestCaddySnippet runs docs/deploy.md's Caddyfile in front of hookd, with
// this test's certificate instead of one from Let's Encrypt and the port
// and hookd address of the test.
func TestCaddySnippet(t *testing.T) {
	dir, cert, key, pool, h, proxyAddr := behindProxy(t, "caddy", "apt-get install caddy")
	_, port, _ := net.SplitHostPort(proxyAddr)

	block := docBlock(t, "deploy.md", "\nCaddy (it gets the certificate itself and sets both headers):")
	block = replace(t, block, "hooks.example.org {", "hooks.example.org:"+port+" {\n    bind 127.0.0.1\n    tls "+cert+" "+key)
	block = replace(t, block, "reverse_proxy 127.0.0.1:8080", "reverse_proxy "+h.Addr)
	caddyfile := filepath.Join(dir, "Caddyfile")
	global := "{\n    admin off\n    auto_https disable_redirects\n    skip_install_trust\n    storage file_system " + dir + "/data\n}\n"
	if err := os.WriteFile(caddyfile, []byte(global+block), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir + "/config", "XDG_DATA_HOME=" + dir + "/data"}
	startProxy(t, env, "caddy", "run", "--config", caddyfile, "--adapter", "caddyfile")
	checkThroughProxy(t, h, proxyAddr, pool)
}
