package ui

import (
	"time"

	"github.com/memtui/memtui/probes"
)

// Messages of the dashboard. Results are past tense, requests imperative;
// each says who sends it and who consumes it.

// memTickMsg asks the memory panel to take a reading. Sent by the memory
// panel's own tick Cmd; consumed by memPanel.update. id and tag let stale
// ticks die when the interval changes or refresh is paused.
type memTickMsg struct {
	id  int
	tag int
}

// memSampledMsg carries one memory reading. Sent by readMemoryCmd; consumed
// by memPanel (chart, figures), the root (severity in the bars) and any
// panel that follows memory (the timeline's detector).
type memSampledMsg struct {
	at  time.Time
	mem probes.Memory
}

// flashMsg shows a levelled line in the bottom bar that clears itself.
// Sent by any Cmd that finishes an action or an export; consumed by the root.
type flashMsg struct {
	level flashLevel
	text  string
}

// flashExpiredMsg clears the flash line if it is still the one with seq.
// Sent by the root's flash timer; consumed by the root.
type flashExpiredMsg struct{ seq int }

// openDialogMsg asks the root to show d over the dashboard; it takes every
// key until d.closed(). Sent by panels (detail view, note, palette).
type openDialogMsg struct{ d dialog }

// pauseToggledMsg tells every panel that refresh was paused or resumed;
// panels bump their tick tag so pending ticks die. Sent by the root on the
// pause key; consumed by every panel.
type pauseToggledMsg struct{ paused bool }

// flashLevel is how loud a flash line is.
type flashLevel int

const (
	flashInfo flashLevel = iota
	flashWarn
	flashErr
)

// clockTickedMsg redraws the clock and the incident timers once a second
// while refresh is paused. Sent and consumed by the root.
type clockTickedMsg struct{ at time.Time }

// --- processes (panel_procs.go) ---

// --- postgres (panel_pg.go) ---

// --- oom (panel_oom.go) ---

// --- timeline (panel_timeline.go) ---

// --- actions (palette.go) ---
