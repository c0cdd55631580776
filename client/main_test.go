package client

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
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
	resp, err := http.Get(HookdURL + testkit.OpenAPIPath)
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	doc, err := testkit.ParseOpenAPI(raw)
	if err != nil {
		return 0, err
	}
	calls := &callRecorder{next: http.DefaultClient.Transport, doc: doc, hit: map[string]bool{}}
	http.DefaultClient.Transport = calls
	code := m.Run()
	if code == 0 && !testing.Short() && flag.Lookup("test.run").Value.String() == "" {
		// Every operation of the document is a method of the client that
		// its tests call.
		for path, item := range doc.Doc()["paths"].(map[string]any) {
			for method := range item.(map[string]any) {
				if method != "parameters" && !calls.hit[strings.ToUpper(method)+" "+path] {
					fmt.Fprintf(os.Stderr, "FAIL: the client's tests never call %s %s\n", strings.ToUpper(method), path)
					code = 1
				}
			}
		}
	}
	return code, nil
}

// callRecorder records the document's operation of every request.
type callRecorder struct {
	next http.RoundTripper
	doc  *testkit.OpenAPI
	mu   sync.Mutex
	hit  map[string]bool
}

func (c *callRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if tmpl := c.doc.Operation(r.URL.Path); tmpl != "" {
		c.mu.Lock()
		c.hit[r.Method+" "+tmpl] = true
		c.mu.Unlock()
	}
	return c.next.RoundTrip(r)
}

// NewTestClient returns a client of the test hookd whose answers are checked
// against the OpenAPI document (http.DefaultClient carries the check).
func NewTestClient(opts ...Option) *Client {
	return New(HookdURL, HookdKey, append([]Option{WithHTTPClient(http.DefaultClient)}, opts...)...)
}
