package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// valBytes formats a probes.Val as bytes, or "—" when unknown.
func valBytes(v probes.Val) string {
	if !v.OK {
		return "—"
	}
	return units.Bytes(v.V)
}

// humanDuration formats a duration for people under stress: "7 min",
// "1 h 05 min", "45 s".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		return fmt.Sprintf("%d h %02d min", h, int(d.Minutes())-60*h)
	}
	return fmt.Sprintf("%d d %d h", int(d.Hours())/24, int(d.Hours())%24)
}

// rate formats a per-second rate compactly ("0", "12", "1.2k").
func rate(v float64) string {
	switch {
	case math.IsNaN(v) || v < 0.05:
		return "0"
	case v < 10:
		return fmt.Sprintf("%.1f", v)
	case v < 10000:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1fk", v/1000)
}

// fit cuts s to at most w cells (with an ellipsis) and pads it to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// block makes s exactly w cells wide and h lines high: longer lines are cut,
// missing lines are blank. Every view returns a block so the layout never
// shifts when content changes.
func block(s string, w, h int) string {
	if h <= 0 || w <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(fit(lines[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// bar draws a w-cell gauge of pct (0–100) with marks at the thresholds, so
// the eye sees how close the next level is even without colour.
func bar(st Styles, pct float64, w int, th probes.Thresholds) string {
	if w < 4 {
		return ""
	}
	filled := int(math.Round(pct / 100 * float64(w)))
	filled = max(0, min(filled, w))
	var rest strings.Builder
	for i := filled; i < w; i++ {
		mark := "░"
		for _, t := range []float64{th.Warning, th.High, th.Critical} {
			if int(t/100*float64(w)) == i {
				mark = "┊"
			}
		}
		rest.WriteString(mark)
	}
	// One Render per run, not per cell: styling is the costly part.
	return st.For(probes.SeverityOf(pct, th)).Render(strings.Repeat("█", filled)) + st.Muted.Render(rest.String())
}
