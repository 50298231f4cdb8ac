package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// fullScreen draws the war-room view or the zoomed panel between the two
// bars, with any dialog over it. The war-room view wins over zoom: it is
// what the room is looking at.
func (m Model) fullScreen() string {
	bodyH := m.h - 2
	var body string
	if m.warRoom {
		body = m.warRoomView(m.w, bodyH)
	} else {
		// The panel's own view, given the whole body: the same code as in
		// the grid, so nothing new can be wrong in it.
		body = m.panelView(m.focus, m.w, bodyH)
	}
	screen := m.topBar() + "\n" + body + "\n" + m.bottomBar()
	if m.dlg != nil {
		screen = overlay(screen, m.dlg.view(m.st, m.w-4, m.h-2), m.w, m.h)
	}
	return strings.TrimSuffix(screen, "\n")
}

// toggleWarRoom enters or leaves the war-room view. Entering turns privacy
// on: the screen is about to be shared. Leaving keeps privacy as it is —
// the screen is most likely still shared, and the header says it is on.
func (m Model) toggleWarRoom() (tea.Model, tea.Cmd) {
	m.warRoom = !m.warRoom
	text := "war-room view off: w shows it again"
	if m.warRoom {
		m.setPrivacy(true)
		text = "war-room view: privacy on (P shows queries, arguments, users) · w returns"
	}
	return m, func() tea.Msg { return flashMsg{level: flashInfo, text: text} }
}

// setPrivacy sets the one privacy state and hands it to the panels that
// draw private data (their own copies, so each view reads only its panel).
func (m *Model) setPrivacy(on bool) {
	m.private = on
	msg := privacyChangedMsg{on: on}
	m.procs.update(msg)
	m.pg.update(msg)
}
