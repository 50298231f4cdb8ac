//go:build !memtui_watch

// The dashboard: the full-screen program and what it is built from.

package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/procfs"
	"github.com/memtui/memtui/termdiff"
	"github.com/memtui/memtui/ui"
)

// runDashboard builds the dependencies and runs the full-screen program.
func runDashboard(o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	smallHeap()
	h := o.openHost()
	defer h.Close() // ends memtui's PostgreSQL session cleanly (no "unexpected EOF" in the server log)
	_, err := dashboardOn(o, h, dashboardExtras{})
	return err
}

// smallHeap: memtui runs on a host short of memory, so it collects garbage
// early (GOGC 50) unless the user set GOGC/GOMEMLIMIT themselves. The
// memory limit is a ceiling well above the live heap, not a squeeze: at
// 24 MiB the live heap of a 10,000-process table left so little room that
// the collector ran nearly all the time (280 ms/s of CPU against 66 ms/s at
// 32 MiB, 6 MiB more RSS), and any growth tipped it over.
func smallHeap() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(48 << 20)
	}
}

// dashboardExtras are what a caller other than `memtui` itself adds to the
// dashboard: the fleet opens a Prometheus host's with its last hour of
// memory, and q goes back to the fleet.
type dashboardExtras struct {
	memHistory []probes.MemPoint
	leaveTo    string // "" : q quits memtui
}

// dashboardOn runs the dashboard on h until it is left. signalled is true
// when a signal (SIGHUP, SIGTERM, SIGINT) ended it, so a caller that would
// show another screen ends instead.
func dashboardOn(o *options, h host.Host, x dashboardExtras) (signalled bool, err error) {
	styles := terminalStyles(o)
	// A recording of the live host, for `memtui replay` after the incident,
	// fed the process panel's own scans (procTap).
	procs := newProcTap(h.Processes(probes.GrowthConfig{}), 5*time.Second, 50)
	defer startRecording(o, h, procs.out)()
	// The runbook and its runner: a bad runbook is a start-up error.
	actionSvc, aerr := newActionService(o, h, os.Getenv("SUDO_USER"))
	if aerr != nil {
		return false, aerr
	}
	// Not the OOM killer's first pick on the host it is rescuing; as root
	// only (the error without root is expected and changes nothing), and
	// the actions get the old score back so they are not shielded too.
	if before, now, err := run.ProtectSelf(run.DashboardOOMScoreAdj); err == nil && now != before && actionSvc.Runner != nil {
		actionSvc.Runner.ChildOOMScoreAdj = &before
	}
	pg, pgOff := h.Postgres()
	actErr := h.CanAct() // the screen asks the host, not the flags
	facts := readFacts(h)
	info := hostInfo(h, facts)
	if h.Kind() == host.KindLive {
		// Runs that ended while no memtui was there (it was killed)
		// reach their timelines before the session loads them.
		_, _ = recordOrphans(o, info.Name)
	}
	sess, closeSession := newIncidentSession(o, h, detectorFacts(facts), probes.DefaultThresholds())
	defer closeSession()
	if actionSvc.Runner != nil && actErr == nil {
		actionSvc.Runner.Keeper = newKeeper(o, sess)
	}
	// Odoo is looked for once: its log is followed, its limits go to its
	// workers' rows (a replay's odoo.conf is not in the capture).
	var odoo *procfs.OdooReading
	if h.Kind() == host.KindLive {
		odoo = readOdoo(o)
		octx, ostop := context.WithCancel(context.Background())
		defer ostop()
		followOdooLog(octx, odoo, sess)
	}
	d := ui.Deps{
		Now:        time.Now,
		Host:       info,
		Memory:     h.Memory(),
		Interval:   o.interval,
		Thresholds: probes.DefaultThresholds(),
		ReadOnly:   actErr != nil,
		WarRoom:    o.warRoom,
		Styles:     styles,
		Location:   time.Local,
		Procs:      procs,

		OOM:        h.OOM(context.Background(), true),
		PG:         pg,
		PGInterval: o.interval,
		Actions:    actionSvc,
		Incident:   sess,
		Author:     author(),
	}
	d.ReadOnlyWhy = errText(actErr)
	if odoo != nil {
		d.Odoo = &odoo.Config
	}
	if pgOff != host.WhyPGOff { // --pg none: the panel's own hint says how to turn it on
		d.PGOffWhy = pgOff
	}
	// memtui handles the signals itself (ui/quit.go's onSignal has the
	// rule): Bubble Tea's own handler quits on SIGTERM at once and SIGHUP
	// would kill the process, leaving a running action unsupervised and
	// its end unrecorded.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	uiSigs := make(chan ui.Signal, 4)
	var gotSignal atomic.Bool
	go func() {
		for s := range sigs {
			gotSignal.Store(true)
			switch s {
			case syscall.SIGHUP:
				uiSigs <- ui.SignalHangup
			case syscall.SIGTERM:
				uiSigs <- ui.SignalTerminate
			default:
				uiSigs <- ui.SignalInterrupt
			}
		}
	}()
	d.Signals = uiSigs
	d.MemHistory, d.LeaveTo = x.memHistory, x.leaveTo
	p := tea.NewProgram(ui.New(d), o.programOptions(tea.WithoutSignalHandler())...)
	_, err = p.Run()
	return gotSignal.Load(), err
}

// terminalStyles are the styles every full-screen command draws with: the
// --theme colours on stdout's terminal, no colour when NO_COLOR holds
// something (no-color.org: `NO_COLOR=` left in an environment does not take
// colour away), plain ASCII on TERM=dumb (a serial console, an editor's
// shell cannot draw box lines or glyphs).
func terminalStyles(o *options) ui.Styles {
	renderer := lipgloss.NewRenderer(os.Stdout)
	if os.Getenv("NO_COLOR") != "" {
		renderer.SetColorProfile(termenv.Ascii)
	}
	theme, _ := ui.ThemeByName(o.theme)
	styles := ui.NewStyles(renderer, theme)
	styles.ASCII = os.Getenv("TERM") == "dumb"
	return styles
}

// programOptions are the full-screen program's options: screenOptions and
// the mouse unless --no-mouse.
func (o *options) programOptions(extra ...tea.ProgramOption) []tea.ProgramOption {
	opts := append(screenOptions(), extra...)
	if !o.noMouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	return opts
}

// screenOptions are every full-screen program's: the alternate screen; at
// most 30 frames a second (Bubble Tea sends a frame on its next tick: at 10
// a second the first full frame waited up to 100 ms and a key up to 100 ms
// for its answer; a tick with nothing new sends nothing); and, on a
// terminal, output through termdiff, which sends only the cells that
// changed instead of whole lines (about a twentieth of the bytes: a screen
// shared over a slow link keeps up). MEMTUI_FULL_REDRAW=1 turns it off for
// a terminal that disagrees with it.
func screenOptions() []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithFPS(30)}
	if os.Getenv("MEMTUI_FULL_REDRAW") != "1" && term.IsTerminal(os.Stdout.Fd()) {
		opts = append(opts, tea.WithOutput(termdiff.New(os.Stdout)))
	}
	return opts
}

// hostInfo is what the screen shows of the host: its facts and its kind
// (a replay or a fleet host is named in a banner).
func hostInfo(h host.Host, f host.Facts) ui.HostInfo {
	return ui.HostInfo{Name: f.Name, Kernel: f.Kernel, Platform: f.Platform, CPUs: f.CPUs, BootTime: f.BootTime, Kind: string(h.Kind())}
}
