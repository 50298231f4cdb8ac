package record

import (
	"fmt"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
)

// Speeds are the play speeds, in the order the speed key cycles them.
var Speeds = []int{1, 10, 60}

// Cursor is the recorded moment a replay shows: stepped one sample at a
// time, jumped from event to event, or played at 1×, 10× or 60× against
// the wall clock. It does no I/O and starts no goroutine: playing is a
// function of the wall clock, read whenever Now is asked, so the screen
// and the Recording host's sources agree on the moment without a timer
// of their own. Safe for concurrent use (the ui and the sources' Cmds).
type Cursor struct {
	mu    sync.Mutex
	rec   *Recording
	wall  func() time.Time
	at    time.Time // the moment when paused, or where play started
	since time.Time // wall time play started
	play  bool
	speed int // index into Speeds
}

// NewCursor returns a paused cursor at the recording's first sample;
// wall is the wall clock (nil: time.Now).
func NewCursor(rec *Recording, wall func() time.Time) *Cursor {
	if wall == nil {
		wall = time.Now
	}
	return &Cursor{rec: rec, wall: wall, at: rec.Start()}
}

// Now is the recorded moment shown.
func (c *Cursor) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Cursor) nowLocked() time.Time {
	if !c.play {
		return c.at
	}
	t := c.at.Add(c.wall().Sub(c.since) * time.Duration(Speeds[c.speed]))
	if end := c.rec.End(); t.After(end) {
		// The end of the recording stops the play, as a player does.
		c.at, c.play = end, false
		return end
	}
	return t
}

// settle pins the moment (so a step while playing starts from what is
// on screen) and restarts the play clock from it.
func (c *Cursor) settle() {
	c.at = c.nowLocked()
	c.since = c.wall()
}

// Step moves n memory samples forward (n < 0: back), within the recording.
func (c *Cursor) Step(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	if len(c.rec.Mem) == 0 {
		return
	}
	i := c.rec.MemAt(c.at)
	// Between two samples a step back lands on the one shown.
	if n < 0 && i >= 0 && c.rec.Mem[i].At.Before(c.at) {
		n++
	}
	i = max(0, min(len(c.rec.Mem)-1, i+n))
	c.at = c.rec.Mem[i].At
}

// JumpEvent moves to the next event after the moment (dir > 0) or the
// last one before it (dir < 0), and returns it; ok is false when there is
// none that way (the cursor then stays).
func (c *Cursor) JumpEvent(dir int) (e Event, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	evs := c.rec.Events
	if dir > 0 {
		for _, ev := range evs {
			if ev.At.After(c.at) {
				c.at = ev.At
				return ev, true
			}
		}
		return Event{}, false
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].At.Before(c.at) {
			c.at = evs[i].At
			return evs[i], true
		}
	}
	return Event{}, false
}

// TogglePlay plays or pauses; at the end, play starts over from the start.
func (c *Cursor) TogglePlay() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	if !c.play && !c.at.Before(c.rec.End()) {
		c.at = c.rec.Start()
	}
	c.play = !c.play
}

// NextSpeed cycles 1× → 10× → 60× → 1×.
func (c *Cursor) NextSpeed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	c.speed = (c.speed + 1) % len(Speeds)
}

// Playing says whether the cursor moves on its own.
func (c *Cursor) Playing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nowLocked() // the end may have stopped it
	return c.play
}

// Status is the player's state in words: "▶ 10×" or "❚❚ 1×", and where
// the moment is in the recording.
func (c *Cursor) Status() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	state := "paused"
	if c.play {
		state = "playing"
	}
	start, end := c.rec.Start(), c.rec.End()
	return fmt.Sprintf("%s %d× · %s of %s", state, Speeds[c.speed], now.Sub(start).Truncate(time.Second), end.Sub(start).Truncate(time.Second))
}

// Seek moves to t, within the recording (tests and a future "go to time").
func (c *Cursor) Seek(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	c.at = t
	if s := c.rec.Start(); t.Before(s) {
		c.at = s
	}
	if e := c.rec.End(); t.After(e) {
		c.at = e
	}
}

// History is up to n memory readings at or before the moment, oldest
// first: what a live screen would have collected by then, so a replay's
// chart and rates are right the moment the cursor lands.
func (c *Cursor) History(n int) []probes.Memory {
	c.mu.Lock()
	now := c.nowLocked()
	c.mu.Unlock()
	i := c.rec.MemAt(now)
	if i < 0 || n <= 0 {
		return nil
	}
	from := max(0, i+1-n)
	out := make([]probes.Memory, 0, i+1-from)
	for _, s := range c.rec.Mem[from : i+1] {
		out = append(out, s.Memory)
	}
	return out
}
