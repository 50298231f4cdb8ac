package procfs

import (
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
