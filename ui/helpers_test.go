package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/memtui/memtui/internal/golden"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// t0 is the fixed clock of every ui test.
var t0 = time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)

// fakeMemory replays readings; Read returns the next one (the last forever).
type fakeMemory struct {
	readings []probes.Memory
	i        int
}

func (f *fakeMemory) Read() probes.Memory {
	m := f.readings[min(f.i, len(f.readings)-1)]
	f.i++
	return m
}

// memAt builds a reading of a 16 GiB host at usedPct with swap use.
func memAt(at time.Time, usedPct, swapPct float64, swapOut uint64) probes.Memory {
	const total = 16 << 30
	const swapTotal = 4 << 30
	avail := uint64(float64(total) * (100 - usedPct) / 100)
	swapFree := uint64(float64(swapTotal) * (100 - swapPct) / 100)
	return probes.Memory{
		Time: at,
		Meminfo: probes.Meminfo{
			MemTotal: probes.Some(total), MemFree: probes.Some(avail / 4), MemAvailable: probes.Some(avail),
			Buffers: probes.Some(96 << 20), Cached: probes.Some(avail / 2), SwapCached: probes.Some(40 << 20),
			SwapTotal: probes.Some(swapTotal), SwapFree: probes.Some(swapFree), Dirty: probes.Some(12 << 20),
			Shmem: probes.Some(310 << 20), SReclaimable: probes.Some(180 << 20),
			CommitLimit: probes.Some(12 << 30), CommittedAS: probes.Some(19 << 30),
		},
		VMStat: probes.VMStat{PswpIn: probes.Some(swapOut / 3), PswpOut: probes.Some(swapOut), PgMajFault: probes.Some(swapOut / 2), OOMKill: probes.Some(1)},
		PSI: probes.PSI{
			Some: probes.PSILine{Avg10: 12.5, Avg60: 8.25, Avg300: 3.1, OK: true},
			Full: probes.PSILine{Avg10: 4.0, Avg60: 2.5, Avg300: 0.9, OK: true},
		},
		CgroupErr: probes.ErrUnavailable,
	}
}

// risingSeries is ten minutes of readings, one per 5 s, from 80 % to 88 %.
func risingSeries() []probes.Memory {
	var out []probes.Memory
	for i := 0; i <= 120; i++ {
		at := t0.Add(time.Duration(i) * 5 * time.Second)
		out = append(out, memAt(at, 80+8*float64(i)/120, 20+30*float64(i)/120, uint64(1000+i*600)))
	}
	return out
}

// testDeps are deps with a fixed clock, UTC and ASCII styles.
func testDeps(src MemorySource) Deps {
	return Deps{
		Now:        func() time.Time { return t0.Add(10 * time.Minute) },
		Host:       HostInfo{Name: "odoo-prod-1", Kernel: "6.1.0-18-amd64", CPUs: 4, BootTime: t0.Add(-72 * time.Hour)},
		Memory:     src,
		Interval:   time.Second,
		Thresholds: probes.DefaultThresholds(),
		Styles:     NewStyles(nil, DarkTheme()),
		Location:   time.UTC,
	}
}

// feed runs msgs through the model's Update, ignoring the Cmds.
func feed(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// sampled turns readings into the messages the memory panel receives.
func sampled(rs []probes.Memory) []tea.Msg {
	out := make([]tea.Msg, len(rs))
	for i, r := range rs {
		out[i] = memSampledMsg{at: r.Time, mem: r}
	}
	return out
}

// golden compares got with testdata/<test name>.golden, rewriting it
// under -update.
func golden(t *testing.T, got string) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden"), ansi.Strip(got))
}

// checkBlock asserts that a view is exactly h lines of at most w cells.
func checkBlock(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, want at most %d: %q", i, lw, w, ansi.Strip(l))
		}
	}
}
