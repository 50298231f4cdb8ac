package capture_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/memtui/memtui/probes/capture"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/host/hosttest"
)

// liveCapture captures this machine with a child carrying secrets in its
// argv and environment, and returns the tree and the child's pid.
func liveCapture(t *testing.T) (string, int) {
	t.Helper()
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc on this machine")
	}
	// The password is an argument of sh, so it sits in /proc/PID/cmdline.
	cmd := exec.Command("sh", "-c", "sleep 600; :", "sh", "--password=hunter2", "postgres://u:s3cretpw@db/x")
	cmd.Env = append(os.Environ(), "PGPASSWORD=envsecret9")
	// A group of its own, killed whole: killing sh alone left its sleep
	// behind for ten minutes after every run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	dir := filepath.Join(t.TempDir(), "cap")
	res, err := capture.Write(context.Background(), dir, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.PIDs < 2 || res.Files < 10 {
		t.Fatalf("captured %d processes in %d files", res.PIDs, res.Files)
	}
	return dir, cmd.Process.Pid
}

func TestCaptureReplaysLikeTheLiveHost(t *testing.T) {
	live := host.NewLocal(host.Options{PG: "none"})
	defer live.Close()
	ctx := context.Background()
	before := live.Memory().Read()
	liveTop, err := live.TopProcesses(ctx, 5, 0, 0)
	if err != nil || len(liveTop) == 0 {
		t.Fatalf("live top: %v", err)
	}
	dir, child := liveCapture(t)

	rp := host.Open(host.Options{Proc: filepath.Join(dir, "proc"), Sys: filepath.Join(dir, "sys"), PGEnv: map[string]string{}})
	defer rp.Close()
	if rp.Kind() != host.KindReplay {
		t.Fatalf("kind %s", rp.Kind())
	}
	if name, _ := os.Hostname(); rp.Name() != name {
		t.Errorf("replay name %q, host %q", rp.Name(), name)
	}
	if rp.BootID() == "" || rp.BootID() != live.BootID() {
		t.Errorf("boot id %q, live %q", rp.BootID(), live.BootID())
	}
	m := rp.Memory().Read()
	lp, ok1 := before.Meminfo.UsedPercent()
	rpct, ok2 := m.Meminfo.UsedPercent()
	if !ok1 || !ok2 || rpct < lp-3 || rpct > lp+3 {
		t.Errorf("used %% live %.1f (%v), replay %.1f (%v)", lp, ok1, rpct, ok2)
	}
	if before.Meminfo.MemTotal != m.Meminfo.MemTotal {
		t.Errorf("MemTotal live %v, replay %v", before.Meminfo.MemTotal, m.Meminfo.MemTotal)
	}
	if (before.CgroupErr == nil) != (m.CgroupErr == nil) || before.Cgroup.Limit != m.Cgroup.Limit {
		t.Errorf("cgroup live %+v (%v), replay %+v (%v)", before.Cgroup, before.CgroupErr, m.Cgroup, m.CgroupErr)
	}
	// A top process may exit before the capture on a busy host: each one
	// that outlived it must replay with its name and owner.
	top, err := rp.TopProcesses(ctx, 5000, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int32]string{}
	for _, p := range top {
		byPID[p.PID] = p.Comm + "/" + p.User
	}
	checked := 0
	for _, lp := range liveTop {
		if _, err := os.Stat("/proc/" + strconv.Itoa(int(lp.PID))); err != nil {
			continue
		}
		checked++
		if got := byPID[lp.PID]; got != lp.Comm+"/"+lp.User {
			t.Errorf("live top process %d %s/%s replays as %q", lp.PID, lp.Comm, lp.User, got)
		}
	}
	if checked == 0 {
		t.Errorf("no live top process outlived the capture")
	}
	if _, err := os.Stat(filepath.Join(dir, "proc", strconv.Itoa(child), "cmdline")); err != nil {
		t.Errorf("the child's cmdline is not in the capture: %v", err)
	}
	noSecrets(t, dir)
}

// noSecrets walks the tree: no planted secret, no environ, private modes.
func noSecrets(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, _ := d.Info()
		if d.IsDir() {
			if st.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v, want 0700", p, st.Mode().Perm())
			}
			return nil
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, st.Mode().Perm())
		}
		if d.Name() == "environ" {
			t.Errorf("%s: environments are never copied", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range []string{"hunter2", "s3cretpw", "envsecret9"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCaptureContract(t *testing.T) {
	if testing.Short() {
		t.Skip("captures the whole machine")
	}
	dir, _ := liveCapture(t)
	proc := filepath.Join(dir, "proc")
	open := func(*testing.T) host.Host {
		return host.Open(host.Options{Proc: proc, Sys: filepath.Join(dir, "sys"), PGEnv: map[string]string{}})
	}
	hosttest.Run(t, open, hosttest.Expect{Kind: host.KindReplay, PIDExists: func(pid int32) bool {
		st, err := os.Stat(filepath.Join(proc, strconv.Itoa(int(pid))))
		return err == nil && st.IsDir()
	}})
}

func TestCaptureRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir() // a minimal proc root, so this test stays fast
	if err := os.WriteFile(filepath.Join(fake, "meminfo"), []byte("MemTotal: 1000 kB\nMemAvailable: 500 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := capture.Options{Proc: fake, Sys: t.TempDir(), Etc: t.TempDir(), KmsgPath: filepath.Join(fake, "nokmsg")}
	if _, err := capture.Write(context.Background(), dir, o); !errors.Is(err, capture.ErrNotEmpty) {
		t.Fatalf("err = %v, want ErrNotEmpty", err)
	}
	o.Force = true
	res, err := capture.Write(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.LogErr == nil || res.KernelLog != "" {
		t.Errorf("a missing kernel log: %+v", res)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Errorf("--force removed a file the capture did not write: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "proc", "meminfo")); err != nil {
		t.Error(err)
	}
}

func TestCaptureBoundsFiles(t *testing.T) {
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "meminfo"), bytes.Repeat([]byte("x"), 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "c")
	o := capture.Options{Proc: fake, Sys: t.TempDir(), Etc: t.TempDir(), KmsgPath: filepath.Join(fake, "nokmsg"), MaxFile: 1000}
	if _, err := capture.Write(context.Background(), dir, o); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "proc", "meminfo")); err != nil || st.Size() != 1000 {
		t.Errorf("bounded copy: %v %v", st, err)
	}
}
