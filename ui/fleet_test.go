package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// fakeFleet hands back a set reading; err makes the next Fleet fail as a
// timeout would.
type fakeFleet struct {
	r   probes.FleetReading
	err error
}

func (f *fakeFleet) Fleet(_ context.Context, now time.Time) probes.FleetReading {
	if f.err != nil {
		return probes.FleetReading{At: now, Err: f.err}
	}
	r := f.r
	r.At = now
	return r
}
func (f *fakeFleet) Addr() string { return "http://127.0.0.1:9090" }

func fp(v float64) *float64 { return &v }

func fleetFixture() *fakeFleet {
	return &fakeFleet{r: probes.FleetReading{Took: 12 * time.Millisecond, Rows: []probes.FleetRow{
		{Instance: "ok-1:9100", Up: true, MemPct: fp(40), SwapUsed: fp(0), SwapTotal: fp(0), OOM1h: fp(0), Spark: []float64{30, 40}},
		{Instance: "crit-1:9100", Up: true, MemPct: fp(97), SwapUsed: fp(1 << 30), SwapTotal: fp(2 << 30), PSISome: fp(12), PSIFull: fp(3), OOM1h: fp(2)},
		{Instance: "gone-1:9100", Up: false, Stale: true},
		{Instance: "warn-1:9100", Up: true, MemPct: fp(80)},
	}}}
}

// run feeds msgs through Update, running the Cmds that read (never ticks).
func fleetStep(t *testing.T, m FleetModel, msgs ...tea.Msg) FleetModel {
	t.Helper()
	for _, msg := range msgs {
		nm, cmd := m.Update(msg)
		m = nm.(FleetModel)
		if cmd == nil {
			continue
		}
		switch out := cmd().(type) {
		case fleetReadMsg:
			nm, _ := m.Update(out)
			m = nm.(FleetModel)
		case tea.BatchMsg:
			for _, c := range out {
				if o := c(); o != nil {
					if _, ok := o.(fleetTickMsg); !ok {
						nm, _ := m.Update(o)
						m = nm.(FleetModel)
					}
				}
			}
		}
	}
	return m
}

func newTestFleet(src FleetSource) FleetModel {
	clock := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	return NewFleet(FleetDeps{Source: src, Now: func() time.Time { return clock }})
}

func TestFleetWorstFirstAndCounts(t *testing.T) {
	m := fleetStep(t, newTestFleet(fleetFixture()), tea.WindowSizeMsg{Width: 120, Height: 24}, fleetTickMsg{})
	var order []string
	for _, r := range m.rows() {
		order = append(order, r.Instance)
	}
	want := "gone-1:9100 crit-1:9100 warn-1:9100 ok-1:9100"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("order = %s, want %s", got, want)
	}
	v := ansi.Strip(m.View())
	for _, s := range []string{"4 hosts", "✖ 1 critical", "△ 1 warning", "● 1 normal", "✖ 1 down", "✖ down", "✖ critical", "1.0G", "none"} {
		if !strings.Contains(v, s) {
			t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
}

func TestFleetTimeoutKeepsDataMarkedStale(t *testing.T) {
	src := fleetFixture()
	m := fleetStep(t, newTestFleet(src), tea.WindowSizeMsg{Width: 100, Height: 24}, fleetTickMsg{})
	src.err = errors.New("Prometheus at http://127.0.0.1:9090: timeout after 5s")
	m = fleetStep(t, m, fleetTickMsg{})
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "timeout after 5s") || !strings.Contains(v, "(stale)") || !strings.Contains(v, "crit-1") {
		t.Fatalf("a timeout must say so and keep the rows, marked stale:\n%s", v)
	}
}

func TestFleetFilterAndDrillIn(t *testing.T) {
	m := fleetStep(t, newTestFleet(fleetFixture()), tea.WindowSizeMsg{Width: 80, Height: 24}, fleetTickMsg{})
	m = fleetStep(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	for _, r := range "warn" {
		m = fleetStep(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	m = fleetStep(t, m, tea.KeyMsg{Type: tea.KeyEnter})
	if rows := m.rows(); len(rows) != 1 || rows[0].Instance != "warn-1:9100" {
		t.Fatalf("filter warn: %v", rows)
	}
	nm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m = nm.(FleetModel)
	if m.Opened() != "warn-1:9100" {
		t.Fatalf("enter opened %q, want the selected host warn-1:9100", m.Opened())
	}
	if cmd == nil {
		t.Fatal("enter must end the fleet program so the host's dashboard can run")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("enter must end the fleet program so the host's dashboard can run")
	}
	// back from the dashboard: same filter and rows, nothing opened, a
	// refresh at once
	m = m.Back()
	if m.Opened() != "" || m.filter.Value() != "warn" || len(m.rows()) != 1 {
		t.Fatalf("Back must keep the filter and rows and open nothing: opened %q filter %q rows %d", m.Opened(), m.filter.Value(), len(m.rows()))
	}
	if tick, ok := m.Init()().(fleetTickMsg); !ok || tick.tag != m.tag {
		t.Fatal("Back's Init must refresh at once, with a tick the model takes")
	}
}

// TestFleetNarrowFits: every line of the view fits the terminal.
func TestFleetNarrowFits(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		m := fleetStep(t, newTestFleet(fleetFixture()), tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}, fleetTickMsg{})
		lines := strings.Split(m.View(), "\n")
		if len(lines) != sz[1] {
			t.Errorf("%v: %d lines", sz, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%v: line %d cells: %q", sz, w, ansi.Strip(l))
			}
		}
	}
}

// BenchmarkFleetView500 is the screen's share of a 500-host refresh: sort,
// filter and draw at 200×60 with an hour's sparkline per row.
func BenchmarkFleetView500(b *testing.B) {
	src := &fakeFleet{}
	for i := 0; i < 500; i++ {
		spark := make([]float64, 61)
		for j := range spark {
			spark[j] = float64((i + j) % 100)
		}
		src.r.Rows = append(src.r.Rows, probes.FleetRow{Instance: fmt.Sprintf("node-%03d:9100", i), Up: true,
			MemPct: fp(float64(i % 100)), SwapUsed: fp(1 << 20), SwapTotal: fp(1 << 30), PSISome: fp(1), PSIFull: fp(0), OOM1h: fp(0), Spark: spark})
	}
	m := newTestFleet(src)
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m = nm.(FleetModel)
	nm, _ = m.Update(fleetReadMsg{r: src.Fleet(context.Background(), time.Now())})
	m = nm.(FleetModel)
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}
