package run

import (
	"os/exec"

	"golang.org/x/sys/unix"
)

// watchExit reports the exit of cmd's process without reaping it (waitid
// with WNOWAIT): the leader stays a zombie, so its pid, which names the
// process group, cannot be reused before runOne kills the group. wait then
// reaps it and collects the output.
func watchExit(cmd *exec.Cmd) (exited <-chan struct{}, wait func() error) {
	pid := cmd.Process.Pid
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			err := unix.Waitid(unix.P_PID, pid, nil, unix.WEXITED|unix.WNOWAIT, nil)
			if err != unix.EINTR {
				return
			}
		}
	}()
	return ch, cmd.Wait
}
