package probes

import (
	"bytes"
	"errors"
	"time"
)

// The process table as values: one scan (ProcTable of Proc), what the
// panel asks of a scan and gets back, one process's detail, and the rows of
// the snapshot. procfs fills them from /proc; a recording or Prometheus
// from what they hold.

// ProcKey names one process across scans: pids are reused, so a pid together
// with its start time (stat field 22) is the identity.
type ProcKey struct {
	PID   int32
	Start uint64
}

// ProcMark flags what the growth tracker noticed about a process.
type ProcMark uint8

const (
	// MarkLeak: RSS grew steadily, with no drop, over the whole leak window.
	MarkLeak ProcMark = 1 << iota
	// MarkRestarted: the pid came back with a new start time, or the
	// process replaced a service process of the same program that went away.
	MarkRestarted
	// MarkNew: first seen after the tracker's first scan and not yet
	// followed for a whole growth window, so its growth is not known yet.
	MarkNew
)

// Proc is one process of a scan. Fields from files read only for some rows
// carry an ok flag (SwapOK, PSSOK, CmdlineOK): unknown is not zero.
type Proc struct {
	PID     int32  // stat field 1
	PPID    int32  // stat field 4
	UID     uint32 // owner of /proc/<pid>/stat: the effective uid
	Threads int32  // stat field 20
	State   byte   // stat field 3: R S D Z T t X I …
	Mark    ProcMark
	// The flags sit with the other bytes: a host's table is 10,000 rows
	// and more, and the process panel keeps two, so next to no padding.
	SwapOK    bool
	PSSOK     bool
	GrowthOK  bool // see Growth
	CmdlineOK bool
	Start     uint64 // stat field 22: clock ticks since boot
	RSS       uint64 // statm resident × page size, bytes (stat field 24 lags; see procfs)
	VM        uint64 // virtual size: statm size × page size (stat field 23), bytes
	Swap      uint64 // status VmSwap, bytes (or smaps_rollup Swap)
	PSS       uint64 // smaps_rollup Pss, bytes
	// GrowthOK is set once the process has been followed for the tracker's
	// whole growth window; Growth is its RSS change in bytes per second
	// over GrowthSpan, the measured span (one to 1¼ windows).
	Growth     float64
	GrowthSpan time.Duration
	Comm       string // stat field 2 (at most 15 bytes, may hold spaces and parentheses)
	User       string // name of UID, or the number when not in passwd
	Program    string // grouping name: comm, or the script an interpreter runs
	Cmdline    string // /proc/<pid>/cmdline joined by spaces, secrets masked
}

// Key returns the process identity across scans.
func (p Proc) Key() ProcKey { return ProcKey{PID: p.PID, Start: p.Start} }

// MemPercent is RSS as a percentage of memTotal (MemTotal from meminfo); 0
// when memTotal is unknown (0).
func (p Proc) MemPercent(memTotal uint64) float64 {
	if memTotal == 0 {
		return 0
	}
	return 100 * float64(p.RSS) / float64(memTotal)
}

// ProcTable is one scan of the process table.
type ProcTable struct {
	At    time.Time
	Procs []Proc // every user-space process, in directory order
	// KernelThreads were listed and left out (PF_KTHREAD).
	KernelThreads int
	// Vanished processes were listed but exited before their files were read.
	Vanished int
	// Denied counts files that could not be read (permission, hidepid): those
	// processes are left out or their detail stays unknown.
	Denied int
}

// ScanOptions says which costly files a scan reads beyond stat.
type ScanOptions struct {
	// DetailTop reads VmSwap and the masked command line for the top N
	// processes by RSS (the rows a table shows). 0 reads none.
	DetailTop int
	// Pinned processes get the same detail whatever their rank: the rows on
	// screen under another sort or filter, the selected row.
	Pinned []int32
	// AllSwap reads VmSwap (status, about 1.9× the cost of stat) for every
	// process: needed to sort by swap or to total swap per group.
	AllSwap bool
	// AllPSS reads smaps_rollup (about 6× stat) for every process whose
	// reading is older than PSSMaxAge, and takes Swap from it too.
	AllPSS    bool
	PSSMaxAge time.Duration
}

