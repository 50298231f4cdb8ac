package probes

// The process scan reads /proc directly instead of through gopsutil: its
// per-process calls (process.NewProcess, MemoryInfo, Username, Cmdline …)
// cost about 75 µs, 43–56 syscalls and 13 KB of garbage per process, more
// than ten times the kernel's own cost of reading one file per process. On a
// host that is out of memory, with thousands of processes, that is the
// difference between a tool that helps and one that adds to the load. Here
// a known process costs one open/read/close of /proc/<pid>/statm (the
// floor, for RSS); its stat plus an fstat for the owner (ppid, uid, comm,
// state, start time) is read when the pid is new, for the rows on screen,
// and every eighth scan otherwise. Buffers are reused across scans and
// strings cached per process, so a steady scan allocates nothing; the
// costlier files (status, smaps_rollup, cmdline) are read only for the rows
// that need them.

import (
	"time"
)

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
	Start   uint64 // stat field 22: clock ticks since boot
	RSS     uint64 // stat field 24 × page size, bytes
	Swap    uint64 // status VmSwap, bytes (or smaps_rollup Swap)
	PSS     uint64 // smaps_rollup Pss, bytes
	SwapOK  bool
	PSSOK   bool
	// GrowthOK is set once the process has been followed for the tracker's
	// whole growth window; Growth is its RSS change in bytes per second
	// over GrowthSpan, the measured span (one to 1¼ windows).
	GrowthOK   bool
	Growth     float64
	GrowthSpan time.Duration
	Comm       string // stat field 2 (at most 15 bytes, may hold spaces and parentheses)
	User       string // name of UID, or the number when not in passwd
	Program    string // grouping name: comm, or the script an interpreter runs
	Cmdline    string // /proc/<pid>/cmdline joined by spaces, secrets masked
	CmdlineOK  bool
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
