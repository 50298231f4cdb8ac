package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkFrame measures one full frame (View) of the dashboard with ten
// minutes of history, at the sizes people use.
func BenchmarkFrame(b *testing.B) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%03dx%02d", sz[0], sz[1]), func(b *testing.B) {
			rs := risingSeries()
			m := New(testDeps(&fakeMemory{readings: rs}))
			m = feed(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			m = feed(m, sampled(rs)...)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.render() // the drawing itself, not the frame cache
			}
		})
	}
}

// BenchmarkSample measures the Update side of one memory reading: history,
// rates and the trend fit over ten minutes of points.
func BenchmarkSample(b *testing.B) {
	rs := risingSeries()
	m := New(testDeps(&fakeMemory{readings: rs}))
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = feed(m, sampled(rs)...)
	next := memAt(t0.Add(time.Hour), 85, 30, 99999)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		next.Time = next.Time.Add(time.Second)
		m.mem.update(memSampledMsg{at: next.Time, mem: next})
	}
}

// BenchmarkFrameAfterReading is the frame drawn right after a new reading,
// when the chart must be drawn again (once per interval): the costliest
// frame of a quiet dashboard.
func BenchmarkFrameAfterReading(b *testing.B) {
	rs := risingSeries()
	m := New(testDeps(&fakeMemory{readings: rs}))
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = feed(m, sampled(rs)...)
	next := rs[len(rs)-1]
	b.ReportAllocs()
	for b.Loop() {
		next.Time = next.Time.Add(time.Second)
		m.mem.update(memSampledMsg{at: next.Time, mem: next})
		_ = m.render()
	}
}