// ProcScannerConfig configures a ProcScanner.
type ProcScannerConfig struct {
	// PasswdPath is read for uid → name ("" means /etc/passwd). Fixture
	// trees carry their own.
	PasswdPath string
	// Now is the clock (nil means time.Now); tests pin it.
	Now func() time.Time
}

// TopKIndexes puts in dst the indexes of the k first procs by less (best
// first) without sorting the whole table: a bounded min-heap, O(n log k).
func TopKIndexes(procs []Proc, k int, dst []int, less func(a, b *Proc) bool) []int {
	dst = dst[:0]
	if k <= 0 {
		return dst
	}
	// worse reports whether i ranks after j.
	worse := func(i, j int) bool { return less(&procs[j], &procs[i]) }
	down := func(h []int, i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(h[r], h[l]) {
				m = r
			}
			if !worse(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := range procs {
		if len(dst) < k {
			dst = append(dst, i)
			for c := len(dst) - 1; c > 0; {
				p := (c - 1) / 2
				if !worse(dst[c], dst[p]) {
					break
				}
				dst[c], dst[p] = dst[p], dst[c]
				c = p
			}
			continue
		}
		if less(&procs[i], &procs[dst[0]]) {
			dst[0] = i
			down(dst, 0)
		}
	}
	// Pop the heap into best-first order.
	for end := len(dst) - 1; end > 0; end-- {
		dst[0], dst[end] = dst[end], dst[0]
		down(dst[:end], 0)
	}
	return dst
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
	// ProgramsOnly is set by a source that sees programs, not processes
	// (process-exporter through Prometheus): it says so in words, Table is
	// empty and Programs holds the groups, largest resident first.
	ProgramsOnly string
	Programs     []ProcGroup
}

// ProcDetail is everything the detail view shows about one process: the
// `pmap -x` summary and the OOM killer's view. Each part read separately
// carries its own error (permission denied on smaps_rollup or fd/ for
// another user's process when not root) so the rest still shows.
type ProcDetail struct {
	Proc      Proc
	StartedAt time.Time // zero when the boot time is unknown

	Smaps    SmapsRollup
	SmapsErr error

	Statm    Statm
	StatmErr error

	RssAnon, RssFile, RssShmem uint64 // status, when RssOK
	RssOK                      bool

	OOMScore    int // /proc/<pid>/oom_score
	OOMScoreAdj int // /proc/<pid>/oom_score_adj
	OOMErr      error

	Cgroup    string // the unified (v2) path, or the v1 memory controller's
	CgroupErr error

	FDs    int // entries in /proc/<pid>/fd
	FDsErr error

	Parent   *Proc  // from the table the detail was built with; nil if not there
	Children []Proc // direct children in that table, largest RSS first
}

// ErrProcessGone says the process asked for has exited (or its pid now
// belongs to another process).
var ErrProcessGone = errors.New("process has exited")

// Statm is /proc/<pid>/statm converted to bytes.
type Statm struct {
	Size     uint64 // field 1: total program size (VmSize)
	Resident uint64 // field 2: resident set (VmRSS)
	Shared   uint64 // field 3: resident file-backed + shmem pages (RssFile+RssShmem)
	Text     uint64 // field 4: code
	Data     uint64 // field 6: data + stack
}

// SmapsRollup is /proc/<pid>/smaps_rollup, the kernel's sum over all mappings
// (what `pmap -x` totals), in bytes. OK is false for a field the kernel did
// not print (Pss_Anon/File/Shmem appeared in 5.8; kernel threads print none).
type SmapsRollup struct {
	Rss, Pss, PssAnon, PssFile, PssShmem        uint64
	SharedClean, SharedDirty                    uint64
	PrivateClean, PrivateDirty                  uint64
	Swap, SwapPss                               uint64
	RssOK, PssOK, PssSplitOK, SwapOK, SwapPssOK bool
}

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

// JoinCmdline renders argv the way ps does: arguments joined by one space,
// control characters (newlines, escape sequences a process put in its own
// argv) replaced by '?' so they cannot corrupt a terminal.
func JoinCmdline(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c == 0:
			out[i] = ' '
		case c < 0x20 || c == 0x7f:
			out[i] = '?'
		default:
			out[i] = c
		}
	}
	return string(out)
}
