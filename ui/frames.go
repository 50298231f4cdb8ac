package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// joinsNextReading reports whether the redraw for msg can wait for the
// next memory reading, at most one interval away. The process scan and the
// PostgreSQL reading run on their own schedules, so at a 1 s refresh their
// results land between two memory readings: drawn at once, each second
// became two or three frames, and in the grid — where memory and processes
// share every row — the standard renderer rewrote the same rows each time
// (measured: 19 frames in 10 s, ~13 KB/s at 200×50). Waiting joins them
// into one frame per reading.
//
// The first result of a source, and any result while a dialog is open,
// draw at once; so does everything while readings do not flow (paused, a
// slow interval, a reading in flight), so nothing waits on a stalled /proc.
func (m Model) joinsNextReading(msg tea.Msg) bool {
	if m.dlg != nil || !m.readingsFlow() {
		return false
	}
	switch msg.(type) {
	case procsScannedMsg:
		return m.procs.have
	case pgSampledMsg:
		return m.pg.have
	}
	return false
}

// readingsFlow reports whether memory readings arrive at least every second
// and the next one is not held up, so a redraw is at most a second away.
func (m Model) readingsFlow() bool {
	return !m.paused && m.d.Interval <= time.Second && m.mem.have > 0 && !m.mem.inFlight
}
