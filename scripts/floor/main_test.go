package main

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// TestReadingDrawn: a reading of this host's /proc/meminfo is the line and
// a point on the chart, as bench.sh needs floor to do each second.
func TestReadingDrawn(t *testing.T) {
	var m tea.Model = model{}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	now := time.Now()
	for i := range 3 {
		m, _ = m.Update(tickMsg(now.Add(time.Duration(i) * time.Second)))
	}
	fm := m.(model)
	if fm.err != nil {
		t.Fatal(fm.err)
	}
	if fm.used <= 0 || fm.used >= 100 || fm.kept != 3 {
		t.Fatalf("used %.1f%%, %d points kept, want a figure between 0 and 100 and 3 points", fm.used, fm.kept)
	}
	v := m.View()
	braille := strings.IndexFunc(v, func(r rune) bool { return r > 0x2800 && r <= 0x28FF }) >= 0
	if !strings.Contains(v, "memory used") || !braille {
		t.Fatalf("no reading or no chart line in:\n%s", v)
	}
}
