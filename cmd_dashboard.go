// The dashboard: the full-screen program and what it is built from.

package main

import (
	"context"
	"os"
	"runtime/debug"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/ui"
)

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
	h := o.openHost()
	defer h.Close() // ends memtui's PostgreSQL session cleanly (no "unexpected EOF" in the server log)
	// A recording of the live host, for `memtui replay` after the incident.
	defer startRecording(o, h)()
	// --- actions: runbook and runner (a bad runbook is a start-up error) ---
	actionSvc, aerr := newActionService(o, h, os.Getenv("SUDO_USER"))
	if aerr != nil {
		return aerr
	}
	pg, pgOff := h.Postgres()
	actErr := h.CanAct() // the screen asks the host, not the flags
	d := ui.Deps{
		Now:        time.Now,
		Host:       hostInfo(h),
		Memory:     h.Memory(),
		Interval:   o.interval,
		Thresholds: probes.DefaultThresholds(),
		ReadOnly:   actErr != nil,
		Styles:     ui.NewStyles(renderer, theme),
		Location:   time.Local,
		// --- deps: wire sources below ---
		Procs: h.Processes(probes.GrowthConfig{}),

		OOM:        h.OOM(context.Background(), true),
		PG:         pg,
		PGInterval: o.interval,
		Actions:    actionSvc,
		Timeline:   newTimeline(o, h),
		Author:     author(),
	}
	d.ReadOnlyWhy = errText(actErr)
	if pgOff != host.WhyPGOff { // --pg none: the panel's own hint says how to turn it on
		d.PGOffWhy = pgOff
	}
	p := tea.NewProgram(ui.New(d), tea.WithAltScreen(), tea.WithFPS(10))
	_, err := p.Run()
	return err
}
