package ui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// TestASCIIView: with Styles.ASCII (TERM=dumb) the whole frame, borders,
// severity glyphs and chart included, is ASCII and keeps its size, and the
// severity is still there in words. A golden per size shows what it looks like.
func TestASCIIView(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("rising_%dx%d", w, h), func(t *testing.T) {
			rs := risingSeries()
			d := testDeps(&fakeMemory{readings: rs})
			d.Styles.ASCII = true
			m := New(d)
			m = feed(m, tea.WindowSizeMsg{Width: w, Height: h})
			m = feed(m, sampled(rs)...)
			v := m.View()
			checkBlock(t, v, w, h)
			for i, r := range ansi.Strip(v) {
				if r > 127 {
					t.Fatalf("non-ASCII %q at byte %d", r, i)
				}
			}
			golden(t, v)
		})
	}
}
