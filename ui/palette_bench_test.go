package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkPaletteFrame renders a whole 200×60 frame with the palette
// open over the dashboard, as each keystroke in the palette does.
func BenchmarkPaletteFrame(b *testing.B) {
	d, _, _ := palDeps(false)
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = feed(m, sampled(risingSeries()[:30])...)
	m = feed(m, palKey(":"), palKey("r"), palKey("e"))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.render()
	}
}

// BenchmarkPaletteKeystroke is one typed letter: filter and rank the
// runbook, then render the frame.
func BenchmarkPaletteKeystroke(b *testing.B) {
	d, _, _ := palDeps(false)
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = feed(m, palKey(":"))
	b.ReportAllocs()
	for b.Loop() {
		next, _ := m.Update(palKey("r"))
		next, _ = next.(Model).Update(palKey("backspace"))
		_ = next.(Model).View()
	}
}
