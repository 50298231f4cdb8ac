package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndSIGKILLDuringAction is issue 18's last case on the real
// binary: memtui is SIGKILLed (as the OOM killer would) while an action
// runs. The run must neither be cut short nor outlive its timeout, and its
// end must reach the timeline: the keeper memtui runs commands under sees
// it through, and the next memtui (here `memtui report`) records it.
//
//   - "finishes": `sleep 3; echo slept` (timeout 20 s) is still running
//     right after the kill, ends about 3 s later, and the report shows exit 0
//     and the note that memtui was away.
//   - "times out": `sleep 30` (timeout 2 s) is killed by the keeper at its
//     timeout, not 30 s later, and the report shows it timed out.
func TestEndToEndSIGKILLDuringAction(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	for _, tc := range []struct {
		name, script, timeout string
		lasts                 time.Duration // how long the group should live after the kill, about
		want                  []string      // in the report
	}{
		{"finishes", "sleep 3; echo slept", "20s", 3 * time.Second, []string{"exit 0", "slept", "ended while no memtui was running"}},
		{"times out", "sleep 30", "2s", 2 * time.Second, []string{"timed out after 2 s", "ended while no memtui was running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "state")
			pgidFile := filepath.Join(dir, "pgid")
			rb := filepath.Join(dir, "runbook.toml")
			err := os.WriteFile(rb, []byte(`[[actions]]
id = "e2e-keep"
name = "Stands in for a restart"
risk = "low"
description = "Runs while memtui is killed."
commands = [["sh", "-c", "echo $$ > `+pgidFile+`; `+tc.script+`"]]
timeout = "`+tc.timeout+`"
`), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			timeline := filepath.Join(dir, "incident.jsonl")
			s := startTmux(t, 120, 40, "env", "XDG_STATE_HOME="+state, bin, "--runbook", rb, "--incident", timeline, "--pg", "none", "--redis", "none")
			s.waitFor(10*time.Second, "Memory & swap", "% used")
			pgid := s.runAction("e2e-keep", pgidFile)
			// The start is on the timeline before memtui dies.
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if b, _ := os.ReadFile(timeline); strings.Contains(string(b), `"action_started"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the run's start never reached the timeline")
				}
			}
			memtui := s.panePID()
			killed := time.Now()
			if err := syscall.Kill(memtui, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			for running(memtui) && time.Since(killed) < 5*time.Second {
				time.Sleep(10 * time.Millisecond)
			}
			if err := syscall.Kill(-pgid, 0); err != nil {
				t.Fatalf("the run's process group died with memtui (kill -0: %v): a half-done restart cut short", err)
			}
			for syscall.Kill(-pgid, 0) == nil {
				if time.Since(killed) > tc.lasts+8*time.Second {
					syscall.Kill(-pgid, syscall.SIGKILL)
					t.Fatalf("the run's process group still alive %v after memtui was killed: nobody enforces its timeout", time.Since(killed))
				}
				time.Sleep(20 * time.Millisecond)
			}
			gone := time.Since(killed)
			t.Logf("%s: memtui SIGKILLed; the run's group ended %v later (expected about %v)", tc.name, gone.Round(10*time.Millisecond), tc.lasts)
			if gone < tc.lasts-time.Second {
				t.Errorf("the group ended %v after the kill, before the run could have (%v)", gone, tc.lasts)
			}
			// The keeper leaves the result; give it a moment to write.
			runs := filepath.Join(state, "memtui", "runs")
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if m, _ := filepath.Glob(filepath.Join(runs, "*.json")); len(m) == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no result left in %s", runs)
				}
			}

			// The next memtui records it.
			cmd := exec.Command(bin, "report", "--incident", timeline)
			cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("memtui report: %v\n%s", err, stderr.String())
			}
			report := string(out)
			for _, want := range tc.want {
				if !strings.Contains(report, want) {
					t.Errorf("the report lacks %q:\n%s", want, report)
				}
			}
			if strings.Contains(report, "outcome unknown") {
				t.Errorf("the report still calls the run's outcome unknown:\n%s", report)
			}
			if m, _ := filepath.Glob(filepath.Join(runs, "*")); len(m) != 0 {
				t.Errorf("left in %s after recording: %v", runs, m)
			}
			if !strings.Contains(stderr.String(), "recorded the end of 1 run") {
				t.Errorf("report did not say it recorded the run: %q", stderr.String())
			}
		})
	}
}

// panePID is the pid of the program in the session's pane (memtui: env
// execs it).
func (s *tmuxSession) panePID() int {
	pid, _ := strconv.Atoi(strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_pid}")))
	return pid
}

// runAction runs the runbook action id from the palette (a low-risk one:
// y confirms) and returns the process group its command wrote to
// pgidFile (echo $$), failing the test if it never started.
func (s *tmuxSession) runAction(id, pgidFile string) int {
	s.t.Helper()
	s.keys(":")
	s.waitFor(5*time.Second, "Actions — ")
	s.keys("-l", id)
	s.waitFor(5*time.Second, "Actions — 1 of")
	s.keys("Enter")
	s.waitFor(5*time.Second, "Run it? y/enter runs")
	s.keys("y")
	var pgid int
	for deadline := time.Now().Add(10 * time.Second); pgid == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pgidFile)
		pgid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if pgid == 0 {
		s.t.Fatalf("the action did not start:\n%s", s.capture())
	}
	return pgid
}
