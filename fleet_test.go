package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes/pgtest"
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

// TestEndToEndFleetDrillIn runs `memtui fleet` in tmux over a real
// Prometheus scraping node_exporter, postgres_exporter on the test's
// PostgreSQL and process-exporter: enter opens the host's dashboard, which
// shows the server's connections by state and max_connections, the
// programs and the memory; a note typed there lands in the host's timeline
// under the fleet directory; q goes back to the fleet, and q again quits.
func TestEndToEndFleetDrillIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, Prometheus and three exporters")
	}
	needTmux(t)
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin, promtest.PGExporterBin, promtest.ProcExporterBin)
	srv := pgtest.Start(t, pgtest.MaxConnections(37))
	const idle = 3
	srv.HoldIdle(t, "postgres", idle)
	ne := promtest.NodeExporter(t)
	pe := promtest.PostgresExporter(t, srv.TCPURL("postgres"))
	px := promtest.ProcessExporter(t, "prometheus,prometheus-node")
	p := promtest.Prometheus(t, ne.Addr, pe.Addr, px.Addr)
	bin := buildBinary(t)
	state := t.TempDir()
	s := startTmux(t, 80, 24, "env", "XDG_STATE_HOME="+state, bin, "fleet", "--prometheus", "http://"+p.Addr, "--refresh", "1s")
	s.waitFor(30*time.Second, "1 host ·", ne.Addr, "● normal")
	s.keys("Enter")
	s.waitFor(40*time.Second, "PROMETHEUS", ne.Addr, "Memory by program", "prometheus-no", "programs from process-exporter")
	// at 80×24 the lower panels are tabs: PostgreSQL is two tabs on.
	// The server's own count, as the exporter sees it: the test's idle
	// sessions plus the exporter's own.
	s.keys("Tab")
	s.keys("Tab")
	screen := s.waitFor(20*time.Second, "/37", "counts from postgres_exporter")
	// At least the held ones: postgres_exporter's own connections of
	// earlier scrapes may still sit idle (5 were seen on a busy machine).
	shown := -1
	if m := regexp.MustCompile(`idle (\d+) ·`).FindStringSubmatch(screen); m != nil {
		shown, _ = strconv.Atoi(m[1])
	}
	if shown < idle {
		t.Errorf("the dashboard must show the %d idle sessions the test holds:\n%s", idle, screen)
	}
	if !strings.Contains(screen, "q back to the fleet") && !strings.Contains(screen, "back to the fleet") {
		t.Errorf("q must say it goes back to the fleet:\n%s", screen)
	}
	// the palette says actions run on the host itself
	s.keys(":")
	s.waitFor(5*time.Second, "ACTIONS OFF", "a Prometheus host is read-only")
	s.keys("Escape")
	// a note, recorded in the host's timeline under the fleet directory
	s.keys("n")
	s.waitFor(5*time.Second, "note")
	s.keys("-l", "checked from the fleet view")
	s.keys("Enter")
	deadline := time.Now().Add(10 * time.Second)
	var found string
	for found == "" && time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(state, "memtui", "fleet", "*.jsonl"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), "checked from the fleet view") {
				found = f
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if found == "" {
		t.Fatalf("the note is in no timeline under %s:\n%s", filepath.Join(state, "memtui", "fleet"), s.capture())
	}
	if live, _ := filepath.Glob(filepath.Join(state, "memtui", "incidents", "*.jsonl")); len(live) != 0 {
		t.Errorf("a remote host's timeline must not land among this host's incidents: %v", live)
	}
	// the report is written from it
	out, err := exec.Command(bin, "report", "--incident", found).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "checked from the fleet view") || !strings.Contains(string(out), ne.Addr) {
		t.Errorf("memtui report --incident %s: %v\n%s", found, err, out)
	}
	s.keys("q")
	s.waitFor(10*time.Second, "1 host ·", "enter open host")
	s.quit()
}
