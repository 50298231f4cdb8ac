package probes

import (
	"bytes"
	"fmt"
	"math"
)

// Meminfo holds the fields of /proc/meminfo that memtui uses, in bytes.
// Each is a Val: a field the kernel did not print stays unknown.
type Meminfo struct {
	MemTotal     Val // MemTotal
	MemFree      Val // MemFree
	MemAvailable Val // MemAvailable (kernel 3.14+)
	Buffers      Val // Buffers
	Cached       Val // Cached (page cache, without SwapCached)
	SwapCached   Val // SwapCached
	SwapTotal    Val // SwapTotal
	SwapFree     Val // SwapFree
	Dirty        Val // Dirty
	Writeback    Val // Writeback
	AnonPages    Val // AnonPages
	Shmem        Val // Shmem (tmpfs, shared memory; not reclaimable by dropping caches)
	SReclaimable Val // SReclaimable (slab that can be reclaimed)
	SUnreclaim   Val // SUnreclaim
	CommitLimit  Val // CommitLimit
	CommittedAS  Val // Committed_AS
	HugeTotal    Val // HugePages_Total × Hugepagesize
}

// ParseMeminfo parses the text of /proc/meminfo. It takes bytes rather than
// an io.Reader so the per-second read allocates nothing; it is pure and is
// what the tests and the fuzzer hit. Lines it does not know are ignored;
// a file without MemTotal, or with neither MemAvailable nor what estimates
// it, is an error, since no percentage can be made.
func ParseMeminfo(b []byte) (Meminfo, error) {
	var m Meminfo
	var hugePages, hugeSize Val
	var f [3][]byte
	b = CompleteLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = NextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		n := Fields(line[colon+1:], f[:])
		if n == 0 {
			continue
		}
		v, ok := ParseUint(f[0])
		if !ok {
			continue
		}
		if string(line[:colon]) == "HugePages_Total" {
			if n == 1 {
				hugePages = Some(v)
			}
			continue
		}
		// Every other field is printed in kB. One without its unit was cut
		// short or is not what we think ("MemAvailable: 21" is not 21
		// bytes), and one too big for bytes in 64 bits is garbage.
		if n < 2 || string(f[1]) != "kB" || v > math.MaxUint64/1024 {
			continue
		}
		val := Some(v * 1024)
		switch string(line[:colon]) {
		case "MemTotal":
			m.MemTotal = val
		case "MemFree":
			m.MemFree = val
		case "MemAvailable":
			m.MemAvailable = val
		case "Buffers":
			m.Buffers = val
		case "Cached":
			m.Cached = val
		case "SwapCached":
			m.SwapCached = val
		case "SwapTotal":
			m.SwapTotal = val
		case "SwapFree":
			m.SwapFree = val
		case "Dirty":
			m.Dirty = val
		case "Writeback":
			m.Writeback = val
		case "AnonPages":
			m.AnonPages = val
		case "Shmem":
			m.Shmem = val
		case "SReclaimable":
			m.SReclaimable = val
		case "SUnreclaim":
			m.SUnreclaim = val
		case "CommitLimit":
			m.CommitLimit = val
		case "Committed_AS":
			m.CommittedAS = val
		case "Hugepagesize":
			hugeSize = val
		}
	}
	if hugePages.OK && hugeSize.OK {
		m.HugeTotal = Some(hugePages.V * hugeSize.V)
	}
	if !m.MemTotal.OK || m.MemTotal.V == 0 {
		return m, fmt.Errorf("no MemTotal line: %w", ErrParse)
	}
	if a, _ := m.Available(); !a.OK {
		return m, fmt.Errorf("neither MemAvailable nor MemFree, Buffers and Cached to estimate it: %w", ErrParse)
	}
	return m, nil
}

// Available returns MemAvailable, or on kernels older than 3.14 an estimate
// (MemFree + Buffers + Cached + SReclaimable − Shmem) with estimated=true,
// which the views mark as such.
func (m Meminfo) Available() (v Val, estimated bool) {
	if m.MemAvailable.OK {
		return m.MemAvailable, false
	}
	// Without the page cache figures the "estimate" would be MemFree alone
	// and would cry critical on a healthy host; better unknown.
	if !m.MemFree.OK || !m.Buffers.OK || !m.Cached.OK {
		return Val{}, false
	}
	avail := m.MemFree.V + m.Buffers.V + m.Cached.V + m.SReclaimable.Or(0)
	// Shmem sits in Cached but cannot be dropped; never let it wrap.
	if sh := m.Shmem.Or(0); sh < avail {
		avail -= sh
	} else {
		avail = 0
	}
	if avail > m.MemTotal.V {
		avail = m.MemTotal.V
	}
	return Some(avail), true
}

// Used is MemTotal − available (docs/DESIGN.md's definition of used memory).
func (m Meminfo) Used() Val {
	a, _ := m.Available()
	if !m.MemTotal.OK || !a.OK {
		return Val{}
	}
	if a.V > m.MemTotal.V {
		return Some(0)
	}
	return Some(m.MemTotal.V - a.V)
}

// UsedPercent is 100 × (MemTotal − MemAvailable) / MemTotal; ok is false
// when it cannot be known.
func (m Meminfo) UsedPercent() (float64, bool) {
	u := m.Used()
	if !u.OK || m.MemTotal.V == 0 {
		return 0, false
	}
	return 100 * float64(u.V) / float64(m.MemTotal.V), true
}

// SwapUsed is SwapTotal − SwapFree; unknown without those lines.
func (m Meminfo) SwapUsed() Val {
	if !m.SwapTotal.OK || !m.SwapFree.OK {
		return Val{}
	}
	if m.SwapFree.V > m.SwapTotal.V {
		return Some(0)
	}
	return Some(m.SwapTotal.V - m.SwapFree.V)
}

// SwapPercent is swap used over swap total. A machine without swap has no
// percentage (ok false) rather than a division by zero or a fake 0 %.
func (m Meminfo) SwapPercent() (float64, bool) {
	u := m.SwapUsed()
	if !u.OK || m.SwapTotal.V == 0 {
		return 0, false
	}
	return 100 * float64(u.V) / float64(m.SwapTotal.V), true
}
