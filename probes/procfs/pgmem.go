package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/memtui/memtui/probes"
)

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
		return pgStatm{}, b, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "statm"), probes.ErrParse)
	}
	return s, b, nil
}

// parsePGProcStat returns comm and ppid from the text of /proc/<pid>/stat:
// "pid (comm) state ppid …", through the one stat parser, read only as far
// as the ppid. Pure.
func parsePGProcStat(b []byte) (comm string, ppid int, ok bool) {
	st, err := probes.ParseProcStatTo(b, 4)
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
		return "", 0, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "stat"), probes.ErrParse)
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
		n, ok := probes.ParseUint([]byte(e.Name()))
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
		if n, ok := probes.ParseUint(f); ok && n <= 1<<31 {
			out = append(out, int(n))
		}
	}
	return out
}

// PGProcMemory reads the statm of the postmaster pmPID and of each of its
// children. buf is a reusable read buffer (returned grown). The pg probe
// runs this while its query is in flight (it needs no result from it), so
// the ~7 µs per process of /proc reads overlap the network round trip.
func (fs FS) PGProcMemory(pmPID int, buf []byte) (probes.PGProcMem, []byte) {
	m := probes.PGMemory{Known: true, PostmasterPID: pmPID}
	pm, buf, err := fs.readPGStatm(pmPID, buf)
	if err != nil {
		return probes.PGProcMem{Memory: probes.PGMemory{Reason: fmt.Sprintf("cannot read the postmaster's memory (pid %d): %v", pmPID, err)}}, buf
	}
	kids, buf, err := fs.pgChildrenOf(pmPID, buf)
	if err != nil {
		return probes.PGProcMem{Memory: probes.PGMemory{Reason: fmt.Sprintf("cannot list the postmaster's children (pid %d): %v", pmPID, err)}}, buf
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
	return probes.PGProcMem{Memory: m, RSS: rss}, buf
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
		return "", 0, b, fmt.Errorf("%s: %w", fs.path(strconv.Itoa(pid), "stat"), probes.ErrParse)
	}
	return comm, ppid, b, nil
}
