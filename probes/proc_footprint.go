package probes

// FootprintPrograms is how many programs the process footprint follows.
// The words on screen and in the report (incident's footprint criterion)
// say "the 5 largest programs": change both together.
const FootprintPrograms = 5

// Footprint is the process memory footprint behind the "stable process
// memory footprint" success criterion: the summed PSS of the processes of
// the FootprintPrograms programs (grouped as the process panel's group
// view does) holding the most memory.
//
// PSS, not RSS: RSS counts a shared page once per process mapping it, so
// 40 PostgreSQL backends each mapping 400 MiB of shared_buffers summed to
// 16 GiB on a host using 2.5 GiB. PSS splits every shared page among its
// sharers, so the figure is memory the programs really hold and stays
// within the host's used memory. By program, because services recycle
// workers: a worker replaced by a fresh one moves memory inside the
// program, not out of the figure. The largest few, because they are what
// the runbook watches, and because a sum of the k largest has no jump when
// two programs swap ranks.
type Footprint struct {
	Bytes uint64
	// OK is false when there was no process to measure.
	OK bool
	// Programs are the programs summed, largest first.
	Programs []string
	// Estimated counts processes whose PSS could not be read (gone,
	// permission); they count at their RSS, an upper bound.
	Estimated int
}

// TopPrograms ranks programs by summed RSS (known for every process, so
// the choice does not wait for PSS) and returns the n largest, largest
// first.
func TopPrograms(procs []Proc, n int) []string {
	sum := map[string]uint64{}
	for i := range procs {
		sum[ProgramOf(&procs[i])] += procs[i].RSS
	}
	top := make([]string, 0, n)
	for name, v := range sum {
		j := len(top)
		for j > 0 && (v > sum[top[j-1]] || v == sum[top[j-1]] && name < top[j-1]) {
			j--
		}
		if j >= n {
			continue
		}
		if len(top) < n {
			top = append(top, "")
		}
		copy(top[j+1:], top[j:len(top)-1])
		top[j] = name
	}
	return top
}

// ProgramOf is the grouping name: Program, or comm when there is none.
func ProgramOf(p *Proc) string {
	if p.Program != "" {
		return p.Program
	}
	return p.Comm
}

// FootprintOf is the footprint of a table whose processes carry PSS where
// it was read (pure: tests and a replay call it directly).
func FootprintOf(procs []Proc) Footprint {
	top := TopPrograms(procs, FootprintPrograms)
	fp := Footprint{Programs: top, OK: len(top) > 0}
	in := make(map[string]bool, len(top))
	for _, name := range top {
		in[name] = true
	}
	for i := range procs {
		p := &procs[i]
		if !in[ProgramOf(p)] {
			continue
		}
		if p.PSSOK {
			fp.Bytes += p.PSS
		} else {
			fp.Bytes += p.RSS
			fp.Estimated++
		}
	}
	return fp
}
