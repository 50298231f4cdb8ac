package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// warRoomModel is the dashboard at w×h during an incident: memory at 90 %
// with an OOM kill (so the incident is open and on-call paged), the Odoo
// host's processes and a PostgreSQL server at 79/100 connections.
func warRoomModel(t *testing.T, w, h int) Model {
	t.Helper()
	tl := &fakeTimeline{}
	c := &clock{t0}
	d := timelineDeps(tl, c)
	d.Procs = &fakeProcSource{}
	d.PG = &fakePG{}
	m := New(d)
	p := startedPanel(t, tl, c)
	var last probes.Memory
	for s := 0; s < 60; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		pct, kills := 80.0, uint64(1)
		if s >= 20 {
			pct = 90
		}
		if s >= 50 {
			kills = 2
		}
		c.t = at
		last = withOOM(memAt(at, pct, 30, 0), kills)
		p, _ = step(t, p, memSampledMsg{at: at, mem: last})
	}
	m.timeline = p
	m = feed(m, tea.WindowSizeMsg{Width: w, Height: h}, memSampledMsg{at: c.t, mem: last})
	m = feed(m, procScanned(m, procOdooHost(c.t)), pgSampledMsg{at: c.t, r: connectedAt(c.t)})
	return m
}

func TestWarRoomGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			m := feed(warRoomModel(t, w, h), key1("w"), flashExpiredMsg{seq: 1})
			v := m.View()
			checkBlock(t, v, w, h)
			s := ansi.Strip(v)
			for _, want := range []string{"▲  HIGH", "INCIDENT", "ESCALATE: PAGE ON-CALL", "TOP CONSUMERS", "odoo-bin",
				"79 / 100", "LATEST EVENTS", "OOM kill", "privacy on", "w war-room view"} {
				if !strings.Contains(s, want) {
					t.Errorf("war-room view lacks %q:\n%s", want, s)
				}
			}
			// Privacy: no user names, no arguments.
			for _, leak := range []string{"odoo-bin odoo", "python3", "127.0.0.1"} {
				if strings.Contains(s, leak) {
					t.Errorf("war-room view shows %q with privacy on:\n%s", leak, s)
				}
			}
			golden(t, v)
		})
	}
}

func TestZoomGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("procs_%dx%d", w, h), func(t *testing.T) {
			m := feed(warRoomModel(t, w, h), procKeyMsg("tab"), key1("z"))
			v := m.View()
			checkBlock(t, v, w, h)
			if s := ansi.Strip(v); !strings.Contains(s, "▸ Top memory consumers") || strings.Contains(s, "Memory & swap") {
				t.Errorf("zoom does not show the process panel alone:\n%s", s)
			}
			golden(t, v)
		})
	}
}

// w, z and P change the state they name, and pressed again give it back.
func TestSharedScreenKeys(t *testing.T) {
	m := warRoomModel(t, 120, 40)
	normal := ansi.Strip(m.View())
	if m.warRoom || m.zoom || m.private {
		t.Fatal("a new dashboard starts in war-room, zoom or privacy")
	}

	if s := ansi.Strip(feed(m, key1("w"), key1("P")).View()); !strings.Contains(s, "odoo-bin odoo") {
		t.Errorf("war-room view with privacy off lacks the user:\n%s", s)
	}
	m = feed(m, key1("w"))
	if !m.warRoom || !m.private || !m.procs.private || !m.pg.hideQueries {
		t.Errorf("w: warRoom %v, privacy %v (procs %v, pg %v); want all on", m.warRoom, m.private, m.procs.private, m.pg.hideQueries)
	}
	m = feed(m, key1("P"))
	if m.private || m.procs.private || m.pg.hideQueries {
		t.Error("P did not turn privacy off in every panel")
	}
	if s := ansi.Strip(m.View()); strings.Contains(s, "privacy on") {
		t.Errorf("header says privacy on after P:\n%s", s)
	}
	m = feed(m, key1("H")) // the PostgreSQL panel's old key is the same switch
	if !m.private || !m.pg.hideQueries {
		t.Error("H did not turn privacy on")
	}
	m = feed(m, key1("w"))
	if m.warRoom {
		t.Error("w again did not leave the war-room view")
	}
	m = feed(m, key1("P"), flashExpiredMsg{seq: 1}, flashExpiredMsg{seq: 2})
	if got := ansi.Strip(m.View()); got != normal {
		t.Errorf("after w, w and privacy off the screen differs from before:\n%s\nwant\n%s", got, normal)
	}

	m = feed(m, key1("z"))
	if !m.zoom {
		t.Error("z did not zoom")
	}
	m = feed(m, key1("z"))
	if m.zoom {
		t.Error("z again did not unzoom")
	}
}

