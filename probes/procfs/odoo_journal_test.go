package procfs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

// TestReadOdooJournal runs the runbook's journalctl check through a
// journalctl stand-in: the arguments are the runbook's, the lines are
// counted, the newest ten kept and masked; without journalctl the reason
// is said.
func TestReadOdooJournal(t *testing.T) {
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + args + "\n" +
		"i=1; while [ $i -le 12 ]; do echo \"2026-12-04T01:0$((i % 10)):00+0000 db1 odoo[812]: ERROR prod odoo.sql_db: bad query $i db_password=s3cret\"; i=$((i+1)); done\n"
	if err := os.WriteFile(filepath.Join(dir, "journalctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	j := ReadOdooJournal(context.Background(), "odoo.service")
	if j.Error != "" || j.Lines != 12 || len(j.Recent) != 10 {
		t.Fatalf("journal %+v", j)
	}
	if strings.Contains(strings.Join(j.Recent, "\n"), "s3cret") || !strings.Contains(j.Recent[9], "bad query 12") {
		t.Errorf("recent lines %q", j.Recent)
	}
	if b, _ := os.ReadFile(args); strings.TrimSpace(string(b)) != "-u odoo.service -p err --since 1 hour ago -o short-iso --no-pager -q" {
		t.Errorf("journalctl ran with %q", b)
	}
	t.Setenv("PATH", t.TempDir())
	if j := ReadOdooJournal(context.Background(), "odoo.service"); !strings.Contains(j.Error, "journalctl: not found") {
		t.Errorf("without journalctl: %+v", j)
	}
}

// TestOdooLogFollower: the first Poll takes what is there, later ones only
// what was appended (an unfinished line waits), and a rotated log is read
// from its start.
func TestOdooLogFollower(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odoo-server.log")
	write := func(s string, flag int) {
		f, err := os.OpenFile(path, flag|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	const recycled = "2026-12-04 01:20:13,512 4243 INFO prod odoo.service.server: Worker (4243) virtual memory limit (2214592512) reached.\n"
	const killed = "2026-12-04 01:22:40,100 4242 ERROR ? odoo.service.server: WorkerHTTP (4245) timeout after 120s\n"
	write(recycled+"2026-12-04 01:21:00,000 4242 INFO prod werkzeug: GET / 200\n", os.O_TRUNC)
	f := NewOdooLogFollower(path, time.UTC)
	evs, err := f.Poll()
	if err != nil || len(evs) != 1 || evs[0].Kind != probes.OdooLogRecycled {
		t.Fatalf("first poll: %+v %v", evs, err)
	}
	if evs, _ := f.Poll(); len(evs) != 0 {
		t.Errorf("nothing new, got %+v", evs)
	}
	write(killed+"2026-12-04 01:23:00,001 4246 ERROR prod odoo.http: Exception during request handling.\nTraceback (most recent call last):\nMemory", os.O_APPEND)
	evs, _ = f.Poll()
	if len(evs) != 1 || evs[0].Kind != probes.OdooLogTimeout {
		t.Fatalf("after an append: %+v", evs)
	}
	write("Error\n", os.O_APPEND) // the traceback's last line, finished
	evs, _ = f.Poll()
	if len(evs) != 1 || evs[0].Kind != probes.OdooLogMemoryError || !evs[0].At.Equal(time.Date(2026, 12, 4, 1, 23, 0, 0, time.UTC)) {
		t.Fatalf("a finished MemoryError line: %+v", evs)
	}
	// Rotation: a new, shorter file.
	os.Remove(path)
	write(recycled, os.O_TRUNC)
	if evs, _ := f.Poll(); len(evs) != 1 {
		t.Errorf("after rotation: %+v", evs)
	}
}
