package ui

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// promPrograms is a scan from a source that sees programs, not processes
// (process-exporter through Prometheus).
func promPrograms() probes.ProcScanResult {
	return probes.ProcScanResult{Table: probes.ProcTable{At: t0}, Window: 5 * time.Minute,
		ProgramsOnly: "programs from process-exporter: no per-process rows or signals here",
		Programs: []probes.ProcGroup{
			{Program: "odoo", Count: 9, RSS: 6 << 30, Swap: 1 << 20, SwapOK: true, Growth: 1 << 20, GrowthOK: true},
			{Program: "postgres", Count: 40, RSS: 3 << 30, SwapOK: true},
		}}
}

// TestProgramsOnlySource: a programs-only scan shows as the program view
// (it has no other), counts its programs, says where they come from, and
// every key that needs a process says why it cannot act.
func TestProgramsOnlySource(t *testing.T) {
	src := &fakeProcSource{results: []probes.ProcScanResult{promPrograms()}}
	m := New(procTestDeps(src))
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 60, 0, 0)},
		procsScannedMsg{id: m.procs.id, res: promPrograms()}, procKeyMsg("tab"))
	v := ansi.Strip(m.View())
	for _, want := range []string{"Memory by program", "2 programs", "odoo", "postgres", "GROWTH 5m", "programs from process-exporter"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "0 procs") {
		t.Errorf("a programs-only source has no process count to show:\n%s", v)
	}
	for _, k := range []string{"g", "enter", "m", "d", "K"} {
		_, cmd := m.Update(procKeyMsg(k))
		if cmd == nil {
			t.Errorf("%s: no answer", k)
			continue
		}
		if f, ok := cmd().(flashMsg); !ok || !strings.Contains(f.text, "process-exporter") {
			t.Errorf("%s must say the source has programs only, got %#v", k, cmd())
		}
	}
	// the filter works on programs
	m = feed(m, procFilterSetMsg{text: "post"})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "1 of 2 programs") || strings.Contains(v, "odoo ") {
		t.Errorf("filter post must keep postgres only:\n%s", v)
	}
}

// TestCountsOnlyPostgres: an exporter's counts show as connections and
// states with the reason there is no session list, and the title does not
// promise one.
func TestCountsOnlyPostgres(t *testing.T) {
	d := testDeps(&fakeMemory{readings: []probes.Memory{memAt(t0, 60, 0, 0)}})
	r := probes.PGReading{Time: t0, Connected: true, Target: "postgres_exporter via http://127.0.0.1:9090",
		Stats: &probes.PGStats{Time: t0, MaxConnections: 40, Total: 37, SlotsUsed: 37, SeesAll: true,
			ByState: map[string]int{"active": 6, "idle": 31}, CountsOnly: "counts from postgres_exporter: sessions, queries and actions stay on the host"}}
	d.PG = &fakePG{readings: []probes.PGReading{r}}
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60}, memSampledMsg{at: t0, mem: memAt(t0, 60, 0, 0)}, pgSampledMsg{at: t0, r: r})
	v := ansi.Strip(m.View())
	for _, want := range []string{"PostgreSQL · connections", "37/40", "active 6", "idle 31", "postgres_exporter via http://127.0.0.1:9090", "sessions, queries and actions stay on the host"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "oldest transactions") || strings.Contains(v, "GRANT pg_monitor") {
		t.Errorf("an exporter's counts have no session list and no role to grant to:\n%s", v)
	}
}

// TestMemHistoryStartsTheChart: history handed in (a Prometheus host's
// last hour) is on the chart and feeds the trend before the first reading.
func TestMemHistoryStartsTheChart(t *testing.T) {
	d := testDeps(&fakeMemory{readings: []probes.Memory{memAt(t0, 60, 0, 0)}})
	for i := range 10 {
		pct := 50 + 4*float64(i)
		d.MemHistory = append(d.MemHistory, probes.MemPoint{Time: t0.Add(time.Duration(i-10) * time.Minute),
			UsedBytes: uint64(pct / 100 * (16 << 30)), AvailBytes: uint64((100 - pct) / 100 * (16 << 30)), UsedPct: pct, SwapPct: math.NaN()})
	}
	m := New(d)
	if !m.mem.trend.OK || m.mem.hist.Len() != 10 {
		t.Fatalf("history must fill the chart's ring and the trend: %d points, trend %+v", m.mem.hist.Len(), m.mem.trend)
	}
	without := New(testDeps(&fakeMemory{readings: []probes.Memory{memAt(t0, 60, 0, 0)}}))
	a := ansi.Strip(feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 60, 0, 0)}).View())
	b := ansi.Strip(feed(without, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 60, 0, 0)}).View())
	if a == b || !strings.Contains(a, "trend") || strings.Contains(a, "collecting") {
		t.Errorf("the chart and trend must show the history:\n%s", a)
	}
}

// TestOOMCountedFromHistory: where the kernel log is elsewhere (a
// Prometheus host) the counter's last hour counts the kills: the panel and
// the header say so rather than "unknown".
func TestOOMCountedFromHistory(t *testing.T) {
	src := &fakeOOM{start: probes.Some(81), status: probes.OOMSourceStatus{Attempts: []probes.OOMAttempt{{
		Source: "prometheus", What: "http://127.0.0.1:9090", Err: errors.New("the kernel log is not in Prometheus")}}}}
	d := testDeps(&fakeMemory{})
	d.OOM = src
	m := New(d)
	mem := memAt(t0, 40, 0, 0)
	mem.VMStat.OOMKill = probes.Some(83)
	before := feed(m, tea.WindowSizeMsg{Width: 200, Height: 60},
		oomLoadedMsg{id: m.oom.id, status: src.status, start: src.start}, memSampledMsg{at: t0, mem: mem})
	if v := ansi.Strip(before.View()); !strings.Contains(v, "last hour: unknown") {
		t.Fatalf("without a counted hour the log's absence must read as unknown:\n%s", v)
	}
	mem.OOMKills1h = probes.Some(2)
	m = feed(before, memSampledMsg{at: t0.Add(time.Second), mem: mem})
	v := ansi.Strip(m.View())
	for _, want := range []string{"✖ 2 in the last hour", "83 since boot"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if c, ok := m.condition(); !ok || c.Level < probes.High || !strings.Contains(strings.ToLower(c.Cause), "kill") {
		t.Errorf("2 kills in the hour must raise the header with its cause, got %+v", c)
	}
}
