package main

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
	"github.com/memtui/memtui/ui"
)

// viewRecorder runs the fleet screen in a real tea.Program and keeps the
// view after every message, so the test reads what a person would see.
type viewRecorder struct {
	inner tea.Model
	mu    *sync.Mutex
	view  *string
}

func (r viewRecorder) Init() tea.Cmd { return r.inner.Init() }
func (r viewRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.inner.Update(msg)
	r.inner = m
	r.mu.Lock()
	*r.view = ansi.Strip(m.View())
	r.mu.Unlock()
	return r, cmd
}
func (r viewRecorder) View() string { return "" }

// TestFleetScreenExporterStops: the fleet screen over a real Prometheus
// shows both node_exporters, then one stopped mid-run as down, and keeps
// answering keys meanwhile.
func TestFleetScreenExporterStops(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and two node_exporters")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin)
	a, b := promtest.NodeExporter(t), promtest.NodeExporter(t)
	p := promtest.Prometheus(t, a.Addr, b.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := viewRecorder{inner: ui.NewFleet(ui.FleetDeps{Source: c, Interval: 300 * time.Millisecond}), mu: &sync.Mutex{}, view: new(string)}
	prog := tea.NewProgram(rec, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = prog.Run(); close(done) }()
	t.Cleanup(func() { prog.Quit(); <-done })
	prog.Send(tea.WindowSizeMsg{Width: 120, Height: 24})
	view := func() string { rec.mu.Lock(); defer rec.mu.Unlock(); return *rec.view }
	waitView := func(what string, d time.Duration, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			if ok(view()) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s; the screen:\n%s", what, view())
	}
	waitView("both hosts normal", 30*time.Second, func(v string) bool {
		return strings.Contains(v, "2 hosts") && strings.Count(v, "● normal") == 2
	})
	b.Stop()
	waitView(b.Addr+" down", 30*time.Second, func(v string) bool {
		return strings.Contains(v, "✖ 1 down") && strings.Contains(v, "✖ down")
	})
	// the screen still answers: a filter typed now applies at once
	prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	for _, r := range "down" {
		prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	waitView("the filter applied within a second", time.Second, func(v string) bool {
		return strings.Contains(v, b.Addr) && !strings.Contains(v, a.Addr+" ")
	})
}
