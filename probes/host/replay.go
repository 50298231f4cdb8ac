package host

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/procfs"
)

// WhyPGReplay is why a replay reads no PostgreSQL: the one the libpq
// environment names is the live host's, not the captured one's.
const WhyPGReplay = "PostgreSQL is not read in a replay: the environment names the live host's server. Give --pg DSN to watch one anyway"

// KernelLogFiles are the names a captured tree may keep its kernel log
// under, beside proc/ (tried in this order): the output of dmesg in any
// form `memtui oom --file` reads, or records read from /dev/kmsg.
var KernelLogFiles = []string{"dmesg", "kmsg"}

// Replay is a captured proc/sys tree: a moment of another machine (or of
// this one, earlier). Everything is read from the tree — its kernel log,
// its passwd, its hostname — and nothing from the live host; actions are
// refused, and PostgreSQL is read only when --pg names one.
type Replay struct {
	fs   procfs.FS
	tree string // the directory holding proc/ (and maybe sys/, etc/, dmesg)
	opts Options
	closers

	once   sync.Once
	name   string
	bootID string
}

// NewReplay returns the replay of the tree o.Proc (and o.Sys) point at.
// With --proc alone, /sys would be the live host's: the tree's own sys/
// is read instead, and when it has none the cgroup figures are unknown.
func NewReplay(o Options) *Replay {
	proc := o.Proc
	if proc == "" {
		proc = "/proc"
	}
	tree := filepath.Dir(filepath.Clean(proc))
	sys := o.Sys
	if isDefault(sys, "/sys") {
		sys = filepath.Join(tree, "sys")
	}
	return &Replay{fs: procfs.NewFS(proc, sys), tree: tree, opts: o}
}

func (h *Replay) ids() {
	h.once.Do(func() {
		// <proc>/sys/kernel/hostname is the captured machine's name (a
		// capture writes it); hand-copied trees often lack it, and then
		// the tree's directory name is the best name there is.
		if b, err := os.ReadFile(filepath.Join(h.fs.ProcRoot(), "sys", "kernel", "hostname")); err == nil {
			h.name = strings.TrimSpace(string(b))
		}
		if h.name == "" {
			h.name = filepath.Base(h.tree)
		}
		if h.name == "" || h.name == "." || h.name == string(filepath.Separator) {
			h.name = "replay"
		}
		h.bootID = readBootID(h.fs)
	})
}

// Name is the captured machine's hostname, else the tree's directory name.
func (h *Replay) Name() string { h.ids(); return h.name }

// BootID is the captured boot's id, "" when the tree has none.
func (h *Replay) BootID() string { h.ids(); return h.bootID }

// Kind is KindReplay.
func (h *Replay) Kind() Kind { return KindReplay }

// CanAct always refuses: the runbook's commands would run on the live
// machine, not on the one captured.
func (h *Replay) CanAct() error { return &ReadOnlyError{Why: WhyReplay} }

// Tree is the directory the replay reads (proc/ is in it).
func (h *Replay) Tree() string { return h.tree }

// Facts are the tree's: kernel, boot time, CPUs from its stat; the
// distribution only when the tree carries etc/os-release.
func (h *Replay) Facts(ctx context.Context) Facts {
	ph := procfs.ReadHost(ctx, h.fs)
	f := Facts{Name: h.Name(), BootID: h.BootID(), Kernel: ph.Kernel, Arch: ph.Arch,
		Virtualization: ph.Virtualization, BootTime: ph.BootTime, CPUs: h.cpus()}
	// Without the tree's os-release gopsutil reads the live /etc.
	if _, err := os.Stat(filepath.Join(h.tree, "etc", "os-release")); err == nil {
		f.Platform = ph.Platform
	}
	return f
}

// cpus counts the "cpuN" lines of the tree's stat (0 when unknown).
func (h *Replay) cpus() int {
	b, err := os.ReadFile(filepath.Join(h.fs.ProcRoot(), "stat"))
	if err != nil {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Bytes()
		if len(l) > 3 && bytes.HasPrefix(l, []byte("cpu")) && l[3] >= '0' && l[3] <= '9' {
			n++
		}
	}
	return n
}

// Memory opens a memory probe over the tree.
func (h *Replay) Memory() MemorySource {
	p := procfs.NewMemProbe(h.fs, nil)
	h.add(p)
	return p
}

// passwd is the tree's etc/passwd. When it has none the path still points
// into the tree: users then show as uids, never as the live host's names
// for the same numbers.
func (h *Replay) passwd() string { return filepath.Join(h.tree, "etc", "passwd") }

// Processes opens the process monitor over the tree.
func (h *Replay) Processes(growth probes.GrowthConfig) ProcSource {
	m := procfs.NewProcMonitor(h.fs, probes.ProcScannerConfig{PasswdPath: h.passwd()}, growth)
	h.add(m)
	return m
}

// TopProcesses reads the tree's largest processes.
func (h *Replay) TopProcesses(ctx context.Context, n int, interval time.Duration, memTotal uint64) ([]probes.SnapshotProc, error) {
	return procfs.SnapshotProcesses(ctx, h.fs, probes.ProcScannerConfig{PasswdPath: h.passwd()}, n, interval, memTotal)
}

// KernelLog is the tree's saved kernel log, "" when it carries none.
func (h *Replay) KernelLog() string {
	for _, n := range KernelLogFiles {
		p := filepath.Join(h.tree, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// OOM reads the kills of the tree's saved kernel log, dated by the tree's
// boot time; never the live kernel log, whose kills are another machine's
// (or another moment's). A saved log is finished: follow changes nothing.
func (h *Replay) OOM(ctx context.Context, follow bool) OOMSource {
	s := &staticOOM{}
	s.count, s.countErr = h.fs.OOMCount()
	path := h.KernelLog()
	if path == "" {
		// No source rather than an empty one: with the tree's oom_kill
		// counter above 0 the panel then says the log naming the kills is
		// missing, not that the ring buffer moved on.
		s.status = probes.OOMSourceStatus{Attempts: []probes.OOMAttempt{{Source: probes.OOMSourceFile, What: h.tree,
			Err: fmt.Errorf("no kernel log in this capture: save one as %s", filepath.Join(h.tree, KernelLogFiles[0]))}}}
		return s
	}
	attempt := probes.OOMAttempt{Source: probes.OOMSourceFile, What: path}
	loc := h.opts.Location
	if loc == nil {
		loc = time.Local
	}
	opts, _ := h.fs.OOMParseOptions(loc)
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		// Syslog stamps have no year: date them from when the log was saved.
		if st, serr := f.Stat(); serr == nil {
			opts.Now = st.ModTime()
		}
		var l probes.OOMLog
		if l, err = probes.ParseOOM(f, opts); err == nil {
			s.kills = l.Kills
			s.status = probes.OOMSourceStatus{Source: probes.OOMSourceFile, What: "saved in the capture: " + path,
				Attempts: []probes.OOMAttempt{attempt}, UnitKills: len(l.UnitKills)}
			return s
		}
	}
	// os errors name the path already.
	attempt.Err = fmt.Errorf("saved kernel log: %w", err)
	s.status = probes.OOMSourceStatus{Attempts: []probes.OOMAttempt{attempt}}
	return s
}

// Postgres is read only when --pg names a server: the libpq environment
// describes the live host's.
func (h *Replay) Postgres() (PGSource, string) {
	if strings.TrimSpace(h.opts.PG) == "" {
		return nil, WhyPGReplay
	}
	return openPG(h.opts.PG, h.opts.PGEnv, h.fs, &h.closers)
}
