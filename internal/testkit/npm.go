package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var npmMu sync.Mutex

// NodeModules installs the npm packages specs ("name@version") into a
// cache folder of this machine, once, and returns its node_modules folder
// (for NODE_PATH). A test that needs Node.js calls it; without node and npm
// it is skipped, or fails under HOOKD_REQUIRE_ALL=1 (Require). Nothing is
// installed into the repository.
func NodeModules(t testing.TB, specs ...string) string {
	t.Helper()
	_, nodeErr := exec.LookPath("node")
	_, npmErr := exec.LookPath("npm")
	Require(t, "Node.js and npm", nodeErr == nil && npmErr == nil, "it runs JavaScript libraries against hookd")
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "hookd-test-npm", strings.NewReplacer("/", "_", "@", "-").Replace(strings.Join(specs, "+")))
	modules := filepath.Join(dir, "node_modules")
	npmMu.Lock()
	defer npmMu.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "installed")); err == nil {
		return modules
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("npm", append([]string{"install", "--no-audit", "--no-fund", "--prefix", dir}, specs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install %s: %v\n%s", strings.Join(specs, " "), err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "installed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return modules
}

// Node runs a JavaScript program with the packages of modules (from
// NodeModules) and returns its standard output; the test fails if it fails.
func Node(t testing.TB, modules, program string, args ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "program.cjs")
	if err := os.WriteFile(f, []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{f}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node: %v\n%s%s", err, out, stderr)
	}
	return fmt.Sprint(string(out))
}
