package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtui/memtui/internal/redact/redacttest"
	"github.com/memtui/memtui/probes"
)

// TestProcCmdlineRedaction feeds the redaction matrix through the process
// table: each case is a process whose /proc/PID/cmdline holds the secret,
// read by the scanner (the table's rows) and by ProcDetail (the detail
// view). A case without an argv form is a process that rewrote its title
// into one argument, as postgres backends do.
func TestProcCmdlineRedaction(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644))
	byPID := map[int32]redacttest.Case{}
	for i, c := range redacttest.Matrix {
		pid := int32(2000 + i)
		byPID[pid] = c
		argv := c.Argv
		if argv == nil {
			argv = []string{c.Text}
		}
		dir := filepath.Join(root, "proc", fmt.Sprint(pid))
		must(os.MkdirAll(dir, 0o755))
		stat := fmt.Sprintf("%d (app) S 1 %d %d 0 -1 4194560 2412 0 0 0 12 4 0 0 20 0 1 0 %d 183631872 1000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n", pid, pid, pid, 26707+i)
		must(os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
		status := fmt.Sprintf("Name:\tapp\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t4000 kB\nVmSwap:\t0 kB\nThreads:\t1\n", pid)
		must(os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
		must(os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(argv, "\x00")+"\x00"), 0o644))
	}
	s := fixtureScanner(t, root)
	tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: len(byPID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Procs) != len(byPID) {
		t.Fatalf("%d processes, want %d", len(tab.Procs), len(byPID))
	}
	fs := NewFS(filepath.Join(root, "proc"), "")
	for _, p := range tab.Procs {
		c := byPID[p.PID]
		check := redacttest.Check
		if c.Argv != nil {
			check = redacttest.CheckAbsent // argv joined by spaces, quotes gone
		}
		check(t, "process table", c, p.Cmdline)
		d, err := fs.ProcDetail(probes.ProcKey{PID: p.PID, Start: p.Start}, &tab, filepath.Join(root, "etc", "passwd"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, "process detail", c, d.Proc.Cmdline)
	}
}
