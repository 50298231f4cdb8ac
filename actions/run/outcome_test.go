package run

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/units"
)

// TestCommandOutcomes: every command step says how it ended, and the run's
// outcome is an exit status only when there is one; otherwise it says why
// there is none.
func TestCommandOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		action  actions.Action
		ro      bool
		status  actions.Status
		steps   []string // each step's status and outcome
		outcome string   // prefix of the run's outcome
	}{
		{"exit 0", cmdAction(5*time.Second, []string{"true"}), false, actions.StatusOK,
			[]string{"ok exit 0"}, "exit 0"},
		{"non-zero exit", cmdAction(5*time.Second, []string{"sh", "-c", "exit 3"}), false, actions.StatusFailed,
			[]string{"failed exit 3"}, "sh: exit 3"},
		{"second of three fails", cmdAction(5*time.Second, []string{"true"}, []string{"false"}, []string{"true"}), false, actions.StatusFailed,
			[]string{"ok exit 0", "failed exit 1"}, "command 2 of 3, false: exit 1"},
		{"all succeed", cmdAction(5*time.Second, []string{"true"}, []string{"true"}), false, actions.StatusOK,
			[]string{"ok exit 0", "ok exit 0"}, "all 2 commands exited 0"},
		{"killed by a signal", cmdAction(5*time.Second, []string{"sh", "-c", "kill -TERM $$"}), false, actions.StatusFailed,
			[]string{"failed no exit status: sh: killed by signal SIGTERM"}, "no exit status: sh: killed by signal SIGTERM"},
		{"timed out", cmdAction(300*time.Millisecond, []string{"sleep", "30"}), false, actions.StatusTimedOut,
			[]string{"timed out no exit status: timed out after 300 ms; stopped it (process group killed)"}, "sleep: no exit status: timed out after 300 ms"},
		{"not installed", cmdAction(5*time.Second, []string{"memtui-no-such-program"}), false, actions.StatusError,
			[]string{"error not run: could not start: memtui-no-such-program: not installed (not found in PATH)"}, "not run: could not start: memtui-no-such-program: not installed"},
		{"refused", cmdAction(5*time.Second, []string{"true"}), true, actions.StatusRefused,
			nil, "not run: refused: read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Runner{ReadOnly: tc.ro}
			res := r.RunSync(context.Background(), actions.Request{Action: tc.action})
			if res.Status != tc.status {
				t.Errorf("status %q, want %q (%q)", res.Status, tc.status, res.Message)
			}
			var steps []string
			for _, st := range res.Steps {
				steps = append(steps, string(st.Status)+" "+st.Outcome)
			}
			if diff := cmp.Diff(tc.steps, steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(res.Outcome, tc.outcome) {
				t.Errorf("outcome %q, want it to start %q", res.Outcome, tc.outcome)
			}
		})
	}
}

