package incident

import (
	"testing"
	"time"
)

// BenchmarkObserve is the detector's cost per reading (once per interval).
func BenchmarkObserve(b *testing.B) {
	d := NewDetector(Config{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Observe(Reading{At: t0.Add(time.Duration(i) * time.Second), UsedPct: 90 + float64(i%7), SwapTotalBytes: 1 << 30, SwapUsedBytes: uint64(i%100) << 20, OOMKnown: true})
	}
}
