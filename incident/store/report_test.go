package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

func TestReportFile(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, evs := range [][]incident.Event{incidenttest.QuietIncident(), incidenttest.BusyIncident(true)} {
		start := evs[0].At.Add(time.Duration(i) * time.Hour)
		p := filepath.Join(dir, FileName("db1", start))
		s, err := Open(p, "db1", start)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if _, err := s.Append(ev); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		paths = append(paths, p)
	}
	// Default: the newest incident, to stdout.
	var out bytes.Buffer
	written, timeline, err := ReportFile(ReportRequest{Dir: dir, Now: t0, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if written != "" || timeline != paths[1] || !bytes.Contains(out.Bytes(), []byte("odoo-prod-1")) {
		t.Errorf("wrote %q from %q:\n%.200s", written, timeline, out.String())
	}
	// -o: a 0600 file, replaced atomically, no temp file left behind.
	dst := filepath.Join(dir, "report.md")
	os.WriteFile(dst, []byte("old"), 0o644)
	written, _, err = ReportFile(ReportRequest{Incident: paths[0], Out: dst, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dst)
	b, _ := os.ReadFile(dst)
	if written != dst || fi.Mode().Perm() != 0o600 || !bytes.HasPrefix(b, []byte("## Memory Incident Report")) {
		t.Errorf("wrote %q mode %v: %.60q", written, fi.Mode().Perm(), b)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	if got := ReportPath(paths[0]); got != strings.TrimSuffix(paths[0], ".jsonl")+".md" {
		t.Errorf("ReportPath = %s", got)
	}
	// Errors a person can act on.
	if _, _, err := ReportFile(ReportRequest{Dir: t.TempDir(), Stdout: &out}); err == nil || !strings.Contains(err.Error(), "--incident") {
		t.Errorf("empty dir: %v", err)
	}
	if _, _, err := ReportFile(ReportRequest{Incident: paths[0], Out: "/sys/kernel/x.md"}); err == nil {
		t.Error("wrote under /sys")
	}
}
