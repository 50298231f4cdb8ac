// Package units formats byte counts and durations for people, once for the
// whole program: the same value reads the same on screen, in `memtui
// snapshot` and in the report. It is pure (standard library only).
package units

import (
	"fmt"
	"math"
)

// Bytes formats a byte count in binary units with three significant digits
// at most: "0 B", "1023 B", "1.00 KiB", "812 MiB", "13.9 GiB", "1.09 GiB".
// Three digits keep a 1.09 GiB process apart from a 1.05 GiB one, which one
// decimal (1.1 GiB) does not, without widening a table column.
func Bytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit && exp < 5; n /= unit {
		div *= unit
		exp++
	}
	v := float64(b) / float64(div)
	suffix := "KMGTPE"[exp : exp+1]
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %siB", v, suffix)
	case v >= 10:
		return fmt.Sprintf("%.1f %siB", v, suffix)
	}
	return fmt.Sprintf("%.2f %siB", v, suffix)
}

// KiB formats a size given in KiB, as the kernel's OOM report and
// /proc/PID/status give them ("anon-rss:2800000kB").
func KiB(kb uint64) string {
	if kb > math.MaxUint64/1024 {
		kb = math.MaxUint64 / 1024
	}
	return Bytes(kb * 1024)
}

// SignedBytes formats a change in bytes with its sign: "+1.50 MiB",
// "-812 KiB", and "0" for no change.
func SignedBytes(d int64) string {
	switch {
	case d > 0:
		return "+" + Bytes(uint64(d))
	case d < 0:
		// -d overflows for MinInt64; uint64 conversion of its negation does not.
		return "-" + Bytes(uint64(-(d+1))+1)
	}
	return "0"
}

// SignedRate formats a growth in bytes per unit of time with its sign, as
// SignedBytes does; under 1 KiB either way (or NaN) it is "0", so jitter
// never reads as growth or a "-0.0".
func SignedRate(bytesPer float64) string {
	if math.IsNaN(bytesPer) || math.Abs(bytesPer) < 1024 {
		return "0"
	}
	// Converting a float64 at or over 2^64 to uint64 is undefined: clamp.
	b := uint64(math.MaxUint64)
	if v := math.Abs(bytesPer); v < 1<<63 {
		b = uint64(v)
	}
	if bytesPer > 0 {
		return "+" + Bytes(b)
	}
	return "-" + Bytes(b)
}
