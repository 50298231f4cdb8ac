package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndSignalDuringAction is issue 18's dropped-connection case on
// the real binary: while an action (`sleep 5`) runs, the terminal hangs up
// (tmux kill-server: SIGHUP and a dead pty) or memtui gets SIGTERM. The
// rule (ui/quit.go onSignal): the run is neither killed nor abandoned —
// memtui stays without a screen until it ends, records its end, and exits;
// no process of its group is left.
func TestEndToEndSignalDuringAction(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	for _, how := range []string{"SIGHUP", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			pgidFile := filepath.Join(dir, "pgid")
			rb := filepath.Join(dir, "runbook.toml")
			err := os.WriteFile(rb, []byte(`[[actions]]
id = "e2e-sleep"
name = "Sleep five seconds"
risk = "low"
description = "Stands in for a restart that takes a while."
commands = [["sh", "-c", "echo $$ > `+pgidFile+`; sleep 5; echo slept"]]
timeout = "20s"
`), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			timeline := filepath.Join(dir, "incident.jsonl")
			s := startTmux(t, 120, 40, bin, "--runbook", rb, "--incident", timeline, "--pg", "none")
			s.waitFor(10*time.Second, "Memory & swap", "% used")
			pid, _ := strconv.Atoi(strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_pid}")))
			pgid := s.runAction("e2e-sleep", pgidFile)
			signalled := time.Now()
			if how == "SIGHUP" {
				// The terminal goes away as with a dropped SSH connection.
				s.tmux("kill-server")
			} else if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// memtui must outlive the screen until the run ends (~5 s),
			// then exit.
			for running(pid) {
				if time.Since(signalled) > 20*time.Second {
					t.Fatalf("memtui (pid %d) still running %v after %s", pid, time.Since(signalled), how)
				}
				time.Sleep(50 * time.Millisecond)
			}
			took := time.Since(signalled)
			t.Logf("%s: memtui exited %v after the signal", how, took.Round(10*time.Millisecond))
			if err := syscall.Kill(-pgid, 0); err != syscall.ESRCH {
				syscall.Kill(-pgid, syscall.SIGKILL)
				t.Errorf("process group %d left behind (kill -0: %v)", pgid, err)
			}
			file, _ := os.ReadFile(timeline)
			text := string(file)
			for _, want := range []string{`"action_started"`, `"action_finished"`, `"exit":0`, "slept", how + ": the screen went away while e2e-sleep ran"} {
				if !strings.Contains(text, want) {
					t.Errorf("timeline lacks %s:\n%s", want, text)
				}
			}
		})
	}
}

// running: pid is a live process. A zombie is not: tmux reaps its pane's
// process late, or never while it inherits a blocked SIGCHLD, so kill -0
// alone would see memtui "still running" after it exited.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command's closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}
