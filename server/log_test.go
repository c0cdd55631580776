package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// TestJSONRequestLog: --log-format json writes one JSON object per line,
// and every request is one line at info with its method, its path without
// the query, its status, its duration and the client's address (a trusted
// proxy's X-Forwarded-For believed, anyone else's not).
func TestJSONRequestLog(t *testing.T) {
	var logs testkit.LogBuffer
	e := start(t, func(c *server.Config) {
		log, err := server.NewLogger(&logs, "info", "json")
		if err != nil {
			t.Fatal(err)
		}
		c.Logger, c.TrustedProxies = log, "127.0.0.1"
	})
	req, _ := http.NewRequest("GET", e.url+"/api/v1/webhooks?secret=do-not-log", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	var found bool
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "request" && line["path"] == "/api/v1/webhooks" {
			found = true
			if line["level"] != "INFO" || line["method"] != "GET" || line["status"] != 200.0 || line["client"] != "198.51.100.9" || line["duration_ms"] == nil {
				t.Errorf("request line %v, want INFO GET 200 from 198.51.100.9 with duration_ms", line)
			}
		}
	}
	if !found {
		t.Fatalf("no request line in the log:\n%s", logs.String())
	}
	for _, secret := range []string{"do-not-log", testKey} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
