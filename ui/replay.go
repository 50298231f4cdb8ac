package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/probes"
)

// ReplayCursor is the recorded moment `memtui replay` shows (main.go hands
// in a *record.Cursor behind a small adapter). The sources in Deps read at
// its moment and Deps.Now is its clock, so moving it is all a key does:
// the ui keeps no recording and does no I/O for a replay.
type ReplayCursor interface {
	Now() time.Time
	Step(n int) // n samples forward, or back when n < 0
	// JumpEvent moves to the next (dir > 0) or previous event and says
	// what it was; ok is false when there is none that way.
	JumpEvent(dir int) (what string, ok bool)
	TogglePlay()
	NextSpeed()
	Playing() bool
	Status() string // "paused 1× · 1m0s of 2h0m0s"
	// History is up to n memory readings at or before the moment, oldest
	// first: the chart and the rates a live screen would have by then.
	History(n int) []probes.Memory
}

// replayKeyMap are the time cursor's keys, bound only in a replay (left
// and right move nothing else, so a live dashboard keeps them free).
type replayKeyMap struct {
	Back, Forward, PrevEvent, NextEvent, Play, Speed key.Binding
}

func newReplayKeyMap() replayKeyMap {
	return replayKeyMap{
		Back:      key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "step")),
		Forward:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "step forward")),
		PrevEvent: key.NewBinding(key.WithKeys("["), key.WithHelp("[/]", "prev/next event")),
		NextEvent: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next event")),
		Play:      key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "play/pause")),
		Speed:     key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "speed 1×/10×/60×")),
	}
}

// shortHelp is what the bottom bar lists first in a replay.
func (k replayKeyMap) shortHelp() []key.Binding {
	return []key.Binding{k.Back, k.PrevEvent, k.Play, k.Speed}
}

// memPanelAt is a new memory panel. In a replay it holds the recorded
// readings up to the cursor, so its chart, trend and rates are those of
// that moment from the first frame (at the start, which --from may put
// past the recording's first moment, and after every move).
func memPanelAt(d Deps) memPanel {
	p := newMemPanel(d)
	if d.Replay != nil {
		for _, r := range d.Replay.History(p.hist.Cap()) {
			p.record(r)
		}
	}
	return p
}

// replayKey moves the cursor for a replay key; ok is false for any other
// key. After a move every panel reads again at once (the message that
// resumes a paused refresh does exactly that), so the screen follows
// the cursor without waiting for the next tick.
func (m Model) replayKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	c := m.d.Replay
	flash := ""
	switch {
	case key.Matches(k, m.rkeys.Back):
		c.Step(-1)
	case key.Matches(k, m.rkeys.Forward):
		c.Step(1)
	case key.Matches(k, m.rkeys.PrevEvent), key.Matches(k, m.rkeys.NextEvent):
		dir := 1
		if key.Matches(k, m.rkeys.PrevEvent) {
			dir = -1
		}
		what, ok := c.JumpEvent(dir)
		if !ok {
			flash = "no event that way in this recording"
		} else {
			flash = what
		}
	case key.Matches(k, m.rkeys.Play):
		c.TogglePlay()
	case key.Matches(k, m.rkeys.Speed):
		c.NextSpeed()
	default:
		return m, nil, false
	}
	m.now = m.d.Now()
	// The memory panel starts over at the new moment, not a mix of
	// wherever the cursor went before. The old panel's ticks carry its id
	// and die.
	m.mem = memPanelAt(m.d)
	var cmd tea.Cmd
	var next tea.Model = m
	if !m.paused {
		next, cmd = m.Update(pauseToggledMsg{paused: false})
	}
	if flash != "" {
		cmd = tea.Batch(cmd, msgCmd(flashMsg{level: flashInfo, text: flash}))
	}
	return next, cmd, true
}

// replayStatus is the header's player segment ("" when not replaying).
func (m Model) replayStatus() string {
	if m.d.Replay == nil {
		return ""
	}
	return m.st.Warn.Render(m.d.Replay.Status())
}
