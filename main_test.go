package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary builds memtui once per test run into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "memtui")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// needTmux skips without tmux, except under CI where it is a failure.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; .ci/run must install it")
		}
		t.Skip("tmux is not installed: the end-to-end test needs it (apt-get install tmux)")
	}
}

// tmuxSession runs the real binary in a detached tmux session on a private
// socket, so tests never touch a user's tmux server.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func startTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("memtui-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "e2e"}
	args := append([]string{"-L", s.socket, "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}, argv...)
	cmd := exec.Command("tmux", args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	// Keep the pane after the program exits so its exit can be observed.
	s.tmux("set-option", "-t", s.name, "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor polls the pane until every want is on screen.
func (s *tmuxSession) waitFor(timeout time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("after %s the screen lacks %q:\n%s", timeout, want, screen)
	return ""
}

// paneDead reports whether the program in the pane has exited.
func (s *tmuxSession) paneDead() bool {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_dead}")) == "1"
}

// TestEndToEndDashboard runs the real binary in tmux at 80×24 and 200×60,
// waits for the memory panel, opens the help, and quits with q.
func TestEndToEndDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := startTmux(t, sz[0], sz[1], bin, "--read-only")
			screen := s.waitFor(10*time.Second, "Memory & swap", "% used", "available", "READ-ONLY")
			if !strings.Contains(screen, "NORMAL") && !strings.Contains(screen, "WARNING") &&
				!strings.Contains(screen, "HIGH") && !strings.Contains(screen, "CRITICAL") {
				t.Errorf("no severity word on screen:\n%s", screen)
			}
			s.keys("?")
			s.waitFor(5*time.Second, "Keys", "pause refresh")
			s.keys("Escape")
			// A key right after Escape would arrive as alt+key; wait until
			// the help is gone, as a person would.
			deadline := time.Now().Add(5 * time.Second)
			for strings.Contains(s.capture(), "pause refresh   ") || strings.Contains(s.capture(), "? or esc closes") {
				if time.Now().After(deadline) {
					t.Fatalf("esc did not close the help:\n%s", s.capture())
				}
				time.Sleep(50 * time.Millisecond)
			}
			s.keys("q")
			deadline = time.Now().Add(5 * time.Second)
			for !s.paneDead() {
				if time.Now().After(deadline) {
					t.Fatalf("memtui did not exit after q:\n%s", s.capture())
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// TestSnapshotAgreesWithMeminfo runs the real binary and compares its JSON
// with /proc/meminfo read independently.
func TestSnapshotAgreesWithMeminfo(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo on this system")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "snapshot", "--json").Output()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var snap struct {
		Time   string `json:"time"`
		Memory struct {
			Total       uint64  `json:"total_bytes"`
			Available   uint64  `json:"available_bytes"`
			UsedPercent float64 `json:"used_percent"`
			SwapTotal   uint64  `json:"swap_total_bytes"`
			Severity    string  `json:"severity"`
		} `json:"memory"`
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	kb := map[string]uint64{}
	for _, line := range strings.Split(string(raw), "\n") {
		var name string
		var v uint64
		if _, err := fmt.Sscanf(line, "%s %d", &name, &v); err == nil {
			kb[strings.TrimSuffix(name, ":")] = v * 1024
		}
	}
	if snap.Memory.Total != kb["MemTotal"] {
		t.Errorf("total_bytes %d, /proc/meminfo MemTotal %d", snap.Memory.Total, kb["MemTotal"])
	}
	if snap.Memory.SwapTotal != kb["SwapTotal"] {
		t.Errorf("swap_total_bytes %d, /proc/meminfo SwapTotal %d", snap.Memory.SwapTotal, kb["SwapTotal"])
	}
	// MemAvailable moves between the two reads; allow 2 % of RAM.
	diff := int64(snap.Memory.Available) - int64(kb["MemAvailable"])
	if diff < 0 {
		diff = -diff
	}
	if tol := int64(kb["MemTotal"] / 50); diff > tol {
		t.Errorf("available_bytes %d vs MemAvailable %d: off by %d (> %d)", snap.Memory.Available, kb["MemAvailable"], diff, tol)
	}
	want := 100 * float64(snap.Memory.Total-snap.Memory.Available) / float64(snap.Memory.Total)
	if d := snap.Memory.UsedPercent - want; d > 0.01 || d < -0.01 {
		t.Errorf("used_percent %.2f, computed from its own fields %.2f", snap.Memory.UsedPercent, want)
	}
	if _, err := time.Parse(time.RFC3339, snap.Time); err != nil {
		t.Errorf("time %q is not RFC3339: %v", snap.Time, err)
	}
}

// TestCommandLineErrors: bad input gives a plain error on stderr and a
// non-zero exit, before any screen is drawn.
func TestCommandLineErrors(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--proc", "/nonexistent"}, "--proc /nonexistent"},
		{[]string{"--interval", "1ms"}, "too short"},
		{[]string{"--theme", "pink"}, `--theme "pink"`},
		{[]string{"snapshot", "extra"}, "unknown command"},
		{[]string{"--proc", "/tmp", "snapshot"}, "no meminfo"},
	} {
		cmd := exec.Command(bin, c.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			t.Errorf("%v: exit 0, want an error", c.args)
			continue
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q lacks %q", c.args, stderr.String(), c.want)
		}
	}
}
