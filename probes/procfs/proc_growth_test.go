package procfs

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/memtui/memtui/probes"
)

func TestGrowthTrackerRestarts(t *testing.T) {
	before := fixtureScanner(t, filepath.Join(procFixtures, "restart", "before"))
	after := fixtureScanner(t, filepath.Join(procFixtures, "restart", "after"))
	// The tracker reads the tree it is looking at, as ProcMonitor has it do.
	tree := filepath.Join(procFixtures, "restart", "before")
	g := probes.NewGrowthTracker(probes.GrowthConfig{ReadProcFile: func(pid int32, name string) ([]byte, bool) {
		return NewFS(filepath.Join(tree, "proc"), "").readProcFile(pid, name)
	}})
	t1, err := before.Scan(nil, probes.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.Observe(&t1, nil)
	t2, err := after.Scan(nil, probes.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t2.At = t1.At.Add(5 * time.Second)
	tree = filepath.Join(procFixtures, "restart", "after")
	g.Observe(&t2, nil)
	marks := map[int32]probes.ProcMark{}
	for _, p := range t2.Procs {
		marks[p.PID] = p.Mark
	}
	want := map[int32]probes.ProcMark{
		1:   0,
		733: probes.MarkRestarted | probes.MarkNew, // odoo-bin service: pid 700 replaced by 733
		740: probes.MarkNew,                        // a new worker is not a restart
		800: probes.MarkRestarted | probes.MarkNew, // postgres: same pid, new start time
		850: 0,
	}
	if diff := cmp.Diff(want, marks); diff != "" {
		t.Errorf("marks (-want +got)\n%s", diff)
	}
	got := g.Restarts(time.Time{})
	wantR := []probes.Restart{
		{At: t2.At, Program: "odoo-bin", Old: probes.ProcKey{PID: 700, Start: 5000}, New: probes.ProcKey{PID: 733, Start: 9000}},
		{At: t2.At, Program: "postgres", Old: probes.ProcKey{PID: 800, Start: 4000}, New: probes.ProcKey{PID: 800, Start: 9100}},
	}
	if diff := cmp.Diff(wantR, got, cmpopts.SortSlices(func(a, b probes.Restart) bool { return a.Program < b.Program })); diff != "" {
		t.Errorf("restarts (-want +got)\n%s", diff)
	}
	// The mark fades after RestartMemory.
	t3 := t2
	t3.Procs = append([]probes.Proc(nil), t2.Procs...)
	t3.At = t2.At.Add(11 * time.Minute)
	g.Observe(&t3, nil)
	for _, p := range t3.Procs {
		if p.Mark&probes.MarkRestarted != 0 {
			t.Errorf("pid %d still marked restarted after 11 min", p.PID)
		}
	}
}

// procTableAt builds a scan result at t0+sec with the given processes.
func procTableAt(sec int, procs ...probes.Proc) probes.ProcTable {
	return probes.ProcTable{At: procNow.Add(time.Duration(sec) * time.Second), Procs: append([]probes.Proc(nil), procs...)}
}
