package probes

import (
	"math"
	"time"
)

// MemPoint is the compact part of a memory reading kept in history.
type MemPoint struct {
	Time       time.Time
	UsedBytes  uint64
	AvailBytes uint64
	UsedPct    float64
	SwapPct    float64 // NaN when there is no swap
	SwapUsed   uint64
}

// PointOf extracts the history point of a reading; ok is false when the
// reading has no meminfo.
func PointOf(m Memory) (MemPoint, bool) {
	pct, ok := m.UsedPercent()
	if !ok {
		return MemPoint{}, false
	}
	avail, _ := m.Meminfo.Available()
	p := MemPoint{Time: m.Time, UsedBytes: m.Meminfo.Used().V, AvailBytes: avail.V, UsedPct: pct, SwapPct: math.NaN()}
	if sp, ok := m.Meminfo.SwapPercent(); ok {
		p.SwapPct = sp
	}
	p.SwapUsed = m.Meminfo.SwapUsed().Or(0)
	return p, true
}

// Trend is the growth of used memory over a recent window and, when it is
// really growing, an estimate of when available memory runs out.
type Trend struct {
	Window            time.Duration // the span of data the fit used
	GrowthBytesPerMin float64       // least-squares slope of used bytes
	OK                bool          // false until MinTrendSpan of data exists
	TimeToFull        time.Duration // until MemAvailable reaches 0 at this rate
	FullOK            bool          // false when flat, falling or too noisy to say
}

// MinTrendSpan is the least history a growth figure is drawn from; shorter
// spans give rates that jump around and estimates nobody should trust.
const MinTrendSpan = 30 * time.Second

// FlatBytesPerMin is the growth under which memory counts as flat: 1 MiB/min
// would take days to fill any server worth an incident.
const FlatBytesPerMin = 1 << 20

// TrendOf fits a line to the points of the last window (oldest first) and
// estimates the time to exhaustion. It is pure: the same points give the
// same answer. The estimate is only given when the growth is above
// FlatBytesPerMin and the fit explains most of the movement (R² ≥ 0.5), so
// a noisy plateau never shows "full in 3 min".
func TrendOf(points []MemPoint, window time.Duration) Trend {
	if len(points) < 2 {
		return Trend{}
	}
	last := points[len(points)-1]
	first := 0
	for first < len(points)-1 && last.Time.Sub(points[first].Time) > window {
		first++
	}
	pts := points[first:]
	span := last.Time.Sub(pts[0].Time)
	if len(pts) < 2 || span < MinTrendSpan {
		return Trend{Window: span}
	}
	// Least squares of used bytes over minutes since the first point.
	var sx, sy, sxx, sxy float64
	n := float64(len(pts))
	t0 := pts[0].Time
	for _, p := range pts {
		x := p.Time.Sub(t0).Minutes()
		y := float64(p.UsedBytes)
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return Trend{Window: span}
	}
	slope := (n*sxy - sx*sy) / den
	tr := Trend{Window: span, GrowthBytesPerMin: slope, OK: true}
	if slope < FlatBytesPerMin {
		return tr
	}
	// R²: how much of the variance the line explains.
	mean := sy / n
	icept := (sy - slope*sx) / n
	var ssTot, ssRes float64
	for _, p := range pts {
		x := p.Time.Sub(t0).Minutes()
		y := float64(p.UsedBytes)
		ssTot += (y - mean) * (y - mean)
		r := y - (icept + slope*x)
		ssRes += r * r
	}
	if ssTot == 0 || 1-ssRes/ssTot < 0.5 {
		return tr
	}
	mins := float64(last.AvailBytes) / slope
	tr.TimeToFull = time.Duration(mins * float64(time.Minute))
	tr.FullOK = true
	return tr
}
