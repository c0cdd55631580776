package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// installedPath is where docs/deploy.md installs the binary, and so where
// the unit's ExecStart looks for it.
const installedPath = "/usr/local/bin/hookd"

// unitForTest writes a copy of hookd.service whose ExecStart runs the
// freshly built binary (systemd-analyze verify checks that the program
// exists), and returns its path.
func unitForTest(t *testing.T) string {
	t.Helper()
	_, err := exec.LookPath("systemd-analyze")
	testkit.Require(t, "systemd-analyze", err == nil, "install systemd")
	bin := testkit.BuildHookd(t)
	raw, err := os.ReadFile("hookd.service")
	if err != nil {
		t.Fatal(err)
	}
	want := "ExecStart=" + installedPath + " serve\n"
	if !strings.Contains(string(raw), want) {
		t.Fatalf("hookd.service has no line %q", want)
	}
	unit := filepath.Join(t.TempDir(), "hookd.service")
	if err := os.WriteFile(unit, []byte(strings.Replace(string(raw), want, "ExecStart="+bin+" serve\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return unit
}

// TestSystemdUnitVerifies: systemd-analyze verify finds nothing to say
// about the unit (an unknown or misspelt directive is only a warning, so
// any output fails the test).
func TestSystemdUnitVerifies(t *testing.T) {
	unit := unitForTest(t)
	out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify hookd.service: %v\n%s", err, out)
	}
}

var exposure = regexp.MustCompile(`Overall exposure level for hookd\.service: ([0-9.]+)`)

// TestSystemdUnitIsHardened: systemd's own rating of the unit's sandbox
// (0 is the most locked down, 10 none at all) stays at 2 or below; taking
// a hardening directive out raises it.
func TestSystemdUnitIsHardened(t *testing.T) {
	unit := unitForTest(t)
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--no-pager", unit).CombinedOutput()
	m := exposure.FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v, no exposure level in\n%s", err, out)
	}
	level, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > 2 {
		t.Errorf("exposure level %.1f, want 2 or less:\n%s", level, out)
	}
}
