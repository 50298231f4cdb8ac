package ui

import tea "github.com/charmbracelet/bubbletea"

// panel is the contract every dashboard panel keeps. The receivers are
// pointers: Update holds the Model by value, so a panel reached through
// the registry belongs to that copy and its changes land in the model
// Update returns, with no sharing between models.
type panel interface {
	// init starts the panel's own schedule (its first reading or wait).
	init() tea.Cmd
	// update takes every message the model and an open dialog do not
	// keep, and the keys while the panel has the focus.
	update(msg tea.Msg) tea.Cmd
	// view draws the panel framed in w×h cells.
	view(st Styles, w, h int, focused bool) string
}

// panels is the registry: every panel by its id (layout.go), in focus
// order. A new panel is its own file, its id and title, and one line here;
// the model starts, feeds, focuses and draws it through this list.
func (m *Model) panels() [numPanels]panel {
	return [numPanels]panel{
		pMem:      &m.mem,
		pProcs:    &m.procs,
		pPG:       &m.pg,
		pOOM:      &m.oom,
		pTimeline: &m.timeline,
	}
}
