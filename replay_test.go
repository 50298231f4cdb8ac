//go:build !memtui_watch

package main

import (
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/record"
)

// writeRecording makes a two-minute recording of a host whose "hog"
// grows, with an OOM kill at 02:00:30 UTC.
func writeRecording(t *testing.T, path string) {
	t.Helper()
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	w, err := record.Create(path, record.Header{Host: "db-recorded", Started: t0, Interval: 1000, ProcEvery: 5000, TopN: 50}, record.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := func(x uint64) probes.Val { return probes.Val{V: x, OK: true} }
	for i := 0; i < 120; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		m := probes.Memory{Time: at, CgroupErr: probes.ErrUnavailable, PSIErr: probes.ErrUnavailable}
		m.Meminfo.MemTotal, m.Meminfo.MemAvailable = v(8<<30), v(uint64(4<<30)-uint64(i)*(24<<20))
		m.Meminfo.MemFree, m.Meminfo.SwapTotal, m.Meminfo.SwapFree = v(1<<30), v(0), v(0)
		if err := w.Memory(m); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			tab := probes.ProcTable{At: at, Procs: []probes.Proc{
				{PID: 4242, PPID: 1, Start: 100, RSS: uint64(1<<30) + uint64(i)*(20<<20), Comm: "hog", Program: "hog", User: "odoo", State: 'S'},
				{PID: 77, PPID: 1, Start: 50, RSS: 64 << 20, Comm: "postgres", Program: "postgres", User: "postgres", State: 'S'}}}
			if err := w.Processes(tab, 50); err != nil {
				t.Fatal(err)
			}
		}
		if i == 30 {
			kt := at
			if err := w.Kill(probes.OOMKill{PID: 999, Comm: "victim", Time: &kt, Source: "kernel"}, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// replayEndToEnd skips a short run and one without tmux, and gives the
// built memtui, a directory and the recording writeRecording made there.
func replayEndToEnd(t *testing.T) (bin, dir, rec string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin = buildBinary(t)
	dir = t.TempDir()
	rec = filepath.Join(dir, "night.rec")
	writeRecording(t, rec)
	return bin, dir, rec
}

// TestEndToEndReplayCursor runs `memtui replay FILE` in tmux: the header
// shows the recorded time, → and [ / ] move it, and the replay writes
// nothing anywhere (its state directories stay empty, the file unchanged).
func TestEndToEndReplayCursor(t *testing.T) {
	bin, dir, rec := replayEndToEnd(t)
	before := fileSum(t, rec)
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 120, 40, "env", "TZ=UTC", "HOME="+state, "XDG_STATE_HOME="+state, "PGHOST=/nonexistent", bin, "replay", rec)
	s.waitFor(10*time.Second, "REPLAY", "db-recorded", "2026-03-01 02:00:00", "hog")
	s.keys("Right")
	s.waitFor(5*time.Second, "02:00:01")
	s.keys("]")
	s.waitFor(5*time.Second, "02:00:30", "victim")
	s.keys("Left")
	s.waitFor(5*time.Second, "02:00:29")
	s.keys("[")
	s.waitFor(5*time.Second, "no event that way")
	s.keys("]", "]")
	s.waitFor(5*time.Second, "no event that way")
	s.keys(">", " ")
	s.waitFor(5*time.Second, "playing 10×")
	s.keys(":")
	s.waitFor(5*time.Second, "replaying a recording")
	s.keys("Escape")
	s.quit()
	if after := fileSum(t, rec); after != before {
		t.Errorf("the recording changed while replayed")
	}
	var written []string
	_ = filepath.Walk(state, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			written = append(written, p)
		}
		return nil
	})
	if len(written) > 0 {
		t.Errorf("replay wrote %s", strings.Join(written, ", "))
	}
}

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestEndToEndDashboardRecords runs the live dashboard for a few seconds:
// it leaves a recording beside the incidents (not among them) that
// replays this host.
func TestEndToEndDashboardRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	state := t.TempDir()
	s := startTmux(t, 120, 40, "env", "XDG_STATE_HOME="+state, bin, "--read-only", "--pg", "none")
	s.waitFor(10*time.Second, "Memory & swap", "% used")
	time.Sleep(2500 * time.Millisecond)
	s.quit()
	recs, _ := filepath.Glob(filepath.Join(state, "memtui", "recordings", "recording-*.rec"))
	if len(recs) != 1 {
		t.Fatalf("recordings: %v", recs)
	}
	if inc, _ := filepath.Glob(filepath.Join(state, "memtui", "incidents", "*.rec")); len(inc) > 0 {
		t.Errorf("a recording among the incidents: %v", inc)
	}
	rec, err := record.Load(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	name, _ := os.Hostname()
	if rec.Header.Host != name || len(rec.Mem) < 2 || len(rec.Procs) < 1 {
		t.Errorf("recording of %q: %d memory, %d process readings", rec.Header.Host, len(rec.Mem), len(rec.Procs))
	}
}

