package procfs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

func TestProcMonitor(t *testing.T) {
	root := filepath.Join(procFixtures, "odoo-postgres-busy")
	now := procNow
	m := NewProcMonitor(NewFS(filepath.Join(root, "proc"), ""), probes.ProcScannerConfig{
		PasswdPath: filepath.Join(root, "etc", "passwd"),
		Now:        func() time.Time { return now },
	}, probes.GrowthConfig{})
	defer m.Close()
	shown := probes.ProcKey{PID: 1601, Start: 7001} // small: only its pin gets it detail and history
	var last probes.ProcScanResult
	for i := 0; i < 3; i++ {
		r, err := m.Scan(probes.ProcScanRequest{ScanOptions: probes.ScanOptions{DetailTop: 2}, Track: []probes.ProcKey{shown}, HistoryFor: []probes.ProcKey{shown}, Reuse: last.Table.Procs})
		if err != nil {
			t.Fatal(err)
		}
		last = r
		now = now.Add(30 * time.Second) // three scans span the growth window
	}
	if got := len(last.Histories[shown]); got != 3 {
		t.Errorf("history of the shown row: %d samples, want 3", got)
	}
	for _, p := range last.Table.Procs {
		if p.PID == shown.PID && (!p.CmdlineOK || !p.SwapOK || !p.GrowthOK) {
			t.Errorf("tracked row lacks detail: %+v", p)
		}
	}
	d, h, err := m.Detail(shown, &last.Table)
	if err != nil || d.Proc.Comm != "(sd-pam)" || len(h) != 3 {
		t.Errorf("detail: %+v, %d samples, %v", d.Proc, len(h), err)
	}
}

// TestMonitorForget: after Forget a monitor holds nothing of the processes
// it scanned (no scanner entry, no tracked history) and scans on as new.
func TestMonitorForget(t *testing.T) {
	m := NewProcMonitor(NewFS("/proc", ""), probes.ProcScannerConfig{}, probes.GrowthConfig{})
	defer m.Close()
	self := int32(os.Getpid())
	var key probes.ProcKey
	for range 2 {
		res, err := m.Scan(probes.ProcScanRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Table.Procs {
			if p.PID == self {
				key = p.Key()
			}
		}
		if _, err := m.Scan(probes.ProcScanRequest{Track: []probes.ProcKey{key}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.scanner.entries) == 0 || m.tracker.Tracked() == 0 {
		t.Fatalf("before Forget: %d entries, %d histories; want some of each", len(m.scanner.entries), m.tracker.Tracked())
	}
	m.Forget()
	if n := len(m.scanner.entries); n != 0 {
		t.Errorf("after Forget: %d scanner entries, want none", n)
	}
	if n := m.tracker.Tracked(); n != 0 {
		t.Errorf("after Forget: %d histories, want none", n)
	}
	res, err := m.Scan(probes.ProcScanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Table.Procs {
		found = found || p.PID == self
	}
	if !found || len(m.scanner.entries) == 0 {
		t.Errorf("the scan after Forget: own process found %v, %d entries; want a full table again", found, len(m.scanner.entries))
	}
}
