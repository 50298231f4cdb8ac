package procfs

import (
	"time"

	"github.com/memtui/memtui/probes"
)

// footprintPSSMaxAge spreads the smaps_rollup reads of the footprint: a
// reading of the criteria window (5 minutes) needs no fresher PSS, and
// smaps_rollup costs about 6× stat — with 2,000 processes of one program
// among the largest, a 15 s age made these reads a quarter of memtui's CPU.
const footprintPSSMaxAge = time.Minute

// footprint reads PSS for the processes of the largest programs (cached
// for footprintPSSMaxAge) and sums it.
func (s *ProcScanner) footprint(t *probes.ProcTable) probes.Footprint {
	top := probes.TopPrograms(t.Procs, probes.FootprintPrograms)
	in := make(map[string]bool, len(top))
	for _, name := range top {
		in[name] = true
	}
	for i := range t.Procs {
		p := &t.Procs[i]
		if p.PSSOK || !in[probes.ProgramOf(p)] {
			continue
		}
		e, ok := s.entries[p.PID]
		if !ok || e.start != p.Start {
			continue
		}
		if e.pss == nil || t.At.Sub(e.pss.at) >= footprintPSSMaxAge {
			n, err := s.read(p.PID, "smaps_rollup", false)
			if err != nil {
				continue
			}
			r, err := parseSmapsRollup(s.buf[:n])
			if err != nil || !r.PssOK {
				continue
			}
			e.pss = &pssReading{pss: r.Pss, swap: r.Swap, at: t.At}
			s.entries[p.PID] = e
		}
		p.PSS, p.PSSOK = e.pss.pss, true
	}
	return probes.FootprintOf(t.Procs)
}
