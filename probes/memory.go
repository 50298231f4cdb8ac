package probes

import (
	"sync"
	"time"
)

// Memory is one reading of every memory source. It never fails as a whole:
// each source carries its own error, so a kernel without PSI or a container
// without a cgroup limit still shows meminfo.
type Memory struct {
	Time       time.Time
	Meminfo    Meminfo
	MeminfoErr error
	VMStat     VMStat
	VMStatErr  error
	PSI        PSI
	PSIErr     error // ErrUnavailable: this kernel has no PSI
	Cgroup     Cgroup
	CgroupErr  error // ErrUnavailable: no memory controller
}

// UsedPercent is Meminfo.UsedPercent (ok false when meminfo was unreadable).
func (m Memory) UsedPercent() (float64, bool) {
	if m.MeminfoErr != nil {
		return 0, false
	}
	return m.Meminfo.UsedPercent()
}

// MemProbe reads Memory repeatedly with reused buffers; one reading
// allocates almost nothing, which matters at one reading a second on a host
// that is running out of memory. It is safe for concurrent use.
type MemProbe struct {
	fs  FS
	now func() time.Time

	mu      sync.Mutex
	buf     []byte
	cg      cgroupFiles
	cgKnown bool
	pMem    string
	pVM     string
	pPSI    string
}

// NewMemProbe returns a probe reading under fs; now is the clock (nil: time.Now).
func NewMemProbe(fs FS, now func() time.Time) *MemProbe {
	if now == nil {
		now = time.Now
	}
	return &MemProbe{fs: fs, now: now, buf: make([]byte, 0, 8192),
		pMem: fs.path("meminfo"), pVM: fs.path("vmstat"), pPSI: fs.path("pressure", "memory")}
}

// Read takes one reading of meminfo, vmstat, PSI and the cgroup limit.
func (p *MemProbe) Read() Memory {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := Memory{Time: p.now()}
	var err error
	if p.buf, err = readInto(p.pMem, p.buf); err != nil {
		m.MeminfoErr = err
	} else {
		m.Meminfo, m.MeminfoErr = parseMeminfo(p.buf)
	}
	if p.buf, err = readInto(p.pVM, p.buf); err != nil {
		m.VMStatErr = err
	} else {
		m.VMStat = parseVMStat(p.buf)
	}
	if p.buf, err = readInto(p.pPSI, p.buf); err != nil {
		m.PSIErr = err
	} else {
		m.PSI, m.PSIErr = parsePSI(p.buf)
	}
	if !p.cgKnown {
		// Which cgroup we are in does not change while we run; resolve once.
		p.cg, p.cgKnown = p.fs.findCgroup(), true
	}
	m.Cgroup, p.buf, m.CgroupErr = readCgroup(p.cg, p.buf)
	return m
}

// Rates are per-second rates between two readings.
type Rates struct {
	SwapInPerSec   float64 // pages/s from pswpin
	SwapOutPerSec  float64 // pages/s from pswpout
	MajFaultPerSec float64 // major faults/s from pgmajfault
	OK             bool    // false without two usable readings
}

// RatesBetween derives rates from two readings. It is pure: a counter that
// went backwards (reset, different host) or a non-positive interval gives
// OK false rather than a negative or infinite rate.
func RatesBetween(prev, cur Memory) Rates {
	dt := cur.Time.Sub(prev.Time).Seconds()
	if dt <= 0 || prev.VMStatErr != nil || cur.VMStatErr != nil {
		return Rates{}
	}
	rate := func(a, b Val) (float64, bool) {
		if !a.OK || !b.OK || b.V < a.V {
			return 0, false
		}
		return float64(b.V-a.V) / dt, true
	}
	var r Rates
	var ok1, ok2, ok3 bool
	r.SwapInPerSec, ok1 = rate(prev.VMStat.PswpIn, cur.VMStat.PswpIn)
	r.SwapOutPerSec, ok2 = rate(prev.VMStat.PswpOut, cur.VMStat.PswpOut)
	r.MajFaultPerSec, ok3 = rate(prev.VMStat.PgMajFault, cur.VMStat.PgMajFault)
	r.OK = ok1 && ok2 && ok3
	return r
}
