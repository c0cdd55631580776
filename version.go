package hookd

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is hookd's version: set at build time with
// -ldflags "-X github.com/hookd-dev/hookd.Version=…", or taken from the module version that
// `go install …@v1.2.3` records; "0.1.0-dev" in a build from a checkout.
var Version = "0.1.0-dev"

// Build is what a binary knows of how it was built.
type Build struct {
	Version  string
	Commit   string // the VCS revision, "" when not built from a checkout
	Modified bool   // the checkout had uncommitted changes
	Go       string // the Go version that built it
}

// ReadBuild returns the binary's build information (hookd version).
func ReadBuild() Build {
	b := Build{Version: Version, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

func init() {
	if info, ok := debug.ReadBuildInfo(); ok && Version == "0.1.0-dev" {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			Version = strings.TrimPrefix(v, "v")
		}
	}
}
