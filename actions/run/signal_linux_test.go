package run

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
)

// startChild starts argv in its own process group and reaps it in the
// background, so its exit is seen (a zombie would still count as alive).
func startChild(t *testing.T, argv ...string) (*exec.Cmd, <-chan struct{}) {
	t.Helper()
	c := exec.Command(argv[0], argv[1:]...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	t.Cleanup(func() { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL); <-done })
	return c, done
}

func TestSignalProcess(t *testing.T) {
	var r Runner
	sig := actions.Action{ID: "signal-process", Kind: actions.KindSignal, Risk: actions.RiskMedium, Grace: 400 * time.Millisecond, Timeout: 10 * time.Second}

	t.Run("exits on TERM", func(t *testing.T) {
		c, done := startChild(t, "sleep", "300")
		tg := &actions.Target{PID: c.Process.Pid, Comm: "sleep", RSSBytes: 1 << 20}
		p, err := r.Preview(context.Background(), sig, tg)
		if err != nil || p.Target == nil || p.Target.StartTicks == 0 {
			t.Fatalf("preview %+v err %v", p, err)
		}
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: tg, Preview: &p})
		if res.Status != actions.StatusOK || !strings.Contains(res.Message, "exited") || !strings.Contains(res.Message, "after SIGTERM") {
			t.Errorf("%q %q", res.Status, res.Message)
		}
		if !strings.Contains(res.Output, "sent SIGTERM to pid") || strings.Contains(res.Output, "SIGKILL") {
			t.Errorf("output %q", res.Output)
		}
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Error("child still running")
		}
	})

	t.Run("KILL after the grace period", func(t *testing.T) {
		// sh ignores TERM; exec keeps the pid and comm "sh".
		c, done := startChild(t, "sh", "-c", "trap '' TERM; while :; do sleep 0.05; done")
		time.Sleep(100 * time.Millisecond) // let the trap be set
		tg := &actions.Target{PID: c.Process.Pid, Comm: "sh"}
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: tg})
		if res.Status != actions.StatusOK || !strings.Contains(res.Message, "SIGKILL after the grace period") {
			t.Errorf("%q %q\n%s", res.Status, res.Message, res.Output)
		}
		if !strings.Contains(res.Output, "still running after 400 ms") {
			t.Errorf("output %q", res.Output)
		}
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Error("child still running")
		}
	})

	t.Run("recycled pid is never hit", func(t *testing.T) {
		c, done := startChild(t, "sleep", "300")
		st, err := readStat("/proc", c.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		// Same pid and comm, but the start time the caller saw differs:
		// as if the selected process died and a new sleep got its pid.
		tg := &actions.Target{PID: c.Process.Pid, Comm: "sleep", StartTicks: st.StartTicks - 1}
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: tg})
		if res.Status != actions.StatusRefused || !strings.Contains(res.Message, "pid was reused; nothing sent") {
			t.Errorf("%q %q", res.Status, res.Message)
		}
		// Another program now has the pid.
		res = r.RunSync(context.Background(), actions.Request{Action: sig, Target: &actions.Target{PID: c.Process.Pid, Comm: "odoo-bin"}})
		if res.Status != actions.StatusRefused || !strings.Contains(res.Message, `is now "sleep", not "odoo-bin"`) {
			t.Errorf("%q %q", res.Status, res.Message)
		}
		select {
		case <-done:
			t.Fatal("the process was signalled")
		case <-time.After(200 * time.Millisecond):
		}
	})

	t.Run("already gone", func(t *testing.T) {
		c, done := startChild(t, "true")
		<-done
		res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: &actions.Target{PID: c.Process.Pid, Comm: "true"}})
		if res.Status != actions.StatusOK || !strings.Contains(res.Message, "already exited") {
			t.Errorf("%q %q", res.Status, res.Message)
		}
	})

	t.Run("no target, pid 1, memtui itself", func(t *testing.T) {
		for _, tg := range []*actions.Target{nil, {PID: 1, Comm: "init"}, {PID: os.Getpid()}} {
			res := r.RunSync(context.Background(), actions.Request{Action: sig, Target: tg})
			if res.Status != actions.StatusRefused {
				t.Errorf("target %+v: %q %q", tg, res.Status, res.Message)
			}
		}
	})
}
