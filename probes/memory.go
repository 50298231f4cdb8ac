package probes

import (
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
	// OOMKills1h counts the OOM kills of the last hour from the counter's
	// history where the source keeps one (Prometheus: increase of
	// node_vmstat_oom_kill over 1h); unknown on a local host, whose kernel
	// log names the kills instead.
	OOMKills1h Val
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
