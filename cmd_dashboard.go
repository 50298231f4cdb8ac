// The dashboard: the full-screen program and what it is built from.

package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

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
	host := hostInfo(fs)
	sess, closeSession := newIncidentSession(o, host, probes.DefaultThresholds())
	defer closeSession()
	d := ui.Deps{
		Now:        time.Now,
		Host:       host,
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
		Incident:   sess,
		Author:     author(),
	}
	defer o.closePG() // end memtui's session cleanly (no "unexpected EOF" in the server log)
	p := tea.NewProgram(ui.New(d), tea.WithAltScreen(), tea.WithFPS(10))
	_, err := p.Run()
	return err
}
