package bench

import (
	"os/exec"
	"syscall"
)

// setParentDeath has the kernel kill a node if the bench process dies
// without stopping it.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
