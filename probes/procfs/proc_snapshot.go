package procfs

import (
	"context"
	"sort"
	"time"

	"github.com/memtui/memtui/probes"
)

// SnapshotProcesses reads the top n processes by RSS (largest first) for
// the snapshot. With interval > 0 it reads twice, interval apart, and adds
// each process's growth between the readings. memTotal (MemTotal in bytes,
// 0 if unknown) gives mem_percent.
func SnapshotProcesses(ctx context.Context, fs FS, cfg probes.ProcScannerConfig, n int, interval time.Duration, memTotal uint64) ([]probes.SnapshotProc, error) {
	s := NewProcScanner(fs, cfg)
	defer s.Close()
	opt := probes.ScanOptions{DetailTop: n}
	g := probes.NewGrowthTracker(probes.GrowthConfig{GrowthWindow: 2 * interval})
	t, err := s.Scan(nil, opt)
	if err != nil {
		return nil, err
	}
	g.Observe(&t, nil)
	if interval > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		if t, err = s.Scan(nil, opt); err != nil {
			return nil, err
		}
		g.Observe(&t, nil)
	}
	return snapshotRows(t, n, interval > 0, memTotal), nil
}

// snapshotRows turns a table into the top n rows.
func snapshotRows(t probes.ProcTable, n int, withGrowth bool, memTotal uint64) []probes.SnapshotProc {
	procs := append([]probes.Proc(nil), t.Procs...)
	sort.SliceStable(procs, func(i, j int) bool {
		if procs[i].RSS != procs[j].RSS {
			return procs[i].RSS > procs[j].RSS
		}
		return procs[i].PID < procs[j].PID
	})
	if len(procs) > n {
		procs = procs[:n]
	}
	out := make([]probes.SnapshotProc, 0, len(procs))
	for _, p := range procs {
		r := probes.SnapshotProc{PID: p.PID, User: p.User, Comm: p.Comm, RSSBytes: p.RSS,
			MemPercent: p.MemPercent(memTotal), Cmdline: p.Cmdline, Program: p.Program,
			Restarted: p.Mark&probes.MarkRestarted != 0}
		if p.SwapOK {
			v := p.Swap
			r.SwapBytes = &v
		}
		if withGrowth && p.GrowthOK {
			v := p.Growth * 60
			r.Growth = &v
		}
		out = append(out, r)
	}
	return out
}
