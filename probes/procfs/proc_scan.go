package procfs

// The process scan reads /proc directly instead of through gopsutil: its
// per-process calls (process.NewProcess, MemoryInfo, Username, Cmdline …)
// cost about 75 µs, 43–56 syscalls and 13 KB of garbage per process, more
// than ten times the kernel's own cost of reading one file per process. On a
// host that is out of memory, with thousands of processes, that is the
// difference between a tool that helps and one that adds to the load. Here
// a known process costs one open/read/close of /proc/<pid>/statm (the
// floor, for RSS); its stat plus an fstat for the owner (ppid, uid, comm,
// state, start time) is read when the pid is new, for the rows on screen,
// and every eighth scan otherwise. Buffers are reused across scans and
// strings cached per process, so a steady scan allocates nothing; the
// costlier files (status, smaps_rollup, cmdline) are read only for the rows
// that need them.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unsafe"

	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// procEntry is what the scanner remembers about a process between scans so
// that a steady scan allocates nothing: its strings are reused as long as
// the bytes read match.
type procEntry struct {
	// Ordered by size, so that the 10,000 entries of a big host carry next
	// to no padding (one byte each).
	start   uint64
	cmdHash uint64
	// ino is the inode number of the /proc/<pid> directory as listed.
	// procfs gives every new process a new inode, so a changed number is a
	// pid reused since the last scan: the cached stat fields (identity,
	// comm, a kernel thread's skip) belong to another process.
	ino       uint64
	pss       *pssReading // nil until smaps_rollup was read
	comm      string
	user      string
	program   string
	cmdline   string // masked
	gen       uint32
	uid       uint32
	fullGen   uint32 // scan in which stat was last read
	ppid      int32
	threads   int32
	cmdlineOK bool
	kthread   bool
	state     byte
}

// pssReading is a process's last smaps_rollup. It sits behind a pointer:
// only the group view and the footprint's top programs read one, so most of
// a host's thousands of entries never have one (40 bytes each otherwise).
type pssReading struct {
	pss, swap uint64
	at        time.Time
}

// ProcScanner scans the process table of one FS. It keeps buffers and
// per-process caches between scans; it is not safe for concurrent use (the
// UI never starts a scan while one is in flight).
type ProcScanner struct {
	fs       FS
	pageSize uint64
	now      func() time.Time
	users    *userCache

	dirfd   int
	dents   []byte
	buf     []byte
	path    []byte
	st      unix.Stat_t
	entries map[int32]procEntry
	peak    int // the most entries held since entries was last rebuilt
	gen     uint32
	top     []int
	pinned  map[int32]bool
}

