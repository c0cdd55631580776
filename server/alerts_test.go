package server_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestAlertRules checks deploy/prometheus/hookd-rules.yml with promtool
// (Debian's prometheus package; .ci/run installs it), and that every metric
// the rules use is one hookd serves.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	testkit.Require(t, "promtool", err == nil, "apt-get install prometheus")
	rules := filepath.Join("..", "deploy", "prometheus", "hookd-rules.yml")
	out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	e := start(t, nil)
	m := e.scrape()
	for _, name := range []string{"hookd_triggers_pending", "hookd_trigger_oldest_pending_age_seconds", "hookd_store_errors_total", "hookd_greylisted_urls"} {
		if _, ok := m[name]; !ok {
			t.Errorf("the rules use %s, which hookd does not serve", name)
		}
	}
}
