package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

// procBigHost is n processes shaped like odooHost's, with histories.
func procBigHost(n int, at time.Time) probes.ProcScanResult {
	base := procOdooHost(at).Procs
	procs := make([]probes.Proc, 0, n)
	for i := 0; i < n; i++ {
		p := base[i%len(base)]
		p.PID = int32(10000 + i)
		p.Start = uint64(i)
		p.RSS = uint64(i%997) * procMiB
		procs = append(procs, p)
	}
	return procScanResult(probes.ProcTable{At: at, Procs: procs})
}

// BenchmarkProcScanned is the Update side of one scan at 2,000 processes:
// recycling the table, sorting and filtering, keeping the selection.
func BenchmarkProcScanned(b *testing.B) {
	p := newProcPanel(procTestDeps(&fakeProcSource{results: []probes.ProcScanResult{procBigHost(2000, t0)}}).withDefaults())
	res := procBigHost(2000, t0)
	b.ReportAllocs()
	for b.Loop() {
		p.update(procsScannedMsg{id: p.id, res: res})
	}
}

// BenchmarkProcView draws the panel at the sizes people use, 2,000 processes.
func BenchmarkProcView(b *testing.B) {
	for _, sz := range [][2]int{{78, 10}, {120, 28}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			p := newProcPanel(procTestDeps(&fakeProcSource{results: []probes.ProcScanResult{procBigHost(2000, t0)}}).withDefaults())
			p.update(procsScannedMsg{id: p.id, res: procBigHost(2000, t0)})
			st := NewStyles(nil, DarkTheme())
			b.ReportAllocs()
			for b.Loop() {
				_ = p.view(st, sz[0], sz[1], true)
			}
		})
	}
}
