// Package host is the seam between what memtui looks at and the commands
// and screens that look: a Host hands out the sources (memory, processes,
// OOM kills, PostgreSQL), says what machine it is, and says whether actions
// may run there. The local machine is one host; a captured proc/sys tree is
// another (a replay, read-only); a recording (Recording, read-only) is a
// third, and a Prometheus-backed host will be more, behind the same
// interface and the same contract test (hosttest.Run).
//
// The package may import probes and its sub-packages, never ui, actions or
// incident: the ui receives a host's sources through ui.Deps, and the
// actions runner asks CanAct, so neither needs to know which kind of host
// it is given.
package host

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/memtui/memtui/probes"
)

// Kind says what a host is, which decides what memtui may do with it.
type Kind string

const (
	// KindLive is the machine memtui runs on, read as it is now.
	KindLive Kind = "live"
	// KindReplay is a captured proc/sys tree (--proc/--sys elsewhere than
	// /proc and /sys) or a recording: another machine or moment, never
	// acted on.
	KindReplay Kind = "replay"
	// KindPrometheus is another host read through Prometheus's exporters
	// (probes/prom): never acted on. It is named here, with the others, so
	// that telling the kinds apart does not link the Prometheus source.
	KindPrometheus Kind = "prometheus"
)

// ErrReadOnly is wrapped by every CanAct refusal, so callers can tell "may
// not act here" from other errors while still showing the host's reason.
var ErrReadOnly = errors.New("read-only")

// ReadOnlyError is CanAct's refusal: Why is the sentence people see.
type ReadOnlyError struct{ Why string }

// Error is the reason, as the palette and the runner show it.
func (e *ReadOnlyError) Error() string { return e.Why }

// Is makes errors.Is(err, ErrReadOnly) true.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// The reasons a host refuses actions, as the palette and the runner say them.
const (
	WhyReadOnlyFlag = "read-only: started with --read-only, so no action runs"
	WhyReplay       = "replaying a captured tree: actions run only on a live host"
)

// MemorySource takes one memory reading (a *probes.MemProbe).
type MemorySource interface {
	Read() probes.Memory
}

// ProcSource is the process table and one process's detail (a
// *probes.ProcMonitor).
type ProcSource interface {
	Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error)
	Detail(k probes.ProcKey, table *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error)
}

// OOMSource holds the OOM kills found and, when following, waits for new
// ones (a *probes.OOMFollower, or a saved log for a replay).
type OOMSource interface {
	Kills() []probes.OOMKill                            // found so far, oldest first
	Status() probes.OOMSourceStatus                     // where they come from, or why nothing is read
	StartCount() probes.Val                             // oom_kill counter when the source opened
	Next(ctx context.Context) ([]probes.OOMKill, error) // waits for new kills
}

// PGSource reads PostgreSQL once (a *pgprobe.Probe).
type PGSource interface {
	Read(ctx context.Context) probes.PGReading
}

// Facts are what the bars, the snapshot and the incident say about the
// machine. Missing facts stay empty (zero time, 0 CPUs).
type Facts struct {
	Name           string
	BootID         string // <proc>/sys/kernel/random/boot_id; "" when unknown
	Kernel         string
	Platform       string
	Arch           string
	Virtualization string
	CPUs           int
	BootTime       time.Time
}

// Host is a machine memtui looks at. Sources are opened on demand; Close
// releases every one the host handed out.
type Host interface {
	// Name is the machine's name, never empty: incidents are named after it.
	Name() string
	// BootID tells one boot of the machine from the next ("" when unknown),
	// so facts such as an OOM kill are identified across processes.
	BootID() string
	// Kind says what this host is.
	Kind() Kind
	// CanAct is nil when the runbook's actions may run on this host, else
	// a *ReadOnlyError (errors.Is ErrReadOnly) whose text says why. Screens
	// and the runner ask this instead of checking flags.
	CanAct() error
	// Facts reads the machine's facts (once, at start: it may take a while).
	Facts(ctx context.Context) Facts

	// Memory opens a memory reader of the caller's own (readers keep
	// buffers and are not shared between goroutines).
	Memory() MemorySource
	// Processes opens the process table with growth tracking.
	Processes(growth probes.GrowthConfig) ProcSource
	// TopProcesses reads the n largest processes by RSS, largest first;
	// with interval > 0 twice, so each carries its growth.
	TopProcesses(ctx context.Context, n int, interval time.Duration, memTotal uint64) ([]probes.SnapshotProc, error)
	// OOM opens the OOM kills: with follow, new kills arrive through Next
	// for as long as the host lives. It never fails: Status says why
	// nothing could be read.
	OOM(ctx context.Context, follow bool) OOMSource
	// Postgres opens the PostgreSQL source; nil and the reason when this
	// host's PostgreSQL is not read (--pg none, a replay without --pg).
	Postgres() (PGSource, string)

	// Close releases every source the host opened.
	Close() error
}

// Options say which host to open and how; main.go fills them from the
// flags and the environment (this package reads neither).
type Options struct {
	Proc, Sys string // --proc, --sys ("" means /proc, /sys)
	ReadOnly  bool   // --read-only
	// PG is --pg as given: "" means the libpq environment in PGEnv (a
	// replay then reads no PostgreSQL), "none" turns it off.
	PG    string
	PGEnv map[string]string
	// Location is the zone of kernel log stamps that carry none.
	Location *time.Location
}

// IsReplay says whether the roots point at a captured tree rather than the
// machine's own /proc and /sys.
func (o Options) IsReplay() bool {
	return !isDefault(o.Proc, "/proc") || !isDefault(o.Sys, "/sys")
}

func isDefault(p, def string) bool { return p == "" || filepath.Clean(p) == def }

// Open returns the host the options name: the local machine, or a replay
// of the tree --proc/--sys point at.
func Open(o Options) Host {
	if o.IsReplay() {
		return NewReplay(o)
	}
	return NewLocal(o)
}

// OOMSection is the snapshot's oom section from a source opened without
// following: the counter, the status line and the last n kills.
func OOMSection(src OOMSource, n int) probes.OOMSection {
	var s probes.OOMSection
	var errs []string
	st := src.Status()
	if err := st.Err(); err != nil {
		errs = append(errs, err.Error())
	}
	if c := src.StartCount(); c.OK {
		v := c.V
		s.KillsSinceBoot = &v
	} else if ce, ok := src.(interface{ CountErr() error }); ok && ce.CountErr() != nil {
		errs = append(errs, "oom_kill counter: "+ce.CountErr().Error())
	} else {
		errs = append(errs, "oom_kill counter: unknown")
	}
	s.Source = st.String()
	for i, e := range errs {
		if i > 0 {
			s.Error += "; "
		}
		s.Error += e
	}
	kills := src.Kills()
	if n > 0 && len(kills) > n {
		kills = kills[len(kills)-n:]
	}
	s.Recent = append(make([]probes.OOMKill, 0, len(kills)), kills...)
	return s
}
