package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/actions"
	"golang.org/x/sys/unix"
)

func cmdAction(timeout time.Duration, cmds ...[]string) actions.Action {
	return actions.Action{ID: "t", Name: "test", Risk: actions.RiskLow, Kind: actions.KindCommands, Commands: cmds, Timeout: timeout}
}

func intp(i int) *int { return &i }

func TestRunCommandsExitCodes(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran-after-failure")
	tests := []struct {
		name      string
		action    actions.Action
		status    actions.Status
		exit      *int
		steps     int
		msgSubstr string
	}{
		{"true exits 0", cmdAction(5*time.Second, []string{"true"}), actions.StatusOK, intp(0), 1, "true exited 0"},
		{"false exits 1", cmdAction(5*time.Second, []string{"false"}), actions.StatusFailed, intp(1), 1, "false exited 1"},
		{"exit 3", cmdAction(5*time.Second, []string{"sh", "-c", "exit 3"}), actions.StatusFailed, intp(3), 1, "sh exited 3"},
		{"stops at first failure", cmdAction(5*time.Second, []string{"true"}, []string{"false"}, []string{"touch", marker}), actions.StatusFailed, intp(1), 2, "false exited 1"},
		{"all succeed", cmdAction(5*time.Second, []string{"true"}, []string{"true"}), actions.StatusOK, intp(0), 2, "all 2 commands exited 0"},
		{"not installed", cmdAction(5*time.Second, []string{"memtui-no-such-program", "x"}), actions.StatusError, nil, 1, "memtui-no-such-program: not installed (not found in PATH)"},
		{"killed by a signal", cmdAction(5*time.Second, []string{"sh", "-c", "kill -TERM $$"}), actions.StatusFailed, nil, 1, "sh: killed by signal SIGTERM"},
		{"shell only when asked", actions.Action{ID: "t", Kind: actions.KindCommands, Shell: true, Commands: [][]string{{"echo hi; exit 2"}}}, actions.StatusFailed, intp(2), 1, "/bin/sh exited 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Runner
			res := r.RunSync(context.Background(), actions.Request{Action: tc.action, Confirmation: "y"})
			if res.Status != tc.status {
				t.Errorf("status = %q, want %q (message %q, output %q)", res.Status, tc.status, res.Message, res.Output)
			}
			if diff := cmp.Diff(tc.exit, res.ExitCode); diff != "" {
				t.Errorf("exit code (-want +got):\n%s", diff)
			}
			if len(res.Steps) != tc.steps {
				t.Errorf("ran %d steps, want %d: %+v", len(res.Steps), tc.steps, res.Steps)
			}
			if !strings.Contains(res.Message, tc.msgSubstr) {
				t.Errorf("message = %q, want it to contain %q", res.Message, tc.msgSubstr)
			}
			if res.Confirmation != "y" || res.Duration <= 0 || res.Finished.Before(res.Started) {
				t.Errorf("bookkeeping: confirmation %q duration %v", res.Confirmation, res.Duration)
			}
		})
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a command after a failing one ran (marker: %v)", err)
	}
}

// alive reports whether pid still exists and is not a zombie.
func alive(pid int) bool {
	if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
		return false
	}
	st, err := readStat("/proc", pid)
	if err != nil {
		return false
	}
	return st.State != 'Z' && st.State != 'X'
}

