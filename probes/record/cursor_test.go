package record

import (
	"strings"
	"testing"
	"time"
)

// tenSeconds is a recording of 10 memory samples, 1 s apart, with a kill
// at 3 s and a severity change at 7 s.
func tenSeconds() *Recording {
	rec := &Recording{}
	for i := 0; i < 10; i++ {
		rec.Mem = append(rec.Mem, MemSample{At: t0.Add(time.Duration(i) * time.Second), Memory: fakeMemory(i)})
	}
	rec.Events = []Event{{At: t0.Add(3 * time.Second), Kind: EventKill, Text: "kill"}, {At: t0.Add(7 * time.Second), Kind: EventSeverity, Text: "high"}}
	return rec
}

func TestCursorSteps(t *testing.T) {
	c := NewCursor(tenSeconds(), func() time.Time { return t0 })
	at := func() int { return int(c.Now().Sub(t0) / time.Second) }
	if at() != 0 {
		t.Fatalf("starts at %d s", at())
	}
	c.Step(-1)
	if at() != 0 {
		t.Errorf("stepped before the start: %d", at())
	}
	c.Step(4)
	if at() != 4 {
		t.Errorf("Step(4) → %d", at())
	}
	c.Step(100)
	if at() != 9 {
		t.Errorf("stepped past the end: %d", at())
	}
	if e, ok := c.JumpEvent(-1); !ok || e.Text != "high" || at() != 7 {
		t.Errorf("[ from 9 s: %v %v at %d", e, ok, at())
	}
	if e, ok := c.JumpEvent(-1); !ok || e.Text != "kill" || at() != 3 {
		t.Errorf("[ from 7 s: %v %v at %d", e, ok, at())
	}
	if _, ok := c.JumpEvent(-1); ok || at() != 3 {
		t.Errorf("[ before the first event moved to %d", at())
	}
	if e, ok := c.JumpEvent(1); !ok || e.Text != "high" {
		t.Errorf("] from 3 s: %v %v", e, ok)
	}
	if _, ok := c.JumpEvent(1); ok || at() != 7 {
		t.Errorf("] after the last event moved to %d", at())
	}
}

func TestCursorPlays(t *testing.T) {
	wall := t0
	c := NewCursor(tenSeconds(), func() time.Time { return wall })
	c.TogglePlay()
	wall = wall.Add(2 * time.Second)
	if got := c.Now(); !got.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("1× after 2 s: %v", got.Sub(t0))
	}
	c.NextSpeed() // 10×, from 2 s
	wall = wall.Add(500 * time.Millisecond)
	if got := c.Now(); !got.Equal(t0.Add(7 * time.Second)) {
		t.Errorf("10× after 0.5 s: %v", got.Sub(t0))
	}
	if s := c.Status(); !strings.Contains(s, "playing 10×") {
		t.Errorf("status %q", s)
	}
	c.Step(-1) // a step while playing starts from what is on screen
	if got := c.Now(); !got.Equal(t0.Add(6 * time.Second)) {
		t.Errorf("step back while playing: %v", got.Sub(t0))
	}
	wall = wall.Add(time.Hour)
	if got := c.Now(); !got.Equal(t0.Add(9*time.Second)) || c.Playing() {
		t.Errorf("the end did not stop the play: %v, playing %v", got.Sub(t0), c.Playing())
	}
	c.TogglePlay() // at the end, play starts over
	if got := c.Now(); !got.Equal(t0) || !c.Playing() {
		t.Errorf("play from the end: %v", got.Sub(t0))
	}
	c.NextSpeed()
	c.NextSpeed()
	if s := c.Status(); !strings.Contains(s, "1×") {
		t.Errorf("speeds do not cycle back to 1×: %q", s)
	}
}
