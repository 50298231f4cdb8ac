package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

func TestViewGolden(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}, {200, 60}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("rising_%dx%d", w, h), func(t *testing.T) {
			rs := risingSeries()
			m := New(testDeps(&fakeMemory{readings: rs}))
			m = feed(m, tea.WindowSizeMsg{Width: w, Height: h})
			m = feed(m, sampled(rs)...)
			v := m.View()
			checkBlock(t, v, w, h)
			golden(t, v)
		})
	}
	t.Run("too_small", func(t *testing.T) {
		m := New(testDeps(&fakeMemory{readings: risingSeries()}))
		m = feed(m, tea.WindowSizeMsg{Width: 79, Height: 23})
		v := m.View()
		if !strings.Contains(ansi.Strip(v), "terminal too small: 79×23") {
			t.Errorf("no too-small message in:\n%s", ansi.Strip(v))
		}
		golden(t, v)
	})
	t.Run("first_reading_pending_80x24", func(t *testing.T) {
		m := New(testDeps(&fakeMemory{readings: risingSeries()}))
		m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
		golden(t, m.View())
	})
	t.Run("help_120x40", func(t *testing.T) {
		rs := risingSeries()
		m := New(testDeps(&fakeMemory{readings: rs}))
		m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = feed(m, sampled(rs[:3])...)
		m = feed(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
		golden(t, m.View())
	})
	t.Run("critical_no_swap_old_kernel_80x24", func(t *testing.T) {
		r := memAt(t0, 0, 0, 0)
		r.Meminfo = probes.Meminfo{MemTotal: probes.Some(8 << 30), MemFree: probes.Some(100 << 20),
			Buffers: probes.Some(20 << 20), Cached: probes.Some(180 << 20), SwapTotal: probes.Some(0), SwapFree: probes.Some(0)}
		r.PSIErr, r.PSI = fmt.Errorf("x: %w", probes.ErrUnavailable), probes.PSI{}
		m := New(testDeps(&fakeMemory{readings: []probes.Memory{r}}))
		m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24}, memSampledMsg{at: r.Time, mem: r})
		v := ansi.Strip(m.View())
		for _, want := range []string{"✖ CRITICAL", "estimated: no MemAvailable", "none configured", "no PSI on this kernel"} {
			if !strings.Contains(v, want) {
				t.Errorf("view lacks %q", want)
			}
		}
		golden(t, m.View())
	})
	t.Run("meminfo_unreadable_80x24", func(t *testing.T) {
		r := probes.Memory{Time: t0, MeminfoErr: fmt.Errorf("/proc/meminfo: %w", probes.ErrUnavailable)}
		m := New(testDeps(&fakeMemory{readings: []probes.Memory{r}}))
		m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24}, memSampledMsg{at: r.Time, mem: r})
		v := ansi.Strip(m.View())
		if !strings.Contains(v, "/proc/meminfo: unavailable") {
			t.Errorf("error not drawn in the panel:\n%s", v)
		}
	})
}

// The severity must be readable without colour: word and glyph, in the top
// bar and the panel, for each level.
func TestSeverityInWordsAndGlyphs(t *testing.T) {
	for _, c := range []struct {
		pct  float64
		want string
	}{{50, "● NORMAL"}, {75, "△ WARNING"}, {85, "▲ HIGH"}, {95, "✖ CRITICAL"}} {
		r := memAt(t0, c.pct, 10, 0)
		m := New(testDeps(&fakeMemory{readings: []probes.Memory{r}}))
		m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: r.Time, mem: r})
		lines := strings.Split(ansi.Strip(m.View()), "\n")
		if !strings.Contains(lines[0], c.want) {
			t.Errorf("%.0f %%: top bar %q lacks %q", c.pct, lines[0], c.want)
		}
		if !strings.Contains(lines[2], c.want) {
			t.Errorf("%.0f %%: panel line %q lacks %q", c.pct, lines[2], c.want)
		}
	}
}

