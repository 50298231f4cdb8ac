package probes

import (
	"os"
	"strconv"
	"sync"
	"time"
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
	tracker *GrowthTracker
}

// NewProcMonitor returns a monitor over fs.
func NewProcMonitor(fs FS, cfg ProcScannerConfig, growth GrowthConfig) *ProcMonitor {
	if growth.ReadProcFile == nil {
		growth.ReadProcFile = fs.readProcFile
	}
	return &ProcMonitor{fs: fs, passwd: cfg.PasswdPath, scanner: NewProcScanner(fs, cfg), tracker: NewGrowthTracker(growth)}
}

// ProcScanRequest is what the table needs from one scan.
type ProcScanRequest struct {
	ScanOptions
	// Track keeps history for these processes (the rows on screen), besides
	// the fastest growers the tracker follows on its own.
	Track []ProcKey
	// HistoryFor are the processes whose history to copy out (sparklines),
	// at most HistoryPoints samples each (0: all).
	HistoryFor    []ProcKey
	HistoryPoints int
	// Reuse, if not nil, is a previous result's Procs the caller no longer
	// reads: its backing array is reused.
	Reuse []Proc
	// NoFootprint skips the footprint (its PSS reads cost about 6× the
	// scan's per process): for readers that do not use it, the recorder.
	NoFootprint bool
}

// ProcScanResult is one scan with growth applied.
type ProcScanResult struct {
	Table     ProcTable
	Histories map[ProcKey][]RSSSample
	Restarts  []Restart // the last hour's
	Leak      time.Duration
	// Window is the span growth is measured over (GrowthConfig.GrowthWindow),
	// for the table to say what its growth column means.
	Window time.Duration
	// Footprint is the process footprint of this scan (see Footprint).
	Footprint Footprint
}

// Scan reads the process table and applies the growth tracker.
func (m *ProcMonitor) Scan(req ProcScanRequest) (ProcScanResult, error) {
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
		return ProcScanResult{}, err
	}
	m.tracker.Observe(&t, req.Track)
	r := ProcScanResult{Table: t, Restarts: m.tracker.Restarts(t.At.Add(-time.Hour)), Leak: m.tracker.cfg.LeakWindow, Window: m.tracker.cfg.GrowthWindow}
	if !req.NoFootprint {
		r.Footprint = m.scanner.footprint(&t)
	}
	if len(req.HistoryFor) > 0 {
		r.Histories = make(map[ProcKey][]RSSSample, len(req.HistoryFor))
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
func (m *ProcMonitor) Detail(k ProcKey, tab *ProcTable) (ProcDetail, []RSSSample, error) {
	d, err := m.fs.ProcDetail(k, tab, m.passwd)
	m.mu.Lock()
	h := m.tracker.History(k, nil)
	m.mu.Unlock()
	return d, h, err
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
