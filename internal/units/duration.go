package units

import (
	"fmt"
	"time"
)

// Duration formats a span of time for people under stress, with about as
// many digits as matter at that scale: "850 ms", "4.2 s", "45 s",
// "4 min 05 s", "47 min", "1 h 05 min", "3 d 2 h". A duration is a
// magnitude here; the caller says "ago" or "in". The screen, the timeline,
// the snapshot and the report all use it, so an action that took 4 min 05 s
// reads so everywhere.
func Duration(d time.Duration) string { return formatDuration(d, " ", " ") }

// DurationCompact is Duration without spaces, for narrow table cells:
// "850ms", "4.2s", "45s", "4m05s", "47m", "1h05m", "3d02h". It rounds and
// breaks at the same places, so a value reads the same in both forms.
func DurationCompact(d time.Duration) string { return formatDuration(d, "", "") }

// formatDuration is both forms: gap goes between a number and its unit,
// sep between two units.
func formatDuration(d time.Duration, gap, sep string) string {
	if d < 0 {
		d = -d
	}
	if d < 0 { // math.MinInt64 has no positive counterpart
		d = 1<<63 - 1
	}
	unit := func(u string) string {
		if gap == "" {
			return u[:1] // "min" → "m" in the compact form
		}
		return gap + u
	}
	switch {
	case d == 0:
		return "0" + unit("s")
	case d < time.Second:
		ms := d.Round(time.Millisecond) / time.Millisecond
		if gap == "" {
			return fmt.Sprintf("%dms", max(ms, 1))
		}
		return fmt.Sprintf("%d ms", max(ms, 1))
	case d < 10*time.Second:
		d = d.Round(100 * time.Millisecond)
		if d%time.Second == 0 {
			return fmt.Sprintf("%d%s", d/time.Second, unit("s"))
		}
		return fmt.Sprintf("%.1f%s", d.Seconds(), unit("s"))
	case d < time.Minute-time.Second/2:
		return fmt.Sprintf("%d%s", d.Round(time.Second)/time.Second, unit("s"))
	case d < 10*time.Minute-time.Second/2:
		d = d.Round(time.Second)
		m, s := d/time.Minute, d%time.Minute/time.Second
		if s == 0 {
			return fmt.Sprintf("%d%s", m, unit("min"))
		}
		return fmt.Sprintf("%d%s%s%02d%s", m, unit("min"), sep, s, unit("s"))
	case d < time.Hour-time.Minute/2:
		return fmt.Sprintf("%d%s", d.Round(time.Minute)/time.Minute, unit("min"))
	case d < 48*time.Hour-time.Minute/2:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%d%s%s%02d%s", d/time.Hour, unit("h"), sep, d%time.Hour/time.Minute, unit("min"))
	}
	d = d.Round(time.Hour)
	h := d / time.Hour
	if gap == "" {
		return fmt.Sprintf("%dd%02dh", h/24, h%24)
	}
	return fmt.Sprintf("%d d %d h", h/24, h%24)
}