// TestSignalOutcomes: a signal run on a real child records which signal
// ended it and when.
func TestSignalOutcomes(t *testing.T) {
	var r Runner
	sig := actions.Action{ID: "signal-process", Kind: actions.KindSignal, Risk: actions.RiskMedium, Grace: 2 * time.Second, Timeout: 10 * time.Second}

	t.Run("exits on TERM", func(t *testing.T) {
		// The child takes a moment to exit after TERM, as a server
		// finishing its requests does; the outcome must carry that time.
		c, _ := startChild(t, "sh", "-c", "trap 'sleep 0.3; exit 0' TERM; while :; do sleep 0.05; done")
		time.Sleep(100 * time.Millisecond) // let the trap be set
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: &actions.Target{PID: c.Process.Pid, Comm: "sh"}})
		if res.Status != actions.StatusOK || len(res.Steps) != 1 {
			t.Fatalf("%q %q steps %+v", res.Status, res.Message, res.Steps)
		}
		st := res.Steps[0]
		so := st.Signal
		if st.Status != actions.StatusOK || so == nil || so.Signal != "SIGTERM" || !so.Exited || so.SentAt.IsZero() {
			t.Fatalf("step %+v signal %+v", st, so)
		}
		if so.After < 250*time.Millisecond || so.After >= sig.Grace {
			t.Errorf("exited %s after SIGTERM, want about 0.3s", so.After)
		}
		want := "pid " + strconv.Itoa(c.Process.Pid) + " (sh) exited " + units.Duration(so.After) + " after SIGTERM"
		if st.Outcome != want || res.Outcome != want {
			t.Errorf("outcome %q / %q, want %q", st.Outcome, res.Outcome, want)
		}
	})

	t.Run("ignores TERM, KILL after the grace", func(t *testing.T) {
		c, _ := startChild(t, "sh", "-c", "trap '' TERM; while :; do sleep 0.05; done")
		time.Sleep(100 * time.Millisecond)
		quick := sig
		quick.Grace = 400 * time.Millisecond
		res := r.RunSync(context.Background(), actions.Request{Action: quick, Target: &actions.Target{PID: c.Process.Pid, Comm: "sh"}})
		if res.Status != actions.StatusOK || len(res.Steps) != 2 {
			t.Fatalf("%q %q steps %+v", res.Status, res.Message, res.Steps)
		}
		term, kill := res.Steps[0], res.Steps[1]
		if term.Signal == nil || term.Signal.Signal != "SIGTERM" || term.Signal.Exited {
			t.Errorf("TERM step %+v %+v", term, term.Signal)
		}
		if kill.Signal == nil || kill.Signal.Signal != "SIGKILL" || !kill.Signal.Exited || kill.Signal.After < quick.Grace {
			t.Errorf("KILL step %+v %+v", kill, kill.Signal)
		}
		if !strings.Contains(res.Outcome, "(sh) killed by SIGKILL after the 400 ms grace") {
			t.Errorf("outcome %q", res.Outcome)
		}
	})

	t.Run("already gone", func(t *testing.T) {
		c, done := startChild(t, "true")
		<-done
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: &actions.Target{PID: c.Process.Pid, Comm: "true"}})
		if res.Status != actions.StatusOK || !strings.Contains(res.Outcome, "already exited; nothing sent") {
			t.Errorf("%q %q", res.Status, res.Outcome)
		}
	})
}

func TestStatementOutcomeRows(t *testing.T) {
	for tag, want := range map[string]*int64{"DELETE 5000": i64(5000), "INSERT 0 3": i64(3), "CREATE TABLE": nil, "SELECT 0": i64(0), "": nil} {
		if got := actions.NewStatementOutcome(tag).Rows; !cmp.Equal(got, want) {
			t.Errorf("%q: rows %v, want %v", tag, got, want)
		}
	}
}

func i64(n int64) *int64 { return &n }

// TestDropCachesOutcomes: the sync and the write are steps of their own, so
// a refused write is told apart from a sync that never returned.
func TestDropCachesOutcomes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "drop_caches")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var r Runner
	a := actions.Action{ID: "drop-page-caches", Risk: actions.RiskHigh, Kind: actions.KindDropCaches, File: file}
	res := r.RunSync(context.Background(), actions.Request{Action: a})
	var steps []string
	for _, st := range res.Steps {
		steps = append(steps, st.Argv[0]+" "+string(st.Status)+" "+st.Outcome)
	}
	if diff := cmp.Diff([]string{"sync ok synced", "write ok written"}, steps); diff != "" || res.Outcome != "page cache, dentries and inodes dropped" {
		t.Errorf("outcome %q, steps (-want +got):\n%s", res.Outcome, diff)
	}
	a.File = filepath.Join(t.TempDir(), "missing")
	res = r.RunSync(context.Background(), actions.Request{Action: a})
	if res.Status != actions.StatusError || len(res.Steps) != 2 || !strings.HasPrefix(res.Outcome, "failed: ") || !strings.Contains(res.Outcome, "does not exist") {
		t.Errorf("%q %q %+v", res.Status, res.Outcome, res.Steps)
	}
}
