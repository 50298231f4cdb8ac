package procfs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