func TestUpdateKeys(t *testing.T) {
	key := func(s string) tea.KeyMsg {
		switch s {
		case "tab":
			return tea.KeyMsg{Type: tea.KeyTab}
		case "shift+tab":
			return tea.KeyMsg{Type: tea.KeyShiftTab}
		case "esc":
			return tea.KeyMsg{Type: tea.KeyEsc}
		case "ctrl+c":
			return tea.KeyMsg{Type: tea.KeyCtrlC}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
	}
	newM := func() Model {
		m := New(testDeps(&fakeMemory{readings: risingSeries()}))
		return feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	}
	t.Run("q and ctrl+c quit", func(t *testing.T) {
		for _, k := range []string{"q", "ctrl+c"} {
			_, cmd := newM().Update(key(k))
			if cmd == nil {
				t.Fatalf("%s: no command", k)
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("%s: got %T, want tea.QuitMsg", k, cmd())
			}
		}
	})
	t.Run("? opens help, esc closes it, q inside help does not quit", func(t *testing.T) {
		m := feed(newM(), key("?"))
		if m.dlg == nil {
			t.Fatal("help did not open")
		}
		m = feed(m, key("esc"))
		if m.dlg != nil {
			t.Fatal("esc did not close help")
		}
		m = feed(m, key("?"))
		next, cmd := m.Update(key("q"))
		if next.(Model).dlg != nil {
			t.Error("q did not close help")
		}
		if cmd != nil {
			if _, ok := cmd().(tea.QuitMsg); ok {
				t.Error("q in the help quit the program")
			}
		}
	})
	t.Run("tab cycles focus and the lower tab follows", func(t *testing.T) {
		m := newM()
		var seen []panelID
		for range numPanels {
			m = feed(m, key("tab"))
			seen = append(seen, m.focus)
		}
		want := []panelID{pProcs, pPG, pOOM, pTimeline, pMem}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("focus order %v, want %v", seen, want)
		}
		if m.lower != pTimeline {
			t.Errorf("lower tab %v after returning to memory, want the last one shown (timeline)", m.lower)
		}
		m = feed(m, key("shift+tab"))
		if m.focus != pTimeline {
			t.Errorf("shift+tab went to %v, want timeline", m.focus)
		}
	})
	t.Run("resize relayouts", func(t *testing.T) {
		m := feed(newM(), tea.WindowSizeMsg{Width: 200, Height: 60})
		checkBlock(t, m.View(), 200, 60)
		m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
		checkBlock(t, m.View(), 80, 24)
	})
}

// Ticks carry an id and a tag: a stale tick (after pause) or another
// panel's tick starts no reading, and no reading starts while one is in
// flight.
func TestMemTicks(t *testing.T) {
	p := newMemPanel(testDeps(&fakeMemory{readings: risingSeries()}).withDefaults())
	cmd := p.update(memTickMsg{id: p.id, tag: p.tag})
	if cmd == nil || !p.inFlight {
		t.Fatal("a current tick did not start a reading")
	}
	if cmd2 := p.update(memTickMsg{id: p.id, tag: p.tag}); cmd2 != nil {
		t.Error("a second tick started a reading while one was in flight")
	}
	msg := cmd()
	s, ok := msg.(memSampledMsg)
	if !ok {
		t.Fatalf("reading returned %T", msg)
	}
	next := p.update(s)
	if p.inFlight || next == nil {
		t.Fatal("after a reading the panel must schedule the next tick")
	}
	if c := p.update(memTickMsg{id: p.id + 1, tag: p.tag}); c != nil {
		t.Error("another panel's tick started a reading")
	}
	old := p.tag
	p.update(pauseToggledMsg{paused: true})
	if c := p.update(memTickMsg{id: p.id, tag: old}); c != nil {
		t.Error("a tick from before the pause started a reading")
	}
	if c := p.update(memTickMsg{id: p.id, tag: p.tag}); c != nil {
		t.Error("a tick while paused started a reading")
	}
}

// A source that hangs must not hang the panel: the reading times out into
// an error the panel draws.
func TestReadMemoryTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the read timeout")
	}
	start := time.Now()
	msg := readMemoryCmd(hangingSource{})()
	if el := time.Since(start); el > readTimeout+time.Second {
		t.Errorf("took %s", el)
	}
	s := msg.(memSampledMsg)
	if s.mem.MeminfoErr == nil || !strings.Contains(s.mem.MeminfoErr.Error(), "took over") {
		t.Errorf("err = %v, want a timeout error", s.mem.MeminfoErr)
	}
}

type hangingSource struct{}

func (hangingSource) Read() probes.Memory { select {} }

// History is bounded: hours of readings keep the ring at its capacity.
func TestMemHistoryBounded(t *testing.T) {
	p := newMemPanel(testDeps(nil).withDefaults())
	for i := 0; i < 5000; i++ {
		p.record(memAt(t0.Add(time.Duration(i)*time.Second), 50, 0, 0))
	}
	if p.hist.Len() != p.hist.Cap() || p.hist.Cap() > 3600 {
		t.Errorf("history holds %d of cap %d", p.hist.Len(), p.hist.Cap())
	}
}

