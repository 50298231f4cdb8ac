package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes/oomtest"
	"github.com/memtui/memtui/probes/pgtest"
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
	// The dashboard records incidents under XDG_STATE_HOME: keep the test's
	// out of the real state directory.
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_STATE_HOME="+t.TempDir())
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

// quit presses q and waits for the program to exit.
func (s *tmuxSession) quit() {
	s.t.Helper()
	s.keys("q")
	deadline := time.Now().Add(5 * time.Second)
	asked := false
	for !s.paneDead() {
		// Events the timeline could not write (a device as --incident,
		// a host whose recent OOM kills opened an incident): q asks
		// first, and y answers.
		if !asked && strings.Contains(s.capture(), "quitting loses them") {
			s.keys("y")
			asked = true
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("memtui did not exit after q:\n%s", s.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
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
			s.quit()
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

// TestOOMFileEveryGeneration runs the real binary, `memtui oom --file LOG
// --json`, over the log of every kernel generation in probes/testdata/oom
// and checks it prints the reviewed records of the parser's goldens (who was
// killed, with what, in which cgroup; wall times depend on this machine's
// boot time and are checked by the probes tests).
func TestOOMFileEveryGeneration(t *testing.T) {
	bin := buildBinary(t)
	logs, _ := filepath.Glob(filepath.Join("probes", "testdata", "oom", "*"))
	type rec struct {
		PID        int      `json:"pid"`
		Comm       string   `json:"comm"`
		AnonRSSKB  *int64   `json:"anon_rss_kb"`
		Constraint *string  `json:"constraint"`
		Memcg      *string  `json:"memcg"`
		KernelTime *float64 `json:"kernel_time_s"`
	}
	n := 0
	for _, log := range logs {
		if st, err := os.Stat(log); err != nil || st.IsDir() || strings.HasSuffix(log, ".md") {
			continue
		}
		n++
		name := filepath.Base(log)
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(bin, "oom", "--file", log, "--json").Output()
			if err != nil {
				t.Fatalf("memtui oom --file %s --json: %v", log, err)
			}
			var got []rec
			if err := json.Unmarshal(out, &got); err != nil || got == nil {
				t.Fatalf("not a JSON array: %v\n%s", err, out)
			}
			b, err := os.ReadFile(filepath.Join("probes", "testdata", "TestParseOOM", name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Kills []rec `json:"kills"`
			}
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Kills, got); diff != "" {
				t.Errorf("kills (-golden +memtui):\n%s", diff)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}

// TestMainOOMHelperProcess is the allocating child of TestEndToEndOOMKill;
// it does nothing in a normal run.
func TestMainOOMHelperProcess(t *testing.T) {
	if os.Getenv("MEMTUI_OOM_ALLOC") != "1" {
		t.Skip("child process of TestEndToEndOOMKill")
	}
	oomtest.AllocUntilKilled()
}

// TestEndToEndOOMKill runs the real dashboard in tmux, makes the kernel
// OOM-kill a process in a small cgroup, and waits for the panel to show
// that pid marked "✖ NEW" within two seconds.
func TestEndToEndOOMKill(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	_, name, add := oomtest.Memcg(t, "memtui-e2e-oom", 8<<20)
	name = strings.TrimPrefix(name, "/")
	bin := buildBinary(t)
	s := startTmux(t, 200, 60, bin, "--read-only")
	s.waitFor(10*time.Second, "OOM kills", "kernel log: /dev/kmsg, following")

	cmd := exec.Command(os.Args[0], "-test.run=^TestMainOOMHelperProcess$")
	cmd.Env = append(os.Environ(), "MEMTUI_OOM_ALLOC=1")
	pid := oomtest.RunKilled(t, cmd, add)
	died := time.Now()
	s.waitFor(2*time.Second, "✖ NEW", strconv.Itoa(pid), name[:12], "OOM kill: pid "+strconv.Itoa(pid))
	t.Logf("pid %d on screen %v after its death", pid, time.Since(died).Round(10*time.Millisecond))
	s.keys("q")
}

// snapshotPG runs `memtui snapshot --json` with args and returns the
// postgres section, the section names and how long it took.
func snapshotPG(t *testing.T, bin string, args ...string) (map[string]any, []string, time.Duration) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(bin, append([]string{"snapshot", "--json"}, args...)...).Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("snapshot %v: %v (must exit 0 whatever PostgreSQL does)", args, err)
	}
	var snap map[string]json.RawMessage
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out)
	}
	var names []string
	for k := range snap {
		names = append(names, k)
	}
	var pg map[string]any
	if err := json.Unmarshal(snap["postgres"], &pg); err != nil {
		t.Fatalf("postgres section: %v\n%s", err, out)
	}
	return pg, names, took
}

// The snapshot agrees with pg_stat_activity on a live server with sessions
// in several states; with the server down or hung it still prints every
// other section, says why, and exits 0 within 5 s.
func TestSnapshotPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	bin := buildBinary(t)
	dsn := srv.DSN("")
	ctx := context.Background()
	open := func(n int) []*pgx.Conn {
		var cs []*pgx.Conn
		for i := 0; i < n; i++ {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close(context.Background()) })
			cs = append(cs, c)
		}
		return cs
	}
	for _, c := range open(4) {
		c.Exec(ctx, "SELECT 1")
	}
	for _, c := range open(2) {
		c.Exec(ctx, "BEGIN")
		c.Exec(ctx, "SELECT 1")
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range open(3) {
		wg.Add(1)
		go func() { defer wg.Done(); c.Exec(sctx, "SELECT pg_sleep(30)") }()
	}
	defer func() { stop(); wg.Wait() }()
	check := open(1)[0]
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		check.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()").Scan(&n)
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Run("live", func(t *testing.T) {
		pg, _, _ := snapshotPG(t, bin, "--pg", dsn)
		// What pg_stat_activity says, from a session of our own (counted as
		// idle, as the snapshot saw it), memtui's own session left out.
		want := map[string]any{}
		rows, err := check.Query(ctx, `SELECT CASE WHEN pid = pg_backend_pid() THEN 'idle' ELSE state END, count(*)
			FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> 'memtui' GROUP BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			var n int
			rows.Scan(&s, &n)
			want[s] = float64(n)
		}
		got := map[string]any{}
		for k, v := range pg["by_state"].(map[string]any) {
			if v.(float64) != 0 {
				got[k] = v
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("by_state disagrees with pg_stat_activity (-pg_stat_activity +snapshot):\n%s", d)
		}
		if pg["connected"] != true || pg["max_connections"] != 100.0 || pg["error"] != "" || pg["idle_over_30m"] != 0.0 {
			t.Errorf("postgres section: %v", pg)
		}
		if d := cmp.Diff(map[string]any{"active": 3.0, "idle": 5.0, "idle in transaction": 2.0}, got); d != "" {
			t.Errorf("by_state is not the sessions this test opened (-want +got):\n%s", d)
		}
	})

	t.Run("down", func(t *testing.T) {
		srv.Stop()
		defer srv.Restart()
		pg, names, took := snapshotPG(t, bin, "--pg", dsn)
		if took > 5*time.Second {
			t.Errorf("took %s with the server down", took)
		}
		if pg["connected"] != false || !strings.Contains(pg["error"].(string), "connection refused on "+srv.SocketDir()) {
			t.Errorf("postgres section with the server down: %v", pg)
		}
		for _, want := range []string{"time", "host", "memory"} {
			if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
				t.Errorf("sections %v lack %q: the others must still be printed", names, want)
			}
		}
	})

	t.Run("hung", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		dsn := fmt.Sprintf("host=127.0.0.1 port=%d user=u password=Hung-Secret-1 sslmode=disable", l.Addr().(*net.TCPAddr).Port)
		pg, _, took := snapshotPG(t, bin, "--pg", dsn)
		if took > 5*time.Second {
			t.Errorf("took %s against a silent server", took)
		}
		if pg["connected"] != false || pg["error_kind"] != "timeout" {
			t.Errorf("postgres section against a silent server: %v", pg)
		}
		if b, _ := json.Marshal(pg); strings.Contains(string(b), "Hung-Secret-1") {
			t.Errorf("the password is in the snapshot: %s", b)
		}
	})
}

// The real binary in tmux at 80×24 against a real server: the PostgreSQL
// tab shows the sessions; stopping the server shows the error within a
// refresh or two, and restarting it brings the figures back.
func TestEndToEndPostgresPanel(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	srv := pgtest.Start(t)
	bin := buildBinary(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		c, err := pgx.Connect(ctx, srv.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		c.Exec(ctx, "BEGIN")
		c.Exec(ctx, "SELECT 'memtui-e2e-marker'")
	}
	s := startTmux(t, 80, 24, bin, "--read-only", "--pg", srv.DSN(""))
	s.waitFor(10*time.Second, "Memory & swap")
	s.keys("Tab")
	s.keys("Tab")
	screen := s.waitFor(10*time.Second, "● connected", "idle in tx 3", "memtui-e2e-marker")
	t.Logf("screen:\n%s", screen)
	if strings.Contains(screen, srv.Password()) {
		t.Errorf("the password is on screen:\n%s", screen)
	}
	s.keys("H")
	s.waitFor(5*time.Second, "hidden: P shows")
	srv.Stop()
	t.Logf("down:\n%s", s.waitFor(5*time.Second, "NOT CONNECTED", "last known at"))
	srv.Restart()
	s.waitFor(20*time.Second, "● connected")
	s.keys("q")
}

// TestReportCommand runs `memtui report` in-process over a timeline in the
// default directory, to stdout and to a file, and with a bad --incident.
func TestReportCommand(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	dir := filepath.Join(state, "memtui", "incidents")
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	j := store.NewJournal(dir, "", "db1")
	_, _, err := j.Record(context.Background(), []incident.Event{
		{At: start, Data: incident.Started{Host: "db1", MemTotalBytes: 8 << 30, Levels: incident.DefaultLevels, Reason: "memory 86.0% held at high"}},
		{At: start.Add(time.Minute), Data: incident.MemSample{UsedPct: 91.5}},
		{At: start.Add(2 * time.Minute), Data: incident.Note{Author: "alice", Text: "leak in module X"}},
		{At: start.Add(30 * time.Minute), Data: incident.Ended{Reason: "ended by alice"}},
	})
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		root := newRootCmd(&out, &errb)
		root.SetArgs(args)
		err := root.Execute()
		return out.String(), errb.String(), err
	}

	out, _, err := run("report")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Memory Incident Report", "**Host**: db1", "**Peak Memory Usage**: 91.5% at 09:01:00 UTC", "**Duration**: 30 min", "note (alice): leak in module X"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	dst := filepath.Join(t.TempDir(), "r.md")
	out, stderr, err := run("report", "-o", dst)
	if err != nil || out != "" || !strings.Contains(stderr, "written to "+dst) {
		t.Fatalf("-o: %v, stdout %q, stderr %q", err, out, stderr)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report file: %v %v", fi, err)
	}

	if _, _, err := run("report", "--incident", filepath.Join(state, "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("missing --incident: %v", err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	if _, _, err := run("report"); err == nil || !strings.Contains(err.Error(), "--incident") {
		t.Errorf("no incidents: %v", err)
	}
}

// TestEndToEndIncident is issue 6's "done when" on the real binary: a host
// held over 85 % (the swap-thrash fixture, 96 %) opens an incident by
// itself, a note is added, the incident is ended by hand and exported, and
// `memtui report` reads it all back from the file.
func TestEndToEndIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	fixture, err := filepath.Abs("probes/testdata/fixtures/swap-thrash/proc")
	if err != nil {
		t.Fatal(err)
	}
	timeline := filepath.Join(t.TempDir(), "incident.jsonl")
	s := startTmux(t, 200, 60, bin, "--proc", fixture, "--incident", timeline)
	// The detector needs high held for 10 s before it opens an incident.
	s.waitFor(30*time.Second, "▶ INCIDENT", "incident started: memory 96.0% held at critical")
	s.keys("n")
	s.waitFor(5*time.Second, "Add a note to the timeline")
	s.keys("leak in module X after deploy 4.2", "Enter")
	// Credited like an action: the effective user ("root", or "root (sudo
	// from alice)" under sudo).
	s.waitFor(5*time.Second, "✎ note ("+author()+"): leak in module X after deploy 4.2")
	s.keys("Tab", "Tab", "Tab", "Tab", "x")
	s.waitFor(5*time.Second, "End the incident?")
	s.keys("y")
	s.waitFor(5*time.Second, "■ incident ended")
	s.keys("e")
	s.waitFor(5*time.Second, "report written to")
	s.keys("q")

	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs([]string{"report", "--incident", timeline})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Peak Memory Usage**: 96.0%", "**Status**: ended", "leak in module X after deploy 4.2",
		"severity normal → critical at 96.0%", "```mermaid", "- [ ] Memory usage below 75%: not met: 96.0%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if fi, err := os.Stat(strings.TrimSuffix(timeline, ".jsonl") + ".md"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("exported report: %v %v", fi, err)
	}
}

// TestSnapshotProcessesSection runs `snapshot --json` on the busy Odoo +
// PostgreSQL fixture: the processes section lists the top 20 by RSS, largest
// first, with the users of the fixture's own passwd and no secret.
func TestSnapshotProcessesSection(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"snapshot", "--json", "--proc", "probes/testdata/procs/odoo-postgres-busy/proc"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, errOut.String())
	}
	var snap struct {
		Processes []struct {
			PID     int32   `json:"pid"`
			User    string  `json:"user"`
			Comm    string  `json:"comm"`
			RSS     uint64  `json:"rss_bytes"`
			Swap    *uint64 `json:"swap_bytes"`
			Cmdline string  `json:"cmdline"`
		} `json:"processes"`
		Err string `json:"processes_error"`
	}
	if err := json.Unmarshal(out.Bytes(), &snap); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if snap.Err != "" || len(snap.Processes) != 20 {
		t.Fatalf("%d processes, error %q", len(snap.Processes), snap.Err)
	}
	top := snap.Processes[0]
	if top.PID != 823 || top.User != "odoo" || top.Comm != "odoo-bin" || top.RSS != 1638<<20 || top.Swap == nil || *top.Swap != 300<<20 {
		t.Errorf("top row: %+v", top)
	}
	for i, p := range snap.Processes {
		if i > 0 && p.RSS > snap.Processes[i-1].RSS {
			t.Errorf("row %d (%d) larger than the row above", i, p.PID)
		}
	}
	if s := out.String(); strings.Contains(s, "S3cretOdoo") || strings.Contains(s, "Pg5ecret") || strings.Contains(s, "Hunter2") {
		t.Error("a secret reached the snapshot")
	}

	out.Reset()
	cmd = newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"snapshot", "--proc", "probes/testdata/procs/odoo-postgres-busy/proc"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Top processes by RSS") || !strings.Contains(out.String(), "823 odoo") || strings.Contains(out.String(), "S3cret") {
		t.Errorf("text snapshot:\n%s", out.String())
	}
}

