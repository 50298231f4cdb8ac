// Command floor is the smallest dashboard that can be built on memtui's
// required stack (Bubble Tea, Lip Gloss, ntcharts, gopsutil, pgx): one
// memory chart over ten minutes and one line of text, refreshed every
// second, with pgx linked but no connection, no process table and no
// panels. scripts/bench.sh measures it beside memtui and htop, so the RSS
// that the stack costs before memtui does any work of its own is a figure
// in the same run, not a guess (docs/PERFORMANCE.md).
//
//	go run ./scripts/floor      # q quits
//
// It collects garbage as the dashboard does (GOGC 50 and a 48 MiB limit
// unless GOGC or GOMEMLIMIT is set), so the two are compared alike.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"time"

	tslc "github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/jackc/pgx/v5"
	"github.com/shirou/gopsutil/v4/mem"
)

// parseConfig keeps pgx linked, as it is in a dashboard that can reach
// PostgreSQL; floor never connects.
var parseConfig = pgx.ParseConfig

const window = 10 * time.Minute

type tickMsg time.Time

type model struct {
	chart *tslc.Model
	kept  int // points the chart holds
	used  float64
	err   error
}

func (m model) Init() tea.Cmd { return tick() }

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if s := msg.String(); s == "q" || s == "ctrl+c" {
			return m, tea.Quit
		}
	case tea.WindowSizeMsg:
		c := tslc.New(max(msg.Width-4, 10), 12)
		m.chart, m.kept = &c, 0
	case tickMsg:
		m = m.read(time.Time(msg))
		return m, tick()
	}
	return m, nil
}

// read takes one reading of /proc/meminfo through gopsutil and draws it.
func (m model) read(now time.Time) model {
	v, err := mem.VirtualMemory()
	m.err = err
	if err != nil || m.chart == nil {
		return m
	}
	m.used = v.UsedPercent
	// The chart keeps every point it is given; past two windows' worth it
	// starts again, so a long run stays bounded as the dashboard's ring is.
	if m.kept == 2*int(window/time.Second) {
		m.chart.ClearAllData()
		m.kept = 0
	}
	m.chart.Push(tslc.TimePoint{Time: now, Value: v.UsedPercent})
	m.kept++
	m.chart.SetTimeRange(now.Add(-window), now)
	m.chart.SetViewTimeRange(now.Add(-window), now)
	m.chart.DrawBraille()
	return m
}

var box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)

func (m model) View() string {
	line := fmt.Sprintf("memory used %.1f%%", m.used)
	if m.err != nil {
		line = "memory: " + m.err.Error()
	}
	if m.chart == nil {
		return line
	}
	return box.Render(line + "\n" + m.chart.View())
}

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(48 << 20)
	}
	if _, err := tea.NewProgram(model{}, tea.WithAltScreen()).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
