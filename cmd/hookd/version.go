package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/hookd-dev/hookd"
)

// runVersion prints the version, the commit it was built from and the Go
// that built it, e.g. "hookd 1.2.0 (commit 3f2a9c1, go1.26.8 linux/amd64)".
func runVersion(stdout io.Writer) error {
	b := hookd.ReadBuild()
	commit := "commit unknown"
	if b.Commit != "" {
		commit = "commit " + b.Commit[:min(12, len(b.Commit))]
		if b.Modified {
			commit += ", modified"
		}
	}
	fmt.Fprintf(stdout, "hookd %s (%s, %s %s/%s)\n", b.Version, commit, b.Go, runtime.GOOS, runtime.GOARCH)
	return nil
}
