// The dashboard: the full-screen program and what it is built from.

package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/ui"
)

// hostInfo gathers the facts the bars and the timeline show.
func hostInfo(fs probes.FS) ui.HostInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ph := fs.Host(ctx)
	return ui.HostInfo{Name: ph.Name, Kernel: ph.Kernel, Platform: ph.Platform, CPUs: runtime.NumCPU(), BootTime: ph.BootTime}
}

// runDashboard builds the dependencies and runs the full-screen program.
func runDashboard(o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	// memtui runs on a host short of memory: collect garbage early and keep
	// the heap small unless the user set GOGC/GOMEMLIMIT themselves.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(24 << 20)
	}
	renderer := lipgloss.NewRenderer(os.Stdout)
	if _, noColor := os.LookupEnv("NO_COLOR"); noColor {
		renderer.SetColorProfile(termenv.Ascii)
	}
	theme, _ := ui.ThemeByName(o.theme)
	fs := probes.NewFS(o.proc, o.sys)
	// --- actions: runbook and runner (a bad runbook is a start-up error) ---
	actionSvc, aerr := newActionService(o, fs, os.Getenv("SUDO_USER"))
	if aerr != nil {
		return aerr
	}
	// Not the OOM killer's first pick on the host it is rescuing; as root
	// only (the error without root is expected and changes nothing), and
	// the actions get the old score back so they are not shielded too.
	if before, now, err := actions.ProtectSelf(actions.DashboardOOMScoreAdj); err == nil && now != before && actionSvc.Runner != nil {
		actionSvc.Runner.ChildOOMScoreAdj = &before
	}
	d := ui.Deps{
		Now:        time.Now,
		Host:       hostInfo(fs),
		Memory:     probes.NewMemProbe(fs, nil),
		Interval:   o.interval,
		Thresholds: probes.DefaultThresholds(),
		ReadOnly:   o.readOnly,
		Styles:     ui.NewStyles(renderer, theme),
		Location:   time.Local,
		// --- deps: wire sources below ---
		Procs: probes.NewProcMonitor(fs, probes.ProcScannerConfig{PasswdPath: passwdFor(o.proc)}, probes.GrowthConfig{}),

		OOM:        followOOM(oomFS(o)),
		PG:         o.pgSource(fs),
		PGInterval: o.interval,
		Actions:    actionSvc,
		Timeline:   newTimeline(o),
		Author:     author(),
	}
	defer o.closePG() // end memtui's session cleanly (no "unexpected EOF" in the server log)
	// memtui handles the signals itself (ui/quit.go's onSignal has the
	// rule): Bubble Tea's own handler quits on SIGTERM at once and SIGHUP
	// would kill the process, leaving a running action unsupervised and
	// its end unrecorded.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	uiSigs := make(chan ui.Signal, 4)
	go func() {
		for s := range sigs {
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
	p := tea.NewProgram(ui.New(d), tea.WithAltScreen(), tea.WithFPS(10), tea.WithoutSignalHandler())
	_, err := p.Run()
	return err
}
