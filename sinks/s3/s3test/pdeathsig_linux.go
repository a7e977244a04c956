package s3test

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill the server when the test process dies, so a killed test
// binary does not leave versitygw running.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
