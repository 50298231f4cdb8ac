package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildEdition builds memtui (tags "") or memtui-watch (tags
// "memtui_watch") of this tree as dir/name, stamped with version.
func buildEdition(t *testing.T, dir, name, version, tags string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	out, err := exec.Command("go", "build", "-tags", tags, "-ldflags", "-X main.version="+version, "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -tags %q: %v\n%s", tags, err, out)
	}
	return bin
}

// buildWithWatch builds memtui with memtui-watch beside it, as a package
// installs them, and returns memtui's path.
func buildWithWatch(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	buildEdition(t, dir, watchBinary, "e2e", "memtui_watch")
	return buildEdition(t, dir, "memtui", "e2e", "")
}

// TestWatchRunsWatchBinary: memtui watch becomes memtui-watch (same PID,
// same arguments) when it is installed beside memtui with the same
// version, and otherwise runs in memtui, saying why unless none is there.
func TestWatchRunsWatchBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds memtui and memtui-watch")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/PID/exe")
	}
	dir := t.TempDir()
	memtui := buildEdition(t, dir, "memtui", "v-test", "")
	lean := filepath.Join(dir, watchBinary)

	// watchAs starts memtui watch, waits until it watches, and returns
	// the executable the process runs and its log.
	watchAs := func(t *testing.T) (exe, log string) {
		t.Helper()
		state := t.TempDir()
		args := []string{"watch", "--dry-run", "--threshold", "99", "--pg", "none", "--redis", "none",
			"--incident-dir", filepath.Join(state, "incidents"), "--state", filepath.Join(state, "watch.json")}
		cmd := exec.Command(memtui, args...)
		errb := &safeBuffer{}
		cmd.Stderr = errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(errb.String(), "event=watching") {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("no event=watching in 15 s:\n%s", errb.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		argv, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid))
		if got, want := string(argv), strings.Join(append([]string{memtui}, args...), "\x00")+"\x00"; got != want {
			t.Errorf("arguments %q, want %q", got, want)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("SIGTERM: %v, want exit 0\n%s", err, errb.String())
		}
		return exe, errb.String()
	}

	t.Run("none installed", func(t *testing.T) {
		exe, log := watchAs(t)
		if exe != memtui || strings.Contains(log, "watch_binary") {
			t.Errorf("ran as %s, want %s, silently:\n%s", exe, memtui, log)
		}
	})
	t.Run("same version", func(t *testing.T) {
		buildEdition(t, dir, watchBinary, "v-test", "memtui_watch")
		exe, log := watchAs(t)
		if exe != lean || strings.Contains(log, "watch_binary") {
			t.Errorf("ran as %s, want %s:\n%s", exe, lean, log)
		}
	})
	t.Run("writable by its group", func(t *testing.T) {
		if err := os.Chmod(lean, 0o775); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(lean, 0o755)
		exe, log := watchAs(t)
		if exe != memtui || !strings.Contains(log, "event=watch_binary_refused") {
			t.Errorf("ran as %s, want %s with event=watch_binary_refused:\n%s", exe, memtui, log)
		}
	})
	t.Run("another version", func(t *testing.T) {
		buildEdition(t, dir, watchBinary, "v-other", "memtui_watch")
		exe, log := watchAs(t)
		if exe != memtui || !strings.Contains(log, "event=watch_binary_mismatch") || !strings.Contains(log, "memtui v-other") {
			t.Errorf("ran as %s, want %s with event=watch_binary_mismatch naming v-other:\n%s", exe, memtui, log)
		}
	})
}

// TestWatchBinaryAlone: memtui-watch runs the watch, its keeper and
// version, and says what it is for anything else.
func TestWatchBinaryAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds memtui-watch")
	}
	lean := buildEdition(t, t.TempDir(), watchBinary, "v-test", "memtui_watch")
	out, err := exec.Command(lean, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "memtui v-test (") {
		t.Errorf("memtui-watch version: %q %v", out, err)
	}
	out, err = exec.Command(lean).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "memtui-watch runs the watch only") {
		t.Errorf("memtui-watch alone: %v\n%s", err, out)
	}
	out, err = exec.Command(lean, "snapshot").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown command "snapshot"`) {
		t.Errorf("memtui-watch snapshot: %v\n%s", err, out)
	}
	out, err = exec.Command(lean, "watch", "--threshold", "101").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(string(out), "threshold") {
		t.Errorf("memtui-watch watch --threshold 101: %v, want exit 3 naming the threshold\n%s", err, out)
	}
	// It links no ui, and still knows the themes: a watch started by a
	// unit file that names a theme by mistake says so at once.
	out, err = exec.Command(lean, "watch", "--theme", "bogus", "--once", "--dry-run", "--pg", "none", "--redis", "none", "--incident-dir", t.TempDir()).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(string(out), `--theme "bogus": use dark, high-contrast, colorblind or light`) {
		t.Errorf("memtui-watch watch --theme bogus: %v, want exit 3 naming the themes\n%s", err, out)
	}
	out, err = exec.Command(lean, "watch", "--theme", "colourblind", "--once", "--dry-run", "--pg", "none", "--redis", "none", "--incident-dir", t.TempDir()).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "event=") {
		t.Errorf("memtui-watch watch --theme colourblind: %v, want the watch to run\n%s", err, out)
	}
}
