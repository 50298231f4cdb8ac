package probes

// PGMemory is the memory of the PostgreSQL server's processes, read from
// /proc: the runbook's `ps aux | grep postgres | awk '{sum+=$6}'` done right —
// the postmaster and its children by parentage, not every line that happens
// to contain "postgres".
type PGMemory struct {
	// Known is false when the server's processes cannot be seen from here
	// (remote server, container); Reason then says why.
	Known  bool
	Reason string

	PostmasterPID int
	Processes     int    // the postmaster and its children
	RSSSum        uint64 // Σ resident: what ps|awk adds up; counts shared memory once per process
	Private       uint64 // Σ (resident − shared): what the processes hold for themselves
	SharedMax     uint64 // the largest shared resident figure: shared memory counted once
	BackendRSS    uint64 // Σ resident of the client backends only
}

// Estimate is the honest total: private memory plus the shared memory once.
func (m PGMemory) Estimate() uint64 { return m.Private + m.SharedMax }

// PGProcMem is what /proc says about a PostgreSQL server's processes.
type PGProcMem struct {
	Memory PGMemory
	RSS    map[int]uint64 // pid → resident bytes, for the backends' rows
}

// JoinMemory puts the processes' memory on the reading and the RSS on its
// backends' rows.
func (st *PGStats) JoinMemory(pm PGProcMem) {
	m := pm.Memory
	for i := range st.Backends {
		if v, ok := pm.RSS[st.Backends[i].PID]; ok {
			st.Backends[i].RSS = Some(v)
			m.BackendRSS += v
		}
	}
	for _, list := range [][]PGBackend{st.OldestXacts, st.LongestQueries} {
		for i := range list {
			if v, ok := pm.RSS[list[i].PID]; ok {
				list[i].RSS = Some(v)
			}
		}
	}
	st.Memory = m
}
