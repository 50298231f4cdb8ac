package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func click(x, y int) tea.MouseMsg {
	return tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
}

func wheel(x, y int, down bool) tea.MouseMsg {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	return tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress}
}

// TestMouse: a click focuses the panel under it and selects the process
// row it lands on; the wheel scrolls the list under the pointer; a click
// on a tab of the stacked layout opens it; with a dialog open a click does
// nothing, so a click alone never runs an action.
func TestMouse(t *testing.T) {
	m := procModel(200, 60)
	l := layout(200, 60, m.lower)
	pg := l.rects[pPG]
	m = feed(m, click(pg.x+3, pg.y+3))
	if m.focus != pPG {
		t.Fatalf("a click on the PostgreSQL panel left focus on %d", m.focus)
	}
	pr := l.rects[pProcs]
	m = feed(m, click(pr.x+10, pr.y+2+3)) // the fourth row
	if m.focus != pProcs || m.procs.cursor != 3 {
		t.Fatalf("a click on the fourth process row: focus %d cursor %d", m.focus, m.procs.cursor)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "row 4/") {
		t.Errorf("the frame does not say row 4:\n%s", v)
	}
	m = feed(m, click(pr.x+10, pr.y+1)) // the header: no row
	if m.procs.cursor != 3 {
		t.Errorf("a click on the header moved the selection to %d", m.procs.cursor)
	}
	m = feed(m, wheel(pr.x+10, pr.y+5, true), wheel(pr.x+10, pr.y+5, true))
	if m.procs.cursor != 5 {
		t.Errorf("two wheel notches down: cursor %d, want 5", m.procs.cursor)
	}
	m = feed(m, wheel(pr.x+10, pr.y+5, false))
	if m.procs.cursor != 4 {
		t.Errorf("a notch up: cursor %d, want 4", m.procs.cursor)
	}

	// The palette open: a click anywhere is ignored.
	m = feed(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	if m.dlg == nil {
		t.Fatal("the palette did not open")
	}
	before := m.dlg
	m = feed(m, click(100, 30), click(100, 31))
	if m.dlg != before {
		t.Errorf("a click changed the open dialog")
	}

	// Stacked layout: a click on a tab opens it.
	s := procModel(120, 40)
	tabs := layout(120, 40, s.lower).tabs
	x := len(panelNames[pProcs]) + 4 + len(panelNames[pPG]) + 4 + 2 // inside "OOM kills"
	s = feed(s, click(x, tabs.y))
	if s.focus != pOOM || s.lower != pOOM {
		t.Errorf("a click on the OOM kills tab: focus %d lower %d", s.focus, s.lower)
	}
}
