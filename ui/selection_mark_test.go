package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// selectedLines are the lines of a colourless view that carry the
// selection mark: what a NO_COLOR terminal shows of the selection.
func selectedLines(v string) []string {
	var out []string
	for _, l := range strings.Split(ansi.Strip(v), "\n") {
		if strings.Contains(l, "┃▸") { // in the focused panel's heavy frame
			out = append(out, l)
		}
	}
	return out
}

// TestSelectionMarkedWithoutColour: with NO_COLOR the highlight is gone,
// yet K and enter act on the selected row: a glyph must mark it, in the
// process table (and its group view) and the OOM list, at every size.
func TestSelectionMarkedWithoutColour(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		m := procModel(sz[0], sz[1])
		m = procPress(m, "down")
		sel := selectedLines(m.View())
		if len(sel) != 1 || !strings.Contains(sel[0], " 820 ") {
			t.Errorf("%dx%d process table: marked lines %q, want the one of pid 820", sz[0], sz[1], sel)
		}
		m = procPress(m, "g")
		if sel := selectedLines(m.View()); len(sel) != 1 || !strings.Contains(sel[0], "odoo-bin") {
			t.Errorf("%dx%d group view: marked lines %q, want odoo-bin's", sz[0], sz[1], sel)
		}
	}
	src := &fakeOOM{kills: parseKills(t, oomLog), status: kmsgStatus(), start: probes.Some(6), next: make(chan []probes.OOMKill)}
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.OOM = src
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40},
		oomLoadedMsg{id: m.oom.id, kills: src.kills, status: src.status, start: src.start})
	for m.focus != pOOM {
		m = feed(m, tea.KeyMsg{Type: tea.KeyTab})
	}
	m = feed(m, tea.KeyMsg{Type: tea.KeyDown})
	if sel := selectedLines(m.View()); len(sel) != 1 || !strings.Contains(sel[0], "9121") {
		t.Errorf("OOM list: marked lines %q, want the second row's (9121)", sel)
	}
}
