package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
)

// TestReportCommand runs `memtui report` in-process over a timeline in the
// default directory, to stdout and to a file, and with a bad --incident.
func TestReportCommand(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	dir := filepath.Join(state, "memtui", "incidents")
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	j := incident.NewJournal(dir, "", "db1")
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
	for _, want := range []string{"## Memory Incident Report", "**Host**: db1", "**Peak Memory Usage**: 91.5% at 09:01:00 UTC", "**Duration**: 30m00s", "note (alice): leak in module X"} {
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
