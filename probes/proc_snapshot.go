package probes

// SnapshotProc is one row of the `processes` section of
// `memtui snapshot --json` (names fixed by docs/DESIGN.md; swap is null when it
// could not be read, growth present only when two readings were taken).
type SnapshotProc struct {
	PID        int32    `json:"pid"`
	User       string   `json:"user"`
	Comm       string   `json:"comm"`
	RSSBytes   uint64   `json:"rss_bytes"`
	SwapBytes  *uint64  `json:"swap_bytes"`
	MemPercent float64  `json:"mem_percent"`
	Cmdline    string   `json:"cmdline,omitempty"` // secrets masked
	Program    string   `json:"program"`
	Growth     *float64 `json:"growth_bytes_per_min,omitempty"`
	Restarted  bool     `json:"restarted,omitempty"`
}
