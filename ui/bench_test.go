package ui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkFrame measures one full frame (View) of the dashboard with ten
// minutes of history, at the sizes people use.
func BenchmarkFrame(b *testing.B) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(sizeName(sz), func(b *testing.B) {
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
		m.mem, _ = m.mem.update(memSampledMsg{at: next.Time, mem: next})
	}
}

func sizeName(sz [2]int) string {
	return string(rune('0'+sz[0]/100%10)) + string(rune('0'+sz[0]/10%10)) + string(rune('0'+sz[0]%10)) + "x" + string(rune('0'+sz[1]/10)) + string(rune('0'+sz[1]%10))
}

// BenchmarkFrameAfterReading is the frame drawn right after a new reading,
// when the chart must be drawn again (once per interval).
func BenchmarkFrameAfterReading(b *testing.B) {
	rs := risingSeries()
	m := New(testDeps(&fakeMemory{readings: rs}))
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = feed(m, sampled(rs)...)
	next := rs[len(rs)-1]
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		next.Time = next.Time.Add(time.Second)
		m.mem, _ = m.mem.update(memSampledMsg{at: next.Time, mem: next})
		_ = m.render()
	}
}