// TestEndToEndActionPalette runs the real binary in tmux with a test
// runbook: opens the palette, filters, confirms a harmless low-risk action,
// and sees its output (redacted), its result and its memory re-check.
func TestEndToEndActionPalette(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	rb := filepath.Join(t.TempDir(), "runbook.toml")
	err := os.WriteFile(rb, []byte(`[[actions]]
id = "e2e-hello"
name = "Say hello"
risk = "low"
description = "A harmless action for the end-to-end test."
commands = [["sh", "-c", "echo hello from memtui; echo password=hunter2"]]
timeout = "10s"
recheck_after = "2s"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	timeline := filepath.Join(t.TempDir(), "incident.jsonl")
	s := startTmux(t, 120, 40, bin, "--runbook", rb, "--incident", timeline, "--pg", "none")
	s.waitFor(10*time.Second, "Memory & swap", "% used")
	s.keys(":")
	s.waitFor(5*time.Second, "Actions — ", "clear-redis", "▲ HIGH")
	s.keys("-l", "e2e-hello")
	s.waitFor(5*time.Second, "Actions — 1 of ", "Say hello — runs:", "sh -c 'echo hello from memtui; echo password=***'")
	s.keys("Enter")
	s.waitFor(5*time.Second, "Confirm: Say hello", "Run it? y/enter runs")
	s.keys("y")
	screen := s.waitFor(10*time.Second, "Finished: Say hello", "✔ OK sh exited 0", "hello from memtui", "password=***")
	if strings.Contains(screen, "hunter2") {
		t.Errorf("a secret reached the screen:\n%s", screen)
	}
	s.waitFor(10*time.Second, "re-check after 2 s: memory", "% used —")

	// The timeline file has the three events of the run, tied by its id,
	// with the exact argv, the confirmation and the redacted output.
	var file []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		file, _ = os.ReadFile(timeline)
		if strings.Contains(string(file), `"action_rechecked"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	events := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("timeline line %q: %v", line, err)
		}
		if k, _ := ev["kind"].(string); strings.HasPrefix(k, "action_") {
			events[k] = ev
		}
	}
	for _, k := range []string{"action_started", "action_finished", "action_rechecked"} {
		if events[k] == nil {
			t.Fatalf("timeline lacks %s:\n%s", k, file)
		}
	}
	if strings.Contains(string(file), "hunter2") {
		t.Errorf("a secret reached the timeline:\n%s", file)
	}
	for _, want := range []string{`"confirmation":"pressed y"`, `["sh","-c","echo hello from memtui; echo password=***"]`, `hello from memtui`, `"exit":0`} {
		if !strings.Contains(string(file), want) {
			t.Errorf("timeline lacks %s:\n%s", want, file)
		}
	}
	s.keys("Escape")
	deadline = time.Now().Add(5 * time.Second)
	for strings.Contains(s.capture(), "Finished: Say hello") {
		if time.Now().After(deadline) {
			t.Fatalf("esc did not close the run dialog:\n%s", s.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.quit()
}

// TestActionsCommand checks `memtui actions`: the effective runbook with
// the file's additions, and a broken file refused with its line.
func TestActionsCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(good, []byte("[builtin]\napp_unit = \"erp\"\n\n[[actions]]\nid = \"restart-odoo\"\nrisk = \"medium\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("[[actions]]\nid = \"x\"\nrisk = \"extreme\"\ncommands = [[\"true\"]]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		cmd := newRootCmd(&out, &errOut)
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("actions", "--runbook", good)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"restart-odoo             ◆ medium  Restart erp  (from " + good + ")",
		"systemctl restart erp",
		"drop-page-caches         ▲ high    Drop page caches",
		"write 3 to /proc/sys/vm/drop_caches",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("memtui actions lacks %q:\n%s", want, out)
		}
	}
	_, err = run("actions", "--runbook", bad)
	if err == nil || !strings.Contains(err.Error(), bad+`:3: action "x": risk "extreme" is not one of low, medium, high`) {
		t.Errorf("bad runbook: %v", err)
	}
}
