package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtui/memtui/internal/redact/redacttest"
)

// TestSnapshotRedactsMatrix runs `memtui snapshot` (JSON and text) over
// process trees whose command lines hold every case of the redaction
// matrix, 20 at a time since the snapshot lists the top 20 processes.
func TestSnapshotRedactsMatrix(t *testing.T) {
	const fixture = "probes/testdata/procs/odoo-postgres-busy/proc"
	cases := redacttest.Matrix
	for start := 0; start < len(cases); start += 20 {
		batch := cases[start:min(start+20, len(cases))]
		proc := filepath.Join(t.TempDir(), "proc")
		writeMatrixProcs(t, proc, fixture, batch)
		for _, args := range [][]string{{"snapshot", "--json"}, {"snapshot"}} {
			var out, errOut bytes.Buffer
			cmd := newRootCmd(&out, &errOut)
			cmd.SetArgs(append(args, "--proc", proc, "--pg", "none"))
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, errOut.String())
			}
			for _, c := range batch {
				redacttest.CheckAbsent(t, strings.Join(args, " "), c, out.String())
			}
			// The rows are there: a test of nothing would pass too.
			if !strings.Contains(out.String(), "3000") {
				t.Errorf("%v lists no matrix process:\n%s", args, out.String())
			}
		}
	}
}

// writeMatrixProcs writes a /proc tree with the fixture's meminfo, stat and
// vmstat and one process per case, its argv in cmdline.
func writeMatrixProcs(t *testing.T, proc, fixture string, cases []redacttest.Case) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(proc, 0o755))
	for _, f := range []string{"meminfo", "stat", "vmstat"} {
		b, err := os.ReadFile(filepath.Join(fixture, f))
		must(err)
		must(os.WriteFile(filepath.Join(proc, f), b, 0o644))
	}
	for i, c := range cases {
		pid := 3000 + i
		argv := c.Argv
		if argv == nil {
			argv = []string{c.Text}
		}
		dir := filepath.Join(proc, fmt.Sprint(pid))
		must(os.MkdirAll(dir, 0o755))
		rssPages := 100000 - i // distinct sizes, all above the fixture-free rest
		stat := fmt.Sprintf("%d (app) S 1 %d %d 0 -1 4194560 2412 0 0 0 12 4 0 0 20 0 1 0 %d 183631872 %d 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n", pid, pid, pid, 26707+i, rssPages)
		must(os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
		status := fmt.Sprintf("Name:\tapp\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t%d kB\nVmSwap:\t0 kB\nThreads:\t1\n", pid, rssPages*4)
		must(os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
		must(os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(argv, "\x00")+"\x00"), 0o644))
	}
}
