package procfs

import (
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
)

// ProcMonitor ties a ProcScanner and a GrowthTracker together for the
// dashboard: one call scans, tracks growth, and copies out the histories the
// caller will draw. It is safe for concurrent use (a detail request may come
// while a scan runs); scans themselves are serialised.
type ProcMonitor struct {
	mu      sync.Mutex
	fs      FS
	passwd  string
	scanner *ProcScanner
	tracker *probes.GrowthTracker
}

// NewProcMonitor returns a monitor over fs.
func NewProcMonitor(fs FS, cfg probes.ProcScannerConfig, growth probes.GrowthConfig) *ProcMonitor {
	if growth.ReadProcFile == nil {
		growth.ReadProcFile = fs.readProcFile
	}
	return &ProcMonitor{fs: fs, passwd: cfg.PasswdPath, scanner: NewProcScanner(fs, cfg), tracker: probes.NewGrowthTracker(growth)}
}

// Scan reads the process table and applies the growth tracker.
func (m *ProcMonitor) Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	opt := req.ScanOptions
	if len(req.Track) > 0 {
		pins := make([]int32, 0, len(opt.Pinned)+len(req.Track))
		pins = append(pins, opt.Pinned...)
		for _, k := range req.Track {
			pins = append(pins, k.PID)
		}
		opt.Pinned = pins
	}
	t, err := m.scanner.Scan(req.Reuse, opt)
	if err != nil {
		return probes.ProcScanResult{}, err
	}
	m.tracker.Observe(&t, req.Track)
	r := probes.ProcScanResult{Table: t, Restarts: m.tracker.Restarts(t.At.Add(-time.Hour)), Leak: m.tracker.Config().LeakWindow, Window: m.tracker.Config().GrowthWindow}
	if !req.NoFootprint {
		r.Footprint = m.scanner.footprint(&t)
	}
	if len(req.HistoryFor) > 0 {
		r.Histories = make(map[probes.ProcKey][]probes.RSSSample, len(req.HistoryFor))
		for _, k := range req.HistoryFor {
			if h := m.tracker.HistoryTail(k, req.HistoryPoints, nil); len(h) > 0 {
				r.Histories[k] = h
			}
		}
	}
	return r, nil
}

// Detail reads one process's detail (see FS.ProcDetail) and its RSS history
// since it was first followed.
func (m *ProcMonitor) Detail(k probes.ProcKey, tab *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error) {
	d, err := m.fs.ProcDetail(k, tab, m.passwd)
	m.mu.Lock()
	h := m.tracker.History(k, nil)
	m.mu.Unlock()
	return d, h, err
}

// Forget drops what the monitor keeps of every process (the scanner's
// entries, the growth tracker's anchors and histories), leaving it as
// new. A monitor used only now and then (the recording's, while the
// process panel is paused) need not hold an entry per process in between:
// about 4 MB at 10,000 processes.
func (m *ProcMonitor) Forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scanner.forget()
	m.tracker = probes.NewGrowthTracker(m.tracker.Config())
}

// Close releases the scanner's directory handle.
func (m *ProcMonitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.scanner.Close()
}

// readProcFile reads /proc/PID/name for the growth tracker's service
// check, which runs only for processes appearing under init: a few per
// scan, so a plain read is cheap enough.
func (fs FS) readProcFile(pid int32, name string) ([]byte, bool) {
	b, err := os.ReadFile(fs.path(strconv.Itoa(int(pid)), name))
	return b, err == nil
}
