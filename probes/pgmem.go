package probes

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

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

// pgStatm is one /proc/<pid>/statm reading, in bytes.
type pgStatm struct {
	resident, shared uint64
}

var pgPageSize = uint64(os.Getpagesize())

// parsePGStatm reads "size resident shared text lib data dt" (pages) through
// the one statm parser, refusing a shared figure above the resident one (not
// a real statm). Pure.
func parsePGStatm(b []byte) (pgStatm, bool) {
	st, err := parseStatm(b, pgPageSize)
	if err != nil || st.Shared > st.Resident {
		return pgStatm{}, false
	}
	return pgStatm{resident: st.Resident, shared: st.Shared}, true
}

// readPGStatm reads <proc>/<pid>/statm into buf.
func (fs FS) readPGStatm(pid int, buf []byte) (pgStatm, []byte, error) {
	b, err := readInto(fs.path(strconv.Itoa(pid), "statm"), buf)
	if err != nil {
		return pgStatm{}, b, err
	}
	s, ok := parsePGStatm(b)
	if !ok {
		return pgStatm{}, b, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "statm"), ErrParse)
	}
	return s, b, nil
}

// parsePGProcStat returns comm and ppid from the text of /proc/<pid>/stat:
// "pid (comm) state ppid …", through the one stat parser, read only as far
// as the ppid. Pure.
func parsePGProcStat(b []byte) (comm string, ppid int, ok bool) {
	st, err := parseProcStatTo(b, 4)
	if err != nil {
		return "", 0, false
	}
	return string(st.Comm), int(st.PPID), true
}

// pgProcStat reads comm and ppid of pid under the proc root.
func (fs FS) pgProcStat(pid int, buf []byte) (string, int, error) {
	b, err := readInto(fs.path(strconv.Itoa(pid), "stat"), buf)
	if err != nil {
		return "", 0, err
	}
	comm, ppid, ok := parsePGProcStat(b)
	if !ok {
		return "", 0, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "stat"), ErrParse)
	}
	return comm, ppid, nil
}

// pgChildrenOf lists pid's children. It reads /proc/<pid>/task/<pid>/children
// (the postmaster is single-threaded, so its main thread has all of them),
// which costs one read instead of a scan of every process; kernels without
// CONFIG_PROC_CHILDREN fall back to scanning <proc>/*/stat for the ppid.
func (fs FS) pgChildrenOf(pid int, buf []byte) ([]int, []byte, error) {
	p := strconv.Itoa(pid)
	b, err := readInto(fs.path(p, "task", p, "children"), buf)
	if err == nil {
		return parsePGPIDList(b), b, nil
	}
	d, err := os.ReadDir(fs.ProcRoot())
	if err != nil {
		return nil, b, err
	}
	var kids []int
	for _, e := range d {
		n, ok := parseUint([]byte(e.Name()))
		if !ok || n > 1<<31 {
			continue
		}
		_, ppid, err := fs.pgProcStat(int(n), b)
		if err == nil && ppid == pid {
			kids = append(kids, int(n))
		}
	}
	return kids, b, nil
}

// parsePGPIDList reads space-separated pids. Pure.
func parsePGPIDList(b []byte) []int {
	var out []int
	for _, f := range bytes.Fields(b) {
		if n, ok := parseUint(f); ok && n <= 1<<31 {
			out = append(out, int(n))
		}
	}
	return out
}

// PGProcMem is what /proc says about a PostgreSQL server's processes.
type PGProcMem struct {
	Memory PGMemory
	RSS    map[int]uint64 // pid → resident bytes, for the backends' rows
}

// PGProcMemory reads the statm of the postmaster pmPID and of each of its
// children. buf is a reusable read buffer (returned grown). The pg probe
// runs this while its query is in flight (it needs no result from it), so
// the ~7 µs per process of /proc reads overlap the network round trip.
func (fs FS) PGProcMemory(pmPID int, buf []byte) (PGProcMem, []byte) {
	m := PGMemory{Known: true, PostmasterPID: pmPID}
	pm, buf, err := fs.readPGStatm(pmPID, buf)
	if err != nil {
		return PGProcMem{Memory: PGMemory{Reason: fmt.Sprintf("cannot read the postmaster's memory (pid %d): %v", pmPID, err)}}, buf
	}
	kids, buf, err := fs.pgChildrenOf(pmPID, buf)
	if err != nil {
		return PGProcMem{Memory: PGMemory{Reason: fmt.Sprintf("cannot list the postmaster's children (pid %d): %v", pmPID, err)}}, buf
	}
	rss := make(map[int]uint64, len(kids))
	add := func(s pgStatm) {
		m.Processes++
		m.RSSSum += s.resident
		m.Private += s.resident - s.shared
		m.SharedMax = max(m.SharedMax, s.shared)
	}
	add(pm)
	for _, k := range kids {
		var s pgStatm
		s, buf, err = fs.readPGStatm(k, buf)
		if err != nil {
			continue // exited between the listing and the read
		}
		add(s)
		rss[k] = s.resident
	}
	return PGProcMem{Memory: m, RSS: rss}, buf
}

// PGProcStat reads comm and ppid of pid: the pg probe checks that its own
// backend is a "postgres" process here and finds the postmaster as its parent.
func (fs FS) PGProcStat(pid int, buf []byte) (comm string, ppid int, _ []byte, err error) {
	b, err := readInto(fs.path(strconv.Itoa(pid), "stat"), buf)
	if err != nil {
		return "", 0, b, err
	}
	comm, ppid, ok := parsePGProcStat(b)
	if !ok {
		return "", 0, b, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "stat"), ErrParse)
	}
	return comm, ppid, b, nil
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
