package probes

import (
	"fmt"
	"io"
	"os"
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
	held    map[string]*os.File // open files, re-read with pread
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
	return &MemProbe{fs: fs, now: now, buf: make([]byte, 0, 8192), held: map[string]*os.File{},
		pMem: fs.path("meminfo"), pVM: fs.path("vmstat"), pPSI: fs.path("pressure", "memory")}
}

// Read takes one reading of meminfo, vmstat, PSI and the cgroup limit.
func (p *MemProbe) Read() Memory {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := Memory{Time: p.now()}
	var err error
	if p.buf, err = p.readHeld(p.pMem, p.buf); err != nil {
		m.MeminfoErr = err
	} else if m.Meminfo, err = parseMeminfo(p.buf); err != nil {
		// Name the file, so "parse error" says where to look.
		m.MeminfoErr = fmt.Errorf("%s: %w", p.pMem, err)
	}
	if p.buf, err = p.readHeld(p.pVM, p.buf); err != nil {
		m.VMStatErr = err
	} else if m.VMStat, err = parseVMStat(p.buf); err != nil {
		m.VMStatErr = fmt.Errorf("%s: %w", p.pVM, err)
	}
	if p.buf, err = p.readHeld(p.pPSI, p.buf); err != nil {
		m.PSIErr = err
	} else if m.PSI, err = parsePSI(p.buf); err != nil {
		m.PSIErr = fmt.Errorf("%s: %w", p.pPSI, err)
	}
	if !p.cgKnown {
		// Which cgroup we are in does not change while we run; resolve once.
		p.cg, p.cgKnown = p.fs.findCgroup(), true
	}
	m.Cgroup, p.buf, m.CgroupErr = readCgroup(p.cg, p.buf, p.readHeld)
	return m
}

// readHeld reads the file at path from offset 0 through a descriptor kept
// open between readings. procfs, sysfs and cgroupfs generate the text
// afresh on a read at offset 0 (top does the same with lseek), and keeping
// the files open saves the path walk, open and close of every file every
// second: for /proc/pressure/memory about 5 µs a read becomes about 1.5 µs
// on the 2-core build machine (BenchmarkProcFloor). A file that fails is
// closed and opened again next time. The caller holds p.mu.
func (p *MemProbe) readHeld(path string, buf []byte) ([]byte, error) {
	f := p.held[path]
	if f == nil {
		var err error
		if f, err = os.Open(path); err != nil {
			return buf[:0], pathErr(path, err)
		}
		p.held[path] = f
	}
	buf = buf[:cap(buf)]
	n := 0
	for {
		if n == len(buf) {
			if n >= MaxProcFile {
				return buf[:0], fmt.Errorf("%s: larger than %d MiB, not a /proc or /sys file: %w", path, MaxProcFile>>20, ErrTooLarge)
			}
			nb := make([]byte, 2*len(buf)+4096)
			copy(nb, buf[:n])
			buf = nb
		}
		m, err := f.ReadAt(buf[n:], int64(n))
		n += m
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			f.Close()
			delete(p.held, path)
			return buf[:0], pathErr(path, err)
		}
	}
}

// Close closes the files the probe keeps open. The probe stays usable: the
// next Read opens them again. (An unclosed probe's files are closed when it
// is garbage collected.)
func (p *MemProbe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for path, f := range p.held {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.held, path)
	}
	return first
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
