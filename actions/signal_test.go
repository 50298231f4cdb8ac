package actions

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     procStat
		err      bool
	}{
		{"plain", "1234 (odoo-bin) S 1 1234 1234 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 4 0 98765 123456 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
			procStat{Comm: "odoo-bin", State: 'S', StartTicks: 98765}, false},
		{"comm with spaces and parens", "77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0",
			procStat{Comm: "a) b (c", State: 'R', StartTicks: 42}, false},
		{"zombie", "9 (x) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0", procStat{Comm: "x", State: 'Z', StartTicks: 7}, false},
		{"truncated", "9 (x) S 1 9 9", procStat{}, true},
		{"no parens", "9 x S 1", procStat{}, true},
		{"bad number", "9 (x) S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 zz 0 0", procStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1234 (odoo-bin) S 1 1234 1234 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 4 0 98765 123456 789"))
	f.Add([]byte("77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0"))
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err == nil && !strings.Contains(string(b), "("+st.Comm+")") {
			t.Fatalf("comm %q is not what the parentheses hold in %q", st.Comm, b)
		}
	})
}

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
	sig := Action{ID: "signal-process", Kind: KindSignal, Risk: RiskMedium, Grace: 400 * time.Millisecond, Timeout: 10 * time.Second}

	t.Run("exits on TERM", func(t *testing.T) {
		c, done := startChild(t, "sleep", "300")
		tg := &Target{PID: c.Process.Pid, Comm: "sleep", RSSBytes: 1 << 20}
		p, err := r.Preview(context.Background(), sig, tg)
		if err != nil || p.Target == nil || p.Target.StartTicks == 0 {
			t.Fatalf("preview %+v err %v", p, err)
		}
		res := r.RunSync(context.Background(), Request{Action: sig, Target: tg, Preview: &p})
		if res.Status != StatusOK || !strings.Contains(res.Message, "exited") || !strings.Contains(res.Message, "after SIGTERM") {
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
		tg := &Target{PID: c.Process.Pid, Comm: "sh"}
		res := r.RunSync(context.Background(), Request{Action: sig, Target: tg})
		if res.Status != StatusOK || !strings.Contains(res.Message, "SIGKILL after the grace period") {
			t.Errorf("%q %q\n%s", res.Status, res.Message, res.Output)
		}
		if !strings.Contains(res.Output, "still running after 400ms") {
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
		tg := &Target{PID: c.Process.Pid, Comm: "sleep", StartTicks: st.StartTicks - 1}
		res := r.RunSync(context.Background(), Request{Action: sig, Target: tg})
		if res.Status != StatusRefused || !strings.Contains(res.Message, "pid was reused; nothing sent") {
			t.Errorf("%q %q", res.Status, res.Message)
		}
		// Another program now has the pid.
		res = r.RunSync(context.Background(), Request{Action: sig, Target: &Target{PID: c.Process.Pid, Comm: "odoo-bin"}})
		if res.Status != StatusRefused || !strings.Contains(res.Message, `is now "sleep", not "odoo-bin"`) {
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
		res := r.RunSync(context.Background(), Request{Action: sig, Target: &Target{PID: c.Process.Pid, Comm: "true"}})
		if res.Status != StatusOK || !strings.Contains(res.Message, "already exited") {
			t.Errorf("%q %q", res.Status, res.Message)
		}
	})

	t.Run("no target, pid 1, memtui itself", func(t *testing.T) {
		for _, tg := range []*Target{nil, {PID: 1, Comm: "init"}, {PID: os.Getpid()}} {
			res := r.RunSync(context.Background(), Request{Action: sig, Target: tg})
			if res.Status != StatusRefused {
				t.Errorf("target %+v: %q %q", tg, res.Status, res.Message)
			}
		}
	})
}

func TestDropCaches(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "sys", "vm", "drop_caches")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := Runbook{Actions: Builtin(Options{ProcRoot: root})}.Find("drop-page-caches")
	var r Runner
	res := r.RunSync(context.Background(), Request{Action: a, Confirmation: "typed drop-page-caches"})
	if res.Status != StatusOK {
		t.Fatalf("%q %q", res.Status, res.Message)
	}
	if b, _ := os.ReadFile(file); string(b) != "3" {
		t.Errorf("wrote %q, want \"3\"", b)
	}
	if diff := cmp.Diff([][]string{{"sync"}, {"write", "3", file}}, res.Argv); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff("$ sync\n$ write 3 > "+file+"\npage cache, dentries and inodes dropped", res.Output); diff != "" {
		t.Error(diff)
	}

	// No such knob: refused in words, and no regular file is created.
	a.File = filepath.Join(root, "nope", "drop_caches")
	res = r.RunSync(context.Background(), Request{Action: a})
	if res.Status != StatusError || !strings.Contains(res.Message, "does not exist: not a Linux /proc") {
		t.Errorf("%q %q", res.Status, res.Message)
	}
}