func TestPruneRecordings(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(filepath.Join(dir, "recording-2026010"+strconv.Itoa(i)+"T000000Z.rec"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pruneRecordings(dir, 3)
	left, _ := filepath.Glob(filepath.Join(dir, "*.rec"))
	if len(left) != 3 || filepath.Base(left[0]) != "recording-20260102T000000Z.rec" {
		t.Errorf("left %v", left)
	}
}

// TestEndToEndReplayIncidentEvents: with --incident, ] also stops at the
// timeline's actions.
func TestEndToEndReplayIncidentEvents(t *testing.T) {
	bin, dir, rec := replayEndToEnd(t)
	inc := filepath.Join(dir, "incident.jsonl")
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	st, err := store.Open(inc, "db-recorded", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(incident.Event{At: t0.Add(10 * time.Second), Data: incident.ActionStarted{Run: "r1", Action: "restart-odoo"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	state := t.TempDir()
	s := startTmux(t, 120, 40, "env", "TZ=UTC", "XDG_STATE_HOME="+state, bin, "replay", "--incident", inc, rec)
	s.waitFor(10*time.Second, "REPLAY", "2026-03-01 02:00:00")
	s.keys("]")
	s.waitFor(5*time.Second, "02:00:10", "restart-odoo")
	s.keys("]")
	s.waitFor(5*time.Second, "02:00:30", "victim")
	s.quit()
}

// TestReplayTime: the four forms --from and --to take, against a
// recording that started at 22:30 local time on 2026-03-01.
func TestReplayTime(t *testing.T) {
	loc := time.FixedZone("UTC+1", 3600)
	start := time.Date(2026, 3, 1, 22, 30, 0, 0, loc)
	for in, want := range map[string]time.Time{
		"2026-03-02T01:00:00Z": time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC),
		"2026-03-02 01:00":     time.Date(2026, 3, 2, 1, 0, 0, 0, loc),
		"2026-03-02 01:00:05":  time.Date(2026, 3, 2, 1, 0, 5, 0, loc),
		"23:10":                time.Date(2026, 3, 1, 23, 10, 0, 0, loc),
		"01:15:30":             time.Date(2026, 3, 2, 1, 15, 30, 0, loc), // the first 01:15:30 after the start: the next day
		"22:30":                start,
		"+90m":                 start.Add(90 * time.Minute),
		" +26h ":               start.Add(26 * time.Hour),
	} {
		got, err := replayTime(in, start, start, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("replayTime(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	// A clock time in --to counts from --from: two days in, 03:00 is that
	// day's, and +DURATION still counts from the start.
	from := time.Date(2026, 3, 3, 1, 0, 0, 0, loc)
	if got, err := replayTime("03:00", start, from, loc); err != nil || !got.Equal(time.Date(2026, 3, 3, 3, 0, 0, 0, loc)) {
		t.Errorf("--to 03:00 after --from %v = %v, %v, want 03:00 that day", from, got, err)
	}
	if got, err := replayTime("+1h", start, from, loc); err != nil || !got.Equal(start.Add(time.Hour)) {
		t.Errorf("--to +1h after --from %v = %v, %v, want an hour after the start", from, got, err)
	}
	for _, bad := range []string{"", "tomorrow", "25:00", "+-5m", "+abc", "2026-13-01 00:00", "1700000000"} {
		if got, err := replayTime(bad, start, start, loc); err == nil {
			t.Errorf("replayTime(%q) = %v, accepted", bad, got)
		}
	}
}

// TestEndToEndReplayWindow: --from and --to bound the replay. It starts at
// --from with the chart's lead before it loaded, events past --to are not
// there to jump to, and a window outside the recording or the wrong way
// round is refused with what the recording holds.
func TestEndToEndReplayWindow(t *testing.T) {
	bin, _, rec := replayEndToEnd(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "03:00"}, "no sample from 2026-03-01 03:00:00: the recording runs from 2026-03-01 02:00:00 to 2026-03-01 02:01:59"},
		{[]string{"--from", "2026-03-01 01:00", "--to", "2026-03-01 01:30"}, "no sample from 2026-03-01 01:00:00 to 2026-03-01 01:30:00: the recording starts at 2026-03-01 02:00:00"},
		{[]string{"--from", "+1m", "--to", "+30s"}, "--to 2026-03-01 02:00:30 is not after --from 2026-03-01 02:01:00"},
		{[]string{"--from", "yesterday"}, `--from "yesterday": want 2026-03-01T02:00:00Z`},
	} {
		cmd := exec.Command(bin, append([]string{"replay"}, append(c.args, rec)...)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("memtui replay %s: %v\n%s\nwant %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}

	state := t.TempDir()
	s := startTmux(t, 120, 40, "env", "TZ=UTC", "HOME="+state, "XDG_STATE_HOME="+state, "PGHOST=/nonexistent", bin, "replay", "--from", "02:01", "--to", "+1m30s", rec)
	// 1m0s in, and 1m30s long: the lead from 02:00 loaded, up to --to.
	s.waitFor(10*time.Second, "REPLAY", "paused 1× · 1m0s of 1m30s", "hog")
	s.keys("[")
	s.waitFor(5*time.Second, "02:00:30", "victim") // within the lead: there to jump back to
	s.keys("End")
	s.quit()

	s = startTmux(t, 120, 40, "env", "TZ=UTC", "HOME="+state, "XDG_STATE_HOME="+state, "PGHOST=/nonexistent", bin, "replay", "--to", "02:00:20", rec)
	s.waitFor(10*time.Second, "REPLAY", "paused 1× · 0s of 20s")
	s.keys("]")
	s.waitFor(5*time.Second, "no event that way") // the kill at 02:00:30 is past --to
	s.quit()
}

// TestReplayTooLarge: a recording whose samples pass the replay's bound is
// refused before any screen, with the way to replay a part of it.
func TestReplayTooLarge(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "night.rec")
	writeRecording(t, rec)
	o := &options{proc: "/proc", sys: "/sys", pg: "none", interval: time.Second}
	err := runReplay(o, rec, record.Window{MaxBytes: 16 << 10})
	if !errors.Is(err, record.ErrTooLarge) || !strings.Contains(err.Error(), "replay a part of it with --from and --to") {
		t.Fatalf("a recording past the bound: %v, want ErrTooLarge and the way out", err)
	}
}
