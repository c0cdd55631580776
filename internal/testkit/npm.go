package testkit

import (
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
	return runProgram(t, "node", "program.cjs", []string{"NODE_PATH=" + modules}, program, args...)
}

// Python runs a Python 3 program (the standard library only) and returns
// its standard output; the test fails if it fails. Without python3 the test
// is skipped, or fails under HOOKD_REQUIRE_ALL=1 (Require).
func Python(t testing.TB, program string, args ...string) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	Require(t, "python3", err == nil, "it runs Python code against hookd")
	return runProgram(t, python, "program.py", nil, program, args...)
}

// runProgram writes program to a file named file and runs it with
// interpreter, env added to this process's environment.
func runProgram(t testing.TB, interpreter, file string, env []string, program string, args ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(f, []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(interpreter, append([]string{f}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s: %v\n%s%s", filepath.Base(interpreter), err, out, stderr)
	}
	return string(out)
}
