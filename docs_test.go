package hookd_test

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeGoVersion: the README asks for the Go version go.mod's go line
// requires (the toolchain refuses an older one).
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "You need Go " + string(m[1]) + " or later"; !regexp.MustCompile(regexp.QuoteMeta(want) + `\b`).Match(readme) {
		t.Errorf("the README does not say %q (go.mod: go %s)", want, m[1])
	}
}