// NewProcScanner returns a scanner over fs.
func NewProcScanner(fs FS, cfg probes.ProcScannerConfig) *ProcScanner {
	if cfg.PasswdPath == "" {
		cfg.PasswdPath = "/etc/passwd"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ProcScanner{
		fs:       fs,
		pageSize: uint64(os.Getpagesize()),
		now:      cfg.Now,
		users:    newUserCache(cfg.PasswdPath),
		dirfd:    -1,
		dents:    make([]byte, 32<<10),
		buf:      make([]byte, 4096),
		path:     make([]byte, 0, 64),
		entries:  make(map[int32]procEntry),
		pinned:   make(map[int32]bool),
	}
}

// Close releases the directory handle kept open between scans.
func (s *ProcScanner) Close() error {
	if s.dirfd >= 0 {
		err := unix.Close(s.dirfd)
		s.dirfd = -1
		return err
	}
	return nil
}

// errVanished: the process exited between the listing and the read.
var errVanished = errors.New("process vanished")

// Scan lists every user-space process, appending to dst[:0] (pass the
// previous table's slice back to reuse it, or nil). It fails only when the
// proc root cannot be listed; a process that vanishes or denies access is
// counted and skipped.
func (s *ProcScanner) Scan(dst []probes.Proc, opt probes.ScanOptions) (probes.ProcTable, error) {
	t := probes.ProcTable{At: s.now(), Procs: probes.ShrinkSlice(dst, len(s.entries))[:0]}
	if err := s.rewind(); err != nil {
		return t, err
	}
	s.gen++
	if err := s.eachPID(func(pid int32, ino uint64) { s.scanOne(&t, pid, ino, opt) }); err != nil {
		return t, err
	}
	for pid, e := range s.entries {
		if e.gen != s.gen {
			delete(s.entries, pid)
		}
	}
	s.entries, s.peak = probes.ShrinkMap(s.entries, s.peak)
	s.readDetails(&t, opt)
	return t, nil
}

// forget drops the per-process caches, as a new scanner has them.
func (s *ProcScanner) forget() {
	s.entries, s.peak, s.top = make(map[int32]procEntry), 0, nil
}

// rewind opens the proc root, or seeks back to its start for another
// listing.
func (s *ProcScanner) rewind() error {
	if s.dirfd < 0 {
		fd, err := unix.Open(s.fs.ProcRoot(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("process table: open %s: %w", s.fs.ProcRoot(), err)
		}
		s.dirfd = fd
	} else if _, err := unix.Seek(s.dirfd, 0, 0); err != nil {
		return fmt.Errorf("process table: rewind %s: %w", s.fs.ProcRoot(), err)
	}
	return nil
}

// Matching lists the user-space processes whose program (as Scan names it)
// keep accepts. It reads each process's stat, and the command line of an
// interpreter, and keeps nothing of the others: a one-off search (Odoo's
// processes at start-up) that costs neither a whole table nor the
// scanner's memory of every process (at 10,000 processes Scan leaves
// about 4 MB behind). The rows carry what stat and statm give: pid,
// parent, state, threads, start, RSS, VM, comm and program; no owner,
// swap, PSS or command line.
func (s *ProcScanner) Matching(keep func(program string) bool) ([]probes.Proc, error) {
	if err := s.rewind(); err != nil {
		return nil, err
	}
	var out []probes.Proc
	err := s.eachPID(func(pid int32, _ uint64) {
		n, err := s.read(pid, "stat", false)
		if err != nil {
			return
		}
		st, err := probes.ParseProcStat(s.buf[:n])
		if err != nil || st.Flags&pfKthread != 0 {
			return
		}
		comm := termtext.Printable(string(st.Comm))
		prog := s.programOf(pid, comm)
		if !keep(prog) {
			return
		}
		p := probes.Proc{
			PID: pid, PPID: st.PPID, Threads: st.Threads, State: st.State,
			Start: st.StartTime, RSS: st.RSSPages * s.pageSize, VM: st.VSize,
			Comm: comm, Program: prog,
		}
		s.memoryFromStatm(&p)
		out = append(out, p)
	})
	return out, err
}

// refreshEvery: a process already known is read through statm (the floor:
// RSS only) and its stat is re-read one scan in refreshEvery, spread by pid.
// stat costs about 1.35× statm in the kernel, which alone would break the
// 1.3×-the-floor budget; parent, state, threads and comm of rows without
// detail may therefore be up to refreshEvery scans old. New pids, rows with
// detail (the ones on screen) and processes whose statm reads as empty (a
// zombie, an exiting process) always get a fresh stat.
const refreshEvery = 8

// scanOne reads one process and appends it to t.Procs. ino is its
// directory's inode number from the listing.
func (s *ProcScanner) scanOne(t *probes.ProcTable, pid int32, ino uint64, opt probes.ScanOptions) {
	e, known := s.entries[pid]
	if known && e.ino != ino {
		// The pid was reused since the last scan (on a host that forks a
		// lot, pid_max 32768 wraps in minutes): a statm read, or the skip of
		// a kernel thread that held the pid, would hide the new process for
		// up to refreshEvery scans.
		delete(s.entries, pid)
		e, known = procEntry{}, false
	}
	var p probes.Proc
	ok := false
	if known && (uint32(pid)+s.gen)%refreshEvery != 0 {
		if e.kthread {
			// Kernel threads never become user processes; a reused pid is
			// caught by the periodic refresh.
			e.gen = s.gen
			s.entries[pid] = e
			t.KernelThreads++
			return
		}
		p, ok = s.quick(t, pid, &e)
	}
	if !ok {
		if p, ok = s.full(t, pid, &e, known); !ok {
			if e.kthread {
				e.ino = ino
				s.entries[pid] = e
			}
			return
		}
	}
	e.ino = ino
	if opt.AllPSS {
		if e.pss == nil || t.At.Sub(e.pss.at) >= opt.PSSMaxAge {
			if n, err := s.read(pid, "smaps_rollup", false); err == nil {
				if r, err := parseSmapsRollup(s.buf[:n]); err == nil && r.PssOK {
					e.pss = &pssReading{pss: r.Pss, swap: r.Swap, at: t.At}
				}
			} else {
				s.count(t, err)
			}
		}
		if e.pss != nil {
			p.PSS, p.PSSOK = e.pss.pss, true
			if !opt.AllSwap {
				p.Swap, p.SwapOK = e.pss.swap, true
			}
		} else if p.State == 'Z' {
			// A zombie has no memory map left: its smaps_rollup is empty
			// because there is nothing, not because it is unknown.
			p.PSS, p.PSSOK, p.Swap, p.SwapOK = 0, true, 0, true
		}
	}
	if opt.AllSwap {
		s.readSwap(t, &p)
		e.uid, e.user = p.UID, p.User // status may have corrected the owner
	}
	s.entries[pid] = e
	t.Procs = append(t.Procs, p)
}

// quick reads only statm for a known process. ok is false when a full read
// is needed instead (statm all zero: the process became a zombie or is
// exiting).
func (s *ProcScanner) quick(t *probes.ProcTable, pid int32, e *procEntry) (probes.Proc, bool) {
	sz, rss, ok := s.statm(pid)
	if !ok || sz == 0 {
		return probes.Proc{}, false // let the full read count the error
	}
	e.gen = s.gen
	return probes.Proc{
		PID: pid, PPID: e.ppid, UID: e.uid, Threads: e.threads, State: e.state,
		Start: e.start, RSS: rss * s.pageSize, VM: sz * s.pageSize,
		Comm: e.comm, User: e.user, Program: e.program,
	}, true
}

// statm reads pid's statm: its size and resident pages. Every row's RSS
// comes from it, never from stat's field 24: that one is the kernel's
// counter without the per-CPU parts folded in ("inaccurate; see statm",
// proc(5)). On this project's machine (Linux 6.18, 2 CPUs) an idle sleep
// read 1568 kB there and 1804 kB in statm, status and ps; the rows a scan
// reads in full (new ones, the ones on screen) then ranked below equal
// processes read through statm, and the top of the table changed places
// at every refresh.
func (s *ProcScanner) statm(pid int32) (size, resident uint64, ok bool) {
	n, err := s.read(pid, "statm", false)
	if err != nil {
		return 0, 0, false
	}
	sf, rest := procNextField(s.buf[:n])
	rf, _ := procNextField(rest)
	size, ok1 := probes.ParseUint(sf)
	resident, ok2 := probes.ParseUint(rf)
	return size, resident, ok1 && ok2
}

// memoryFromStatm replaces the RSS and VM a row took from stat with
// statm's. They stay as stat gave them when statm cannot be read or reads
// as empty (a zombie, an exiting process).
func (s *ProcScanner) memoryFromStatm(p *probes.Proc) {
	if sz, rss, ok := s.statm(p.PID); ok && sz > 0 {
		p.RSS, p.VM = rss*s.pageSize, sz*s.pageSize
	}
}

// full reads stat and the owner (an fstat of the same descriptor) and
// refreshes the entry.
func (s *ProcScanner) full(t *probes.ProcTable, pid int32, e *procEntry, known bool) (probes.Proc, bool) {
	n, err := s.read(pid, "stat", true)
	if err != nil {
		s.count(t, err)
		return probes.Proc{}, false
	}
	st, err := probes.ParseProcStat(s.buf[:n])
	if err != nil {
		return probes.Proc{}, false // a garbled stat: leave the process out rather than guess
	}
	uid := s.st.Uid
	if known && e.start != st.StartTime {
		known = false // the pid was reused since the last scan: a new process
	}
	if !known {
		*e = procEntry{start: st.StartTime, ino: e.ino}
	}
	e.gen = s.gen
	// The flag alone: inside a pid namespace (a container) pid 2 and its
	// children are ordinary processes, never kernel threads.
	if st.Flags&pfKthread != 0 {
		e.kthread = true
		s.entries[pid] = *e
		t.KernelThreads++
		return probes.Proc{}, false
	}
	// A comm may hold any byte but NUL (prctl PR_SET_NAME): it is drawn
	// as Printable. The comparison allocates nothing for clean names; a
	// dirty one is re-cleaned each scan, which is rare enough.
	if e.comm == "" || string(st.Comm) != e.comm {
		e.comm = termtext.Printable(string(st.Comm))
		e.program = ""
	}
	if !known || e.user == "" || e.uid != uid {
		e.uid = uid
		e.user = s.users.name(uid, t.At)
	}
	if e.program == "" {
		e.program = s.programOf(pid, e.comm)
	}
	e.ppid, e.state, e.threads, e.fullGen = st.PPID, st.State, st.Threads, s.gen
	p := probes.Proc{
		PID: pid, PPID: st.PPID, UID: e.uid, Threads: st.Threads, State: st.State,
		Start: st.StartTime, RSS: st.RSSPages * s.pageSize, VM: st.VSize,
		Comm: e.comm, User: e.user, Program: e.program,
	}
	s.memoryFromStatm(&p) // st points into s.buf: done with it first
	return p, true
}

// count files a read error under the table's counters.
func (s *ProcScanner) count(t *probes.ProcTable, err error) {
	switch {
	case errors.Is(err, errVanished):
		t.Vanished++
	default:
		t.Denied++
	}
}

// readSwap fills VmSwap from status.
func (s *ProcScanner) readSwap(t *probes.ProcTable, p *probes.Proc) {
	n, err := s.read(p.PID, "status", false)
	if err != nil {
		s.count(t, err)
		return
	}
	st, err := parseProcStatus(s.buf[:n])
	if err != nil {
		return
	}
	if st.UIDOK && st.EUID != p.UID {
		// A setuid since the owner was last read: correct the row now.
		p.UID, p.User = st.EUID, s.users.name(st.EUID, t.At)
		if e, ok := s.entries[p.PID]; ok && e.start == p.Start {
			e.uid, e.user = p.UID, p.User
			s.entries[p.PID] = e
		}
	}
	if st.VmSwapOK {
		p.Swap, p.SwapOK = st.VmSwap, true
	} else if p.State == 'Z' {
		p.Swap, p.SwapOK = 0, true // a zombie has no memory left at all
	}
}

// readDetails reads swap and the command line for the top rows by RSS and
// the pinned pids.
func (s *ProcScanner) readDetails(t *probes.ProcTable, opt probes.ScanOptions) {
	if opt.DetailTop <= 0 && len(opt.Pinned) == 0 {
		return
	}
	clear(s.pinned)
	for _, pid := range opt.Pinned {
		s.pinned[pid] = true
	}
	s.top = probes.TopKIndexes(t.Procs, opt.DetailTop, s.top, func(a, b *probes.Proc) bool { return a.RSS > b.RSS })
	for _, i := range s.top {
		s.detailOne(t, &t.Procs[i], opt)
		delete(s.pinned, t.Procs[i].PID)
	}
	if len(s.pinned) > 0 {
		for i := range t.Procs {
			if s.pinned[t.Procs[i].PID] {
				s.detailOne(t, &t.Procs[i], opt)
			}
		}
	}
}

func (s *ProcScanner) detailOne(t *probes.ProcTable, p *probes.Proc, opt probes.ScanOptions) {
	e, ok := s.entries[p.PID]
	if !ok {
		return
	}
	// A row on screen gets a fresh stat every scan: state, parent, comm,
	// and a pid reused since the last full read. Its status is read after
	// it, so the uid status reports wins over the owner of the stat file
	// (root for a non-dumpable process).
	if e.fullGen != s.gen {
		q, ok := s.full(t, p.PID, &e, true)
		if !ok {
			return // exited meanwhile: keep the row as read
		}
		if q.Start == p.Start {
			q.PSS, q.PSSOK = p.PSS, p.PSSOK
		}
		*p = q
		s.entries[p.PID] = e
		s.readSwap(t, p)
	} else if !opt.AllSwap || !p.SwapOK {
		s.readSwap(t, p)
	}
	e = s.entries[p.PID]
	n, err := s.readAll(p.PID, "cmdline")
	if err != nil {
		s.count(t, err)
		return
	}
	h := fnv.New64a()
	h.Write(s.buf[:n])
	sum := h.Sum64()
	if !e.cmdlineOK || sum != e.cmdHash {
		// The raw line is hashed, never kept: only the masked form is stored.
		e.cmdline, e.cmdHash, e.cmdlineOK = maskedCmdline(s.buf[:n]), sum, true
		s.entries[p.PID] = e
	}
	p.Cmdline, p.CmdlineOK = e.cmdline, true
}

// programOf names the program a process runs for grouping: its comm, or for
// an interpreter the script it runs (read once per process from cmdline).
func (s *ProcScanner) programOf(pid int32, comm string) string {
	if !isInterpreter(comm) {
		return comm
	}
	n, err := s.readAll(pid, "cmdline")
	if err != nil {
		return comm
	}
	if name := scriptName(parseCmdline(s.buf[:n])); name != "" && name != "." && name != "/" {
		return name
	}
	return comm
}

// read opens <proc>/<pid>/<name>, reads it with one read into s.buf and
// closes it; withOwner also fstats it into s.st. The path is built in a
// reused buffer and passed to openat(2) directly because the unix.Openat
// wrapper copies the string to a new NUL-terminated slice on every call.
func (s *ProcScanner) read(pid int32, name string, withOwner bool) (int, error) {
	s.path = strconv.AppendInt(s.path[:0], int64(pid), 10)
	s.path = append(s.path, '/')
	s.path = append(s.path, name...)
	s.path = append(s.path, 0)
	r, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(s.dirfd), uintptr(unsafe.Pointer(&s.path[0])),
		unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		return 0, procClassify(errno)
	}
	fd := int(r)
	defer unix.Close(fd)
	if withOwner {
		if err := unix.Fstat(fd, &s.st); err != nil {
			return 0, procClassify(err)
		}
	}
	for {
		// A /proc seq file hands over everything in one read when the
		// buffer is big enough; only a full buffer needs another round.
		n, err := unix.Read(fd, s.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, procClassify(err)
		}
		if n < len(s.buf) || len(s.buf) >= probes.MaxProcFile {
			return n, nil
		}
		s.buf = make([]byte, 2*len(s.buf))
		if _, err := unix.Seek(fd, 0, 0); err != nil {
			return 0, procClassify(err)
		}
	}
}

// readAll is read for files that are not seq files and may come in pieces
// (cmdline of a process whose argv spans pages is still one read, but a
// fixture on a regular filesystem is read the same way).
func (s *ProcScanner) readAll(pid int32, name string) (int, error) { return s.read(pid, name, false) }

// procClassify maps an errno to errVanished (the process is gone: ENOENT, ESRCH)
// or keeps it (EACCES, EPERM …).
func procClassify(err error) error {
	switch err {
	case unix.ENOENT, unix.ESRCH:
		return errVanished
	}
	return err
}

// procPath is the path of a file of pid under the FS root (for the rare,
// non-hot reads that go through os).
func (fs FS) procPath(pid int32, name ...string) string {
	return filepath.Join(append([]string{fs.proc, strconv.Itoa(int(pid))}, name...)...)
}
