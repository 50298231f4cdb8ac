package probes

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const mib = 1 << 20

// series makes points every step from t0, used bytes from used(i) and
// available = total − used, as a host with a fixed MemTotal would show.
func series(n int, step time.Duration, total uint64, used func(i int) uint64) []MemPoint {
	t0 := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	pts := make([]MemPoint, n)
	for i := range pts {
		u := used(i)
		pts[i] = MemPoint{Time: t0.Add(time.Duration(i) * step), UsedBytes: u, AvailBytes: total - u}
	}
	return pts
}

func TestTrendOf(t *testing.T) {
	const total = 16 << 30
	tests := []struct {
		name   string
		points []MemPoint
		window time.Duration
		want   Trend
	}{
		{
			// 10 MiB every 10 s = 60 MiB/min; at the end 14 GiB + 90 MiB is
			// used and 2 GiB − 90 MiB left: 1958 MiB at 60 MiB/min.
			name:   "steady rise gives an estimate",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 14<<30 + uint64(i)*10*mib }),
			window: 5 * time.Minute,
			want: Trend{Window: 90 * time.Second, GrowthBytesPerMin: 60 * mib, OK: true, FullOK: true,
				TimeToFull: time.Duration(float64(2<<30-90*mib) / (60 * mib) * float64(time.Minute))},
		},
		{
			name:   "flat: growth known, no estimate",
			points: series(10, 10*time.Second, total, func(int) uint64 { return 12 << 30 }),
			window: 5 * time.Minute,
			want:   Trend{Window: 90 * time.Second, OK: true},
		},
		{
			name:   "falling: negative growth, no estimate",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 12<<30 - uint64(i)*20*mib }),
			window: 5 * time.Minute,
			want:   Trend{Window: 90 * time.Second, GrowthBytesPerMin: -120 * mib, OK: true},
		},
		{
			name:   "slow creep under 1 MiB/min counts as flat",
			points: series(10, 10*time.Second, total, func(i int) uint64 { return 12<<30 + uint64(i)*100*1024 }),
			window: 5 * time.Minute,
			want:   Trend{Window: 90 * time.Second, GrowthBytesPerMin: 600 * 1024, OK: true},
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
			want:   Trend{Window: 90 * time.Second, GrowthBytesPerMin: 5 * 100 * mib / 82.5 * 6, OK: true},
		},
		{
			name:   "too short a span: not OK",
			points: series(3, 10*time.Second, total, func(i int) uint64 { return 12<<30 + uint64(i)*100*mib }),
			window: 5 * time.Minute,
			want:   Trend{Window: 20 * time.Second},
		},
		{
			name:   "one point",
			points: series(1, time.Second, total, func(int) uint64 { return 1 }),
			window: time.Minute,
			want:   Trend{},
		},
		{name: "no points", window: time.Minute, want: Trend{}},
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
			want:   Trend{Window: time.Minute, OK: true},
		},
		{
			name:   "all points at one instant",
			points: append(series(1, 0, total, func(int) uint64 { return 1 }), series(1, 0, total, func(int) uint64 { return 2 })...),
			window: time.Minute,
			want:   Trend{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TrendOf(tt.points, tt.window)
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
	p, ok := PointOf(m)
	want := MemPoint{Time: at, UsedBytes: 15679477 * 1024, AvailBytes: 653311 * 1024, UsedPct: 96.000003, SwapPct: 80, SwapUsed: 3355440 * 1024}
	if diff := cmp.Diff(want, p, cmpopts.EquateApprox(0, 1e-6), cmpopts.EquateNaNs()); !ok || diff != "" {
		t.Errorf("PointOf ok=%v (-want +got):\n%s", ok, diff)
	}
	m = NewMemProbe(fixtureFS("no-swap"), nil).Read()
	if p, ok := PointOf(m); !ok || !math.IsNaN(p.SwapPct) || p.SwapUsed != 0 {
		t.Errorf("no-swap point %+v ok=%v: want SwapPct NaN", p, ok)
	}
}

func TestRing(t *testing.T) {
	r := NewRing[int](3)
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
	one := NewRing[string](0)
	one.Push("a")
	one.Push("b")
	if one.Cap() != 1 || one.Len() != 1 || one.At(0) != "b" {
		t.Errorf("capacity 0 becomes 1: cap %d len %d %q", one.Cap(), one.Len(), one.At(0))
	}
	// A long run stays bounded.
	big := NewRing[MemPoint](600)
	for range 10 * 600 {
		big.Push(MemPoint{})
	}
	if big.Len() != 600 {
		t.Errorf("Len after 6000 pushes = %d", big.Len())
	}
}

func TestSeverityOf(t *testing.T) {
	tests := []struct {
		pct  float64
		want Severity
	}{
		{0, Normal}, {74.99, Normal}, {75, Warning}, {84.99, Warning}, {85, High},
		{94.99, High}, {95, Critical}, {100, Critical}, {math.Nextafter(75, 0), Normal},
	}
	for _, tt := range tests {
		if got := SeverityOf(tt.pct, DefaultThresholds()); got != tt.want {
			t.Errorf("SeverityOf(%v) = %v, want %v", tt.pct, got, tt.want)
		}
	}
	custom := Thresholds{Warning: 50, High: 60, Critical: 70}
	if got := SeverityOf(65, custom); got != High {
		t.Errorf("custom thresholds: SeverityOf(65) = %v, want high", got)
	}
	words := map[Severity]string{Normal: "normal", Warning: "warning", High: "high", Critical: "critical", Severity(9): "normal"}
	for s, w := range words {
		b, _ := s.MarshalText()
		if s.String() != w || string(b) != w {
			t.Errorf("Severity(%d) = %q / %q, want %q", int(s), s.String(), b, w)
		}
	}
}

func TestThresholdsValidate(t *testing.T) {
	tests := []struct {
		th Thresholds
		ok bool
	}{
		{DefaultThresholds(), true},
		{Thresholds{1, 2, 100}, true},
		{Thresholds{0, 85, 95}, false},
		{Thresholds{85, 75, 95}, false},
		{Thresholds{75, 85, 85}, false},
		{Thresholds{75, 85, 101}, false},
		{Thresholds{-5, 85, 95}, false},
		{Thresholds{math.NaN(), 85, 95}, false},
	}
	for _, tt := range tests {
		if err := tt.th.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok %v", tt.th, err, tt.ok)
		}
	}
}
