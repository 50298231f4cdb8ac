package probes

// VMStat holds the counters of /proc/vmstat that memtui uses. They count
// events since boot; rates come from two readings (see Rates).
type VMStat struct {
	PswpIn     Val // pswpin: pages swapped in
	PswpOut    Val // pswpout: pages swapped out
	PgMajFault Val // pgmajfault: major page faults (a page had to come from disk)
	OOMKill    Val // oom_kill: OOM killer invocations (kernel 4.13+), readable by anyone
}

// VMStat reads <proc>/vmstat.
func (fs FS) VMStat() (VMStat, error) {
	b, err := readInto(fs.path("vmstat"), make([]byte, 0, 8192))
	if err != nil {
		return VMStat{}, err
	}
	return parseVMStat(b), nil
}

// parseVMStat parses the "name value" lines of /proc/vmstat. It never fails:
// counters it cannot read stay unknown.
func parseVMStat(b []byte) VMStat {
	var s VMStat
	var f [2][]byte
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if fields(line, f[:]) != 2 {
			continue
		}
		v, ok := parseUint(f[1])
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
	}
	return s
}
