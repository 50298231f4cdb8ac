package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/probes"
)

// fakeCursor is a recording of whole seconds with events at 3 s and 7 s.
type fakeCursor struct {
	start   time.Time
	at      int
	playing bool
	speed   int
}

func (c *fakeCursor) Now() time.Time { return c.start.Add(time.Duration(c.at) * time.Second) }
func (c *fakeCursor) Step(n int)     { c.at = max(0, min(9, c.at+n)) }
func (c *fakeCursor) JumpEvent(dir int) (string, bool) {
	evs := []int{3, 7}
	if dir < 0 {
		evs = []int{7, 3}
	}
	for _, e := range evs {
		if (dir > 0 && e > c.at) || (dir < 0 && e < c.at) {
			c.at = e
			return "event", true
		}
	}
	return "", false
}
func (c *fakeCursor) History(n int) []probes.Memory {
	var out []probes.Memory
	for i := max(0, c.at+1-n); i <= c.at; i++ {
		out = append(out, memAt(c.start.Add(time.Duration(i)*time.Second), 50+float64(i), 0, 0))
	}
	return out
}
func (c *fakeCursor) TogglePlay()   { c.playing = !c.playing }
func (c *fakeCursor) NextSpeed()    { c.speed = (c.speed + 1) % 3 }
func (c *fakeCursor) Playing() bool { return c.playing }
func (c *fakeCursor) Status() string {
	state := "paused"
	if c.playing {
		state = "playing"
	}
	return state + " " + []string{"1×", "10×", "60×"}[c.speed]
}

// TestReplayKeys: the cursor's keys move it, the clock in the header
// follows it, and a jump with no event that way says so.
func TestReplayKeys(t *testing.T) {
	d, _ := replayDeps()
	c := &fakeCursor{start: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	d.Replay, d.Now = c, c.Now
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	top := func() string { return strings.SplitN(palScreen(m), "\n", 2)[0] }
	if !strings.Contains(top(), "02:00:00") || !strings.Contains(top(), "paused 1×") {
		t.Fatalf("top line: %q", top())
	}
	if !strings.Contains(palScreen(m), "←/→ step") {
		t.Errorf("the bottom bar does not name the replay keys")
	}
	m = feed(m, tea.KeyMsg{Type: tea.KeyRight}, tea.KeyMsg{Type: tea.KeyRight})
	if c.at != 2 || !strings.Contains(top(), "02:00:02") {
		t.Errorf("→ → : at %d, top %q", c.at, top())
	}
	if m.mem.hist.Len() != 3 || !strings.Contains(top(), "52.0 %") || !m.mem.rates.OK {
		t.Errorf("the memory panel holds %d readings after → →, want the 3 recorded up to 2 s, with rates; top %q", m.mem.hist.Len(), top())
	}
	// The paused moment read again is no new point: the rates stay.
	m = feed(m, memSampledMsg{at: c.Now(), mem: memAt(c.Now(), 52, 0, 0)})
	if m.mem.hist.Len() != 3 || !m.mem.rates.OK {
		t.Errorf("the same reading again: %d readings, rates %v", m.mem.hist.Len(), m.mem.rates.OK)
	}
	m = feed(m, tea.KeyMsg{Type: tea.KeyLeft})
	if c.at != 1 {
		t.Errorf("←: at %d", c.at)
	}
	m = feed(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("]")})
	if c.at != 3 || !strings.Contains(top(), "02:00:03") {
		t.Errorf("]: at %d, top %q", c.at, top())
	}
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("[")})
	m = next.(Model)
	if c.at != 3 || cmd == nil {
		t.Fatalf("[ before the first event moved to %d", c.at)
	}
	m = feed(m, flashMsg{level: flashInfo, text: "no event that way in this recording"})
	if !strings.Contains(palScreen(m), "no event that way") {
		t.Errorf("no flash for a jump with no event")
	}
	m = feed(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(">")}, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")})
	if !c.playing || c.speed != 1 || !strings.Contains(top(), "playing 10×") {
		t.Errorf("> space: playing %v speed %d, top %q", c.playing, c.speed, top())
	}
	// A live dashboard leaves ← and → alone.
	live := New(testDeps(&fakeMemory{readings: risingSeries()}))
	live = feed(live, tea.WindowSizeMsg{Width: 120, Height: 40}, tea.KeyMsg{Type: tea.KeyRight})
	if strings.Contains(palScreen(live), "←/→ step") {
		t.Errorf("a live dashboard shows the replay keys")
	}
}
