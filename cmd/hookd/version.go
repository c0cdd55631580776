package main

import (
	"fmt"
	"io"
	"runtime"

	"hookd"
)

func runVersion(stdout io.Writer) error {
	fmt.Fprintf(stdout, "hookd %s (%s, %s/%s)\n", hookd.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
