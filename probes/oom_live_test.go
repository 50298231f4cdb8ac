package probes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOOMHelperProcess is the child the live tests re-execute: it does
// nothing in a normal run.
func TestOOMHelperProcess(t *testing.T) {
	switch os.Getenv("MEMTUI_OOM_HELPER") {
	case "":
		t.Skip("child process of TestOOMLiveKill and TestOOMRestrictedAsNobody")
	case "alloc":
		// Wait until the parent has moved us into the limited cgroup, then
		// touch memory until the kernel kills us.
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
	case "restricted":
		f := NewFS("", "").FollowOOM(context.Background(), OOMConfig{Timeout: 5 * time.Second})
		fmt.Println(f.Status().String())
		v, err := NewFS("", "").OOMCount()
		fmt.Println("count", v.OK, err)
		f.Close()
		os.Exit(0)
	}
}

// memcgForTest creates a memory cgroup limited to limit bytes with swap off,
// on cgroup v2 or v1, and returns its directory, its path as the kernel
// names it, and a way to add a pid. It skips when that is impossible.
func memcgForTest(t *testing.T, limit int) (dir, name string, add func(pid int) error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a memory cgroup")
	}
	name = fmt.Sprintf("/memtui-oomtest-%d", os.Getpid())
	write := func(p, v string) error { return os.WriteFile(p, []byte(v), 0o644) }
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "memory") {
		dir = "/sys/fs/cgroup" + name
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Skipf("cgroup v2 not writable: %v", err)
		}
		t.Cleanup(func() { rmdirRetry(t, dir) })
		if err := write(filepath.Join(dir, "memory.max"), strconv.Itoa(limit)); err != nil {
			t.Skipf("cgroup v2 memory.max: %v", err)
		}
		_ = write(filepath.Join(dir, "memory.swap.max"), "0") // absent without swap accounting
		return dir, name, func(pid int) error { return write(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid)) }
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err == nil {
		dir = "/sys/fs/cgroup/memory" + name
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Skipf("cgroup v1 memory controller not writable: %v", err)
		}
		t.Cleanup(func() { rmdirRetry(t, dir) })
		if err := write(filepath.Join(dir, "memory.limit_in_bytes"), strconv.Itoa(limit)); err != nil {
			t.Skipf("cgroup v1 memory.limit_in_bytes: %v", err)
		}
		// memory+swap as low as memory: no swapping out of the OOM.
		_ = write(filepath.Join(dir, "memory.memsw.limit_in_bytes"), strconv.Itoa(limit))
		return dir, name, func(pid int) error { return write(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid)) }
	}
	t.Skip("no memory cgroup controller (neither v2 with memory nor v1 memory) on this machine")
	return "", "", nil
}

func rmdirRetry(t *testing.T, dir string) {
	for i := 0; i < 50; i++ {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(20 * time.Millisecond) // the killed child is still being torn down
	}
	t.Errorf("could not remove test cgroup %s", dir)
}

// TestOOMLiveKill makes the kernel OOM-kill a child in a small cgroup and
// checks the live /dev/kmsg follower reports that exact pid within seconds.
func TestOOMLiveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the live OOM test starts a real OOM kill")
	}
	f := NewFS("", "").FollowOOM(context.Background(), OOMConfig{})
	defer f.Close()
	if st := f.Status(); st.Source != OOMSourceKmsg || !st.Following {
		t.Skipf("live kmsg source not available: %s", st)
	}
	_, name, add := memcgForTest(t, 8<<20)

	cmd := exec.Command(os.Args[0], "-test.run=^TestOOMHelperProcess$")
	cmd.Env = append(os.Environ(), "MEMTUI_OOM_HELPER=alloc")
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
		t.Fatalf("moving the child into %s: %v", name, err)
	}
	stdin.Write([]byte{1})
	stdin.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
	killedAt := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for {
		ks, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("no kill of pid %d reported within 3 s of its death: %v (kills: %v)", pid, err, pids(f.Kills()))
		}
		for _, k := range ks {
			if k.PID != pid {
				continue
			}
			t.Logf("pid %d reported %v after its death: %s anon-rss %v kB memcg %v", pid, time.Since(killedAt).Round(time.Millisecond), k.Comm, deref(k.AnonRSSKB), deref(k.Memcg))
			if k.Constraint == nil || *k.Constraint != "memcg" || k.Memcg == nil || *k.Memcg != name {
				t.Errorf("kill %+v: want constraint memcg in %s", k, name)
			}
			if k.Time == nil || time.Since(*k.Time) > 30*time.Second || time.Until(*k.Time) > 2*time.Second {
				t.Errorf("kill time %v, want about now", k.Time)
			}
			return
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestOOMRestrictedAsNobody runs the sources as an unprivileged user on a
// machine with kernel.dmesg_restrict=1: the status must say exactly that and
// how to fix it, and the oom_kill counter must still be read.
func TestOOMRestrictedAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a child as nobody")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/dmesg_restrict"); err != nil || strings.TrimSpace(string(b)) != "1" {
		t.Skip("kernel.dmesg_restrict is not 1 here; not changing it for a test")
	}
	// The child must be able to execute a copy of the test binary.
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	bin := filepath.Join(dir, "probes.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(dst, src)
	src.Close()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestOOMHelperProcess$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MEMTUI_OOM_HELPER=restricted", "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	want := "kernel log: permission denied — kernel.dmesg_restrict=1; run as root or grant CAP_SYSLOG\ncount true <nil>\n"
	if string(out) != want {
		t.Errorf("child said:\n%s\nwant:\n%s", out, want)
	}
}