func TestRunTimeoutKillsChildrenAndGrandchildren(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	// sh starts a child sleep and a child sh which starts a grandchild sleep;
	// both write their pid, then everything waits far past the timeout.
	script := fmt.Sprintf(`sleep 300 & echo $! >> %[1]s
sh -c 'sleep 300 & echo $! >> %[1]s; echo $$ >> %[1]s; wait' &
echo $! >> %[1]s
echo started
wait`, pids)
	a := cmdAction(700*time.Millisecond, []string{"sh", "-c", script})
	var r Runner
	t0 := time.Now()
	res := r.RunSync(context.Background(), actions.Request{Action: a})
	took := time.Since(t0)
	if res.Status != actions.StatusTimedOut {
		t.Fatalf("status = %q (%s), want timed out", res.Status, res.Message)
	}
	if !strings.Contains(res.Message, "timed out after 700 ms") {
		t.Errorf("message = %q", res.Message)
	}
	if took > 4*time.Second {
		t.Errorf("run took %v after a 700ms timeout", took)
	}
	b, err := os.ReadFile(pids)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 4 {
		t.Fatalf("want 4 pids (sleep, sh, sleep, sh), got %q", fields)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, f := range fields {
		pid, _ := strconv.Atoi(f)
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("pid %d survived the timeout", pid)
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
	if !strings.Contains(res.Output, "started") {
		t.Errorf("output before the kill lost: %q", res.Output)
	}
}

func TestRunLeavesNothingBehindInItsGroup(t *testing.T) {
	pidf := filepath.Join(t.TempDir(), "pid")
	// The command exits at once but leaves a background sleep in its group
	// (with its output sent elsewhere so the pipe closes).
	a := cmdAction(5*time.Second, []string{"sh", "-c", fmt.Sprintf("sleep 300 >/dev/null 2>&1 & echo $! > %s", pidf)})
	var r Runner
	res := r.RunSync(context.Background(), actions.Request{Action: a})
	if res.Status != actions.StatusOK {
		t.Fatalf("status %q: %s", res.Status, res.Message)
	}
	b, err := os.ReadFile(pidf)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		_ = unix.Kill(pid, unix.SIGKILL)
		t.Fatalf("background pid %d outlived the run", pid)
	}
}

func TestRunOutputAboveTheBound(t *testing.T) {
	// seq 1 200000 writes 1,288,895 bytes, far above the 64 KiB tail.
	var r Runner
	res := r.RunSync(context.Background(), actions.Request{Action: cmdAction(20*time.Second, []string{"seq", "1", "200000"})})
	if res.Status != actions.StatusOK {
		t.Fatalf("status %q: %s", res.Status, res.Message)
	}
	if res.OutputBytes != 1288895 {
		t.Errorf("OutputBytes = %d, want 1288895 (every byte counted)", res.OutputBytes)
	}
	if len(res.Output) > DefaultTailBytes+100 {
		t.Errorf("kept %d bytes, bound is %d", len(res.Output), DefaultTailBytes)
	}
	lines := strings.Split(res.Output, "\n")
	if !strings.HasPrefix(lines[0], "[… ") || !strings.Contains(lines[0], "earlier lines dropped") {
		t.Errorf("first line = %q, want the dropped marker", lines[0])
	}
	if last := lines[len(lines)-1]; last != "200000" {
		t.Errorf("last line = %q, want the tail kept (200000)", last)
	}
	// The kept lines are a contiguous tail: each is one more than the last.
	prev := -1
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "$ ") {
			continue
		}
		n, err := strconv.Atoi(l)
		if err != nil {
			t.Fatalf("line %q", l)
		}
		if prev >= 0 && n != prev+1 {
			t.Fatalf("gap in the tail: %d after %d", n, prev)
		}
		prev = n
	}
	if res.OutputDroppedLines == 0 || res.OutputDroppedLines > 200000 {
		t.Errorf("OutputDroppedLines = %d", res.OutputDroppedLines)
	}
}

func TestRunRedactsOutputAndArgv(t *testing.T) {
	a := cmdAction(5*time.Second,
		[]string{"echo", "--password", "hunter2", "token=tok-123"},
		[]string{"sh", "-c", `echo "PGPASSWORD=pgpw-9 psql postgres://odoo:dsnpw-7@db/odoo"; echo "Authorization: Bearer abc.def" 1>&2`},
	)
	var r Runner
	res := r.RunSync(context.Background(), actions.Request{Action: a, Confirmation: "y"})
	if res.Status != actions.StatusOK {
		t.Fatalf("status %q: %s", res.Status, res.Message)
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "tok-123", "pgpw-9", "dsnpw-7", "abc.def"} {
		if strings.Contains(string(js), secret) {
			t.Errorf("secret %q in the recorded result: %s", secret, js)
		}
	}
	if diff := cmp.Diff([]string{"echo", "--password", "***", "token=***"}, res.Argv[0]); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
	for _, want := range []string{"--password *** token=***", "PGPASSWORD=*** psql postgres://odoo:***@db/odoo", "Authorization: Bearer ***"} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("output %q lacks %q", res.Output, want)
		}
	}
}

