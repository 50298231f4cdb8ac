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
	// no-color.org: NO_COLOR counts only when it holds something, so
	// `NO_COLOR=` left over in an environment does not take colour away.
	if os.Getenv("NO_COLOR") != "" {
		renderer.SetColorProfile(termenv.Ascii)
	}
	theme, _ := ui.ThemeByName(o.theme)
	styles := ui.NewStyles(renderer, theme)
	// A dumb terminal (a serial console, an editor's shell) cannot draw box
	// lines or glyphs; give it plain ASCII.
	styles.ASCII = os.Getenv("TERM") == "dumb"
	fs := probes.NewFS(o.proc, o.sys)
	// --- actions: runbook and runner (a bad runbook is a start-up error) ---
	actionSvc, aerr := newActionService(o, fs, os.Getenv("SUDO_USER"))
	if aerr != nil {
		return aerr
	}
	d := ui.Deps{
		Now:        time.Now,
		Host:       hostInfo(fs),
		Memory:     probes.NewMemProbe(fs, nil),
		Interval:   o.interval,
		Thresholds: probes.DefaultThresholds(),
		ReadOnly:   o.readOnly,
		Styles:     styles,
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
	p := tea.NewProgram(ui.New(d), tea.WithAltScreen(), tea.WithFPS(10))
	_, err := p.Run()
	return err
}
