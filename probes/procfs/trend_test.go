package procfs

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/memtui/memtui/probes"
)

const mib = 1 << 20

// series makes points every step from t0, used bytes from used(i) and
// available = total − used, as a host with a fixed MemTotal would show.
func series(n int, step time.Duration, total uint64, used func(i int) uint64) []probes.MemPoint {
	t0 := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	pts := make([]probes.MemPoint, n)
	for i := range pts {
		u := used(i)
		pts[i] = probes.MemPoint{Time: t0.Add(time.Duration(i) * step), UsedBytes: u, AvailBytes: total - u}
	}
	return pts
}

func TestTrendOf(t *testing.T) {
	const total = 16 << 30
	tests := []struct {
		name   string
		points []probes.MemPoint
		window time.Duration
		want   probes.Trend
	}{
		{
			// 10 MiB every 10 s = 60 MiB/min; at the end 14 GiB + 90 MiB is
			// used and 2 GiB − 90 MiB left: 1958 MiB at 60 MiB/min.
			name:   "steady rise gives an estimate",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 14<<30 + uint64(i)*10*mib }),
			window: 5 * time.Minute,
			want: probes.Trend{Window: 90 * time.Second, GrowthBytesPerMin: 60 * mib, OK: true, FullOK: true,
				TimeToFull: time.Duration(float64(2<<30-90*mib) / (60 * mib) * float64(time.Minute))},
		},
		{
			name:   "flat: growth known, no estimate",
			points: series(10, 10*time.Second, total, func(int) uint64 { return 12 << 30 }),
			window: 5 * time.Minute,
			want:   probes.Trend{Window: 90 * time.Second, OK: true},
		},
		{
			name:   "falling: negative growth, no estimate",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 12<<30 - uint64(i)*20*mib }),
			window: 5 * time.Minute,
			want:   probes.Trend{Window: 90 * time.Second, GrowthBytesPerMin: -120 * mib, OK: true},
		},
		{
			name:   "slow creep under 1 MiB/min counts as flat",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 12<<30 + uint64(i)*100*1024 }),
			window: 5 * time.Minute,
			want:   probes.Trend{Window: 90 * time.Second, GrowthBytesPerMin: 600 * 1024, OK: true},
		},
		{
			// ±100 MiB alternating: the least-squares slope is 36.4 MiB/min,
			// well above "flat", but the line explains 3 % of the movement.
			name: "noisy plateau: no estimate",
			points: series(10, 10*time.Second, total, func(i int) uint64 {
				if i%2 == 1 {
					return 12<<30 + 100*mib
				}
				return 12<<30 - 100*mib
			}),
			window: 5 * time.Minute,
			want:   probes.Trend{Window: 90 * time.Second, GrowthBytesPerMin: 5 * 100 * mib / 82.5 * 6, OK: true},
		},
		{
			name:   "too short a span: not OK",
			points: series(3, 10*time.Second, total, func(i int) uint64 { return 12<<30 + uint64(i)*100*mib }),
			window: 5 * time.Minute,
			want:   probes.Trend{Window: 20 * time.Second},
		},
		{
			name:   "one point",
			points: series(1, time.Second, total, func(int) uint64 { return 1 }),
			window: time.Minute,
			want:   probes.Trend{},
		},
		{name: "no points", window: time.Minute, want: probes.Trend{}},
		{
			// Only the last minute counts: an old rise followed by a flat
			// minute is flat now.
			name: "window drops old points",
			points: series(20, 10*time.Second, total, func(i int) uint64 {
				if i < 13 {
					return 10<<30 + uint64(i)*100*mib
				}
				return 10<<30 + 1200*mib
			}),
			window: time.Minute,
			want:   probes.Trend{Window: time.Minute, OK: true},
		},
		{
			name:   "all points at one instant",
			points: append(series(1, 0, total, func(int) uint64 { return 1 }), series(1, 0, total, func(int) uint64 { return 2 })...),
			window: time.Minute,
			want:   probes.Trend{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probes.TrendOf(tt.points, tt.window)
			// Durations from float fits may be a few ns off.
			if d := got.TimeToFull - tt.want.TimeToFull; d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("TimeToFull = %v, want %v", got.TimeToFull, tt.want.TimeToFull)
			}
			got.TimeToFull = tt.want.TimeToFull
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("TrendOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPointOf(t *testing.T) {
	at := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	m := NewMemProbe(fixtureFS("swap-thrash"), func() time.Time { return at }).Read()
	p, ok := probes.PointOf(m)
	want := probes.MemPoint{Time: at, UsedBytes: 15679477 * 1024, AvailBytes: 653311 * 1024, UsedPct: 96.000003, SwapPct: 80, SwapUsed: 3355440 * 1024}
	if diff := cmp.Diff(want, p, cmpopts.EquateApprox(0, 1e-6), cmpopts.EquateNaNs()); !ok || diff != "" {
		t.Errorf("PointOf ok=%v (-want +got):\n%s", ok, diff)
	}
	m = NewMemProbe(fixtureFS("no-swap"), nil).Read()
	if p, ok := probes.PointOf(m); !ok || !math.IsNaN(p.SwapPct) || p.SwapUsed != 0 {
		t.Errorf("no-swap point %+v ok=%v: want SwapPct NaN", p, ok)
	}
}

func TestRing(t *testing.T) {
	r := probes.NewRing[int](3)
	if _, ok := r.Last(); ok || r.Len() != 0 || r.Cap() != 3 {
		t.Fatalf("new ring: len %d cap %d", r.Len(), r.Cap())
	}
	var got [][]int
	for i := 1; i <= 5; i++ {
		r.Push(i)
		got = append(got, r.AppendTo(nil))
	}
	want := [][]int{{1}, {1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("contents after each push (-want +got):\n%s", diff)
	}
	if v, ok := r.Last(); !ok || v != 5 || r.At(0) != 3 || r.Len() != 3 {
		t.Errorf("Last %d %v, At(0) %d, Len %d", v, ok, r.At(0), r.Len())
	}
	if got := r.AppendTo([]int{0}); !cmp.Equal(got, []int{0, 3, 4, 5}) {
		t.Errorf("AppendTo keeps dst: %v", got)
	}
	one := probes.NewRing[string](0)
	one.Push("a")
	one.Push("b")
	if one.Cap() != 1 || one.Len() != 1 || one.At(0) != "b" {
		t.Errorf("capacity 0 becomes 1: cap %d len %d %q", one.Cap(), one.Len(), one.At(0))
	}
	// A long run stays bounded.
	big := probes.NewRing[probes.MemPoint](600)
	for range 10 * 600 {
		big.Push(probes.MemPoint{})
	}
	if big.Len() != 600 {
		t.Errorf("Len after 6000 pushes = %d", big.Len())
	}
}

func TestSeverityOf(t *testing.T) {
	tests := []struct {
		pct  float64
		want probes.Severity
	}{
		{0, probes.Normal}, {74.99, probes.Normal}, {75, probes.Warning}, {84.99, probes.Warning}, {85, probes.High},
		{94.99, probes.High}, {95, probes.Critical}, {100, probes.Critical}, {math.Nextafter(75, 0), probes.Normal},
	}
	for _, tt := range tests {
		if got := probes.SeverityOf(tt.pct, probes.DefaultThresholds()); got != tt.want {
			t.Errorf("SeverityOf(%v) = %v, want %v", tt.pct, got, tt.want)
		}
	}
	custom := probes.Thresholds{Warning: 50, High: 60, Critical: 70}
	if got := probes.SeverityOf(65, custom); got != probes.High {
		t.Errorf("custom thresholds: SeverityOf(65) = %v, want high", got)
	}
	words := map[probes.Severity]string{probes.Normal: "normal", probes.Warning: "warning", probes.High: "high", probes.Critical: "critical", probes.Severity(9): "normal"}
	for s, w := range words {
		b, _ := s.MarshalText()
		if s.String() != w || string(b) != w {
			t.Errorf("Severity(%d) = %q / %q, want %q", int(s), s.String(), b, w)
		}
	}
}

func TestThresholdsValidate(t *testing.T) {
	tests := []struct {
		th probes.Thresholds
		ok bool
	}{
		{probes.DefaultThresholds(), true},
		{probes.Thresholds{Warning: 1, High: 2, Critical: 100}, true},
		{probes.Thresholds{Warning: 0, High: 85, Critical: 95}, false},
		{probes.Thresholds{Warning: 85, High: 75, Critical: 95}, false},
		{probes.Thresholds{Warning: 75, High: 85, Critical: 85}, false},
		{probes.Thresholds{Warning: 75, High: 85, Critical: 101}, false},
		{probes.Thresholds{Warning: -5, High: 85, Critical: 95}, false},
		{probes.Thresholds{Warning: math.NaN(), High: 85, Critical: 95}, false},
	}
	for _, tt := range tests {
		if err := tt.th.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok %v", tt.th, err, tt.ok)
		}
	}
}
