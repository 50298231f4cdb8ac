package probes

import (
	"fmt"
)

// VMStat holds the counters of /proc/vmstat that memtui uses. They count
// events since boot; rates come from two readings (see Rates).
type VMStat struct {
	PswpIn     Val // pswpin: pages swapped in
	PswpOut    Val // pswpout: pages swapped out
	PgMajFault Val // pgmajfault: major page faults (a page had to come from disk)
	OOMKill    Val // oom_kill: OOM killer invocations (kernel 4.13+), readable by anyone
}

// ParseVMStat parses the "name value" lines of /proc/vmstat. A counter it
// cannot read stays unknown; a file with none of them (every kernel since
// 2.6 prints pgmajfault) is an error, so garbage is reported, not shown as
// "no rates".
func ParseVMStat(b []byte) (VMStat, error) {
	var s VMStat
	var f [3][]byte // a third field means the line is not "name value"
	b = CompleteLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = NextLine(b)
		// Of ~190 lines only four matter, all starting with p or o:
		// skipping the rest before splitting halves the cost of a reading.
		if len(line) == 0 || (line[0] != 'p' && line[0] != 'o') || Fields(line, f[:]) != 2 {
			continue
		}
		v, ok := ParseUint(f[1])
		if !ok {
			continue
		}
		switch string(f[0]) {
		case "pswpin":
			s.PswpIn = Some(v)
		case "pswpout":
			s.PswpOut = Some(v)
		case "pgmajfault":
			s.PgMajFault = Some(v)
		case "oom_kill":
			s.OOMKill = Some(v)
		}
		if s.PswpIn.OK && s.PswpOut.OK && s.PgMajFault.OK && s.OOMKill.OK {
			break // the last third of the file holds nothing we use
		}
	}
	if !s.PswpIn.OK && !s.PswpOut.OK && !s.PgMajFault.OK && !s.OOMKill.OK {
		return s, fmt.Errorf("none of pswpin, pswpout, pgmajfault, oom_kill: %w", ErrParse)
	}
	return s, nil
}
