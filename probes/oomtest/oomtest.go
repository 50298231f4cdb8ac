// Package oomtest helps tests make the kernel OOM-kill a process of their
// own: a small memory cgroup with swap off, and the body of an allocating
// child to run in it. Shared by the probes' live test and the end-to-end
// test of the dashboard.
package oomtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Memcg creates a memory cgroup named prefix-<pid> limited to limit bytes
// with swap off, on cgroup v2 or v1, removed when the test ends. It returns
// the cgroup's directory, its path as the kernel names it ("/prefix-<pid>"),
// and a way to move a pid into it. It skips when that is impossible (not
// root, no writable memory controller).
func Memcg(t testing.TB, prefix string, limit int) (dir, name string, add func(pid int) error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a memory cgroup")
	}
	name = fmt.Sprintf("/%s-%d", prefix, os.Getpid())
	write := func(p, v string) error { return os.WriteFile(p, []byte(v), 0o644) }
	var limitFile, swapFile string
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "memory") {
		dir, limitFile, swapFile = "/sys/fs/cgroup"+name, "memory.max", "memory.swap.max"
	} else if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err == nil {
		// v1: memory+swap as low as memory, so the OOM cannot swap out.
		dir, limitFile, swapFile = "/sys/fs/cgroup/memory"+name, "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"
	} else {
		t.Skip("no memory cgroup controller (neither v2 with memory nor v1 memory) on this machine")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("memory cgroup not writable: %v", err)
	}
	t.Cleanup(func() { rmdirRetry(t, dir) })
	if err := write(filepath.Join(dir, limitFile), strconv.Itoa(limit)); err != nil {
		t.Skipf("cannot limit the cgroup (%s): %v", limitFile, err)
	}
	swap := "0"
	if limitFile == "memory.limit_in_bytes" {
		swap = strconv.Itoa(limit)
	}
	_ = write(filepath.Join(dir, swapFile), swap) // absent without swap accounting
	return dir, name, func(pid int) error { return write(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid)) }
}

// rmdirRetry removes the cgroup once the killed child is torn down.
func rmdirRetry(t testing.TB, dir string) {
	for i := 0; i < 50; i++ {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("could not remove test cgroup %s", dir)
}

// RunKilled starts cmd (a re-exec of the test binary whose child runs
// AllocUntilKilled), moves it into the cgroup with add, lets it allocate,
// and waits for the kernel to kill it. It returns the child's pid; a child
// that was not killed by SIGKILL fails the test.
func RunKilled(t testing.TB, cmd *exec.Cmd, add func(pid int) error) int {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := add(pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("moving the child into the cgroup: %v", err)
	}
	stdin.Write([]byte{1})
	stdin.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
	return pid
}

// AllocUntilKilled is the child's body: it waits for a byte on stdin (the
// parent has moved it into the cgroup), then touches up to 1 GiB until the
// kernel kills it. It exits 3 if it survived, 4 if stdin failed.
func AllocUntilKilled() {
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		os.Exit(4)
	}
	var keep [][]byte
	for i := 0; i < 1024; i++ {
		m := make([]byte, 1<<20)
		for j := 0; j < len(m); j += 4096 {
			m[j] = 1
		}
		keep = append(keep, m)
	}
	fmt.Println("survived", len(keep))
	os.Exit(3)
}
