package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
	"github.com/memtui/memtui/internal/fsread"
	"golang.org/x/sys/unix"
)

// TestWriteFileAtomicRefusesNonRegular: the rename would replace a device
// node, a symlink, a FIFO or a directory; each is refused by name and left
// as it was.
func TestWriteFileAtomicRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.md")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, kind string }{
		{"/dev/null", "a character device"},
		{link, "a symbolic link"},
		{fifo, "a FIFO"},
		{sub, "a directory"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			before, err := os.Lstat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			err = WriteFileAtomic(c.path, []byte("report"))
			want := c.path + " is " + c.kind + "; memtui writes reports only to regular files"
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, fsread.ErrNotRegular) {
				t.Fatalf("error %v, want one saying %q", err, want)
			}
			after, err := os.Lstat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if after.Mode() != before.Mode() || !os.SameFile(before, after) {
				t.Errorf("%s changed: %v → %v", c.path, before.Mode(), after.Mode())
			}
		})
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("symlink target now holds %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("temporary files left behind: %v", ents)
	}
}

// TestReportOutErrorNamesNoIncidentFlag: a report that cannot be written
// is not fixed by another --incident.
func TestReportOutErrorNamesNoIncidentFlag(t *testing.T) {
	path, _ := writeAll(t, incidenttest.AllEvents())
	_, _, err := ReportFile(ReportRequest{Incident: path, Out: filepath.Join(t.TempDir(), "no", "such", "dir", "r.md"), Now: t0})
	if err == nil {
		t.Fatal("wrote into a missing directory")
	}
	if strings.Contains(err.Error(), "--incident") {
		t.Errorf("error suggests --incident for a bad -o: %v", err)
	}
	_, _, err = ReportFile(ReportRequest{Incident: path, Out: "/dev/null", Now: t0})
	if err == nil || !strings.Contains(err.Error(), "/dev/null is a character device") || strings.Contains(err.Error(), "--incident") {
		t.Errorf("-o /dev/null: %v", err)
	}
}

// TestScanRefusesNonRegular: a device streams forever and a FIFO blocks in
// open(2); both are refused at once, by name.
func TestScanRefusesNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{"/dev/zero": "a character device", "/dev/full": "a character device", fifo: "a FIFO"} {
		t.Run(path, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := Load(path); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), path+" is "+kind) {
					t.Errorf("error %v, want one naming %s as %s", err, path, kind)
				}
			case <-time.After(time.Second):
				t.Fatal("Load still reading after a second")
			}
		})
	}
	// The store refuses too: events written to /dev/null would be lost.
	if _, err := Open("/dev/null", "h", t0); err == nil || !errors.Is(err, fsread.ErrNotRegular) {
		t.Errorf("Open(/dev/null): %v", err)
	}
}

// TestLongLineSkipped: a 10 MB note line is skipped as a Problem without
// being parsed, the events around it load, and it takes well under a
// second (it once pinned memtui at 100 % CPU).
func TestLongLineSkipped(t *testing.T) {
	all := incidenttest.AllEvents()
	path, b := writeAll(t, all)
	second := bytes.IndexByte(b, '\n') + 1
	second += bytes.IndexByte(b[second:], '\n') + 1 // after the first event
	long := `{"kind":"note","at":"2026-01-01T00:00:00Z","data":{"text":"` + strings.Repeat("x", 10<<20) + "\"}}\n"
	var nb []byte
	nb = append(nb, b[:second]...)
	nb = append(nb, long...)
	nb = append(nb, b[second:]...)
	if err := os.WriteFile(path, nb, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{0, 4096} { // 0: Load's own chunk
		start := time.Now()
		l, err := loadChunk(path, chunk)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Events) != len(all) || len(l.Problems) != 1 || !errors.Is(l.Problems[0].Err, incident.ErrLongLine) || l.Problems[0].Line != 3 {
			t.Fatalf("chunk %d: %d events (want %d), problems %v", chunk, len(l.Events), len(all), l.Problems)
		}
		if took > time.Second {
			t.Errorf("chunk %d: loading took %v", chunk, took)
		}
		t.Logf("chunk %d: 10 MB line skipped in %v", chunk, took)
	}

	// A follower skips it the same way, also when the line is still
	// being written.
	fw := NewFollower(path, 0)
	defer fw.Close()
	var evs []incident.Event
	var probs []incident.Problem
	for range 10 {
		e, p, err := fw.Poll()
		if err != nil {
			t.Fatal(err)
		}
		evs, probs = append(evs, e...), append(probs, p...)
	}
	if len(evs) != len(all) || len(probs) != 1 {
		t.Errorf("follower: %d events (want %d), problems %v", len(evs), len(all), probs)
	}
}

// TestEmptyTimeline: a touched, empty --incident file is "nothing recorded
// yet", not "not a memtui incident timeline"; the dashboard starts on it.
func TestEmptyTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if !errors.Is(err, incident.ErrEmptyTimeline) || strings.Contains(err.Error(), "not a memtui") {
		t.Errorf("Load: %v", err)
	}
	l, err := NewJournal("", path, "h").Resume()
	if l != nil || err != nil {
		t.Errorf("Resume: %v, %v; want nothing to resume", l, err)
	}
}

// TestUnfinishedRunInReport: a run whose start is on the timeline and whose
// end is not says what that means instead of "did not finish" forever.
func TestUnfinishedRunInReport(t *testing.T) {
	start := t0
	run := incident.Event{At: start.Add(time.Minute), Data: incident.ActionStarted{Run: "restart-odoo@1", Action: "restart-odoo", Commands: [][]string{{"systemctl", "restart", "odoo"}}}}
	begun := incident.Event{At: start, Data: incident.Started{Host: "db1", MemTotalBytes: 8 << 30, Levels: incident.DefaultLevels}}
	for _, c := range []struct {
		name string
		evs  []incident.Event
		now  time.Time
		want string
	}{
		{"ended incident", []incident.Event{begun, run, {At: start.Add(time.Hour), Data: incident.Ended{Reason: "x"}}}, start.Add(2 * time.Hour), "outcome unknown: memtui was killed before recording its end"},
		{"open, long ago", []incident.Event{begun, run}, start.Add(3 * time.Hour), "outcome unknown: memtui was killed before recording its end"},
		{"open, just now", []incident.Event{begun, run}, start.Add(2 * time.Minute), "no end recorded yet: still running, or memtui was killed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, _ := writeAll(t, c.evs)
			var out bytes.Buffer
			if _, _, err := ReportFile(ReportRequest{Incident: path, Now: c.now, Stdout: &out}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "_"+c.want+"_") || strings.Contains(out.String(), "did not finish") {
				t.Errorf("report lacks %q:\n%s", c.want, out.String())
			}
		})
	}
}

// TestNewestSkipsFIFO: a FIFO named like a timeline in the incident
// directory would block `memtui report` and the dashboard's start in
// open(2); it is passed over.
func TestNewestSkipsFIFO(t *testing.T) {
	path, _ := writeAll(t, incidenttest.AllEvents())
	dir := filepath.Dir(path)
	if err := unix.Mkfifo(filepath.Join(dir, "zzz-99991231T000000Z.jsonl"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() { p, _ := Newest(dir); done <- p }()
	select {
	case p := <-done:
		if p != path {
			t.Errorf("Newest = %q, want %q", p, path)
		}
	case <-time.After(time.Second):
		t.Fatal("Newest blocked on a FIFO")
	}
}
