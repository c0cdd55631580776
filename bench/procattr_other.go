//go:build !linux

package bench

import "os/exec"

// setParentDeath does nothing where the kernel cannot kill a child with its
// parent: the bench stops its nodes itself.
func setParentDeath(*exec.Cmd) {}
