// Package hookdtest starts a real hookd in the test's own process, for the
// tests of packages that speak to it from outside (the client, the
// receiver kit): a SQLite store in a temporary folder, a 50 ms batch
// interval, private webhook URLs allowed and a known API key.
package hookdtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/server"
)

// APIKey is the API key of the first account of a hookd started here.
const APIKey = "hk_hookdtest_key_0123456789abcdefghij"

// Open starts a hookd whose store is in dir; mod, when not nil, changes
// its settings first. Close it when done.
func Open(dir string, mod func(*server.Config)) (*server.Server, error) {
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB = "127.0.0.1:0", filepath.Join(dir, "hookd.db")
	cfg.BatchInterval, cfg.DeliveryTimeout = 50*time.Millisecond, 2*time.Second
	cfg.AllowPrivateURLs = true
	cfg.APIKey = APIKey
	cfg.AdminPassword = "correct horse battery staple"
	if mod != nil {
		mod(&cfg)
	}
	return server.Open(context.Background(), cfg)
}

// Start is Open in a temporary folder of the test, closed when it ends.
func Start(tb testing.TB, mod func(*server.Config)) *server.Server {
	tb.Helper()
	s, err := Open(tb.TempDir(), mod)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
