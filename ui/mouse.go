package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// mouse handles a mouse event the way htop and btop users expect: a click
// focuses the panel (or the tab) under the pointer and, in the process
// table, selects the row; the wheel scrolls the list under the pointer.
// A click never runs anything: actions still need their keys and their
// confirmation. With a dialog open, the wheel scrolls the dialog and
// clicks are ignored.
func (m Model) mouse(ev tea.MouseMsg) (tea.Model, tea.Cmd) {
	var scroll tea.KeyMsg
	switch {
	case ev.Button == tea.MouseButtonWheelUp:
		scroll = tea.KeyMsg{Type: tea.KeyUp}
	case ev.Button == tea.MouseButtonWheelDown:
		scroll = tea.KeyMsg{Type: tea.KeyDown}
	case ev.Button == tea.MouseButtonLeft && ev.Action == tea.MouseActionPress:
	default:
		return m, nil
	}
	if m.dlg != nil || m.quitting {
		if scroll.Type != 0 && m.dlg != nil {
			var cmd tea.Cmd
			m.dlg, cmd = m.dlg.update(scroll)
			if m.dlg.closed() {
				m.dlg = nil
			}
			return m, cmd
		}
		return m, nil
	}
	l := layout(m.w, m.h, m.lower)
	if l.tooSmall {
		return m, nil
	}
	if !l.grid && ev.Y == l.tabs.y {
		if id, ok := m.tabAt(ev.X); ok {
			m.setFocus(id)
		}
		return m, nil
	}
	id, r, ok := panelAt(l, ev.X, ev.Y)
	if !ok {
		return m, nil
	}
	m.setFocus(id)
	if scroll.Type != 0 {
		return m.handleKey(scroll)
	}
	if id == pProcs {
		// Below the frame's top line: the table's header, then the rows.
		m.procs = m.procs.clickRow(ev.Y-r.y-1, r.h-2)
	}
	return m, nil
}

// panelAt is the panel whose place holds the cell x, y.
func panelAt(l screenLayout, x, y int) (panelID, rect, bool) {
	for id := pMem; id < numPanels; id++ {
		r := l.rects[id]
		if r.w > 0 && r.h > 0 && x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h {
			return id, r, true
		}
	}
	return 0, rect{}, false
}

// tabAt is the tab of the stacked layout's strip at column x: each tab is
// its mark, its name between spaces, and a separator (see tabStrip).
func (m Model) tabAt(x int) (panelID, bool) {
	at := 0
	for id := pProcs; id < numPanels; id++ {
		w := len(panelNames[id]) + 3 + 1
		if x >= at && x < at+w {
			return id, true
		}
		at += w
	}
	return 0, false
}