// --war-room starts in the view with privacy on.
func TestWarRoomFlag(t *testing.T) {
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.WarRoom = true
	m := New(d)
	if !m.warRoom || !m.private || !m.pg.hideQueries || !m.procs.private {
		t.Errorf("Deps.WarRoom: warRoom %v private %v", m.warRoom, m.private)
	}
	m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = feed(m, sampled(risingSeries())...)
	v := m.View()
	checkBlock(t, v, 80, 24)
	golden(t, v)
}

// Privacy in the process panel: the program stays, its arguments and the
// user go.
func TestPrivacyHidesProcessArgs(t *testing.T) {
	m := procModel(200, 60)
	if s := ansi.Strip(m.View()); !strings.Contains(s, "/usr/bin/python3") || !strings.Contains(s, "www-data") {
		t.Fatalf("fixture lacks the arguments or users:\n%s", s)
	}
	m = feed(m, key1("P"))
	s := ansi.Strip(m.View())
	for _, leak := range []string{"/usr/bin/python3", "www-data", "db.internal"} {
		if strings.Contains(s, leak) {
			t.Errorf("privacy on, the process panel shows %q:\n%s", leak, s)
		}
	}
	if !strings.Contains(s, "odoo-bin") {
		t.Errorf("privacy hid the program name too:\n%s", s)
	}
}

// The block font: every glyph is 5 rows, and the 3-row form is the same
// pixels folded into half blocks.
func TestBigText(t *testing.T) {
	for _, rows := range []int{3, 5} {
		for _, scale := range []int{1, 2, 3} {
			out := bigText("0123456789.%", rows, scale)
			if len(out) != rows {
				t.Fatalf("rows %d: got %d lines", rows, len(out))
			}
			for _, l := range out {
				if w := ansi.StringWidth(l); w != bigTextWidth("0123456789.%", scale) {
					t.Errorf("rows %d scale %d: line width %d, want %d", rows, scale, w, bigTextWidth("0123456789.%", scale))
				}
			}
		}
	}
	got := strings.Join(bigText("1.5%", 3, 1), "\n")
	want := "▄█    █▀▀ ▀ █\n █    ▀▀█ ▄▀ \n▀▀▀ ▀ ▀▀▀ ▀ ▀"
	if got != want {
		t.Errorf("bigText(1.5%%, 3):\n%s\nwant\n%s", got, want)
	}
}

// The process detail opened with privacy on shows neither the user nor the
// arguments.
func TestPrivacyInProcessDetail(t *testing.T) {
	table := procOdooHost(t0)
	st := NewStyles(nil, DarkTheme())
	for _, private := range []bool{false, true} {
		d := newProcDetailDialog(nil, table.Procs[1], table, time.UTC, func() time.Time { return t0 })
		d.private = private
		s := ansi.Strip(d.view(st, 116, 38))
		for _, v := range []string{"/usr/bin/python3", "odoo-bin · odoo "} {
			if strings.Contains(s, v) == private {
				t.Errorf("privacy %v: %q shown %v:\n%s", private, v, !private, s)
			}
		}
	}
}
