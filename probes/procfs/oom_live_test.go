package procfs

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/oomtest"
)

// TestOOMHelperProcess is the child the live tests re-execute: it does
// nothing in a normal run.
func TestOOMHelperProcess(t *testing.T) {
	switch os.Getenv("MEMTUI_OOM_HELPER") {
	case "":
		t.Skip("child process of TestOOMLiveKill and TestOOMRestrictedAsNobody")
	case "alloc":
		oomtest.AllocUntilKilled()
	case "restricted":
		f := NewFS("", "").FollowOOM(context.Background(), probes.OOMConfig{Timeout: 5 * time.Second})
		fmt.Println(f.Status().String())
		v, err := NewFS("", "").OOMCount()
		fmt.Println("count", v.OK, err)
		f.Close()
		os.Exit(0)
	}
}

// TestOOMLiveKill makes the kernel OOM-kill a child in a small cgroup and
// checks the live /dev/kmsg follower reports that exact pid within seconds.
func TestOOMLiveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the live OOM test starts a real OOM kill")
	}
	f := NewFS("", "").FollowOOM(context.Background(), probes.OOMConfig{})
	defer f.Close()
	if st := f.Status(); st.Source != probes.OOMSourceKmsg || !st.Following {
		t.Skipf("live kmsg source not available: %s", st)
	}
	_, name, add := oomtest.Memcg(t, "memtui-oomtest", 8<<20)

	cmd := exec.Command(os.Args[0], "-test.run=^TestOOMHelperProcess$")
	cmd.Env = append(os.Environ(), "MEMTUI_OOM_HELPER=alloc")
	pid := oomtest.RunKilled(t, cmd, add)
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
