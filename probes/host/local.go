package host

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/pgprobe"
	"github.com/memtui/memtui/probes/procfs"
)

// Local is the machine memtui runs on: today's probes over /proc and /sys,
// its kernel log, its PostgreSQL; actions allowed unless --read-only.
type Local struct {
	fs   procfs.FS
	opts Options
	closers

	once   sync.Once
	name   string
	bootID string

	// The facts are read once (a dozen small files): the dashboard, its
	// recording and the incident all ask.
	factsMu sync.Mutex
	facts   *Facts
}

// NewLocal returns the local host.
func NewLocal(o Options) *Local {
	return &Local{fs: procfs.NewFS(o.Proc, o.Sys), opts: o}
}

func (h *Local) ids() {
	h.once.Do(func() {
		h.name, _ = os.Hostname()
		if h.name == "" {
			h.name = "localhost" // the contract: a name is never empty
		}
		h.bootID = readBootID(h.fs)
	})
}

// Name is the hostname.
func (h *Local) Name() string { h.ids(); return h.name }

// BootID is this boot's id from /proc/sys/kernel/random/boot_id.
func (h *Local) BootID() string { h.ids(); return h.bootID }

// Kind is KindLive.
func (h *Local) Kind() Kind { return KindLive }

// CanAct refuses only under --read-only.
func (h *Local) CanAct() error {
	if h.opts.ReadOnly {
		return &ReadOnlyError{Why: WhyReadOnlyFlag}
	}
	return nil
}

// Facts reads the machine's facts (procfs.ReadHost), once: a later call
// returns the first reading.
func (h *Local) Facts(ctx context.Context) Facts {
	h.factsMu.Lock()
	defer h.factsMu.Unlock()
	if h.facts == nil {
		ph := procfs.ReadHost(ctx, h.fs)
		h.facts = &Facts{Name: h.Name(), BootID: h.BootID(), Kernel: ph.Kernel, Platform: ph.Platform, Arch: ph.Arch,
			Virtualization: ph.Virtualization, CPUs: runtime.NumCPU(), BootTime: ph.BootTime}
	}
	return *h.facts
}

// Memory opens a memory probe of the caller's own.
func (h *Local) Memory() MemorySource {
	p := procfs.NewMemProbe(h.fs, nil)
	h.add(p)
	return p
}

// Processes opens the process monitor; user names from /etc/passwd.
func (h *Local) Processes(growth probes.GrowthConfig) ProcSource {
	m := procfs.NewProcMonitor(h.fs, probes.ProcScannerConfig{}, growth)
	h.add(m)
	return m
}

// TopProcesses reads the largest processes for the snapshot.
func (h *Local) TopProcesses(ctx context.Context, n int, interval time.Duration, memTotal uint64) ([]probes.SnapshotProc, error) {
	return procfs.SnapshotProcesses(ctx, h.fs, probes.ProcScannerConfig{}, n, interval, memTotal)
}

// OOM reads the live kernel log (/dev/kmsg, dmesg, journalctl) and, with
// follow, keeps following it.
func (h *Local) OOM(ctx context.Context, follow bool) OOMSource {
	cfg := probes.OOMConfig{Location: h.opts.Location}
	if follow {
		f := h.fs.FollowOOM(ctx, cfg)
		h.add(f)
		return f
	}
	// A snapshot must end: each source gets a short leash.
	cfg.Timeout = 3 * time.Second
	kills, st := h.fs.ReadOOM(ctx, cfg)
	count, err := h.fs.OOMCount()
	return &staticOOM{kills: kills, status: st, count: count, countErr: err}
}

// Postgres opens the server --pg or the libpq environment names.
func (h *Local) Postgres() (PGSource, string) {
	return openPG(h.opts.PG, h.opts.PGEnv, h.fs, &h.closers)
}

// openPG resolves the target and opens a probe of it; a target that cannot
// be read is a source that says why at every reading.
func openPG(dsn string, env map[string]string, fs procfs.FS, c *closers) (PGSource, string) {
	t, err := pgprobe.ResolvePGTargetWith(dsn, env, pgprobe.ReadService)
	switch {
	case err != nil:
		return pgConfigError{err: err}, ""
	case t.Disabled:
		return nil, WhyPGOff
	}
	p := pgprobe.New(t, fs, pgprobe.Options{})
	c.add(p)
	return p, ""
}
