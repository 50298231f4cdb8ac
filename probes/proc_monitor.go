package probes

import (
	"time"
)

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