// The chart reused across readings draws exactly what a fresh one draws.
func TestChartReuseMatchesFresh(t *testing.T) {
	rs := risingSeries()
	st := NewStyles(nil, DarkTheme())
	reused := newMemPanel(testDeps(nil).withDefaults())
	for i, r := range rs {
		reused.record(r)
		if i%10 == 0 {
			_ = reused.view(st, 80, 31, false) // draws and caches at this size
		}
	}
	fresh := newMemPanel(testDeps(nil).withDefaults())
	for _, r := range rs {
		fresh.record(r)
	}
	if got, want := reused.view(st, 80, 31, false), fresh.view(st, 80, 31, false); got != want {
		t.Errorf("reused chart differs from a fresh one:\n%s\n---\n%s", ansi.Strip(got), ansi.Strip(want))
	}
}

// A refresh tick reuses the last frame; any other message draws anew.
func TestFrameCache(t *testing.T) {
	rs := risingSeries()
	m := New(testDeps(&fakeMemory{readings: rs}))
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: rs[0].Time, mem: rs[0]})
	first := m.View()
	ticked := feed(m, memTickMsg{id: -1})
	if ticked.gen != m.gen || ticked.View() != first {
		t.Error("a refresh tick redrew the frame")
	}
	if clocked := feed(m, clockTickedMsg{at: t0}); clocked.gen != m.gen {
		t.Error("a clock tick redrew although readings already move the clock")
	}
	paused := feed(m, pauseToggledMsg{paused: true})
	paused.paused = true
	if clocked := feed(paused, clockTickedMsg{at: t0}); clocked.gen == paused.gen {
		t.Error("while paused a clock tick must redraw, or the clock stops")
	}
	next := feed(ticked, memSampledMsg{at: rs[60].Time, mem: rs[60]})
	if next.gen == ticked.gen || next.View() == first {
		t.Error("a new reading did not redraw the frame")
	}
	// The timeline follows its file a few times a second: its ticks and
	// the syncs that bring back the state on screen redraw nothing; a
	// sync with a new state, or an error, does.
	st := m.timeline.st
	if tl := feed(m, timelineTickMsg{id: m.timeline.id, tag: m.timeline.tag}); tl.gen != m.gen {
		t.Error("a timeline tick redrew the frame")
	}
	if same := feed(m, incidentSyncedMsg{state: st}); same.gen != m.gen {
		t.Error("a sync that changed nothing redrew the frame")
	}
	changed := st
	changed.Generation++
	if diff := feed(m, incidentSyncedMsg{state: changed}); diff.gen == m.gen {
		t.Error("a sync with a new state must redraw")
	}
	if failed := feed(m, incidentSyncedMsg{state: st, err: errors.New("slow disk")}); failed.gen == m.gen {
		t.Error("a sync that failed must redraw (its flash)")
	}
}

// A process scan or PostgreSQL reading that lands between two memory
// readings is drawn with the next one, not in a frame of its own; the first
// scan and anything while paused are drawn at once.
func TestResultsJoinTheNextReading(t *testing.T) {
	m := procModel(200, 50)
	first := m.View()
	scan := procOdooHost(t0.Add(time.Second))
	scan.Procs[0].RSS += 1 << 30 // init now reads 1.01 GiB
	joined := feed(m, procScanned(m, scan))
	if joined.View() != first {
		t.Error("a scan between readings drew a frame of its own")
	}
	next := feed(joined, memSampledMsg{at: t0.Add(time.Second), mem: memAt(t0.Add(time.Second), 93, 60, 1000)})
	if v := ansi.Strip(next.View()); v == ansi.Strip(first) || !strings.Contains(v, "1.01 GiB") {
		t.Errorf("the next reading did not draw the scan:\n%s", v)
	}
	paused := feed(m, pauseToggledMsg{paused: true})
	paused.paused = true
	if now := feed(paused, procScanned(paused, scan)); now.gen == paused.gen {
		t.Error("paused, a scan must draw at once: no reading will come")
	}
}

// TestModelStaysSmall: Bubble Tea copies the root model on every message,
// and Update's result goes to the heap as an interface, so what the model
// carries by value is allocated several times a message. The key maps, the
// help styles and the theme are shared behind pointers; this keeps a new
// field from bringing 2 KB back by value (it did: 19.7 KB, five key maps).
func TestModelStaysSmall(t *testing.T) {
	if n := unsafe.Sizeof(Model{}); n > 6<<10 {
		t.Errorf("Model is %d bytes by value; keep large, unchanging parts behind a pointer (at most 6 KiB)", n)
	}
}
