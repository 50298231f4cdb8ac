//go:build !linux

package run

import "os/exec"

// watchExit reports the exit of cmd's process. Without waitid(WNOWAIT) the
// process is reaped first, so the group kill that follows could, in a tiny
// window, reach a group whose id was reused; memtui's actions are meant for
// Linux, and other systems (release builds for `memtui report`) only get
// this portable form.
func watchExit(cmd *exec.Cmd) (exited <-chan struct{}, wait func() error) {
	ch := make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(ch) }()
	return ch, func() error { <-ch; return err }
}
