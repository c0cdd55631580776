package client

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/hookd-dev/hookd/internal/hookdtest"
	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// The tests and examples of this package run against one real hookd,
// started in this process on a SQLite store in a temporary folder; every
// answer the client gets is checked against hookd's OpenAPI document.
var (
	// HookdURL is the test hookd's base URL.
	HookdURL string
	// HookdKey is its API key.
	HookdKey string
	// HookdServer is the running test hookd.
	HookdServer *server.Server
)

func TestMain(m *testing.M) {
	testkit.CheckAnswers()
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if code == 0 {
		code = testkit.ReportAnswerFailures()
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "hookd-client-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	s, err := hookdtest.Open(dir, nil)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	HookdURL, HookdKey, HookdServer = s.URL(), hookdtest.APIKey, s
	return m.Run(), nil
}

// NewTestClient returns a client of the test hookd whose answers are checked
// against the OpenAPI document (http.DefaultClient carries the check).
func NewTestClient(opts ...Option) *Client {
	return New(HookdURL, HookdKey, append([]Option{WithHTTPClient(http.DefaultClient)}, opts...)...)
}