func TestRunCancelAndLiveOutput(t *testing.T) {
	var r Runner
	h := r.Start(context.Background(), actions.Request{Action: cmdAction(time.Minute, []string{"sh", "-c", "echo started; sleep 300"})})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.Output(), "started") {
		if time.Now().After(deadline) {
			t.Fatalf("live output never showed the first line: %q", h.Output())
		}
		if _, done := h.Result(); done {
			t.Fatal("run ended early")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t0 := time.Now()
	h.Cancel()
	res := h.Wait()
	if res.Status != actions.StatusCancelled {
		t.Errorf("status = %q (%s), want cancelled", res.Status, res.Message)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
	h.Cancel() // a second cancel after the end is harmless
}

func TestRunMemoryBeforeAfterAndRecheck(t *testing.T) {
	var n atomic.Int64
	used := []uint64{900, 700, 600} // before, after, re-check
	r := Runner{
		Who: actions.Who{User: "root", SudoUser: "alice"},
		Memory: actions.MemorySamplerFunc(func(context.Context) (actions.Memory, error) {
			i := n.Add(1) - 1
			return actions.Memory{TotalBytes: 1000, UsedBytes: used[i], UsedPercent: float64(used[i]) / 10}, nil
		}),
	}
	a := cmdAction(5*time.Second, []string{"true"})
	a.RecheckAfter = 30 * time.Second
	res := r.RunSync(context.Background(), actions.Request{Action: a})
	if res.MemBefore == nil || res.MemAfter == nil || res.MemBefore.UsedBytes != 900 || res.MemAfter.UsedBytes != 700 {
		t.Fatalf("before/after = %+v / %+v", res.MemBefore, res.MemAfter)
	}
	if res.Who.String() != "root (sudo from alice)" || res.RecheckAfter != 30*time.Second {
		t.Errorf("who %q recheck %v", res.Who, res.RecheckAfter)
	}
	rc := r.Recheck(context.Background(), res)
	want := actions.Recheck{ActionID: "t", Known: true, FreedBytes: 300, Before: res.MemBefore,
		Memory:  &actions.Memory{TotalBytes: 1000, UsedBytes: 600, UsedPercent: 60},
		Message: "memory 90.0% → 60.0% used; freed 300 B"}
	if diff := cmp.Diff(want, rc); diff != "" {
		t.Errorf("recheck (-want +got):\n%s", diff)
	}

	// A sampler that fails gives unknown, never zero.
	r.Memory = actions.MemorySamplerFunc(func(context.Context) (actions.Memory, error) { return actions.Memory{}, errors.New("no /proc") })
	res = r.RunSync(context.Background(), actions.Request{Action: a})
	if res.MemBefore != nil || res.MemAfter != nil {
		t.Errorf("failed readings should be nil, got %+v %+v", res.MemBefore, res.MemAfter)
	}
	if rc := r.Recheck(context.Background(), res); rc.Known || rc.Message != "memory could not be read" {
		t.Errorf("recheck with no reading = %+v", rc)
	}
}

func TestReadOnlyRefuses(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	r := Runner{ReadOnly: true}
	res := r.RunSync(context.Background(), actions.Request{Action: cmdAction(5*time.Second, []string{"touch", marker})})
	if res.Status != actions.StatusRefused || !strings.Contains(res.Message, "--read-only") {
		t.Errorf("got %q %q", res.Status, res.Message)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("read-only runner ran the command")
	}
	// A note changes nothing on the machine, so it is still allowed.
	res = r.RunSync(context.Background(), actions.Request{Action: actions.Action{ID: "add-note", Kind: actions.KindNote}, Note: "db password=x is rotated"})
	if res.Status != actions.StatusOK || res.Note != "db password=*** is rotated" {
		t.Errorf("note: %q %q", res.Status, res.Note)
	}
}

func TestStartErrorMessages(t *testing.T) {
	root := os.Geteuid() == 0
	needsRoot := "redis-cli: permission denied; needs root: run memtui with sudo"
	if root {
		needsRoot = "redis-cli: permission denied (not executable?)"
	}
	tests := []struct {
		err  error
		want string
	}{
		{exec.ErrNotFound, "redis-cli: not installed (not found in PATH)"},
		{&exec.Error{Name: "redis-cli", Err: exec.ErrNotFound}, "redis-cli: not installed (not found in PATH)"},
		{&os.PathError{Op: "fork/exec", Path: "/usr/bin/redis-cli", Err: syscall.EACCES}, needsRoot},
		{syscall.EPERM, needsRoot},
		{errors.New("odd"), "redis-cli: could not start: odd"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := startError("redis-cli", tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTailCleansAndBounds(t *testing.T) {
	tl := newTail(64, 3)
	fmt.Fprint(tl, "one\n\x1b[31mred\x1b[0m\nprogress 10%\rprogress 100%\n")
	fmt.Fprint(tl, "four\nfi")
	fmt.Fprint(tl, "ve token=abc")
	want := "[… 1 earlier lines dropped]\nred\nprogress 100%\nfour\nfive token=***"
	if diff := cmp.Diff(want, tl.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// One endless line is cut, and the cut pieces still obey the bound.
	tl = newTail(10000, 1000)
	fmt.Fprint(tl, strings.Repeat("x", 3*maxLineBytes+5))
	if d, total := tl.stats(); d != 1 || total != 3*maxLineBytes+5 { // 3 pieces of 4097 > 10000: one dropped
		t.Errorf("stats %d %d", d, total)
	}
	if got := tl.String(); len(got) > 10000+2 {
		t.Errorf("kept %d bytes", len(got))
	}
}
