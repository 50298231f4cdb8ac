package ui

import (
	"context"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes"
)

// MemorySource takes one memory reading. Satisfied by *probes.MemProbe.
type MemorySource interface {
	Read() probes.Memory
}

// HostInfo are facts about the machine read once at start by main.go.
type HostInfo struct {
	Name     string
	Kernel   string
	Platform string // distribution and version, e.g. "debian 12.5"
	CPUs     int
	BootTime time.Time // zero when unknown
	// Kind is what the host is ("live", "replay", …; "" means live): any
	// other kind than live is named in a banner at the top, so nobody
	// takes a replay for the machine they are on.
	Kind string
}

// Deps is everything the ui needs from the outside world: all I/O comes in
// through these interfaces, built by main.go, so the ui never opens a file,
// runs a program or talks to Postgres itself, and tests hand in fakes.
type Deps struct {
	Now    func() time.Time // the clock; tests pass a fixed one
	Host   HostInfo
	Memory MemorySource
	// MemHistory is memory before the first reading, oldest first (a
	// Prometheus host's last hour): the chart and trend start with it.
	MemHistory []probes.MemPoint
	Interval   time.Duration // refresh interval of the fast sources
	Thresholds probes.Thresholds
	ReadOnly   bool
	Styles     Styles
	Location   *time.Location // for clock labels; tests pin UTC

	// Replay is the time cursor of `memtui replay` (nil on a live host):
	// its keys move the moment every source reads at (replay.go).
	Replay ReplayCursor

	// ReadOnlyWhy is what the palette and the acting keys say when
	// ReadOnly stops them ("" means --read-only): the host's reason.
	ReadOnlyWhy string
	// WarRoom starts in the presentation view (--war-room), privacy on.
	WarRoom bool

	// The process panel (panel_procs.go).
	Procs ProcSource // the process table; nil leaves the panel empty
	// Odoo is the odoo.conf the running Odoo uses (nil: no Odoo, or not
	// read): its workers are marked against the memory limits.
	Odoo *probes.OdooConfig

	// The PostgreSQL panel (panel_pg.go).

	// PG reads PostgreSQL (a *pgprobe.Probe); nil when --pg none, or
	// when the host reads none (PGOffWhy then says why).
	PG       PGSource
	PGOffWhy string
	// PGInterval is the PostgreSQL panel's refresh (default: Interval, at
	// least 1 s); PGTimeout bounds one reading (default 5 s) so a hung
	// server never holds the panel.
	PGInterval time.Duration
	PGTimeout  time.Duration

	// The OOM panel (panel_oom.go).
	OOM OOMSource // nil: the panel says the kernel log is not read

	// The timeline panel (panel_timeline.go).

	// Incident is the headless incident session (an *incident.Session
	// over the host's journal, an incident/store.Journal main.go builds): it detects, records and follows what other
	// memtui processes on this host record. nil: a session without a
	// timeline (detection only); the panel says nothing is recorded.
	Incident IncidentSession
	// Author names the person at the keyboard on notes and report fields.
	Author string

	// The action palette (palette.go).

	// Actions is the runbook and its runner (nil: the palette says none is
	// loaded). main.go passes a run.Service (actions/run). Its runs are recorded by
	// Incident, told from the run's Cmds as an incident.ActionObserver.
	Actions ActionService

	// LeaveTo names where q goes when the dashboard is a drill-in (the
	// fleet: "the fleet"); "" means q quits memtui.
	LeaveTo string

	// Signals delivers the signals main.go catches (SIGHUP, SIGTERM,
	// SIGINT) so the ui can end the way quit.go's rule says; nil: none.
	Signals <-chan Signal
}

// readOnlyReason is why no action runs, in the words people see.
func (d Deps) readOnlyReason() string {
	if d.ReadOnlyWhy != "" {
		return d.ReadOnlyWhy
	}
	return readOnlyWhy
}

// withDefaults fills what a caller left empty.
func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Interval <= 0 {
		d.Interval = time.Second
	}
	if d.Thresholds == (probes.Thresholds{}) {
		d.Thresholds = probes.DefaultThresholds()
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	if d.Styles.styleSet == nil {
		d.Styles = NewStyles(nil, DarkTheme())
	}
	if d.Incident == nil {
		// Detection and criteria still run for the bars. incident is
		// pure and a session without a timeline records nothing, so the
		// ui builds no I/O of its own here.
		th := d.Thresholds
		d.Incident = incident.NewSession(incident.SessionConfig{Now: d.Now, Detector: incident.Config{
			Host:   incident.HostFacts{Host: d.Host.Name, Kernel: d.Host.Kernel, CPUs: d.Host.CPUs},
			Levels: incident.Levels{Warning: th.Warning, High: th.High, Critical: th.Critical}}})
	}
	return d
}

// IncidentSession is the incident session as the ui uses it (an
// *incident.Session). Every method but Sync and Export only touches
// memory, so update may call them; Sync and Export do I/O and run in Cmds
// under a timeout.
type IncidentSession interface {
	incident.ActionObserver
	SetHost(incident.HostFacts)
	Observe(incident.Reading)
	Kills([]incident.OOMKill)
	KillsBeforeStart(at time.Time, kills []incident.OOMKill)
	PG(used, max int, known bool)
	Footprint(bytes *uint64, at time.Time)
	ScanRestarts(rs []incident.ServiceRestart) // every scan lists the last hour's; each counts once
	Add(evs ...incident.Event)
	End(at time.Time, reason string) bool
	Settled() bool
	State() incident.SessionState
	Sync(ctx context.Context)
	Export(ctx context.Context) (string, error)
}
